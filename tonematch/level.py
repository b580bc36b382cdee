"""The output level: the matched DI at the reference's loudness, and never clipping where the
reference does not.

Loudness is integrated (BS.1770-4) over the playing, as a player's meter and a DAW's loudness
tools read it. NAM models differ in output level by tens of dB, so the level lives in its own
wide-range parameter (`output_level_db`) and the final gain stays a ±3 dB trim for the player.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tonematch.loudness import loudness_lufs
from tonematch.rig import RANGES

# Room left under the ceiling: the level is measured on a stretch of the DI, and the rest of it
# may peak a little higher.
HEADROOM_DB = 1.0


def peak_dbfs(x: np.ndarray) -> float:
    """Sample peak over all channels (dBFS); -inf for silence."""
    peak = float(np.max(np.abs(x))) if np.size(x) else 0.0
    return 20 * math.log10(peak) if peak > 0 else -math.inf


@dataclass(frozen=True)
class LevelTarget:
    """What the output should reach: the reference's loudness, under its peak ceiling."""

    lufs: float
    peak_dbfs: float

    @classmethod
    def of(cls, reference: np.ndarray) -> LevelTarget:
        """The target a reference recording sets."""
        return cls(loudness_lufs(reference), peak_dbfs(reference))

    @property
    def ceiling_dbfs(self) -> float:
        """Highest peak allowed: 0 dBFS, or the reference's own peak where it goes above."""
        return max(0.0, self.peak_dbfs) - HEADROOM_DB

    def to_dict(self) -> dict[str, float | None]:
        """A JSON-friendly summary (None for a silent reference)."""
        def num(v: float) -> float | None:
            return round(v, 2) if math.isfinite(v) else None
        return {"loudness_lufs": num(self.lufs), "peak_dbfs": num(self.peak_dbfs)}


def output_level_db(render: np.ndarray, target: LevelTarget) -> float:
    """The output level (dB, within the parameter's range) that brings a render made at 0 dB
    (mono, or channels × samples) to the target loudness, lowered as far as its peak needs; 0
    when either side is silent."""
    # Loudness of the mono mix, as the reference is measured (BS.1770 would count the chain's
    # two identical output channels 3 dB louder than the same sound on one).
    mono = np.asarray(render, dtype=np.float64)
    mono = mono.mean(axis=0) if mono.ndim == 2 else mono
    loudness, peak = loudness_lufs(mono), peak_dbfs(render)
    if not (math.isfinite(loudness) and math.isfinite(target.lufs) and math.isfinite(peak)):
        return 0.0
    gain = min(target.lufs - loudness, target.ceiling_dbfs - peak)
    r = RANGES["output_level_db"]
    return round(float(np.clip(gain, r.low, r.high)), 2)
