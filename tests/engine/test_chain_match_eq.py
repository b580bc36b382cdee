"""The match EQ: 24 peaking biquads on the 1/3-octave centres after the cabinet (README "Chain")."""

from __future__ import annotations

import json
import warnings
from dataclasses import replace

import numpy as np
import pytest
from chain_helpers import AMP, IR, PEDAL, guitar_like, noise, played
from scipy import signal

from tonematch._native import Chain, param_table
from tonematch.render import build_chain, load_ir, render_rig
from tonematch.rig import (
    MATCH_EQ_BANDS,
    MATCH_EQ_CENTRES_HZ,
    MATCH_EQ_Q,
    Rig,
    RigError,
    RigParams,
    read_rig,
    write_rig,
)

RATE = 48000.0
SINE_GAINS = [float(6.0 * np.sin(k)) for k in range(MATCH_EQ_BANDS)]


def impulse_response(chain: Chain, n: int = 1 << 16) -> np.ndarray:
    x = np.zeros(n, np.float32)
    x[0] = 1.0
    chain.reset()
    return chain.process(x)[0].astype(np.float64)


def response_db(h: np.ndarray, freqs: np.ndarray, rate: float) -> np.ndarray:
    _, resp = signal.freqz(h, worN=freqs, fs=rate)
    return 20 * np.log10(np.abs(resp))


def cookbook_db(gains: list[float], freqs: np.ndarray, rate: float) -> np.ndarray:
    """The cascade's magnitude from the cookbook formulas, computed independently."""
    out = np.zeros_like(freqs)
    for fc, g in zip(MATCH_EQ_CENTRES_HZ, gains, strict=True):
        if g == 0.0 or fc > 0.45 * rate:
            continue
        a = 10 ** (g / 40)
        w0 = 2 * np.pi * fc / rate
        alpha = np.sin(w0) / (2 * MATCH_EQ_Q)
        b = [1 + alpha * a, -2 * np.cos(w0), 1 - alpha * a]
        den = [1 + alpha / a, -2 * np.cos(w0), 1 - alpha / a]
        out += 20 * np.log10(np.abs(signal.freqz(b, den, worN=freqs, fs=rate)[1]))
    return out


def test_constants_match_the_engine():
    assert Chain.match_eq_centres_hz == pytest.approx(MATCH_EQ_CENTRES_HZ, rel=1e-12)
    assert Chain.match_eq_q == pytest.approx(MATCH_EQ_Q, rel=1e-6)
    assert MATCH_EQ_CENTRES_HZ[0] == pytest.approx(63.0957, rel=1e-5)
    assert MATCH_EQ_CENTRES_HZ[-1] == pytest.approx(12589.25, rel=1e-5)


@pytest.mark.parametrize("rate", [44100.0, 48000.0, 96000.0])
@pytest.mark.parametrize("gain", [12.0, -12.0, 4.5])
def test_each_band_has_its_gain_at_its_centre(rate, gain):
    chain = Chain(rate, 4096)
    worst = 0.0
    for band in range(MATCH_EQ_BANDS):
        gains = [0.0] * MATCH_EQ_BANDS
        gains[band] = gain
        chain.set_params(match_eq_db=gains, immediate=True)
        fc = MATCH_EQ_CENTRES_HZ[band]
        measured = response_db(impulse_response(chain), np.array([fc]), rate)[0]
        worst = max(worst, abs(measured - gain))
    print(f"{rate:g} Hz, {gain:+g} dB: worst band error at the centre {worst:.4f} dB")
    assert worst < 0.2


def test_a_long_sine_at_a_centre_gets_the_band_gain():
    chain = Chain(RATE, 4096)
    for band, gain in ((0, 9.0), (11, -7.0), (23, 6.0)):
        gains = [0.0] * MATCH_EQ_BANDS
        gains[band] = gain
        chain.set_params(match_eq_db=gains, immediate=True)
        chain.reset()
        fc = MATCH_EQ_CENTRES_HZ[band]
        n = int(2 * RATE)
        x = (0.25 * np.sin(2 * np.pi * fc * np.arange(n) / RATE)).astype(np.float32)
        y = chain.process(x)[0]
        tail = slice(n // 2, n)
        db = 20 * np.log10(np.sqrt(np.mean(y[tail] ** 2.0)) / np.sqrt(np.mean(x[tail] ** 2.0)))
        assert abs(db - gain) < 0.2


@pytest.mark.parametrize("rate", [22050.0, 48000.0])
def test_the_cascade_follows_the_cookbook(rate):
    # Relative to the flat chain: away from 48 kHz the empty NAM section still resamples.
    chain = Chain(rate, 4096)
    freqs = np.geomspace(40.0, 0.45 * rate, 200)
    flat = response_db(impulse_response(chain), freqs, rate)
    chain.set_params(match_eq_db=SINE_GAINS, immediate=True)
    measured = response_db(impulse_response(chain), freqs, rate) - flat
    assert np.abs(measured - cookbook_db(SINE_GAINS, freqs, rate)).max() < 0.02


def test_bands_above_0_45_of_the_rate_are_bypassed():
    gains = [0.0] * MATCH_EQ_BANDS
    gains[-1] = 12.0  # 12.59 kHz > 0.45 × 22.05 kHz
    chain = Chain(22050.0, 4096)
    x = noise(20000)
    flat = chain.process(x)
    chain.set_params(match_eq_db=gains, immediate=True)
    chain.reset()
    np.testing.assert_array_equal(chain.process(x), flat)


def test_flat_eq_is_bit_identical_to_no_eq():
    di = guitar_like(2.0, RATE)
    rig = Rig(fx_path=PEDAL, amp_path=AMP, ir_path=IR,
              params=RigParams(input_gain_db=3, pre_eq_gain_db=4, delay_mix=0.2, reverb_wet=0.2))
    before = render_rig(rig, di)
    chain = build_chain(rig)
    chain.set_params(match_eq_db=SINE_GAINS, immediate=True)
    chain.set_params(match_eq_db=[0.0] * MATCH_EQ_BANDS, immediate=True)  # on, then off again
    chain.reset()
    np.testing.assert_array_equal(played(chain, di), before)
    shaped = replace(rig, params=replace(rig.params, match_eq_db=SINE_GAINS))
    assert not np.array_equal(render_rig(shaped, di), before)


@pytest.mark.parametrize("rate", [44100.0, 48000.0])
def test_output_does_not_depend_on_the_block_size(rate):
    di = guitar_like(1.0, rate)
    rig = Rig(amp_path=AMP, ir_path=IR, params=RigParams(pre_eq_gain_db=-3,
                                                         match_eq_db=SINE_GAINS))
    outs = [render_rig(rig, di, rate, block=b) for b in (1, 37, 256, 4096)]
    for out in outs[1:]:
        np.testing.assert_array_equal(out, outs[0])


def test_the_amount_is_a_row_of_the_parameter_table():
    row = next(r for r in param_table() if r["key"] == "match_eq_amount")
    assert row == {"key": "match_eq_amount", "apvts_id": "matchEqAmount",
                   "name": "Match EQ Amount", "unit": "%", "low": 0.0, "high": 100.0,
                   "default": 100.0, "skew": "linear"}
    assert param_table()[-1]["key"] == "match_eq_amount"  # the last row: the published order
    chain = Chain(RATE, 256)
    chain.set_params(match_eq_amount=150.0)
    assert chain.params["match_eq_amount"] == 100.0  # clamped to the range
    chain.set_params(match_eq_amount=-5.0)
    assert chain.params["match_eq_amount"] == 0.0


def test_amount_zero_is_the_rig_without_the_match_eq_bit_for_bit():
    di = guitar_like(2.0, RATE)
    rig = Rig(fx_path=PEDAL, amp_path=AMP, ir_path=IR,
              params=RigParams(input_gain_db=3, pre_eq_gain_db=4, delay_mix=0.2, reverb_wet=0.2))
    flat = render_rig(rig, di)
    off = replace(rig, params=replace(rig.params, match_eq_db=SINE_GAINS, match_eq_amount=0.0))
    np.testing.assert_array_equal(render_rig(off, di), flat)


def test_amount_100_is_the_match_eq_as_matched_bit_for_bit():
    # The default: a rig written before the amount existed plays exactly as it did.
    di = guitar_like(1.0, RATE)
    shaped = Rig(amp_path=AMP, ir_path=IR, params=RigParams(match_eq_db=SINE_GAINS))
    assert shaped.params.match_eq_amount == 100.0
    chain = Chain(RATE, 512)
    chain.set_params(match_eq_db=SINE_GAINS, immediate=True)
    reference = impulse_response(chain)
    chain.set_params(match_eq_db=SINE_GAINS, match_eq_amount=100.0, immediate=True)
    np.testing.assert_array_equal(impulse_response(chain), reference)
    assert not np.array_equal(render_rig(shaped, di),
                              render_rig(replace(shaped, params=replace(shaped.params,
                                                                        match_eq_amount=99.0)),
                                         di))


@pytest.mark.parametrize("amount", [50.0, 25.0])
def test_amount_scales_every_bands_db_gain(amount):
    # Measured: the response at amount a is the cookbook cascade of the gains × a / 100.
    chain = Chain(RATE, 4096)
    freqs = np.geomspace(40.0, 0.45 * RATE, 200)
    chain.set_params(match_eq_db=SINE_GAINS, match_eq_amount=amount, immediate=True)
    measured = response_db(impulse_response(chain), freqs, RATE)
    scaled = [g * amount / 100.0 for g in SINE_GAINS]
    assert np.abs(measured - cookbook_db(scaled, freqs, RATE)).max() < 0.02
    # Half the amount is half the dB at each band's centre, well away from the full EQ.
    full = cookbook_db(SINE_GAINS, np.array(MATCH_EQ_CENTRES_HZ), RATE)
    at_centres = response_db(impulse_response(chain), np.array(MATCH_EQ_CENTRES_HZ), RATE)
    assert np.abs(at_centres - full * amount / 100.0).max() < 0.05
    assert np.abs(at_centres - full).max() > 2.0


def test_amount_glides_instead_of_jumping():
    # A knob turned from 100 % to 0 % while a steady sine plays at a boosted band: the level
    # moves over ~20 ms in small steps, not at once.
    band, gain = 11, 9.0
    gains = [0.0] * MATCH_EQ_BANDS
    gains[band] = gain
    fc = MATCH_EQ_CENTRES_HZ[band]
    chain = Chain(RATE, 64)
    chain.set_params(match_eq_db=gains, immediate=True)
    n = int(RATE)
    x = (0.1 * np.sin(2 * np.pi * fc * np.arange(2 * n) / RATE)).astype(np.float32)
    before = chain.process(x[:n])[0]
    chain.set_params(match_eq_db=gains, match_eq_amount=0.0)
    after = chain.process(x[n:])[0]
    assert chain.params["match_eq_amount"] == 0.0
    envelope = np.abs(signal.hilbert(np.concatenate([before, after]).astype(np.float64)))
    env = envelope[n - 480: n + 4800: 48]  # 1 ms steps around the change
    steps_db = np.abs(np.diff(20 * np.log10(env)))
    start, end = 20 * np.log10(envelope[n - 2000]), 20 * np.log10(envelope[n + 20000])
    assert start - end == pytest.approx(gain, abs=0.3)
    # 9 dB over ~20 ms: no 1 ms step of more than a third of it.
    assert steps_db.max() < gain / 3


def test_set_params_keeps_and_reports_the_gains():
    chain = Chain(RATE, 256)
    chain.set_params(match_eq_db=SINE_GAINS)
    assert chain.params["match_eq_db"] == pytest.approx(SINE_GAINS, abs=1e-6)
    chain.set_params(input_gain_db=2.0)  # other keys keep the EQ
    assert chain.params["match_eq_db"] == pytest.approx(SINE_GAINS, abs=1e-6)
    chain.set_params(match_eq_db=[30.0] + [-30.0] * 23)
    assert chain.params["match_eq_db"] == [12.0] + [-12.0] * 23
    with pytest.raises(ValueError, match="24 values"):
        chain.set_params(match_eq_db=[1.0] * 23)


def test_gains_are_not_smoothed():
    # Set with a glide or without, the gains apply in full from the next block.
    x = noise(8192, seed=3)
    a = Chain(RATE, 512)
    a.set_params(match_eq_db=SINE_GAINS)
    b = Chain(RATE, 512)
    b.set_params(match_eq_db=SINE_GAINS, immediate=True)
    np.testing.assert_array_equal(a.process(x), b.process(x))


def test_the_json_round_trip(tmp_path):
    rig = Rig(amp_path=AMP, ir_path=IR, params=RigParams(delay_mix=0.1, match_eq_db=SINE_GAINS))
    data = rig.to_dict()
    assert set(data["params"]) == {"input_gain_db", "pre_eq_gain_db", "pre_eq_freq_hz",
                                   "reverb_wet", "reverb_room_size", "delay_time_ms",
                                   "delay_mix", "final_eq_gain_db", "output_level_db",
                                   "gate_threshold_db", "limiter_ceiling_db",
                                   "match_eq_amount"}
    assert data["match_eq"]["gains_db"] == SINE_GAINS
    assert data["match_eq"]["centres_hz"][0] == pytest.approx(63.096)
    write_rig(tmp_path / "rig.json", rig)
    back = read_rig(tmp_path / "rig.json")
    assert back.params == rig.params
    assert "match_eq" not in back.extra
    assert "match_eq" not in json.loads(json.dumps(back.to_dict()))["params"]
    assert back.to_dict()["match_eq"] == data["match_eq"]

    flat = Rig(amp_path=AMP).to_dict()
    assert "match_eq" not in flat  # written only when a gain is not zero
    assert Rig.from_dict(flat).params.match_eq_db == [0.0] * MATCH_EQ_BANDS


def test_out_of_range_gains_are_clamped_with_a_warning():
    data = Rig(amp_path=AMP).to_dict()
    data["match_eq"] = {"gains_db": [15.0] + [0.5] * 23}
    with pytest.warns(UserWarning, match="match_eq gain 0 .*15.*using 12"):
        rig = Rig.from_dict(data, "test rig")
    assert rig.params.match_eq_db == [12.0] + [0.5] * 23
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RigParams(match_eq_db=SINE_GAINS).clamped()


@pytest.mark.parametrize("bad", [{"gains_db": [1.0] * 23}, {"gains_db": [float("nan")] * 24},
                                 {"gains_db": ["1"] * 24}, [0.0] * 24])
def test_malformed_match_eq_is_an_error(bad):
    data = Rig(amp_path=AMP).to_dict()
    data["match_eq"] = bad
    with pytest.raises(RigError, match="match_eq"):
        Rig.from_dict(data, "test rig")


def test_render_uses_the_match_eq():
    ir, ir_rate = load_ir(IR)
    assert ir_rate > 0
    rig = Rig(ir_path=IR, params=RigParams(match_eq_db=SINE_GAINS))
    chain = build_chain(rig)
    assert chain.params["match_eq_db"] == pytest.approx(SINE_GAINS, abs=1e-6)
