"""Each post-amp stage of the chain does what its parameter says (docs/architecture.md,
the chain)."""

from __future__ import annotations

import numpy as np
import pytest
from chain_helpers import noise, played
from scipy import signal

from tonematch._native import Chain

RATE = 48000.0
FEEDBACK = 0.35  # Chain::kDelayFeedback
Q = 0.707  # Chain::kPreEqQ


def click(n: int, at: int, level: float = 1.0) -> np.ndarray:
    x = np.zeros(n, np.float32)
    x[at] = level
    return x


def rbj_peak_db(gain_db: float, f0: float, freqs: np.ndarray, rate: float) -> np.ndarray:
    """The cookbook peaking filter's magnitude, computed independently of the engine."""
    a = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * f0 / rate
    alpha = np.sin(w0) / (2 * Q)
    b = [1 + alpha * a, -2 * np.cos(w0), 1 - alpha * a]
    den = [1 + alpha / a, -2 * np.cos(w0), 1 - alpha / a]
    _, h = signal.freqz(b, den, worN=freqs, fs=rate)
    return 20 * np.log10(np.abs(h))


def sine_gain_db(chain: Chain, freq: float, rate: float) -> float:
    n = int(rate)
    t = np.arange(n) / rate
    x = (0.25 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    y = played(chain, x)[0]
    tail = slice(n // 2, n)  # steady state
    return 20 * np.log10(np.sqrt(np.mean(y[tail] ** 2)) / np.sqrt(np.mean(x[tail] ** 2)))


@pytest.mark.parametrize("rate", [44100.0, 48000.0, 96000.0])
@pytest.mark.parametrize(("gain_db", "f0"), [(12.0, 800.0), (-12.0, 400.0), (5.5, 3000.0)])
def test_peak_filter_has_its_gain_at_the_centre(rate, gain_db, f0):
    chain = Chain(rate, 4096)
    chain.set_params(pre_eq_gain_db=gain_db, pre_eq_freq_hz=f0, immediate=True)
    assert abs(sine_gain_db(chain, f0, rate) - gain_db) < 0.1


def test_peak_filter_follows_the_cookbook_response():
    chain = Chain(RATE, 4096)
    chain.set_params(pre_eq_gain_db=9.0, pre_eq_freq_hz=1500.0, immediate=True)
    freqs = np.array([100.0, 500.0, 1000.0, 3000.0, 8000.0])
    expected = rbj_peak_db(9.0, 1500.0, freqs, RATE)
    for f, want in zip(freqs, expected, strict=True):
        chain.reset()
        assert sine_gain_db(chain, f, RATE) == pytest.approx(want, abs=0.05)


def test_flat_eq_is_an_exact_bypass():
    chain = Chain(RATE, 256)
    chain.set_params(pre_eq_gain_db=0.0, pre_eq_freq_hz=2000.0, immediate=True)
    x = noise(4000)
    assert np.array_equal(played(chain, x)[0], x)


@pytest.mark.parametrize(("time_ms", "mix"), [(100.0, 0.5), (50.0, 0.2), (500.0, 0.35)])
def test_delay_echoes_at_the_delay_time_with_the_mix_level(time_ms, mix):
    chain = Chain(RATE, 1024)
    chain.set_params(delay_time_ms=time_ms, delay_mix=mix, immediate=True)
    d = int(round(time_ms * RATE / 1000))
    y = played(chain, click(4 * d, 10))[0]
    expected = np.zeros_like(y)
    expected[10] = 1 - mix  # out = (1 − mix)·dry + mix·wet
    for k in range(1, 4):
        if 10 + k * d < len(y):
            expected[10 + k * d] = mix * FEEDBACK ** (k - 1)
    np.testing.assert_allclose(y, expected, atol=1e-7)


def test_a_fractional_delay_time_interpolates_linearly():
    chain = Chain(RATE, 1024)
    chain.set_params(delay_time_ms=123.4, delay_mix=0.5, immediate=True)  # 5923.2 samples
    y = played(chain, click(7000, 0))[0]
    assert y[5923] == pytest.approx(0.5 * 0.8, abs=1e-4)  # 123.4 is a float32 param
    assert y[5924] == pytest.approx(0.5 * 0.2, abs=1e-4)
    assert np.abs(y[1:5923]).max() == 0 and np.abs(y[5925:]).max() == 0


def test_delay_time_glides_without_jumps():
    """A time change bends the echo (tape-like) instead of cutting it: no step in the output."""
    chain = Chain(RATE, 512)
    chain.set_params(delay_time_ms=100, delay_mix=0.5, immediate=True)
    t = np.arange(int(RATE)) / RATE
    x = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    first = chain.process(x[:24000])[0]
    chain.set_params(delay_time_ms=400)
    second = chain.process(x[24000:])[0]
    y = np.concatenate([first, second])
    assert np.abs(np.diff(y)).max() < 0.06  # a 220 Hz sine at 0.3 moves ≤ 0.0087 per sample


def test_reverb_dry_is_one_minus_wet_and_wet_adds_a_stereo_tail():
    chain = Chain(RATE, 4096)
    chain.set_params(reverb_wet=0.3, immediate=True)
    y = played(chain, click(int(RATE), 100))
    assert y[0, 100] == pytest.approx(0.7, abs=1e-7) and y[1, 100] == pytest.approx(0.7, abs=1e-7)
    assert np.abs(y[:, :100]).max() == 0
    tail = y[:, 2000:]
    assert np.sqrt(np.mean(tail**2)) > 1e-3
    assert not np.allclose(tail[0], tail[1])  # decorrelated channels
    corr = np.corrcoef(tail[0], tail[1])[0, 1]
    assert abs(corr) < 0.5


def test_no_reverb_is_an_exact_bypass():
    chain = Chain(RATE, 512)
    chain.set_params(reverb_wet=0.0, reverb_room_size=1.0, immediate=True)
    x = noise(20000)
    assert np.array_equal(played(chain, x), np.stack([x, x]))


def test_a_larger_room_rings_longer():
    energy = []
    for room in (0.1, 0.5, 1.0):
        chain = Chain(RATE, 4096)
        chain.set_params(reverb_wet=0.5, reverb_room_size=room, immediate=True)
        y = played(chain, click(2 * int(RATE), 0))
        energy.append(float(np.sum(y[:, int(RATE) :] ** 2)))
    assert energy[0] < energy[1] < energy[2]


def test_reverb_wet_level_is_about_the_dry_level_for_noise():
    """The wet path is scaled to the input's power (white noise, room 0.5) within ±3 dB."""
    chain = Chain(RATE, 4096)
    chain.set_params(reverb_wet=0.7, reverb_room_size=0.5, immediate=True)
    x = noise(4 * int(RATE), level=0.1)
    y = played(chain, x)
    wet = (y[0, int(RATE) :] - 0.3 * x[int(RATE) :]) / 0.7
    ratio_db = 10 * np.log10(np.mean(wet**2) / np.mean(x**2))
    assert abs(ratio_db) < 3.0, ratio_db


@pytest.mark.parametrize("rate", [44100.0, 96000.0])
def test_reverb_decay_does_not_depend_on_the_rate(rate):
    def decay_db(r: float) -> float:
        chain = Chain(r, 4096)
        chain.set_params(reverb_wet=0.5, reverb_room_size=0.8, immediate=True)
        y = played(chain, click(int(2 * r), 0))[0]
        early = np.sum(y[int(0.2 * r) : int(0.4 * r)] ** 2)
        late = np.sum(y[int(1.0 * r) : int(1.2 * r)] ** 2)
        return 10 * np.log10(early / late)

    assert decay_db(rate) == pytest.approx(decay_db(RATE), abs=1.5)
