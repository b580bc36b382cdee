"""Frame-by-frame comparison on the same part: it hears the rig where long-term statistics cannot.

A part is played twice (a retake: notes 10–20 ms and 2–3 dB off) by our synthesiser and
FluidR3's sampled guitars; the reference is the retake through a bundled rig, rendered with the
engine's chain. The DI through the same rig must come out closer, frame by frame, than through
the imitations that fool the long-term rig distance: another voicing or another capture of the
same amp at a re-set input gain, or a drive pedal in front.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tonematch import aligned, same_part
from tonematch._native import NamModel
from tonematch.audio_io import RATE
from tonematch.grid_search import ir_samples
from tonematch.library.performances import Performance
from tonematch.matcher import MatchOptions, match
from tonematch.render import render_rig
from tonematch.rig import Rig, RigParams

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def _rig(amp: str, ir: str, pedal: str | None = None, **params: float) -> Rig:
    models = ASSETS / "nam_models"
    return Rig(amp_path=models / f"{amp}.nam",
               ir_path=ASSETS / "impulse_responses" / f"{ir}.wav",
               fx_path=models / f"{pedal}.nam" if pedal else None, params=RigParams(**params))


def _through(rig: Rig, x: np.ndarray) -> np.ndarray:
    return render_rig(rig, x).mean(axis=0)


def _retake(source: str, style: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    part = Performance(source, style, 7, "minor", "mid", 100.0, 8.0, seed, -20.0)
    return part.render(), part.again(seed + 1).render()


CRUNCH = ("amp_british_crunch_g5", "cab_4x12_closed_cap")
IMITATIONS = [
    ("another capture of the amp, driven harder",
     _rig("amp_british_crunch_g7", "cab_4x12_closed_cap", input_gain_db=-6.0)),
    ("another voicing", _rig("amp_brown_g5", "cab_4x12_closed_cap")),
    ("a drive pedal in front, input gain lowered",
     _rig("amp_british_crunch_g5", "cab_4x12_closed_cap", "pedal_ts_mid", input_gain_db=-6.0)),
    ("another cabinet", _rig("amp_british_crunch_g5", "cab_1x12_open_cap")),
]


@pytest.mark.parametrize(("source", "style", "seed"),
                         [("synth", "single", 11), ("fluidr3:27", "chords", 12)])
def test_the_same_rig_is_closer_frame_by_frame_than_any_imitation(source, style, seed):
    di, retake = _retake(source, style, seed)
    lined_up = aligned.AlignedReference.of(_through(_rig(*CRUNCH), retake))
    own = lined_up.rendered_distance(_through(_rig(*CRUNCH), di))
    for what, imitation in IMITATIONS:
        other = lined_up.rendered_distance(_through(imitation, di))
        assert own < other, f"{what}: {other:.2f} dB, the rig itself {own:.2f} dB"


def test_output_level_does_not_count():
    di, retake = _retake("synth", "power", 21)
    lined_up = aligned.AlignedReference.of(_through(_rig(*CRUNCH), retake))
    out = _through(_rig(*CRUNCH), di)
    assert lined_up.rendered_distance(4.0 * out) == pytest.approx(
        lined_up.rendered_distance(out), abs=1e-4)  # float32 bands


def test_a_retake_is_compared_note_for_note_despite_its_timing():
    # The same rig and notes, the reference 15 ms late: within the lag the comparison allows,
    # so it scores as near as the retake itself, far nearer than another cabinet.
    di, _ = _retake("synth", "single", 31)
    out = _through(_rig(*CRUNCH), di)
    late = np.concatenate([np.zeros(int(0.015 * RATE), dtype=out.dtype), out])[: len(out)]
    lined_up = aligned.AlignedReference.of(late)
    assert lined_up.rendered_distance(out) < 0.5 * lined_up.rendered_distance(
        _through(_rig("amp_british_crunch_g5", "cab_1x12_open_cap"), di))


def test_a_cabinet_scored_on_the_amp_output_agrees_with_the_convolved_render():
    # The grid scores every cabinet from one amp render (power spectra × the IR's response);
    # it must rank cabinets as the chain's own convolution does.
    di, retake = _retake("synth", "chords", 41)
    lined_up = aligned.AlignedReference.of(_through(_rig(*CRUNCH), retake))
    amp_out = NamModel(str(ASSETS / "nam_models" / "amp_british_crunch_g5.nam")).process(di)
    irs = ["cab_4x12_closed_cap", "cab_1x12_open_cap", "cab_2x10_open_edge"]
    powers = [aligned.ir_power(ir_samples(ASSETS / "impulse_responses" / f"{n}.wav"))
              for n in irs]
    from_powers = lined_up.distances(aligned.power_frames(amp_out), powers)
    rendered = [lined_up.rendered_distance(_through(_rig("amp_british_crunch_g5", n), di))
                for n in irs]
    assert np.argmin(from_powers) == np.argmin(rendered) == 0
    assert np.allclose(from_powers, rendered, atol=0.35)


def test_on_the_same_part_the_match_is_chosen_frame_by_frame(tmp_path):
    di, retake = _retake("synth", "power", 51)
    sf.write(tmp_path / "di.wav", di, RATE, subtype="FLOAT")
    sf.write(tmp_path / "ref.wav", _through(_rig(*CRUNCH), retake), RATE, subtype="FLOAT")
    options = MatchOptions([ASSETS / "nam_models"], [ASSETS / "impulse_responses"],
                           budget="fast", jobs=2)
    rig, _ = match(tmp_path / "di.wav", tmp_path / "ref.wav", options)
    found = rig.extra["analysis"]["same_part"]
    assert found["detected"] is True and same_part.THRESHOLD <= found["similarity"]
    # The hidden rig's amp and cabinet, not an imitation of their long-term spectrum.
    assert (rig.amp_path.stem, rig.ir_path.stem) == CRUNCH
    assert rig.fx_path is None
    distances = [found["frame_distance_db"]] + [
        a["frame_distance_db"] for a in rig.extra["alternatives"]]
    assert all(np.isfinite(distances)) and distances == sorted(distances)


def test_another_part_is_matched_as_before(tmp_path):
    # Different notes: nothing lines up, so no frame distance is reported.
    di, _ = _retake("synth", "power", 61)
    _, other = _retake("synth", "arpeggio", 62)
    sf.write(tmp_path / "di.wav", di, RATE, subtype="FLOAT")
    sf.write(tmp_path / "ref.wav", _through(_rig(*CRUNCH), other), RATE, subtype="FLOAT")
    options = MatchOptions([ASSETS / "nam_models"], [ASSETS / "impulse_responses"],
                           budget="fast", jobs=2)
    rig, _ = match(tmp_path / "di.wav", tmp_path / "ref.wav", options)
    found = rig.extra["analysis"]["same_part"]
    assert found["detected"] is False and found["frame_distance_db"] is None
    assert all("frame_distance_db" not in a for a in rig.extra["alternatives"])
