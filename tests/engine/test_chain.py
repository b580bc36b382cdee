"""The signal chain (engine/src/chain) as the plugin and `tonematch render` run it.

The chain must give bit-identical samples however the host cuts the signal into blocks, and each
stage must do what the parameter says: gains in exact dB, the peak filter's gain at its centre,
echoes at the delay time with the mix level, a reverb tail with dry = 1 − wet, and the cabinet
convolution equal to a direct convolution.
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from chain_helpers import AMP, IR, PEDAL, noise, played

from tonematch._native import Chain


def full_chain(rate: float = 48000.0, max_block: int = 4096) -> Chain:
    chain = Chain(rate, max_block)
    chain.set_pedal(PEDAL)
    chain.set_amp(AMP)
    ir, ir_rate = sf.read(IR, dtype="float32")
    chain.set_ir(ir, ir_rate, "cab")
    chain.set_params(input_gain_db=6, pre_eq_gain_db=5, pre_eq_freq_hz=1200, reverb_wet=0.3,
                     reverb_room_size=0.7, delay_time_ms=123.4, delay_mix=0.3,
                     final_eq_gain_db=-2, immediate=True)
    return chain


@pytest.mark.parametrize("rate", [48000.0, 44100.0, 96000.0])
def test_output_does_not_depend_on_the_block_size(rate):
    chain = full_chain(rate)
    x = noise(int(rate * 0.6), level=0.2)
    reference = chain.process(x, block=4096)
    assert np.abs(reference).max() > 0.05
    for block in (1, 7, 128, 1000, 4096):
        chain.reset()
        assert np.array_equal(chain.process(x, block=block), reference), block


def test_parameter_glides_do_not_depend_on_the_block_size():
    """Changes applied at the same sample give the same glide whatever the blocks around it."""
    x = noise(48000, level=0.2)
    outputs = []
    for block in (1, 37, 480):
        chain = full_chain()
        pieces = []
        for start in range(0, len(x), 4800):  # parameter changes every 100 ms
            step = start // 4800
            chain.set_params(input_gain_db=-6 + step, pre_eq_gain_db=(-1) ** step * 8,
                             pre_eq_freq_hz=500 + 200 * step, delay_time_ms=60 + 40 * step,
                             delay_mix=0.05 * step, reverb_wet=0.06 * step)
            pieces.append(chain.process(x[start : start + 4800], block=block))
        outputs.append(np.concatenate(pieces, axis=1))
    assert np.array_equal(outputs[0], outputs[1])
    assert np.array_equal(outputs[0], outputs[2])


def test_an_empty_chain_passes_the_input_through():
    chain = Chain(48000.0, 512)
    x = noise(5000)
    y = chain.process(x)
    assert y.shape == (2, 5000) and y.dtype == np.float32
    # Delayed by the output limiter's 2 ms lookahead (its latency, on or off), otherwise intact.
    lat = chain.latency_samples
    assert lat == round(0.002 * 48000) - 1
    assert np.array_equal(y[0, lat:], x[:-lat]) and np.array_equal(y[1, lat:], x[:-lat])
    assert not y[:, :lat].any()


@pytest.mark.parametrize("db", [-24.0, -7.5, 3.0, 24.0])
def test_input_gain_is_exact_in_db(db):
    chain = Chain(48000.0, 512)
    chain.set_params(input_gain_db=db, immediate=True)
    x = noise(2000)
    y = played(chain, x)
    np.testing.assert_allclose(y[0], x * 10 ** (db / 20), rtol=1e-6)


@pytest.mark.parametrize("db", [-3.0, -1.0, 2.5])
def test_output_gain_is_exact_in_db(db):
    chain = Chain(48000.0, 512)
    chain.set_params(final_eq_gain_db=db, immediate=True)
    x = noise(2000)
    y = played(chain, x)
    np.testing.assert_allclose(y, np.stack([x, x]) * 10 ** (db / 20), rtol=1e-6)


def test_params_are_clamped_to_their_ranges():
    chain = Chain(48000.0, 512)
    chain.set_params(input_gain_db=99, pre_eq_freq_hz=10, reverb_wet=2, delay_mix=-1,
                     final_eq_gain_db=float("nan"))
    p = chain.params
    assert p["input_gain_db"] == 24 and p["pre_eq_freq_hz"] == 400
    assert p["reverb_wet"] == pytest.approx(0.7) and p["delay_mix"] == 0
    assert p["final_eq_gain_db"] == 0  # non-finite → the default


def test_cabinet_convolution_equals_direct_convolution():
    ir, ir_rate = sf.read(IR, dtype="float32")
    chain = Chain(48000.0, 300)
    chain.set_ir(ir, ir_rate, "cab")
    assert chain.ir_name == "cab"
    x = noise(30000, level=0.3)
    y = played(chain, x, block=77)
    ref = np.convolve(x.astype(np.float64), ir.astype(np.float64))[: len(x)]
    assert np.abs(y[0] - ref).max() < 1e-5
    assert np.array_equal(y[0], y[1])


def test_cabinet_adds_no_latency():
    ir = np.zeros(3000, np.float32)
    ir[0] = 0.5
    ir[2999] = 0.25
    chain = Chain(48000.0, 64)
    chain.set_ir(ir, 48000.0)
    x = np.zeros(8000, np.float32)
    x[100] = 1.0
    y = played(chain, x)[0]
    assert y[100] == pytest.approx(0.5, abs=1e-6)
    assert y[3099] == pytest.approx(0.25, abs=1e-6)
    y[[100, 3099]] = 0
    assert np.abs(y).max() < 1e-6
