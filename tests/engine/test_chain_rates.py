"""Host rates other than the models' 48 kHz: true latency, same tone, and IRs at any rate.

The NAM stages run at 48 kHz inside a resampler pair. The latency the chain reports must be the
delay a click really takes, and a guitar through an amp must sound the same (1/3-octave levels
within 1 dB up to 16 kHz) at 44.1 and 96 kHz as at 48 kHz.
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from chain_helpers import AMP, IR, PEDAL, guitar_like
from scipy import signal

from tonematch._native import Chain

RATES = [22050.0, 44100.0, 88200.0, 96000.0, 192000.0]


def measured_delay(x: np.ndarray, y: np.ndarray) -> float:
    """Delay of y against x in samples, sub-sample (parabolic peak of the cross-correlation)."""
    c = signal.correlate(y.astype(np.float64), x.astype(np.float64), mode="full")
    k = int(np.argmax(c))
    a, b, d = c[k - 1], c[k], c[k + 1]
    return k - (len(x) - 1) + 0.5 * (a - d) / (a - 2 * b + d)


def band_limited_noise(n: int, rate: float, top_hz: float = 12000.0) -> np.ndarray:
    rng = np.random.default_rng(3)
    sos = signal.ellip(12, 0.01, 120, min(top_hz, 0.4 * rate), fs=rate, output="sos")
    return (signal.sosfilt(sos, rng.standard_normal(n)) * 0.2).astype(np.float32)


def test_at_48k_the_only_latency_is_the_limiters_lookahead():
    chain = Chain(48000.0, 512)
    chain.set_amp(AMP)
    assert chain.latency_samples == 95  # 2 ms, less the sample the ramp needs no delay for


@pytest.mark.parametrize("rate", RATES)
def test_reported_latency_is_the_true_delay(rate):
    chain = Chain(rate, 512)
    assert chain.latency_samples > 0
    x = band_limited_noise(int(0.5 * rate), rate)
    y = chain.process(x, block=100)[0]
    assert measured_delay(x, y) == pytest.approx(chain.latency_samples, abs=0.02)


@pytest.mark.parametrize("rate", [44100.0, 96000.0])
def test_the_resampler_pair_is_transparent_below_16k(rate):
    chain = Chain(rate, 512)
    x = band_limited_noise(int(rate), rate, top_hz=16000.0)
    y = chain.process(np.concatenate([x, np.zeros(1000, np.float32)]))[0]
    aligned = y[chain.latency_samples : chain.latency_samples + len(x)]
    err = aligned[2000:-2000] - x[2000:-2000]
    assert np.sqrt(np.mean(err**2)) < 1e-4 * np.sqrt(np.mean(x**2))


# The same signal at each rate (resampled from 48 kHz with scipy's polyphase filter).
RATIOS = {44100.0: (147, 160), 96000.0: (2, 1)}


def render_models(x: np.ndarray, rate: float, block: int = 128) -> np.ndarray:
    """x through pedal and amp, with the reported latency removed."""
    chain = Chain(rate, 1024)
    chain.set_pedal(PEDAL)
    chain.set_amp(AMP)
    padded = np.concatenate([x, np.zeros(chain.latency_samples, np.float32)])
    return chain.process(padded, block=block)[0][chain.latency_samples :]


@pytest.mark.parametrize("rate", [44100.0, 96000.0])
def test_latency_holds_with_models_loaded(rate):
    """Through pedal and amp, the output less the latency lines up with the 48 kHz output."""
    up, down = RATIOS[rate]
    x48 = band_limited_noise(24000, 48000.0, top_hz=6000.0)
    y48 = signal.resample_poly(render_models(x48, 48000.0), up, down)
    y = render_models(signal.resample_poly(x48, up, down).astype(np.float32), rate)
    assert measured_delay(y48[2000:-2000], y[2000:-2000]) == pytest.approx(0.0, abs=0.05)


def third_octave_db(x: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
    f, p = signal.welch(x, fs=rate, nperseg=int(rate / 4))  # 4 Hz resolution at every rate
    centres = 1000.0 * 2.0 ** (np.arange(-11, 13) / 3)  # 80 Hz … 16 kHz (a guitar's range)
    levels = []
    for c in centres:
        band = (f >= c * 2 ** (-1 / 6)) & (f < c * 2 ** (1 / 6))
        levels.append(10 * np.log10(np.sum(p[band]) * (f[1] - f[0])))
    return centres, np.array(levels)


@pytest.mark.parametrize("rate", [44100.0, 96000.0])
def test_tone_matches_48k_through_pedal_and_amp(rate):
    di48 = guitar_like(4.0, 48000.0, seed=5)
    up, down = RATIOS[rate]
    di = signal.resample_poly(di48, up, down).astype(np.float32)
    _, ref = third_octave_db(render_models(di48, 48000.0), 48000.0)
    _, got = third_octave_db(render_models(di, rate), rate)
    assert np.abs(got - ref).max() < 1.0, np.round(got - ref, 2)


def response_db(h: np.ndarray, rate: float) -> np.ndarray:
    """1/3-octave band levels (80 Hz … 16 kHz) of a filter's impulse response."""
    spectrum = np.abs(np.fft.rfft(h, n=1 << 18)) ** 2
    f = np.fft.rfftfreq(1 << 18, 1 / rate)
    centres = 1000.0 * 2.0 ** (np.arange(-11, 13) / 3)
    return np.array([10 * np.log10(spectrum[(f >= c * 2 ** (-1 / 6)) & (f < c * 2 ** (1 / 6))]
                                   .mean()) for c in centres])


@pytest.mark.parametrize("rate", [44100.0, 96000.0])
def test_an_ir_keeps_its_frequency_response_at_other_rates(rate):
    ir, ir_rate = sf.read(IR, dtype="float32")
    chain = Chain(rate, 1024)
    chain.set_ir(ir, ir_rate)
    impulse = np.zeros(int(0.3 * rate), np.float32)
    impulse[0] = 1.0
    h = chain.process(impulse)[0]
    diff = response_db(h, rate) - response_db(ir, ir_rate)
    # The IR starts at sample 0, so the resampling filter's pre-ringing is cut (zero latency);
    # that costs the top band a little (0.3 dB at 16 kHz when going to 44.1 kHz).
    assert np.abs(diff[:-1]).max() < 0.1, np.round(diff, 3)
    assert abs(diff[-1]) < 0.5, np.round(diff, 3)


def test_an_ir_recorded_at_96k_plays_at_48k():
    ir48, _ = sf.read(IR, dtype="float32")
    ir96 = (signal.resample_poly(ir48, 2, 1) * 0.5).astype(np.float32)  # same filter at 96 kHz
    x = np.random.default_rng(2).standard_normal(48000).astype(np.float32) * 0.1
    a, b = Chain(48000.0, 1024), Chain(48000.0, 1024)
    a.set_ir(ir48, 48000.0)
    b.set_ir(ir96, 96000.0)
    ya, yb = a.process(x)[0], b.process(x)[0]
    assert np.sqrt(np.mean((ya - yb) ** 2)) < 0.01 * np.sqrt(np.mean(ya**2))
