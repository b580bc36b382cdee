"""The sommelier: ranks library models against the reference from cached fingerprints.

Rendering the user's DI through every model is too slow for large libraries, so the first cut
uses each model's fingerprint (its distortion features on a fixed probe at several input levels),
shifted to the user's playing level. Only the best few are rendered in the grid search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tonematch.analysis import Features
from tonematch.library_index import ModelEntry


@dataclass
class Ranked:
    """A model with its sommelier score (lower is closer) and best input gain."""

    entry: ModelEntry
    score: float
    input_gain_db: float


def _interp(levels: list[dict], level_db: float, key: str) -> np.ndarray:
    xs = np.array([row["level_db"] for row in levels])
    ys = np.array([row[key] for row in levels], dtype=np.float64)
    level_db = float(np.clip(level_db, xs[0], xs[-1]))
    return np.array([np.interp(level_db, xs, ys[:, j]) for j in range(ys.shape[1])])


def distortion_distance(entry: ModelEntry, level_db: float, ref: Features) -> float:
    """How far the model's distortion at this input level is from the reference's (dB)."""
    rows = entry.fingerprint["levels"]
    flat = _interp(rows, level_db, "flatness")
    crest = _interp(rows, level_db, "crest_db")
    return float(np.mean(np.abs(flat - ref.flatness)) + np.mean(np.abs(crest - ref.crest_db)))


def rank_models(entries: list[ModelEntry], ref: Features, di_offset_db: float,
                gains_db: tuple[float, ...]) -> list[Ranked]:
    """Models sorted by their best distortion distance over the candidate input gains.

    di_offset_db is the user's DI level minus the probe's level, so a fingerprint level of
    (gain + offset) is what the model would see from this DI.
    """
    ranked = []
    for entry in entries:
        scores = [(distortion_distance(entry, g + di_offset_db, ref), g) for g in gains_db]
        best, gain = min(scores)
        ranked.append(Ranked(entry, best, gain))
    ranked.sort(key=lambda r: (r.score, r.entry.name))
    return ranked
