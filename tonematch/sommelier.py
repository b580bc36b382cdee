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
from tonematch.rig_metric import describe, descriptor, metric_for


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


def predicted_distance(entry: ModelEntry, level_db: float, di_bands: np.ndarray,
                       ir_gains_db: np.ndarray, ref: Features) -> float:
    """Rig distance of DI × model response × the best cabinet, with the model's distortion.

    The model's response is its output spectrum over the probe's at this level; adding it to
    the user's DI spectrum predicts the model's output without rendering.
    """
    rows = entry.fingerprint["levels"]
    response = _interp(rows, level_db, "response_db")
    flat = _interp(rows, level_db, "flatness")
    crest = _interp(rows, level_db, "crest_db")
    predicted = di_bands[None, :] + response[None, :] + ir_gains_db
    descriptors = np.array([descriptor(b, flat, crest) for b in predicted])
    return float(metric_for(ref).distances(descriptors, describe(ref)[None, :]).min())


def rank_models(entries: list[ModelEntry], ref: Features, di_offset_db: float,
                gains_db: tuple[float, ...], di_bands: np.ndarray | None = None,
                ir_gains_db: np.ndarray | None = None) -> list[Ranked]:
    """Models sorted by predicted rig distance (distortion alone without the DI and cabinets).

    di_offset_db is the user's DI level minus the probe's level, so a fingerprint level of
    (gain + offset) is what the model would see from this DI. Levels above the grid's gains
    stand for a boost or drive pedal in front of the amp.
    """
    levels = sorted({*gains_db, max(gains_db) + 6.0, max(gains_db) + 12.0})
    ranked = []
    for entry in entries:
        scores = []
        for g in levels:
            level = g + di_offset_db
            if di_bands is not None and ir_gains_db is not None:
                # A capture with its cabinet is heard through no other.
                cabinets = (np.zeros((1, len(di_bands))) if entry.cabinet or len(ir_gains_db) == 0
                            else ir_gains_db)
                score = predicted_distance(entry, level, di_bands, cabinets, ref)
            else:
                score = distortion_distance(entry, level, ref)
            scores.append((score, g))
        best, gain = min(scores)
        ranked.append(Ranked(entry, best, min(gain, max(gains_db))))
    ranked.sort(key=lambda r: (r.score, r.entry.name))
    return ranked
