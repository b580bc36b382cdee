"""Audio the page checks, shows and plays: uploads, level overviews, the reference region,
loudness for the A/B comparison and WAV bytes for the players."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from tonematch.audio_io import MIN_SECONDS, RATE, SILENCE_DBFS, InputError, load_audio, rms
from tonematch.loudness import loudness_lufs

SUFFIXES = ("wav", "aiff", "aif", "flac", "ogg", "mp3")


@dataclass(frozen=True)
class Limits:
    """What the page accepts. The upload size is also Streamlit's own limit (the launcher sets
    server.maxUploadSize to it), so a larger file is stopped in the browser before it is sent."""

    max_upload_mb: int = 200
    max_seconds: float = 600.0  # the matcher analyses at most 10 minutes anyway
    min_seconds: float = MIN_SECONDS

    def describe(self) -> str:
        """The limits in one phrase for the upload widgets."""
        return (f"{', '.join(s.upper() for s in SUFFIXES if s != 'aif')}; "
                f"{self.min_seconds:g} s to {self.max_seconds / 60:g} min, "
                f"up to {self.max_upload_mb} MB")


@dataclass
class Clip:
    """An upload that passed the checks: its file in the session's folder and its mono 48 kHz
    samples (what the matcher will read)."""

    path: Path
    name: str  # the name the user uploaded it as
    samples: np.ndarray
    notes: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return len(self.samples) / RATE


def check_upload(data: bytes, name: str, role: str, dest: Path, limits: Limits) -> Clip:
    """Saves an upload as `dest` (suffix from `name`) and checks it as the matcher would.

    Raises InputError with a message that names the upload (not the temporary file) and says
    what is wrong: empty, too large, unreadable, too short, too long or silent.
    """
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in SUFFIXES:
        raise InputError(f"{name}: not an audio file the page takes ({limits.describe()})")
    if not data:
        raise InputError(f"{name}: the file is empty")
    if len(data) > limits.max_upload_mb * 1024 * 1024:
        raise InputError(f"{name}: {len(data) / 2**20:.0f} MB is over the upload limit of "
                         f"{limits.max_upload_mb} MB")
    path = dest.with_suffix(f".{suffix}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    try:
        seconds = _duration(path, role)
        if seconds > limits.max_seconds:
            raise InputError(f"{name}: {role} is {seconds / 60:.1f} min long; the page takes up "
                             f"to {limits.max_seconds / 60:g} min (cut it first, or use the "
                             "command line, which analyses the loudest 10 min)")
        audio = load_audio(path, role, max_seconds=limits.max_seconds)
    except InputError as err:
        path.unlink(missing_ok=True)
        # load_audio names the file by its path, which here is a temporary one.
        raise InputError(str(err).replace(str(path), name)) from None
    notes = [n.replace(path.name, name) for n in audio.notes]
    return Clip(path, name, audio.samples, notes)


def _duration(path: Path, role: str) -> float:
    """Seconds in a file, read from its header (cheap, before decoding a long file)."""
    try:
        info = sf.info(str(path))
    except (RuntimeError, OSError, sf.LibsndfileError) as err:
        reason = str(err).split(":")[-1].strip() or "unknown format"
        raise InputError(f"{path}: cannot read {role} as audio ({reason})") from None
    return float(info.frames) / float(info.samplerate) if info.samplerate else 0.0


def overview(samples: np.ndarray, points: int = 400) -> dict[str, np.ndarray]:
    """A level overview: per time bucket the lowest and highest sample (a drawn waveform)."""
    n = len(samples)
    points = max(1, min(points, n))
    edges = np.linspace(0, n, points + 1).astype(int)
    lo = np.minimum.reduceat(samples, edges[:-1])
    hi = np.maximum.reduceat(samples, edges[:-1])
    return {"t": edges[:-1] / RATE, "lo": lo.astype(np.float32), "hi": hi.astype(np.float32)}


def region(samples: np.ndarray, start_s: float, end_s: float, min_seconds: float) -> np.ndarray:
    """The reference between two times; InputError when it is too short or silent."""
    a = max(0, int(round(start_s * RATE)))
    b = min(len(samples), int(round(end_s * RATE)))
    if (b - a) / RATE < min_seconds:
        raise InputError(f"the reference region is {(b - a) / RATE:.1f} s long; at least "
                         f"{min_seconds:g} s is needed")
    part = samples[a:b]
    if 20 * math.log10(rms(part) + 1e-30) < SILENCE_DBFS:
        raise InputError(f"the reference region {start_s:.1f}–{end_s:.1f} s is silent "
                         f"(below {SILENCE_DBFS:g} dBFS)")
    return part


@dataclass
class LevelMatched:
    """Two clips scaled to the same integrated loudness, for an A/B that compares tone rather
    than level (the louder of two otherwise equal sounds is heard as better)."""

    a: np.ndarray
    b: np.ndarray
    lufs: float


def equal_loudness(a: np.ndarray, b: np.ndarray) -> LevelMatched:
    """Brings both clips to the quieter one's loudness, lowered further together if a peak
    would clip."""
    la, lb = loudness_lufs(a), loudness_lufs(b)
    if not (math.isfinite(la) and math.isfinite(lb)):
        return LevelMatched(a, b, la if math.isfinite(la) else lb)
    target = min(la, lb)
    ga, gb = 10 ** ((target - la) / 20), 10 ** ((target - lb) / 20)
    peak = max(float(np.max(np.abs(a))) * ga, float(np.max(np.abs(b))) * gb)
    if peak > 0.98:
        trim = 0.98 / peak
        ga, gb, target = ga * trim, gb * trim, target + 20 * math.log10(trim)
    return LevelMatched((a * ga).astype(np.float32), (b * gb).astype(np.float32), target)


def wav_bytes(audio: np.ndarray, subtype: str = "PCM_16") -> bytes:
    """A 48 kHz WAV file in memory from mono (n,) or (channels, n) audio. The players get
    16-bit files (half the transfer, inaudible here); downloads get 32-bit float."""
    x = np.asarray(audio, dtype=np.float32)
    frames = x.T if x.ndim == 2 else x
    if subtype.startswith("PCM"):
        frames = np.clip(frames, -1.0, 1.0)
    buf = io.BytesIO()
    sf.write(buf, frames, RATE, subtype=subtype, format="WAV")
    return buf.getvalue()
