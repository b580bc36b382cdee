"""The bundled demo, matched against the whole bundled library, finds its own rig's sound.

`assets/examples/ref_library_rig.wav` is another performance (other seed and tempo) through
pedal_ts_mid → amp_british_crunch_g5 → cab_4x12_closed_cap (`references.json`). The match of
`di_riff_a.wav` must name the amp voicing and the cabinet, and its render must come closer to the
ideal result (the DI through the hidden rig) than a plain match EQ does — the baseline every
EQ-matching tool offers — on the 1/3-octave spectrum and on MR-STFT. Metrics and baseline are
the match-quality benchmark's own (`benchmarks/_metrics.py`).

Not asserted: the pedal. The match names amp_british_crunch_g5 with no pedal in front; the hidden
rig has pedal_ts_mid there.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tonematch.cli import main as cli_main
from tonematch.loudness import true_peak_dbtp
from tonematch.render import render_rig
from tonematch.rig import Rig, RigParams, read_rig

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import _metrics  # noqa: E402  (the benchmark's metrics, one definition)

EXAMPLES = ROOT / "assets" / "examples"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("demo")
    hidden = json.loads((EXAMPLES / "references.json").read_text())["ref_library_rig.wav"]
    rc = cli_main(["match", "--di", str(EXAMPLES / "di_riff_a.wav"),
                   "--ref", str(EXAMPLES / "ref_library_rig.wav"), "--out", str(out / "rig.json"),
                   "--render", str(out / "matched.wav"), "--budget", "normal",
                   "--progress", "none"])
    assert rc == 0
    di, _ = sf.read(EXAMPLES / "di_riff_a.wav", dtype="float32")
    ref, _ = sf.read(EXAMPLES / "ref_library_rig.wav", dtype="float32")
    models, irs = ROOT / "assets" / "nam_models", ROOT / "assets" / "impulse_responses"
    truth = Rig(amp_path=models / f"{hidden['amp']}.nam", ir_path=irs / f"{hidden['ir']}.wav",
                fx_path=models / f"{hidden['pedal']}.nam", params=RigParams())
    matched, _ = sf.read(out / "matched.wav", dtype="float64", always_2d=True)
    return {"rig": read_rig(out / "rig.json"), "hidden": hidden, "di": di, "ref": ref,
            "ideal": render_rig(truth, di).mean(axis=0).astype(np.float64),
            "matched": matched.mean(axis=1)}


def test_the_demo_names_the_hidden_cabinet(demo: dict) -> None:
    assert demo["rig"].ir_name == demo["hidden"]["ir"]


def test_the_demo_names_the_hidden_amp_voicing(demo: dict) -> None:
    # A voicing is the model name without its gain suffix (amp_british_crunch_g5 → british_crunch).
    def voicing(name: str) -> str:
        return name.rsplit("_g", 1)[0]

    assert voicing(demo["rig"].amp_name) == voicing(demo["hidden"]["amp"])


def test_the_demo_beats_a_match_eq_on_spectrum_and_mr_stft(demo: dict) -> None:
    n = len(demo["di"])
    matched = demo["matched"][:n]
    baseline = _metrics.match_eq(demo["di"], demo["ref"])[:n]
    ideal = demo["ideal"][:n]
    ours = _metrics.spectral_error_db(matched, ideal), _metrics.mrstft_db(matched, ideal)
    theirs = _metrics.spectral_error_db(baseline, ideal), _metrics.mrstft_db(baseline, ideal)
    assert ours[0] < theirs[0], f"1/3-octave error {ours[0]:.2f} dB vs match EQ {theirs[0]:.2f}"
    assert ours[1] < theirs[1], f"MR-STFT {ours[1]:.2f} vs match EQ {theirs[1]:.2f}"


def test_the_demo_plays_at_the_references_loudness_without_clipping(demo: dict) -> None:
    ours, theirs = _metrics.loudness_lufs(demo["matched"]), _metrics.loudness_lufs(demo["ref"])
    assert abs(ours - theirs) <= 1.0, f"{ours:.2f} LUFS vs the reference's {theirs:.2f}"
    assert _metrics.peak_dbfs(demo["matched"]) <= 0.0
    assert true_peak_dbtp(demo["matched"]) <= 0.0, "a peak between samples passes 0 dBTP"
    assert demo["rig"].params.final_eq_gain_db == 0.0  # the player's trim is left alone


def test_the_demo_needs_no_noise_gate(demo: dict) -> None:
    # The demo DI plays without rests: there is no noise floor to gate.
    assert demo["rig"].params.gate_threshold_db == -100.0
