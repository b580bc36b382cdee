"""The delay and reverb detectors on references rendered through the engine's chain.

References are generated performances (our synthesiser and FluidR3's sampled guitars, several
styles) through a bundled amp and cabinet, dry or with the chain's own delay at a known time and
mix. A dry reference must show neither effect; a delayed one its time within ±10 %, and the
post-FX stage must set a mix within ±0.05 of the truth on another performance through the same
rig (the echo-strength calibration of `post_fx.fit_delay_mix`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tonematch.analysis import analyse
from tonematch.library.performances import Performance
from tonematch.matcher import BUDGETS, _share_time_effects
from tonematch.post_fx import PostFxRenderer, fit_delay_mix, optimise
from tonematch.render import render_rig
from tonematch.rig import Rig, RigParams
from tonematch.time_fx import detect

ASSETS = Path(__file__).resolve().parents[2] / "assets"
CRUNCH = ("amp_british_crunch_g5", "cab_4x12_closed_cap")
CLEAN = ("amp_clean_american_g2", "cab_1x12_open_cap")


def _rig(gear: tuple[str, str], params: RigParams | None = None) -> Rig:
    amp, ir = gear
    return Rig(amp_path=ASSETS / "nam_models" / f"{amp}.nam",
               ir_path=ASSETS / "impulse_responses" / f"{ir}.wav", params=params or RigParams())


def _play(source: str, style: str, seed: int, seconds: float = 12.0) -> np.ndarray:
    return Performance(source, style, seed % 12, "minor", ("low", "mid", "high")[seed % 3],
                       90.0 + seed % 50, seconds, seed, -20.0).render()


def _through(rig: Rig, x: np.ndarray) -> np.ndarray:
    return render_rig(rig, x).mean(axis=0)


DRY = [("synth", "single", 11, CRUNCH), ("synth", "chords", 12, CLEAN),
       ("fluidr3:26", "arpeggio", 13, CRUNCH), ("fluidr3:27", "power", 14, CLEAN),
       ("fluidr3:26", "lead", 15, CRUNCH), ("synth", "arpeggio", 16, CRUNCH)]


@pytest.mark.parametrize(("source", "style", "seed", "gear"), DRY)
def test_a_dry_reference_shows_no_delay_and_no_reverb(source: str, style: str, seed: int,
                                                       gear: tuple[str, str]) -> None:
    found = detect(_through(_rig(gear), _play(source, style, seed)))
    assert not found.delay, found
    assert not found.reverb, found


DELAYED = [("fluidr3:26", "chords", 21, CLEAN, 254.0, 0.30),
           ("fluidr3:27", "single", 22, CLEAN, 400.0, 0.20),
           ("fluidr3:26", "power", 23, CLEAN, 354.0, 0.25),
           ("synth", "lead", 24, CLEAN, 477.0, 0.27),
           ("fluidr3:26", "single", 25, CRUNCH, 272.0, 0.30),
           ("synth", "chords", 26, CRUNCH, 227.0, 0.30)]


@pytest.mark.parametrize(("source", "style", "seed", "gear", "time_ms", "mix"), DELAYED)
def test_a_delay_is_found_at_its_time_and_refitted_at_its_mix(
        source: str, style: str, seed: int, gear: tuple[str, str], time_ms: float,
        mix: float) -> None:
    rig = _rig(gear, RigParams(delay_time_ms=time_ms, delay_mix=mix))
    found = detect(_through(rig, _play(source, style, seed)))
    assert found.delay, found
    assert found.delay_time_ms == pytest.approx(time_ms, rel=0.10)
    # The mix is set on another performance (the user's DI) through the same, dry, rig.
    cab = _through(_rig(gear), _play("synth", "arpeggio", seed + 100, 6.0))
    fitted = fit_delay_mix(PostFxRenderer(cab), RigParams(), found.delay_time_ms,
                           found.delay_strength)
    assert fitted == pytest.approx(mix, abs=0.05)


@pytest.mark.parametrize(("wet", "room"), [(0.3, 0.7), (0.5, 0.6)])
def test_a_reverb_is_found_where_the_playing_stops(wet: float, room: float) -> None:
    """A lead line with rests: the level falls into the gaps at the reverb's pace. (Legato
    playing has no gaps, and there the reverb goes unseen: the detector only says yes when it
    has seen a tail.)"""
    x = _play("fluidr3:27", "lead", 43)
    found = detect(_through(_rig(CRUNCH, RigParams(reverb_wet=wet, reverb_room_size=room)), x))
    assert found.reverb and not found.delay, found
    dry = detect(_through(_rig(CRUNCH), x))
    assert not dry.reverb and dry.falls > 0 and dry.reverb_fall_ms < found.reverb_fall_ms / 2


def test_a_reverb_is_not_mistaken_for_a_delay() -> None:
    rig = _rig(CRUNCH, RigParams(reverb_wet=0.3, reverb_room_size=0.7))
    assert not detect(_through(rig, _play("fluidr3:26", "arpeggio", 31))).delay


def test_optimise_adds_no_effect_to_a_dry_reference_and_the_detected_delay_to_a_delayed_one(
        ) -> None:
    """The post-FX stage follows the detection: nothing for a dry reference, the detected time
    and a mix close to the truth for a delayed one (the grid of effects is gone)."""
    ref_dry = _through(_rig(CLEAN), _play("synth", "chords", 12))
    cab = _through(_rig(CLEAN), _play("synth", "arpeggio", 122, 6.0))
    feats = analyse(ref_dry)
    feats.time_effects = detect(ref_dry)
    dry = optimise(cab, feats, RigParams(), refine_evals=0).params
    assert dry.delay_mix == 0.0 and dry.reverb_wet == 0.0

    ref_wet = _through(_rig(CLEAN, RigParams(delay_time_ms=400.0, delay_mix=0.2)),
                       _play("fluidr3:27", "single", 22))
    feats = replace(analyse(ref_wet), time_effects=detect(ref_wet))
    wet = optimise(cab, feats, RigParams(), refine_evals=0).params
    assert wet.delay_time_ms == pytest.approx(400.0, rel=0.10)
    assert wet.delay_mix == pytest.approx(0.2, abs=0.05)
    assert wet.reverb_wet == 0.0


def test_rigs_left_untuned_get_the_detected_effects_of_the_tuned_one() -> None:
    """With one tuned rig (budget fast), an untuned alternative that wins verification on tone
    must not drop the reference's delay."""
    tuned = _rig(CRUNCH, RigParams(input_gain_db=3.0, pre_eq_gain_db=4.0, delay_time_ms=352.0,
                                   delay_mix=0.23))
    plain = _rig(CLEAN, RigParams(input_gain_db=-6.0))
    out = _share_time_effects([tuned, plain, plain], BUDGETS["fast"])
    assert out[0] is tuned
    for rig in out[1:]:
        assert (rig.params.delay_time_ms, rig.params.delay_mix) == (352.0, 0.23)
        assert rig.params.input_gain_db == -6.0 and rig.params.pre_eq_gain_db == 0.0
    assert _share_time_effects([tuned, plain], BUDGETS["normal"])[1] is plain
