"""The four loss parts respond to what they are named for, and not to which notes are played."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.signal import fftconvolve, lfilter

from tonematch._native import NamModel
from tonematch.analysis import analyse
from tonematch.audio_io import load_audio
from tonematch.loss import tone_loss
from tonematch.post_fx import PostFxRenderer, peak_gain_db
from tonematch.render import load_ir
from tonematch.rig import RigParams

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def _rig(di: np.ndarray, amp: str = "amp_british_crunch_g5", gain_db: float = 0.0,
         cab: str = "cab_4x12_closed_cap") -> np.ndarray:
    model = NamModel(str(ASSETS / "nam_models" / f"{amp}.nam"))
    y = model.process((di * 10 ** (gain_db / 20)).astype(np.float32))
    ir, _ = load_ir(ASSETS / "impulse_responses" / f"{cab}.wav")
    return fftconvolve(y, ir)[: len(y)]


@pytest.fixture(scope="module")
def di() -> np.ndarray:
    return load_audio(ASSETS / "examples" / "di_riff_a.wav").samples[: 8 * 48000]


@pytest.fixture(scope="module")
def base(di: np.ndarray) -> np.ndarray:
    return _rig(di)


def _peak(x: np.ndarray, f0: float, gain_db: float, q: float = 0.707) -> np.ndarray:
    a, w0 = 10 ** (gain_db / 40), 2 * np.pi * f0 / 48000
    alpha = np.sin(w0) / (2 * q)
    b = [1 + alpha * a, -2 * np.cos(w0), 1 - alpha * a]
    den = [1 + alpha / a, -2 * np.cos(w0), 1 - alpha / a]
    return lfilter(b, den, x)


def test_closed_form_peak_response_matches_the_filter() -> None:
    impulse = np.zeros(8192)
    impulse[0] = 1
    h = np.abs(np.fft.rfft(_peak(impulse, 1200, 6.0)))
    freqs = np.fft.rfftfreq(8192, 1 / 48000)
    for f in (300.0, 1200.0, 5000.0):
        k = int(np.argmin(np.abs(freqs - f)))
        assert 20 * np.log10(h[k]) == pytest.approx(peak_gain_db(np.array([freqs[k]]), 1200,
                                                                 6.0)[0], abs=0.05)


def test_identical_audio_scores_zero(base: np.ndarray) -> None:
    assert tone_loss(analyse(base), analyse(base)).total == pytest.approx(0.0, abs=1e-9)


def test_an_eq_change_moves_the_spectral_part(base: np.ndarray) -> None:
    parts = tone_loss(analyse(_peak(base, 1500, 9.0)), analyse(base))
    assert parts.spectral > 1.0
    assert parts.harmonic < 0.5 * parts.spectral and parts.envelope < 0.5 * parts.spectral


def test_more_drive_moves_the_harmonic_part(di: np.ndarray, base: np.ndarray) -> None:
    driven = tone_loss(analyse(_rig(di, gain_db=15.0)), analyse(base))
    eq_only = tone_loss(analyse(_peak(base, 1500, 9.0)), analyse(base))
    assert driven.harmonic > 1.0
    assert driven.harmonic > 3 * eq_only.harmonic


def test_reverb_moves_the_envelope_part(di: np.ndarray) -> None:
    clean = _rig(di, "amp_clean_american_g2")  # a clean amp keeps the gaps reverb fills
    wet = PostFxRenderer(clean).render(RigParams(reverb_wet=0.5, reverb_room_size=0.9))
    parts = tone_loss(analyse(wet), analyse(clean))
    eq_only = tone_loss(analyse(_peak(clean, 1500, 9.0)), analyse(clean))
    assert parts.envelope > 3.0
    assert parts.envelope > 3 * eq_only.envelope
    assert parts.envelope > parts.spectral


def test_another_performance_through_the_same_rig_beats_another_rig(di: np.ndarray) -> None:
    other = load_audio(ASSETS / "examples" / "di_riff_b.wav").samples[: 8 * 48000]
    ref = analyse(_rig(other))
    same_rig = tone_loss(analyse(_rig(di)), ref).total
    for amp, cab in (("amp_clean_american_g2", "cab_4x12_closed_cap"),
                     ("amp_british_crunch_g5", "cab_1x12_open_cap"),
                     ("amp_modern_high_gain_g7", "cab_4x12_closed_cap")):
        assert same_rig < tone_loss(analyse(_rig(di, amp, cab=cab)), ref).total, amp
