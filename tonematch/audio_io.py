"""Reading the user's DI and reference recordings, with clear errors for unusable files."""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

RATE = 48000  # the matcher and the library models run at 48 kHz
MIN_SECONDS = 2.0
MAX_SECONDS = 600.0  # longer files are analysed over their loudest window of this length
SILENCE_DBFS = -60.0
CLIP_LEVEL = 0.999


class InputError(ValueError):
    """An input file the matcher cannot use; the message names the file and the problem."""


@dataclass
class Audio:
    """Mono 48 kHz float32 audio and what happened on the way in."""

    samples: np.ndarray
    path: Path
    source_rate: int
    source_channels: int
    notes: list[str] = field(default_factory=list)  # warnings for the user

    @property
    def seconds(self) -> float:
        return len(self.samples) / RATE


def load_audio(path: str | Path, role: str = "audio", max_seconds: float = MAX_SECONDS) -> Audio:
    """Loads a file as mono 48 kHz float32; raises InputError for anything unusable."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: {role} file not found")
    if path.is_dir():
        raise InputError(f"{path}: {role} is a folder, not an audio file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: {role} file is empty")
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, OSError, sf.LibsndfileError) as err:
        reason = str(err).split(":")[-1].strip() or "unknown format"
        raise InputError(f"{path}: cannot read {role} as audio ({reason})") from None
    if data.shape[0] == 0:
        raise InputError(f"{path}: {role} holds no samples")
    if not np.all(np.isfinite(data)):
        bad = int(np.count_nonzero(~np.isfinite(data)))
        raise InputError(f"{path}: {role} contains {bad} NaN or infinite samples")
    notes: list[str] = []
    channels = data.shape[1]
    mono = data.mean(axis=1) if channels > 1 else data[:, 0]
    if channels > 1:
        notes.append(f"{path.name}: {channels} channels mixed to mono")
    clipped = float(np.mean(np.abs(data) >= CLIP_LEVEL))
    if clipped > 0.001:
        notes.append(f"{path.name}: {100 * clipped:.1f}% of samples are clipped")
    seconds = len(mono) / rate
    if seconds < MIN_SECONDS:
        raise InputError(
            f"{path}: {role} is {seconds:.2f} s long; at least {MIN_SECONDS:g} s is needed"
        )
    if seconds > max_seconds:
        mono = loudest_window(mono, rate, max_seconds)
        notes.append(f"{path.name}: {seconds / 60:.1f} min long; analysing the loudest "
                     f"{max_seconds / 60:g} min")
    if rate != RATE:
        ratio = Fraction(RATE, int(rate)).limit_denominator(1000)
        mono = resample_poly(mono.astype(np.float64), ratio.numerator, ratio.denominator)
        notes.append(f"{path.name}: resampled from {rate} Hz to {RATE} Hz")
    mono = np.asarray(mono, dtype=np.float32)
    peak = float(np.max(np.abs(mono)))
    if peak == 0.0 or 20 * math.log10(rms(mono) + 1e-30) < SILENCE_DBFS:
        raise InputError(f"{path}: {role} is silent (below {SILENCE_DBFS:g} dBFS)")
    return Audio(mono, path, int(rate), channels, notes)


def rms(x: np.ndarray) -> float:
    """Root mean square of a signal."""
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if len(x) else 0.0


def loudest_window(x: np.ndarray, rate: int, seconds: float) -> np.ndarray:
    """The window of the given length with the most energy (1 s resolution)."""
    n = int(seconds * rate)
    if len(x) <= n:
        return x
    hop = rate
    energy = np.add.reduceat(np.square(x, dtype=np.float64), np.arange(0, len(x), hop))
    per_window = max(1, int(round(seconds)))
    sums = np.convolve(energy, np.ones(per_window), mode="valid")
    start = int(np.argmax(sums)) * hop
    return x[start : start + n]


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
    os.close(fd)
    try:
        sf.write(tmp, np.asarray(audio, dtype=np.float32), rate, subtype="FLOAT", format="WAV")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
