"""A pedal stays in the rig only if it wins on the halves it was not chosen on.

The reference is another performance (di_riff_b) through a clean amp and a cabinet, with or
without a fuzz in front; the DI (di_riff_a) is rendered through that amp with no pedal and with
two pedals at three input gains, as the grid renders it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.signal import fftconvolve

from tonematch.audio_io import active_excerpt, load_audio, spread_excerpt
from tonematch.grid_search import Combo, ModelPool, ir_samples, render_combo
from tonematch.library_index import IrEntry, ModelEntry
from tonematch.pedal_check import PEDAL_MARGIN, check, fold_scores, halves, reference_halves

AMP = "amp_clean_american_g2"
PEDALS = ("pedal_fuzz_vintage", "pedal_boost_low")
IRS = ("cab_4x12_closed_cap", "cab_1x12_open_cap")
GAINS = (-6.0, 0.0, 6.0)
ASSETS = Path(__file__).resolve().parents[2] / "assets"
EXAMPLES = ASSETS / "examples"


def _model(name: str) -> ModelEntry:
    return ModelEntry(ASSETS / "nam_models" / f"{name}.nam", name,
                      "pedal" if name.startswith("pedal") else "amp")


@pytest.fixture(scope="module")
def grid() -> tuple[list[tuple[Combo, np.ndarray]], list[IrEntry]]:
    """The DI excerpt through the amp with every front, as the matcher's grid renders it."""
    di = spread_excerpt(load_audio(EXAMPLES / "di_riff_a.wav", "DI").samples, 8.0)
    pool = ModelPool()
    combos = [Combo(None if p is None else _model(p), _model(AMP), g)
              for p in (None, *PEDALS) for g in GAINS]
    irs = [IrEntry(ASSETS / "impulse_responses" / f"{n}.wav", n) for n in IRS]
    return [(c, render_combo(pool, c, di)) for c in combos], irs


def _reference(pedal: str | None) -> np.ndarray:
    other = active_excerpt(load_audio(EXAMPLES / "di_riff_b.wav", "reference").samples, 20.0)
    out = render_combo(ModelPool(), Combo(None if pedal is None else _model(pedal),
                                          _model(AMP), 0.0), other)
    return fftconvolve(out.astype(np.float64), ir_samples(ASSETS / "impulse_responses"
                                                           / f"{IRS[0]}.wav"))[: len(out)]


def _scores(renders: list[tuple[Combo, np.ndarray]], irs: list[IrEntry], ref: np.ndarray):
    halves_of_ref = reference_halves(ref)
    return [fold_scores(c, x, irs, halves_of_ref) for c, x in renders]


def test_halves_split_a_signal_in_two() -> None:
    a, b = halves(np.arange(11.0))
    assert len(a) == 5 and len(b) == 6 and a[-1] + 1 == b[0]


def test_a_fuzz_in_front_of_a_clean_reference_is_dropped(grid) -> None:
    renders, irs = grid
    fuzz_or_none = [(c, x) for c, x in renders if c.pedal is None or c.pedal.name == PEDALS[0]]
    verdict = check(AMP, PEDALS[0], _scores(fuzz_or_none, irs, _reference(None)))
    assert not verdict.kept
    assert verdict.with_pedal >= verdict.without - PEDAL_MARGIN


def test_a_fuzz_the_reference_has_is_kept_against_every_pedal_free_rig(grid) -> None:
    renders, irs = grid
    verdict = check(AMP, PEDALS[0], _scores(renders, irs, _reference(PEDALS[0])))
    assert verdict.kept
    assert verdict.with_pedal < verdict.without - PEDAL_MARGIN
    assert verdict.to_dict()["kept"] is True


def test_without_a_rig_to_compare_the_grid_choice_stands(grid) -> None:
    renders, irs = grid
    only_pedals = [(c, x) for c, x in renders if c.pedal is not None]
    verdict = check(AMP, PEDALS[0], _scores(only_pedals, irs, _reference(None)))
    assert verdict.kept and np.isnan(verdict.without)
