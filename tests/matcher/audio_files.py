"""Writing small test WAVs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf


def write_wav(path: Path, audio: np.ndarray, rate: int = 48000, subtype: str = "FLOAT") -> Path:
    """Writes a test WAV."""
    sf.write(path, audio, rate, subtype=subtype)
    return path
