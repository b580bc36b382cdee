"""Host rates other than the models' 48 kHz: the tone stays the same and the latency the plugin
reports is the latency it has (measured, with pedalboard compensating by the reported value)."""

from __future__ import annotations

import hosting
import numpy as np
import pytest
from plugin_env import ASSETS
from scipy.signal import butter, correlate, resample_poly, sosfiltfilt

RATES = [44100, 88200, 96000]
AMP = ASSETS / "nam_models" / "amp_clean_american_g8.nam"
CAB = ASSETS / "impulse_responses" / "cab_2x12_open_cap.wav"
TONE_PARAMS = {"preEqGainDb": 3.0, "preEqFreqHz": 1200.0}


def _resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    g = np.gcd(src, dst)
    return resample_poly(x, dst // g, src // g).astype(np.float32)


def _third_octave_db(x: np.ndarray, rate: int, low: float = 63.0, high: float = 16000.0):
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1.0 / rate)
    centres = low * 2.0 ** (np.arange(0, np.log2(high / low) * 3 + 1) / 3)
    bands = []
    for fc in centres:
        sel = (freqs >= fc * 2 ** (-1 / 6)) & (freqs < fc * 2 ** (1 / 6))
        # Energy per hertz, so the same tone at another rate (another FFT length) compares.
        bands.append(10 * np.log10(spectrum[sel].sum() / len(x) / rate + 1e-30))
    return centres, np.array(bands)


@pytest.fixture(scope="module")
def plugin(plugin_build):
    p = hosting.load(plugin_build.vst3)
    assert hosting.set_rig(p, TONE_PARAMS, None, AMP, CAB) == "Ready"
    return p


@pytest.fixture(scope="module")
def at_48k(plugin, di):
    return hosting.process(plugin, di[None, : 48000 * 8], 48000)[0]


def _lag(y: np.ndarray, x: np.ndarray) -> int:
    c = correlate(y, x, mode="full", method="fft")
    return int(np.argmax(c)) - (len(x) - 1)


@pytest.mark.parametrize("rate", RATES)
def test_reported_latency_is_true(plugin_build, rate):
    empty = hosting.load(plugin_build.vst3)  # empty slots: the resamplers still run
    rng = np.random.default_rng(5)
    # Noise band-limited below 48 kHz's Nyquist, so the round trip through the models' rate
    # keeps all of it and the only change is the delay.
    x = sosfiltfilt(butter(8, 15000, fs=rate, output="sos"), rng.standard_normal(rate // 2))
    x = (0.2 * x / np.abs(x).max()).astype(np.float32)
    y = hosting.process(empty, x[None, :], rate)[0]
    latency = empty.reported_latency_samples
    assert latency > 0  # the resamplers around the NAM stages delay the signal
    # pedalboard shifts the output back by the reported latency; if that is the true latency,
    # the output lines up with the input exactly.
    assert _lag(y, x) == 0
    body = slice(latency + 100, len(x) - 100)
    error = np.sqrt(np.mean((y[body] - x[body]) ** 2) / np.mean(x[body] ** 2))
    assert error < 1e-3
    print(f"{rate} Hz: reported latency {latency} samples ({1000 * latency / rate:.2f} ms), "
          f"relative error after alignment {error:.1e}")


@pytest.mark.parametrize("rate", RATES)
def test_tone_matches_48k(plugin, at_48k, di, rate):
    x = _resample(di[: 48000 * 8], 48000, rate)
    y = hosting.process(plugin, x[None, :], rate)[0]
    assert plugin.reported_latency_samples > 0

    # Aligned: the output at this rate lines up with the 48 kHz output (latency compensated).
    ref = _resample(at_48k, 48000, rate)
    n = min(len(ref), len(y))
    lag = _lag(y[:n], ref[:n])
    assert abs(lag) <= 1, f"output is {lag} samples off the 48 kHz output"

    centres, bands = _third_octave_db(y, rate)
    _, bands48 = _third_octave_db(at_48k, 48000)
    worst = np.max(np.abs(bands - bands48))
    print(f"{rate} Hz: worst 1/3-octave band difference to 48 kHz {worst:.3f} dB "
          f"(at {centres[np.argmax(np.abs(bands - bands48))]:.0f} Hz)")
    assert worst < 1.0
