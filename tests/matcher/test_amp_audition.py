"""The amp audition: before the grid, every amp plays a short stretch of the user's DI and the
amps that come closest to the reference go on. A reference made with a bundled amp, played
differently from the DI, keeps that amp among the few the fast budget passes on."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tonematch import grid_search as grid
from tonematch.analysis import analyse
from tonematch.audio_io import load_audio
from tonematch.library_index import load_library
from tonematch.matcher import BUDGETS, MatchOptions, _condition_on_di, _pick_amps
from tonematch.progress import Progress
from tonematch.render import render_rig
from tonematch.rig import Rig, RigParams

ASSETS = Path(__file__).resolve().parents[2] / "assets"
MODELS, IRS = ASSETS / "nam_models", ASSETS / "impulse_responses"


class Stages(Progress):
    """Records the stages a run reports."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def stage(self, name: str, total: int = 0, message: str = "") -> None:
        self.seen.append(name)


@pytest.fixture(scope="module")
def library():
    return load_library([MODELS], [IRS])


def _reference(amp: str, ir: str, gain_db: float) -> np.ndarray:
    """Another riff than the DI's through a bundled amp and cabinet."""
    riff = load_audio(ASSETS / "examples" / "di_riff_b.wav").samples[: 8 * 48000]
    rig = Rig(amp_path=MODELS / f"{amp}.nam", ir_path=IRS / f"{ir}.wav",
              params=RigParams(input_gain_db=gain_db))
    return render_rig(rig, riff).mean(axis=0)


# The fingerprints alone rank the brown and the crunch amp 11th and 5th of 31 here (a distorting
# amp is not the filter they model): neither would reach the fast budget's grid without a render.
@pytest.mark.parametrize("amp, ir, gain_db", [
    ("amp_jazz_clean_g6", "cab_2x12_open_cap", 0.0),
    ("amp_brown_g7", "cab_4x12_closed_edge", 4.0),
    ("amp_british_crunch_g5", "cab_4x12_closed_cap", 2.0),
])
def test_the_reference_amp_is_among_those_the_fast_budget_passes_on(library, amp, ir, gain_db):
    di = load_audio(ASSETS / "examples" / "di_riff_a.wav").samples[: 8 * 48000]
    ref = analyse(_reference(amp, ir, gain_db))
    _condition_on_di(di, [ref], 2)  # as the match compares: the metric fitted to this DI
    budget = BUDGETS["fast"]
    options = MatchOptions([MODELS], [IRS], budget="fast", jobs=2)
    stages = Stages()
    picked = _pick_amps(library.amps, di, ref, library, budget, options, stages,
                        grid.ModelPool())
    assert len(library.amps) > budget.amps
    assert len(picked) == budget.amps
    assert amp in [a.name for a in picked]
    assert stages.seen == ["amps"]


def test_a_library_no_larger_than_the_budget_passes_every_amp_without_rendering(library):
    budget = replace(BUDGETS["fast"], amps=len(library.amps))
    stages = Stages()
    picked = _pick_amps(library.amps, np.zeros(48000), analyse(np.zeros(48000)), library,
                        budget, MatchOptions([MODELS], [IRS]), stages, grid.ModelPool())
    assert picked == library.amps
    assert stages.seen == []
