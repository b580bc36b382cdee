"""Offline renders through the engine's signal chain: the same samples the plugin plays.

``render_rig`` runs a DI through a rig with ``tonematch._native.Chain`` (pedal → amp → cabinet
IR → match EQ → peak EQ → delay → reverb, mono in, stereo out). At host rates other than 48 kHz
the chain resamples around the NAM stages and reports that latency; the render removes it, so the
output lines up with the DI as a host with latency compensation would play it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import soundfile as sf

from tonematch._native import Chain, prepare_ir
from tonematch.rig import Rig
from tonematch.safe_io import (
    InputError,
    audio_error_reason,
    check_regular_file,
    interruptible_read,
    open_regular,
)

MAX_IR_SECONDS = 10.0  # the engine's and the plugin's limit: cabinet IRs are well under 1 s
SILENT_IR_PEAK = 1e-9  # an IR whose largest tap is below this plays nothing (-180 dBFS)
MAX_TAIL_SECONDS = 60.0  # delay and reverb tails die out long before this
RENDER_CHUNK = 1 << 16  # samples per call into the chain (~1.4 s): Ctrl-C is seen between calls


def load_ir(path: str | Path) -> tuple[np.ndarray, int]:
    """A cabinet IR as mono float32 samples (channels averaged) and its sample rate.

    InputError naming the file for anything the chain cannot play: not a regular file (a FIFO
    would block), not audio, empty, longer than MAX_IR_SECONDS (checked from the header, before
    decoding), non-finite or silent.
    """
    path = Path(path)
    with open_regular(path, "IR file") as fh:
        try:
            with interruptible_read(), sf.SoundFile(fh) as snd:
                rate, frames = int(snd.samplerate), int(snd.frames)
                if rate <= 0:
                    raise InputError(f"{path}: the IR has an invalid sample rate ({rate} Hz)")
                if frames > MAX_IR_SECONDS * rate:
                    raise InputError(f"{path}: the IR is {frames / rate:.1f} s long; longer than "
                                     f"{MAX_IR_SECONDS:g} s is not a cabinet impulse response")
                samples = snd.read(frames, dtype="float32", always_2d=True)
        except InputError:
            raise
        except (sf.LibsndfileError, RuntimeError, OSError, TypeError, ValueError) as err:
            raise InputError(f"{path}: cannot read the IR ({audio_error_reason(err)})") from None
    if samples.shape[0] == 0:
        raise InputError(f"{path}: the IR has no samples")
    if not np.all(np.isfinite(samples)):
        raise InputError(f"{path}: the IR has non-finite samples")
    mono = samples.mean(axis=1, dtype=np.float64).astype(np.float32)
    if float(np.max(np.abs(mono))) < SILENT_IR_PEAK:
        raise InputError(f"{path}: the IR is silent (every sample is zero)")
    return mono, int(rate)


def chain_ir(path: str | Path, host_rate: float = 48000.0) -> np.ndarray:
    """The IR file as the chain convolves it at host_rate: float32 taps resampled by the engine."""
    ir, ir_rate = load_ir(path)
    # Named by its path, the engine's errors ("<path>: longer than 10 s") point at the file.
    try:
        return prepare_ir(ir, float(ir_rate), float(host_rate), str(path))
    except ValueError as err:
        raise InputError(str(err)) from None


def _load_model(chain: Chain, slot: str, path: Path) -> None:
    check_regular_file(path, f"{slot} model")  # the engine would block on a FIFO
    try:
        getattr(chain, f"set_{slot}")(str(path))
    except ValueError as err:  # the engine's "<file>: <reason>"
        message = str(err)
        raise InputError(message if str(path) in message else f"{path}: {message}") from None


def build_chain(rig: Rig, sample_rate: float = 48000.0, max_block: int = 4096) -> Chain:
    """A chain loaded with the rig's pedal, amp and IR, its parameters set without glides."""
    chain = Chain(sample_rate=sample_rate, max_block=max_block)
    if rig.fx_path is not None:
        _load_model(chain, "pedal", rig.fx_path)
    if rig.amp_path is not None:
        _load_model(chain, "amp", rig.amp_path)
    if rig.ir_path is not None:
        ir, ir_rate = load_ir(rig.ir_path)
        try:
            chain.set_ir(ir, float(ir_rate), Path(rig.ir_path).stem)
        except ValueError as err:
            raise InputError(f"{rig.ir_path}: {err}") from None
    params = rig.params.clamped(str(rig.name or "rig"))
    chain.set_params(**params.to_dict(), match_eq_db=params.match_eq_db, immediate=True)
    return chain


def render_rig(
    rig: Rig,
    di: np.ndarray,
    sample_rate: float = 48000.0,
    block: int = 0,
    tail_s: float = 0.0,
) -> np.ndarray:
    """The DI through the rig: float32 of shape (2, len(di) + tail), aligned with the DI.

    ``block`` is the processing block size (0 = 4096; the output does not depend on it);
    ``tail_s`` adds that many seconds after the DI for delay and reverb tails.
    """
    x = np.asarray(di, dtype=np.float32)
    if x.ndim != 1:
        raise ValueError(f"render_rig() takes a mono 1-D DI, got shape {x.shape}")
    if not (math.isfinite(tail_s) and 0.0 <= tail_s <= MAX_TAIL_SECONDS):
        raise ValueError(f"tail_s must be 0…{MAX_TAIL_SECONDS:g} seconds, got {tail_s}")
    chain = build_chain(rig, sample_rate)
    chain.reset()
    latency = chain.latency_samples
    tail = int(round(tail_s * sample_rate))
    total = len(x) + tail
    out = np.empty((2, total), dtype=np.float32)
    # The chain's output does not depend on how the input is cut, so rendering in chunks gives
    # the same samples while letting Ctrl-C through between native calls on long DIs.
    pos = 0  # input samples fed (DI, then silence)
    written = -latency  # output position of the next chain sample (the first `latency` dropped)
    while written < total:
        n = min(RENDER_CHUNK, total + latency - pos)
        chunk = np.zeros(n, dtype=np.float32)
        if pos < len(x):
            m = min(n, len(x) - pos)
            chunk[:m] = x[pos : pos + m]
        y = chain.process(chunk, block=block)
        pos += n
        skip = max(0, -written)
        take = y[:, skip:]
        out[:, written + skip : written + skip + take.shape[1]] = take
        written += n
    return out
