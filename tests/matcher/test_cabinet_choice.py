"""The cabinet of a rig is chosen by the cabinet metric (`rig_metric.cabinet_metric_for`).

Spec: with the pedal, amp and drive fixed, a reference played differently through one of the
bundled cabinets gets that cabinet back from the narrow-band cabinet metric, at least as often
as the loss would choose it; and the choice is one IR, scored by the loss like any other.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tonematch import grid_search as grid
from tonematch._native import NamModel
from tonematch.analysis import Features, analyse
from tonematch.di_conditioning import metric_for_di
from tonematch.library.performances import Performance
from tonematch.library_index import IrEntry, ModelEntry
from tonematch.render import render_rig
from tonematch.rig import Rig, RigParams
from tonematch.rig_metric import (
    CABINET_DIMS,
    METRIC_FILE,
    PLAYING_LEVEL_DB,
    load_cabinet_metric,
)

ASSETS = Path(__file__).resolve().parents[2] / "assets"
AMP = ASSETS / "nam_models" / "amp_british_crunch_g5.nam"
IRS = [IrEntry(p, p.stem) for p in sorted((ASSETS / "impulse_responses").glob("*.wav"))]


@pytest.fixture(scope="module")
def di() -> np.ndarray:
    """The user's DI: low single notes on our synthesiser."""
    return Performance("synth", "single", 4, "minor", "low", 96.0, 8.0, 21,
                       PLAYING_LEVEL_DB).render()


@pytest.fixture(scope="module")
def amp_out(di: np.ndarray) -> np.ndarray:
    return NamModel(str(AMP)).process(di.astype(np.float32))


@pytest.fixture(scope="module")
def references(di: np.ndarray) -> list[Features]:
    """Chords, higher and faster, on a sampled guitar, through the amp and each cabinet; the
    metrics fitted to the DI as the matcher fits them."""
    played = Performance("fluidr3:27", "chords", 9, "major", "mid", 132.0, 8.0, 22,
                         PLAYING_LEVEL_DB).render()
    metrics = metric_for_di(di, jobs=2)[0]
    out = []
    for ir in IRS:
        f = analyse(render_rig(Rig(amp_path=AMP, ir_path=ir.path, params=RigParams()),
                               played).mean(axis=0))
        f.rig_metric, f.cabinet_metric = metrics.rig, metrics.cabinet
        out.append(f)
    return out


def test_the_shipped_cabinet_metric_extends_the_rig_metric() -> None:
    cabinet = load_cabinet_metric().precision
    assert cabinet.shape == (CABINET_DIMS, CABINET_DIMS)
    assert np.allclose(cabinet, cabinet.T)
    assert np.linalg.eigvalsh(cabinet).min() > 0


def test_a_malformed_cabinet_metric_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "rig_metric.json"
    bad.write_text(METRIC_FILE.read_text(encoding="utf-8").replace(
        '"cabinet_precision"', '"no_cabinet_precision"'), encoding="utf-8")
    with pytest.raises(ValueError, match=str(bad)):
        load_cabinet_metric(bad)


def test_the_chosen_cabinet_is_one_ir_scored_by_the_loss(amp_out, references) -> None:
    combo = grid.Combo(None, ModelEntry(AMP, AMP.stem, "amp"), 0.0)
    ref = references[0]
    every = grid.approx_scores(amp_out, combo, IRS, ref)
    chosen = grid.approx_scores(amp_out, combo, IRS, ref, chosen_cabinet=True)
    assert len(every) == len(IRS) and len(chosen) == 1
    same = next(s for s in every if s.ir == chosen[0].ir)
    assert chosen[0].loss.to_dict() == pytest.approx(same.loss.to_dict())


def test_a_reference_played_differently_gets_its_own_cabinet_back(amp_out, references) -> None:
    combo = grid.Combo(None, ModelEntry(AMP, AMP.stem, "amp"), 0.0)
    hits = {"cabinet metric": 0, "loss": 0}
    for ir, ref in zip(IRS, references, strict=True):
        chosen = grid.approx_scores(amp_out, combo, IRS, ref, chosen_cabinet=True)[0]
        by_loss = min(grid.approx_scores(amp_out, combo, IRS, ref), key=lambda s: s.loss.rig)
        hits["cabinet metric"] += chosen.ir == ir
        hits["loss"] += by_loss.ir == ir
    assert hits["cabinet metric"] >= hits["loss"], hits
    assert hits["cabinet metric"] >= len(IRS) - 2, hits
