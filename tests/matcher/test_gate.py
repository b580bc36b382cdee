"""The matcher sets the noise gate only where the DI's hiss between notes, through the rig,
would stand out more than the reference's quiet parts; the gate then silences the gaps and
leaves the notes alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tonematch import gate
from tonematch.loudness import loudness_lufs
from tonematch.render import render_rig
from tonematch.rig import Rig, RigParams

ASSETS = Path(__file__).resolve().parents[2] / "assets"
RATE = 48_000
HISS_DBFS = -72.0


def _phrases(with_hiss: bool) -> np.ndarray:
    """The example riff cut into 1.5 s phrases with 1 s of rest between them (20 ms fades), and
    optionally a steady hiss under everything, as a real DI has."""
    riff, rate = sf.read(str(ASSETS / "examples" / "di_riff_a.wav"), dtype="float32")
    assert rate == RATE
    t = np.arange(len(riff)) / RATE
    on = ((t % 2.5) < 1.5).astype(np.float64)
    ramp = np.ones(int(0.02 * RATE)) / int(0.02 * RATE)
    x = riff * np.convolve(on, ramp, mode="same")
    if with_hiss:
        rng = np.random.default_rng(5)
        x = x + rng.normal(0.0, 10 ** (HISS_DBFS / 20), len(x))
    return x.astype(np.float32)


def _high_gain_rig(**params: float) -> Rig:
    return Rig(amp_path=ASSETS / "nam_models" / "amp_modern_high_gain_g9.nam",
               ir_path=ASSETS / "impulse_responses" / "cab_4x12_closed_cap.wav",
               params=RigParams(input_gain_db=6.0, **params))


def _levels(x: np.ndarray) -> np.ndarray:
    n = len(x) // 480
    return 10 * np.log10(np.mean(x[: n * 480].reshape(n, 480).astype(np.float64) ** 2, 1) + 1e-14)


@pytest.fixture(scope="module")
def clean_reference() -> np.ndarray:
    """The rig playing a DI without hiss: silent between phrases, as a produced track is."""
    return render_rig(_high_gain_rig(), _phrases(with_hiss=False)).mean(axis=0)


def test_a_hissy_di_through_a_high_gain_rig_gets_the_gate(clean_reference: np.ndarray) -> None:
    di = _phrases(with_hiss=True)
    rig = _high_gain_rig()
    floor = gate.noise_floor(di)
    assert isinstance(floor, gate.NoiseFloor)
    decision = gate.decide(rig, di, clean_reference)
    assert decision.on, decision.reason
    # Just above the hiss's peaks (moved by the input gain), far under the playing.
    assert floor.noise_peak_dbfs + 6.0 < decision.threshold_db
    assert decision.threshold_db <= floor.playing_peak_dbfs + 6.0 - gate.DECAY_ROOM_DB
    assert decision.rig_gaps_db > decision.reference_quiet_db + gate.AUDIBLE_MARGIN_DB

    open_ = render_rig(rig, di).mean(axis=0)
    gated = render_rig(Rig(rig.amp_path, rig.ir_path, params=RigParams(
        input_gain_db=6.0, gate_threshold_db=decision.threshold_db)), di).mean(axis=0)
    a, b = _levels(open_), _levels(gated)
    gaps = floor.gap_frames[: len(a)]
    loud = a > np.percentile(a, 60)
    assert np.median(a[gaps] - b[gaps]) > 20.0, "the gate leaves the hiss in the gaps"
    assert abs(np.mean(a[loud] - b[loud])) < 0.5, "the gate cuts into the playing"


def test_a_legato_reference_with_one_rest_still_shows_its_silence() -> None:
    # Played through without a break except one half-second rest: nearly every frame is
    # playing, so only the quietest stretch says that the reference's rig leaves no hiss.
    riff, _ = sf.read(str(ASSETS / "examples" / "di_riff_a.wav"), dtype="float32")
    rest = np.zeros(RATE // 2, np.float32)
    reference = render_rig(_high_gain_rig(), np.concatenate([riff, rest, riff])).mean(axis=0)
    levels = _levels(reference)
    assert np.percentile(levels, 5) > np.percentile(levels, 95) - 20.0, "not legato enough"
    decision = gate.decide(_high_gain_rig(), _phrases(with_hiss=True), reference)
    assert decision.on, decision.reason
    assert decision.reference_quiet_db < -40.0


def test_no_gate_where_the_reference_is_as_noisy_as_the_match() -> None:
    di = _phrases(with_hiss=True)
    rig = _high_gain_rig()
    reference = render_rig(rig, di).mean(axis=0)
    decision = gate.decide(rig, di, reference)
    assert not decision.on
    assert "no louder" in decision.reason


@pytest.mark.parametrize("name, di, why", [
    ("silent gaps", lambda: _phrases(with_hiss=False), "silent between notes"),
    ("no gaps", lambda: sf.read(str(ASSETS / "examples" / "demo_di.wav"), dtype="float32")[0],
     "no gaps"),
    ("too short", lambda: np.full(RATE // 10, 0.01, np.float32), "too short"),
])
def test_no_gate_without_noise_to_measure(name: str, di, why: str,
                                          clean_reference: np.ndarray) -> None:
    decision = gate.decide(_high_gain_rig(), di(), clean_reference)
    assert not decision.on, name
    assert why in decision.reason
    assert decision.to_dict()["threshold_db"] == -100.0


def test_match_sets_the_gate_and_says_why(tmp_path: Path, clean_reference: np.ndarray) -> None:
    di, ref = tmp_path / "di.wav", tmp_path / "ref.wav"
    sf.write(di, _phrases(with_hiss=True), RATE, subtype="FLOAT")
    sf.write(ref, clean_reference, RATE, subtype="FLOAT")
    out, render = tmp_path / "rig.json", tmp_path / "matched.wav"
    proc = subprocess.run([sys.executable, "-m", "tonematch", "match", "--di", str(di), "--ref",
                           str(ref), "--out", str(out), "--render", str(render), "--budget",
                           "fast", "--progress", "none"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert data["analysis"]["gate"]["on"]
    assert data["params"]["gate_threshold_db"] == data["analysis"]["gate"]["threshold_db"] > -100
    assert any(w.startswith("noise gate set at") for w in data["warnings"])
    assert "noise gate set at" in proc.stderr
    # The output level is set on what plays, the gate included.
    matched, _ = sf.read(str(render), dtype="float64", always_2d=True)
    assert abs(loudness_lufs(matched.mean(axis=1)) - loudness_lufs(clean_reference)) <= 1.0
