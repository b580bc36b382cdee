"""The learned rig embedding hears the rig, not the notes, and the match runs it without torch.

Renders are real: performances by our synthesiser and FluidR3's sampled guitars through bundled
pedals, amps and cabinets with the engine's chain.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.signal import sosfreqz

from tonematch.grid_search import ir_frame_power
from tonematch.library.gear import voicing_of
from tonematch.library.performances import Performance
from tonematch.library.rig_embedding_build import (
    CONFUSER_GAIN_DB,
    CONFUSER_GAIN_LIMIT_DB,
    FAMILY,
    Embedder,
    add_arguments,
    batch_rigs,
    confusers_of,
    guitar_eq,
    random_rig,
    training_gear,
    training_rigs,
)
from tonematch.render import render_rig
from tonematch.rig import Rig, RigParams
from tonematch.rig_embedding import (
    EMBEDDING_FILE,
    distance,
    frames_rel_db,
    load_embedder,
    signal_frames,
)

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def _rig(amp: str, ir: str, pedal: str | None = None) -> Rig:
    models = ASSETS / "nam_models"
    return Rig(amp_path=models / f"{amp}.nam",
               ir_path=ASSETS / "impulse_responses" / f"{ir}.wav",
               fx_path=models / f"{pedal}.nam" if pedal else None, params=RigParams())


def _perf(source: str, style: str, register: str, seed: int) -> np.ndarray:
    return Performance(source, style, 4, "minor", register, 110.0, 6.0, seed, -20.0).render()


@pytest.fixture(scope="module")
def performances() -> list[np.ndarray]:
    return [_perf("synth", "single", "low", 11), _perf("fluidr3:27", "chords", "high", 12)]


def test_numpy_forward_pass_is_the_trained_network():
    weights = dict(np.load(EMBEDDING_FILE))
    weights.pop("meta")
    net = Embedder(weights["frames.0.weight"].shape[1])
    net.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    x = np.random.default_rng(0).uniform(-80, 0, (3, 70, net.frames[0].in_channels))
    x = x.astype(np.float32)
    with torch.no_grad():
        expected = net.eval()(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(load_embedder().embed(x), expected, atol=1e-5)


def test_one_rig_with_two_performances_is_closer_than_two_rigs_with_one(performances):
    clean = _rig("amp_clean_american_g4", "cab_1x12_open_cap")
    lead = _rig("amp_smooth_lead_g8", "cab_4x12_closed_edge", "pedal_ts_high")
    emb = load_embedder()
    a, b = (emb.of_signal(render_rig(clean, p).mean(axis=0)) for p in performances)
    other = emb.of_signal(render_rig(lead, performances[0]).mean(axis=0))
    assert distance(a, b) < distance(a, other)


def test_playing_level_does_not_count(performances):
    y = render_rig(_rig("amp_british_crunch_g5", "cab_2x12_closed_cap"), performances[0])
    emb = load_embedder()
    assert distance(emb.of_signal(y.mean(axis=0)), emb.of_signal(0.1 * y.mean(axis=0))) < 1e-5


def test_cabinets_applied_to_frames_match_a_real_convolution(performances):
    """The grid hears every cabinet through the amp output's frames; that must be what the
    chain's convolution gives (a cabinet is shorter than a frame)."""
    amp_only = _rig("amp_edge_breakup_g6", "cab_1x12_open_cap")
    irs = ["cab_1x12_open_cap", "cab_4x12_closed_ribbon"]
    from tonematch._native import NamModel

    amp_out = NamModel(str(amp_only.amp_path)).process(performances[1])
    powers = np.array([ir_frame_power(ASSETS / "impulse_responses" / f"{i}.wav") for i in irs])
    emb = load_embedder()
    fast = emb.through_cabinets(signal_frames(amp_out), powers)
    for ir, f in zip(irs, fast, strict=True):
        real = render_rig(_rig("amp_edge_breakup_g6", ir), performances[1]).mean(axis=0)
        assert distance(f, emb.of_signal(real)) < 0.02
    assert distance(fast[0], fast[1]) > 0.05  # and the two cabinets do differ


def test_silence_gives_a_finite_embedding():
    e = load_embedder().embed(frames_rel_db(signal_frames(np.zeros(48000, np.float32))))
    assert np.all(np.isfinite(e))


def test_the_grid_hears_the_cabinets_the_rig_metric_ranks_best(performances):
    """Each grid render is heard through the EMBEDDED_CABINETS cabinets the rig metric ranks
    best, with the distances a full pass gives; no unheard cabinet outranks them."""
    from tonematch import grid_search as grid
    from tonematch._native import NamModel
    from tonematch.analysis import analyse
    from tonematch.library_index import IrEntry, ModelEntry

    irs = [IrEntry(p, p.stem) for p in sorted((ASSETS / "impulse_responses").glob("*.wav"))]
    assert len(irs) > grid.EMBEDDED_CABINETS
    amp = ModelEntry(ASSETS / "nam_models" / "amp_edge_breakup_g6.nam", "amp_edge_breakup_g6",
                     "amp")
    amp_out = NamModel(str(amp.path)).process(performances[0])
    ref = analyse(render_rig(_rig("amp_edge_breakup_g6", "cab_1x12_open_cap"),
                             performances[1]).mean(axis=0))
    scored = grid.approx_scores(amp_out, grid.Combo(None, amp, 0.0), irs, ref)
    rig = np.array([s.loss.rig for s in scored])
    heard = np.argsort(rig, kind="stable")[:grid.EMBEDDED_CABINETS]
    full = grid.approx_cabs(amp_out, [ir.path for ir in irs]).embeddings()
    for i in heard:
        assert scored[i].loss.embedding == pytest.approx(distance(full[i], ref.embedding),
                                                         abs=1e-6)
    best_heard = min(scored[i].loss.identity for i in heard)
    assert min(s.loss.identity for s in scored) == best_heard


def test_training_confusers_change_one_attribute_each():
    rng = np.random.default_rng(5)
    pedals, amps, _ = training_gear()
    for _ in range(50):
        rig = random_rig(rng, pedals, amps)
        flipped, other_voicing, other_capture = confusers_of(rig, rng, pedals, amps)
        assert (flipped.pedal is None) != (rig.pedal is None) and flipped.amp == rig.amp
        assert other_voicing.pedal == rig.pedal
        assert voicing_of(other_voicing.amp) != voicing_of(rig.amp)
        assert other_capture.pedal == rig.pedal and other_capture.amp != rig.amp
        assert voicing_of(other_capture.amp) == voicing_of(rig.amp)
        for c in (flipped, other_voicing, other_capture):
            assert abs(c.gain_db - rig.gain_db) <= CONFUSER_GAIN_DB
            assert abs(c.gain_db) <= CONFUSER_GAIN_LIMIT_DB


def test_hard_batches_hold_whole_families_through_one_cabinet():
    rng = np.random.default_rng(6)
    rigs = training_rigs(40, rng, families=True)
    assert len(rigs) == 40
    for k in range(0, len(rigs), FAMILY):  # a rig, its pedal flipped, another voicing, …
        head = rigs[k]
        assert rigs[k + 1].amp == head.amp and (rigs[k + 1].pedal is None) != (head.pedal is None)
        assert voicing_of(rigs[k + 2].amp) != voicing_of(head.amp)
    rig, cab = batch_rigs(n_rigs=40, n_cabs=10, batch=16, hard=0.5, rng=rng)
    assert len(set(rig.tolist())) == 16  # no rig twice: it would be its own negative
    for f in range(2):  # 0.5 × 16 = two families of four, first
        members = rig[f * FAMILY:(f + 1) * FAMILY]
        assert members[0] % FAMILY == 0 and np.array_equal(np.diff(members), [1, 1, 1])
        assert len(set(cab[f * FAMILY:(f + 1) * FAMILY].tolist())) == 1
    plain, _ = batch_rigs(n_rigs=40, n_cabs=10, batch=16, hard=0.0, rng=rng)
    assert len(set(plain.tolist())) == 16


def test_a_hard_share_outside_zero_to_one_is_refused(capsys):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args(["--hard", "0.5"]).hard == 0.5
    with pytest.raises(SystemExit):
        parser.parse_args(["--hard", "2"])
    assert "2 is not a share between 0 and 1" in capsys.readouterr().err


def test_the_guitar_eq_moves_body_and_pickup_bands_within_its_depth():
    rng = np.random.default_rng(7)
    freqs = np.geomspace(40.0, 16000.0, 400)
    responses = []
    for _ in range(30):
        _, h = sosfreqz(guitar_eq(rng, 6.0), worN=freqs, fs=48000)
        db = 20 * np.log10(np.abs(h))
        assert np.max(np.abs(db)) <= 6.3  # the two peaks barely overlap
        responses.append(db)
    spread = np.std(responses, axis=0)
    assert spread[np.argmin(np.abs(freqs - 250))] > 1.5  # the body band moves
    assert spread[np.argmin(np.abs(freqs - 3000))] > 1.5  # and the pickup's
    assert spread[np.argmin(np.abs(freqs - 40))] < 0.5  # the lowest string's root barely


def test_a_guitar_eq_depth_outside_zero_to_twelve_db_is_refused(capsys):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args([]).guitar_eq == 0.0
    assert parser.parse_args(["--guitar-eq", "6"]).guitar_eq == 6.0
    with pytest.raises(SystemExit):
        parser.parse_args(["--guitar-eq", "-1"])
    assert "-1 is not a depth between 0 and 12 dB" in capsys.readouterr().err
