"""Does the pedal earn its place? A two-fold check on halves the choice did not hear.

A pedal gives the search more freedom (more drive, another voicing), and with a reference that
is a different performance that freedom is easily spent on fitting the notes: chords in the
reference look like more distortion, a brighter part like a treble booster, and a low-gain amp
with a drive pedal stands in for a high-gain amp. So a rig with a pedal is kept only if it also
wins where it was not chosen, against every rig without one: the DI excerpt and the reference
are cut in halves; on each half the best setting of the pedal rig's amp with a pedal (which
pedal, input gain, cabinet) and the best rig without a pedal (any amp, gain, cabinet) are
chosen, and both are scored on the other half. The pedal stays if its held-out gear distance
(`LossParts.identity`, what the grid ranks by), summed over both folds, beats "no pedal" by
PEDAL_MARGIN.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from tonematch.analysis import Features, analyse
from tonematch.grid_search import Combo, Key, approx_scores
from tonematch.library_index import IrEntry

# Held-out gear distance (summed over the two folds) a pedal must save to be kept. Set when the
# check ranked by the rig distance alone (1.0 = two performances through one rig); on dev no
# margin tells the pedals a rig had from those it did not (docs/identification_studies.md).
PEDAL_MARGIN = 0.1


@dataclass(frozen=True)
class PedalVerdict:
    """The check for one rig: held-out gear distances with its pedal and with no pedal at all
    (the JSON keeps the names it has always had: `held_out_rig_loss_*`)."""

    amp: str
    pedal: str  # the pedal of the rig that was checked
    with_pedal: float
    without: float
    kept: bool

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly summary for the rig's analysis section."""
        return {"amp": self.amp, "pedal": self.pedal, "kept": self.kept,
                "held_out_rig_loss_with_pedal": round(self.with_pedal, 4),
                "held_out_rig_loss_without": round(self.without, 4)}


def halves(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and second half of a signal."""
    mid = len(x) // 2
    return x[:mid], x[mid:]


def reference_halves(ref_samples: np.ndarray) -> tuple[Features, Features]:
    """The reference's two halves, analysed."""
    a, b = halves(ref_samples)
    return analyse(a), analyse(b)


@dataclass(frozen=True)
class FoldScores:
    """One grid point's gear distance for every IR, on each half against that half of the
    reference."""

    key: Key
    has_pedal: bool
    per_fold: tuple[np.ndarray, np.ndarray]


def fold_scores(combo: Combo, render: np.ndarray, irs: list[IrEntry],
                ref_halves: tuple[Features, Features]) -> FoldScores:
    """Scores one grid render's halves (the DI excerpt through the combo's front and amp)."""
    a, b = (np.array([s.loss.identity for s in approx_scores(h, combo, irs, r)])
            for h, r in zip(halves(render), ref_halves, strict=True))
    return FoldScores(combo.key, combo.pedal is not None, (a, b))


def check(amp: str, pedal: str, scores: Iterable[FoldScores]) -> PedalVerdict:
    """The two-fold check of one pedal rig (its amp with any pedal vs any rig without)."""
    scores = list(scores)
    groups = {True: [s for s in scores if s.has_pedal and s.key[1] == amp],
              False: [s for s in scores if not s.has_pedal]}
    if not groups[True] or not groups[False]:  # nothing to compare: the grid's choice stands
        return PedalVerdict(amp, pedal, float("nan"), float("nan"), True)
    held_out = {True: 0.0, False: 0.0}
    for train, test in ((0, 1), (1, 0)):
        for with_pedal, group in groups.items():
            best = min(group, key=lambda s: (float(s.per_fold[train].min()), s.key))
            held_out[with_pedal] += float(best.per_fold[test][int(np.argmin(best.per_fold[train]))])
    kept = held_out[True] < held_out[False] - PEDAL_MARGIN
    return PedalVerdict(amp, pedal, held_out[True], held_out[False], kept)
