"""Same-part detection: a DI that plays the reference's riff is recognised from pitch content.

Performances are generated (our synthesiser and FluidR3's sampled guitars) and the references
rendered through bundled rigs with the engine's chain, distortion, delay and reverb included.
A retake of the part (notes 10–20 ms and 2–3 dB off) must be found, another part must not be,
and then the match EQ must take the whole spectral difference instead of the rig's share.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tonematch import same_part
from tonematch.analysis import analyse, fine_bands_db
from tonematch.audio_io import RATE, load_audio
from tonematch.library.performances import Performance
from tonematch.match_eq import band_response_db, fit_after_post_fx, fit_same_part
from tonematch.matcher import MatchOptions, match, retune
from tonematch.render import render_rig
from tonematch.rig import Rig, RigParams

ASSETS = Path(__file__).resolve().parents[2] / "assets"
CRUNCH = ("amp_british_crunch_g5", "cab_4x12_closed_cap")
HIGH_GAIN = ("amp_modern_high_gain_g9", "cab_4x12_closed_edge")
CLEAN = ("amp_clean_american_g2", "cab_1x12_open_cap")


def _rig(gear: tuple[str, str], **params: float) -> Rig:
    amp, ir = gear
    return Rig(amp_path=ASSETS / "nam_models" / f"{amp}.nam",
               ir_path=ASSETS / "impulse_responses" / f"{ir}.wav", params=RigParams(**params))


def _part(source: str, style: str, seed: int, key: int = 4, tempo: float = 110.0,
          seconds: float = 12.0) -> Performance:
    return Performance(source, style, key, "minor", "mid", tempo, seconds, seed, -20.0)


def _through(rig: Rig, x: np.ndarray) -> np.ndarray:
    return render_rig(rig, x).mean(axis=0)


RETAKES = [("synth", "single", 31, CRUNCH, {}),
           ("synth", "chords", 32, HIGH_GAIN, {"reverb_wet": 0.3, "reverb_room_size": 0.7}),
           ("fluidr3:26", "power", 33, HIGH_GAIN, {}),
           ("fluidr3:27", "arpeggio", 34, CLEAN, {"delay_mix": 0.3, "delay_time_ms": 300.0})]


@pytest.mark.parametrize(("source", "style", "seed", "gear", "fx"), RETAKES)
def test_a_retake_of_the_part_through_any_rig_is_the_same_part(source, style, seed, gear, fx):
    part = _part(source, style, seed)
    reference = _through(_rig(gear, **fx), part.again(seed + 1).render())
    found = same_part.detect(part.render(), reference)
    assert found.detected, found
    assert found.similarity >= same_part.THRESHOLD


OTHER_PARTS = [  # (DI, reference): other style, key or tempo, as in a typical match
    (("synth", "single", 41, 4, 110.0), ("synth", "chords", 42, 9, 140.0)),
    (("fluidr3:26", "arpeggio", 43, 2, 95.0), ("fluidr3:26", "lead", 44, 7, 120.0)),
    (("synth", "power", 45, 0, 100.0), ("fluidr3:27", "power", 46, 5, 100.0)),  # same tempo
    (("fluidr3:27", "single", 47, 3, 130.0), ("synth", "single", 48, 3, 105.0)),  # same key
]


@pytest.mark.parametrize(("di", "ref"), OTHER_PARTS)
def test_another_part_is_not_the_same_part(di, ref):
    found = same_part.detect(_part(*di).render(),
                             _through(_rig(CRUNCH), _part(*ref, seconds=20.0).render()))
    assert not found.detected, found
    assert found.similarity < same_part.THRESHOLD


def test_the_bundled_demo_plays_another_part():
    di = load_audio(ASSETS / "examples" / "di_riff_a.wav", "DI").samples
    ref = load_audio(ASSETS / "examples" / "ref_library_rig.wav", "reference").samples
    assert not same_part.detect(di, ref).detected


def test_the_di_is_found_where_it_sits_in_a_longer_reference():
    part = _part("synth", "single", 51, seconds=30.0)
    ref = _through(_rig(CRUNCH), part.again(52).render())
    start = 11.0  # the DI plays seconds 11–19 of the part
    di = part.render()[int(start * RATE): int(19.0 * RATE)]
    found = same_part.detect(di, ref)
    assert found.detected, found
    assert abs(found.offset_s - start) < 0.1


@pytest.mark.parametrize("di_first", [True, False])
def test_the_aligned_stretches_play_the_same_notes(di_first):
    # Either recording may be the longer one; the stretches returned line up note for note.
    part = _part("synth", "single", 53, seconds=30.0)
    long = _through(_rig(CRUNCH), part.again(54).render())
    short = part.render()[int(7.0 * RATE): int(17.0 * RATE)]
    di, ref = (short, long) if di_first else (long, short)
    found = same_part.detect(di, ref)
    a, b = same_part.aligned(di, ref, found, max_seconds=8.0)
    assert len(a) == len(b) == 8 * RATE
    again = same_part.detect(a, b)
    assert again.detected and abs(again.offset_s) < 0.05, again


@pytest.mark.parametrize("signal", ["silence", "too short", "noise"])
def test_nothing_to_compare_is_not_the_same_part(signal):
    rng = np.random.default_rng(3)
    ref = _through(_rig(CRUNCH), _part("synth", "single", 61).render())
    di = {"silence": np.zeros(10 * RATE, dtype=np.float32),
          "too short": _part("synth", "single", 61).render()[: RATE],
          "noise": (0.1 * rng.standard_normal(10 * RATE)).astype(np.float32)}[signal]
    found = same_part.detect(di, ref)
    assert not found.detected, found
    summary = json.loads(json.dumps(found.to_dict()))  # valid JSON even when not measurable
    assert summary["detected"] is False


def test_on_the_same_part_the_match_eq_takes_the_whole_difference():
    # The candidate is the right amp through another cabinet: the whole band difference is
    # the cabinet's, and with the same notes none of it should be left to the notes.
    part = _part("synth", "chords", 71)
    ref_part = _through(_rig(CRUNCH), part.again(72).render())
    candidate = _rig(("amp_british_crunch_g5", "cab_1x12_open_cap"))
    cab_out = _through(candidate, part.render())
    residual = fine_bands_db(ref_part) - fine_bands_db(cab_out)

    def error_after(gains: list[float]) -> float:
        left = residual - band_response_db(np.array(gains))
        return float(np.sqrt(np.mean((left - left.mean()) ** 2)))

    shrunk = error_after(fit_after_post_fx(cab_out, RigParams(), analyse(ref_part)))
    whole = error_after(fit_same_part(cab_out, RigParams(), ref_part))
    assert whole < shrunk
    assert whole < 0.6 * error_after([0.0] * 24)


def test_match_says_when_the_di_plays_the_reference_part(tmp_path):
    part = _part("synth", "power", 81, seconds=10.0)
    sf.write(tmp_path / "di.wav", part.render(), RATE, subtype="FLOAT")
    sf.write(tmp_path / "ref.wav", _through(_rig(CRUNCH), part.again(82).render()), RATE,
             subtype="FLOAT")
    options = MatchOptions([ASSETS / "nam_models"], [ASSETS / "impulse_responses"],
                           budget="fast", jobs=2)
    rig, notes = match(tmp_path / "di.wav", tmp_path / "ref.wav", options)
    found = rig.extra["analysis"]["same_part"]
    assert found["detected"] is True and found["similarity"] >= same_part.THRESHOLD
    assert any("plays the reference's part" in n for n in notes)
    assert any("plays the reference's part" in w for w in rig.extra["warnings"])


def test_tune_fits_the_match_eq_like_for_like_on_the_same_part(tmp_path):
    # A fixed rig with the wrong cabinet: tune keeps pedal, amp and IR, and on the same part
    # the match EQ takes the cabinet's whole difference. Measured: 6.8 dB RMS band difference
    # untuned, 1.95 dB tuned as the same part, 3.1 dB when the part is not recognised.
    part = _part("synth", "chords", 91, seconds=10.0)
    di = part.render()
    reference = _through(_rig(CRUNCH), part.again(92).render())
    sf.write(tmp_path / "di.wav", di, RATE, subtype="FLOAT")
    sf.write(tmp_path / "ref.wav", reference, RATE, subtype="FLOAT")
    rig = _rig(("amp_british_crunch_g5", "cab_1x12_open_cap"))
    tuned, notes = retune(rig, tmp_path / "di.wav", tmp_path / "ref.wav", "fast", 0)
    assert any("plays the reference's part" in n for n in notes)
    assert tuned.ir_path == rig.ir_path and tuned.amp_path == rig.amp_path

    def band_difference_db(r: Rig) -> float:
        d = analyse(reference).bands_db - analyse(_through(r, di)).bands_db
        return float(np.sqrt(np.mean((d - d.mean()) ** 2)))

    assert band_difference_db(tuned) < 2.5 < 0.5 * band_difference_db(rig)
