"""The rig comparison is fitted to the user's playing (`tonematch.di_conditioning`).

The DI is one of the two performances being compared and is known exactly; the metric learns
how it differs from other playing through bundled probe rigs. Spec: a reference played
differently through one of several bundled rigs is closest to that rig's render of the DI, and
the conditioned comparison gets that right at least as often as the general one.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tonematch.analysis import analyse
from tonematch.di_conditioning import metric_for_di
from tonematch.library.performances import Performance
from tonematch.library_index import assets_root
from tonematch.render import render_rig
from tonematch.rig import Rig, RigParams
from tonematch.rig_metric import (
    CABINET_DIMS,
    DIMS,
    METRIC_FILE,
    PLAYING_LEVEL_DB,
    describe,
    load_cabinet_metric,
    load_conditioning,
    load_metric,
)

# Bundled rigs of different amp voicings, with and without a pedal.
RIGS = [("", "amp_clean_american_g4", "cab_2x12_open_cap"),
        ("pedal_ts_mid", "amp_british_crunch_g5", "cab_4x12_closed_cap"),
        ("", "amp_modern_high_gain_g7", "cab_4x12_closed_edge"),
        ("pedal_fuzz_vintage", "amp_chime_british_g4", "cab_1x12_open_ribbon"),
        ("", "amp_jazz_clean_g6", "cab_2x10_open_edge"),
        ("pedal_dist_mid", "amp_brown_g5", "cab_4x10_open_room")]


def _rig(pedal: str, amp: str, ir: str) -> Rig:
    root = assets_root()
    return Rig(amp_path=root / "nam_models" / f"{amp}.nam",
               ir_path=root / "impulse_responses" / f"{ir}.wav",
               fx_path=root / "nam_models" / f"{pedal}.nam" if pedal else None,
               params=RigParams())


@pytest.fixture(scope="module")
def performances() -> tuple[np.ndarray, np.ndarray]:
    """The user's DI (low single notes) and the reference's part (chords, higher, faster)."""
    di = Performance("synth", "single", 4, "minor", "low", 96.0, 8.0, 11, -26.0).render()
    ref = Performance("synth", "chords", 9, "major", "mid", 132.0, 8.0, 12,
                      PLAYING_LEVEL_DB).render()
    return di, ref


def test_the_shipped_metric_carries_probe_rigs_from_the_bundled_library() -> None:
    cond = load_conditioning()
    assert cond.within.shape == (CABINET_DIMS, CABINET_DIMS)
    assert np.allclose(cond.within, cond.within.T)
    assert len(cond.probes) >= 8
    root = assets_root()
    for p in cond.probes:
        assert (root / "nam_models" / p.amp).is_file(), p.amp
        assert (root / "impulse_responses" / p.ir).is_file(), p.ir
        assert p.pedal is None or (root / "nam_models" / p.pedal).is_file(), p.pedal
        assert p.references.shape[1] == CABINET_DIMS and len(p.references) >= 3


def test_the_metric_for_a_di_is_its_own_and_one_means_another_performance(performances):
    di, _ = performances
    metrics, notes = metric_for_di(di, jobs=2)
    metric = metrics.rig
    assert notes == []
    assert metrics.cabinet.precision.shape == (CABINET_DIMS, CABINET_DIMS)
    assert metric.precision.shape == (DIMS, DIMS)
    shipped = load_metric().precision
    assert not np.allclose(metric.precision, shipped)
    assert np.allclose(metric.precision, metric.precision.T)
    assert np.linalg.eigvalsh(metric.precision).min() > 0
    # The scale: the DI through a probe rig against stock performances through it.
    cond = load_conditioning()
    quiet = di * np.float32(10 ** (-12 / 20))  # the level of the DI does not matter
    again = metric_for_di(quiet, jobs=2)[0].rig
    assert np.allclose(again.precision, metric.precision, rtol=0.05, atol=1e-6)
    assert len(cond.probes) > 0


def test_a_reference_played_differently_is_closest_to_its_own_rig(performances):
    di, ref = performances
    rigs = [_rig(*r) for r in RIGS]
    candidates = np.array([describe(analyse(render_rig(r, di).mean(axis=0))) for r in rigs])
    references = [describe(analyse(render_rig(r, ref).mean(axis=0))) for r in rigs]
    conditioned = metric_for_di(di, jobs=2)[0].rig
    hits = {"general": 0, "conditioned": 0}
    for i, q in enumerate(references):
        for name, metric in (("general", load_metric()), ("conditioned", conditioned)):
            hits[name] += int(np.argmin(metric.distances(candidates, q[None, :]))) == i
    assert hits["conditioned"] >= hits["general"], hits
    assert hits["conditioned"] >= 4, hits  # of 6 rigs


def test_without_the_bundled_probe_rigs_the_general_metric_is_used_and_said(
        performances, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONEMATCH_ASSETS", str(tmp_path))
    metrics, notes = metric_for_di(performances[0], jobs=1)
    assert metrics.rig is load_metric()
    assert metrics.cabinet is load_cabinet_metric()
    assert len(notes) == 1 and str(tmp_path) in notes[0]


def test_a_silent_di_falls_back_with_a_note() -> None:
    metrics, notes = metric_for_di(np.zeros(48000, np.float32), jobs=1)
    assert metrics.rig is load_metric()
    assert notes and "silent" in notes[0]


@pytest.mark.parametrize("change", [
    lambda d: d.pop("probes"),
    lambda d: d.__setitem__("within", [[1.0]]),
    lambda d: d["probes"][0].__setitem__("references", [[float("nan")] * CABINET_DIMS]),
    lambda d: d.__setitem__("probes", []),
])
def test_malformed_conditioning_data_is_named(change, tmp_path: Path) -> None:
    data = json.loads(METRIC_FILE.read_text(encoding="utf-8"))
    change(data)
    bad = tmp_path / "rig_metric.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match=str(bad)):
        load_conditioning(bad)
