"""Offline renders through the engine's signal chain: the same samples the plugin plays.

``render_rig`` runs a DI through a rig with ``tonematch._native.Chain`` (pedal → amp → cabinet
IR → match EQ → peak EQ → delay → reverb, mono in, stereo out). At host rates other than 48 kHz
the chain resamples around the NAM stages and reports that latency; the render removes it, so the
output lines up with the DI as a host with latency compensation would play it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from tonematch._native import Chain, prepare_ir
from tonematch.rig import Rig


def load_ir(path: str | Path) -> tuple[np.ndarray, int]:
    """A cabinet IR as mono float32 samples (channels averaged) and its sample rate."""
    path = Path(path)
    try:
        samples, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except FileNotFoundError:
        raise ValueError(f"{path}: IR file not found") from None
    except (sf.LibsndfileError, RuntimeError, OSError) as err:
        raise ValueError(f"{path}: cannot read the IR ({err})") from None
    if samples.shape[0] == 0:
        raise ValueError(f"{path}: the IR has no samples")
    mono = samples.mean(axis=1, dtype=np.float64).astype(np.float32)
    if not np.all(np.isfinite(mono)):
        raise ValueError(f"{path}: the IR has non-finite samples")
    return mono, int(rate)


def chain_ir(path: str | Path, host_rate: float = 48000.0) -> np.ndarray:
    """The IR file as the chain convolves it at host_rate: float32 taps resampled by the engine."""
    ir, ir_rate = load_ir(path)
    # Named by its path, the engine's errors ("<path>: longer than 10 s") point at the file.
    return prepare_ir(ir, float(ir_rate), float(host_rate), str(path))


def build_chain(rig: Rig, sample_rate: float = 48000.0, max_block: int = 4096) -> Chain:
    """A chain loaded with the rig's pedal, amp and IR, its parameters set without glides."""
    chain = Chain(sample_rate=sample_rate, max_block=max_block)
    if rig.fx_path is not None:
        chain.set_pedal(rig.fx_path)
    if rig.amp_path is not None:
        chain.set_amp(rig.amp_path)
    if rig.ir_path is not None:
        ir, ir_rate = load_ir(rig.ir_path)
        chain.set_ir(ir, float(ir_rate), Path(rig.ir_path).stem)
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
    if not (np.isfinite(tail_s) and tail_s >= 0.0):
        raise ValueError(f"tail_s must be a non-negative number of seconds, got {tail_s}")
    chain = build_chain(rig, sample_rate)
    chain.reset()
    latency = chain.latency_samples
    tail = int(round(tail_s * sample_rate))
    padded = np.concatenate([x, np.zeros(tail + latency, dtype=np.float32)])
    return np.ascontiguousarray(chain.process(padded, block=block)[:, latency:])
