"""Reading the user's DI and reference recordings, with clear errors for unusable files."""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from tonematch.safe_io import (
    InputError,
    audio_error_reason,
    file_mode,
    interruptible_read,
    open_regular,
)

__all__ = ["Audio", "InputError", "load_audio", "write_wav_atomic"]

RATE = 48000  # the matcher and the library models run at 48 kHz
MIN_SECONDS = 2.0
MAX_SECONDS = 600.0  # longer files are analysed over their loudest window of this length
SILENCE_DBFS = -60.0
CLIP_LEVEL = 0.999
MIN_RATE, MAX_RATE = 8000, 384000  # what the plugin accepts too
MAX_CHANNELS = 64
BLOCK_SECONDS = 10.0  # long files are scanned in blocks of this length, never decoded whole
# A channel this far under the loudest one holds no part of the recording: an interface's
# second input left open beside the guitar's. Averaged in, it would halve the guitar (-6 dB),
# and the rig would be driven softer than the player plays into the plugin's mono input.
SILENT_CHANNEL_DB = 30.0


@dataclass
class Audio:
    """Mono 48 kHz float32 audio and what happened on the way in."""

    samples: np.ndarray
    path: Path
    source_rate: int
    source_channels: int
    notes: list[str] = field(default_factory=list)  # warnings for the user
    # With `keep_channels`, the channels `samples` mixes (channels × n, 48 kHz) when there are
    # several: a stereo recording plays at each speaker's level, which its mix can under-read
    # (two takes panned apart mix 3 dB under either).
    channels: np.ndarray | None = None

    @property
    def seconds(self) -> float:
        return len(self.samples) / RATE


def load_audio(path: str | Path, role: str = "audio", max_seconds: float = MAX_SECONDS,
               keep_channels: bool = False) -> Audio:
    """Loads a file as mono 48 kHz float32; raises InputError for anything unusable. With
    `keep_channels`, the mixed channels are kept too (`Audio.channels`).

    A file longer than `max_seconds` is scanned block by block and only its loudest window of
    that length is decoded, so memory depends on `max_seconds`, not on the file (a 45-minute
    reference costs no more than a 2-minute one). `max_seconds=math.inf` reads everything.
    """
    path = Path(path)
    with open_regular(path, f"{role} file") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            raise InputError(f"{path}: {role} file is empty")
        try:
            with interruptible_read(), sf.SoundFile(fh) as snd:
                kept, rate, channels, seconds, clipped, weights = _read_window(
                    snd, path, role, max_seconds)
        except InputError:
            raise
        except (RuntimeError, OSError, sf.LibsndfileError, TypeError, ValueError) as err:
            reason = audio_error_reason(err)
            raise InputError(f"{path}: cannot read {role} as audio ({reason})") from None
    notes: list[str] = []
    if channels > 1:
        notes.append(_mixing_note(path, weights))
    if clipped > 0.001:
        notes.append(f"{path.name}: {100 * clipped:.1f}% of samples are clipped")
    if seconds < MIN_SECONDS:
        raise InputError(
            f"{path}: {role} is {seconds:.2f} s long; at least {MIN_SECONDS:g} s is needed"
        )
    mono = _mix(kept, np.full(kept.shape[1], 1.0 / kept.shape[1]))
    if seconds > max_seconds:
        notes.append(f"{path.name}: {seconds / 60:.1f} min long; analysing the loudest "
                     f"{max_seconds / 60:g} min")
    several = np.ascontiguousarray(kept.T) if keep_channels and kept.shape[1] > 1 else None
    if rate != RATE:
        ratio = Fraction(RATE, int(rate)).limit_denominator(1000)
        mono = resample_poly(mono.astype(np.float64), ratio.numerator, ratio.denominator)
        if several is not None:
            several = resample_poly(several.astype(np.float64), ratio.numerator,
                                    ratio.denominator, axis=1)
        notes.append(f"{path.name}: resampled from {rate} Hz to {RATE} Hz")
    mono = np.asarray(mono, dtype=np.float32)
    peak = float(np.max(np.abs(mono)))
    if peak == 0.0 or 20 * math.log10(rms(mono) + 1e-30) < SILENCE_DBFS:
        raise InputError(f"{path}: {role} is silent (below {SILENCE_DBFS:g} dBFS)")
    return Audio(mono, path, int(rate), channels, notes,
                 None if several is None else np.asarray(several, dtype=np.float32))


def _block(snd: sf.SoundFile, frames: int, path: Path, role: str) -> tuple[np.ndarray, int]:
    """The next `frames` frames (frames × channels) and how many samples are clipped."""
    block = snd.read(frames, dtype="float32", always_2d=True)
    if not np.all(np.isfinite(block)):
        bad = int(np.count_nonzero(~np.isfinite(block)))
        raise InputError(f"{path}: {role} contains {bad} NaN or infinite samples")
    return block, int(np.count_nonzero(np.abs(block) >= CLIP_LEVEL))


def channel_weights(power: np.ndarray) -> np.ndarray:
    """How each channel is mixed to mono, from each channel's mean power: the average of those
    within SILENT_CHANNEL_DB of the loudest, the rest left out."""
    power = np.asarray(power, dtype=np.float64)
    keep = power >= power.max() * 10 ** (-SILENT_CHANNEL_DB / 10)
    return keep / np.count_nonzero(keep)


def _mix(block: np.ndarray, weights: np.ndarray) -> np.ndarray:
    mono = block[:, 0] if len(weights) == 1 else block @ weights.astype(np.float32)
    return np.ascontiguousarray(mono, dtype=np.float32)


def _mixing_note(path: Path, weights: np.ndarray) -> str:
    used = [i + 1 for i, w in enumerate(weights) if w > 0]
    if len(used) == len(weights):
        return f"{path.name}: {len(weights)} channels mixed to mono"
    left = [i + 1 for i, w in enumerate(weights) if w == 0]

    def named(channels: list[int]) -> str:
        return ("channel " if len(channels) == 1 else "channels ") + ", ".join(map(str, channels))

    return (f"{path.name}: {named(left)} silent (over {SILENT_CHANNEL_DB:g} dB under the "
            f"loudest) and left out; {named(used)} used, at full level, as a mono input plays "
            "it")


def _read_window(snd: sf.SoundFile, path: Path, role: str, max_seconds: float
                 ) -> tuple[np.ndarray, int, int, float, float, np.ndarray]:
    """(the loudest max_seconds of the channels mixed to mono (samples × channels kept), rate,
    channels, file seconds, clipped share, channel weights)."""
    rate, channels, frames = int(snd.samplerate), int(snd.channels), int(snd.frames)
    if not MIN_RATE <= rate <= MAX_RATE:
        raise InputError(f"{path}: {role} has an unsupported sample rate of {rate} Hz "
                         f"({MIN_RATE}–{MAX_RATE} Hz are accepted)")
    if not 1 <= channels <= MAX_CHANNELS:
        raise InputError(f"{path}: {role} has {channels} channels; at most {MAX_CHANNELS} "
                         "are accepted")
    if frames <= 0:
        raise InputError(f"{path}: {role} holds no samples")
    seconds = frames / rate
    if seconds <= max_seconds:
        block, clipped = _block(snd, frames, path, role)
        if len(block) == 0:
            raise InputError(f"{path}: {role} holds no samples")
        weights = channel_weights(np.mean(np.square(block, dtype=np.float64), axis=0))
        return (block[:, weights > 0], rate, channels, len(block) / rate,
                clipped / (len(block) * channels), weights)
    # Long file: which channels to mix (one pass over blocks, NaN checked on the way), then
    # per-second energies of the mix, then only the loudest window is read again; the same
    # window loudest_window() would choose.
    step = int(BLOCK_SECONDS) * rate  # whole seconds, so the per-second sums line up
    weights = np.ones(1)
    if channels > 1:
        power = np.zeros(channels)
        for block, _ in _blocks(snd, frames, step, path, role):
            power += np.sum(np.square(block, dtype=np.float64), axis=0)
        weights = channel_weights(power)
        snd.seek(0)
    energy: list[np.ndarray] = []
    clipped = done = 0
    for block, c in _blocks(snd, frames, step, path, role):
        mono = _mix(block, weights)
        clipped += c
        energy.append(np.add.reduceat(np.square(mono, dtype=np.float64),
                                      np.arange(0, len(mono), rate)))
        done += len(mono)
    per_second = np.concatenate(energy)
    per_window = max(1, int(round(max_seconds)))
    sums = np.convolve(per_second, np.ones(per_window), mode="valid")
    start = int(np.argmax(sums)) * rate
    snd.seek(start)
    window = _block(snd, int(max_seconds * rate), path, role)[0][:, weights > 0]
    return window, rate, channels, done / rate, clipped / (done * channels), weights


def _blocks(snd: sf.SoundFile, frames: int, step: int, path: Path,
            role: str) -> Iterator[tuple[np.ndarray, int]]:
    """The file from the current position in blocks of `step` frames, with their clip counts."""
    done = 0
    while done < frames:
        block, c = _block(snd, min(step, frames - done), path, role)
        if len(block) == 0:
            break
        yield block, c
        done += len(block)


def rms(x: np.ndarray) -> float:
    """Root mean square of a signal."""
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if len(x) else 0.0


def loudest_start(x: np.ndarray, rate: int, seconds: float) -> int:
    """Where the window of the given length with the most energy starts (1 s resolution)."""
    if len(x) <= int(seconds * rate):
        return 0
    hop = rate
    energy = np.add.reduceat(np.square(x, dtype=np.float64), np.arange(0, len(x), hop))
    per_window = max(1, int(round(seconds)))
    sums = np.convolve(energy, np.ones(per_window), mode="valid")
    return int(np.argmax(sums)) * hop


def loudest_window(x: np.ndarray, rate: int, seconds: float) -> np.ndarray:
    """The window of the given length with the most energy (1 s resolution)."""
    start = loudest_start(x, rate, seconds)
    return x[start : start + int(seconds * rate)]


def active_excerpt(x: np.ndarray, seconds: float) -> np.ndarray:
    """The most active stretch of `seconds` (the whole signal when it is shorter)."""
    return loudest_window(x, RATE, seconds) if len(x) > seconds * RATE else x


def spread_excerpt(x: np.ndarray, seconds: float, pieces: int = 4) -> np.ndarray:
    """`pieces` stretches taken evenly across the signal, joined with short fades.

    One contiguous window over-represents one passage (a loud riff, a pause); statistics such as
    the level distribution come out closer to the whole recording's from a spread sample.
    """
    n = int(seconds * RATE)
    if len(x) <= n:
        return x
    piece = n // pieces
    fade = min(240, piece // 4)
    ramp = np.sin(np.linspace(0, np.pi / 2, fade)) ** 2
    starts = np.linspace(0, len(x) - piece, pieces).astype(int)
    out = []
    for s in starts:
        seg = x[s : s + piece].astype(np.float32).copy()
        seg[:fade] *= ramp
        seg[-fade:] *= ramp[::-1]
        out.append(seg)
    return np.concatenate(out)


def write_wav_atomic(path: str | Path, audio: np.ndarray, rate: int = RATE) -> None:
    """Writes a float WAV (frames × channels or 1-D) so a failed run never leaves a partial file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".wav", dir=path.parent)
    # mkstemp makes 0600 files; the output gets the mode the user's umask asks for.
    os.fchmod(fd, file_mode())
    os.close(fd)
    try:
        sf.write(tmp, np.asarray(audio, dtype=np.float32), rate, subtype="FLOAT", format="WAV")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
