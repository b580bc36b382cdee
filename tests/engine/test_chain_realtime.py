"""Real-time behaviour of the chain seen from Python: NaN recovery, swaps, threads, errors."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import soundfile as sf
from chain_helpers import AMP, IR, PEDAL, noise, played

from tonematch._native import Chain


def loaded_chain(rate: float = 48000.0, max_block: int = 512) -> Chain:
    chain = Chain(rate, max_block)
    chain.set_pedal(PEDAL)
    chain.set_amp(AMP)
    ir, ir_rate = sf.read(IR, dtype="float32")
    chain.set_ir(ir, ir_rate)
    chain.set_params(delay_mix=0.3, reverb_wet=0.3, pre_eq_gain_db=4, immediate=True)
    return chain


@pytest.mark.parametrize("rate", [48000.0, 44100.0])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_block_is_silenced_and_the_chain_recovers(rate, bad):
    x = noise(6000, level=0.2)
    x[1000] = bad
    chain = loaded_chain(rate)
    y = chain.process(x, block=512)
    assert np.all(np.isfinite(y))
    assert np.all(y[:, 512:1024] == 0)  # the block that held the bad sample
    # From the next block on, the chain is as fresh: nothing of the bad sample remains.
    fresh = loaded_chain(rate)
    np.testing.assert_array_equal(y[:, 1024:], fresh.process(x[1024:], block=512))


def test_huge_input_that_overflows_is_caught():
    chain = loaded_chain()
    x = noise(2048, level=0.2)
    x[700] = 3e38  # finite, but the gain and filters overflow to inf
    chain.set_params(input_gain_db=24, immediate=True)
    y = chain.process(x, block=512)
    assert np.all(np.isfinite(y))
    after = chain.process(noise(2048, seed=4, level=0.2), block=512)
    assert np.all(np.isfinite(after)) and np.abs(after).max() > 0


def test_empty_slots_bypass_and_names_follow_the_slots():
    chain = loaded_chain()
    assert (chain.pedal_name, chain.amp_name, chain.ir_name) == (
        PEDAL.stem, AMP.stem, "impulse response")
    chain.set_pedal(None)
    chain.set_amp(None)
    chain.set_ir(None)
    assert (chain.pedal_name, chain.amp_name, chain.ir_name) == ("", "", "")
    chain.set_params(delay_mix=0, reverb_wet=0, pre_eq_gain_db=0, immediate=True)
    chain.reset()
    x = noise(3000)
    np.testing.assert_array_equal(played(chain, x), np.stack([x, x]))


def test_swapping_models_mid_stream_keeps_the_output_finite():
    chain = loaded_chain()
    x = noise(48000, level=0.3)
    outputs = []
    for i, start in enumerate(range(0, len(x), 4800)):
        chain.set_amp(AMP if i % 2 else PEDAL)
        ir = np.zeros(100 + 50 * i, np.float32)
        ir[i] = 1.0
        chain.set_ir(ir, 48000.0, f"ir{i}")
        outputs.append(chain.process(x[start : start + 4800], block=128))
        assert chain.ir_name == f"ir{i}"
    assert np.all(np.isfinite(np.concatenate(outputs, axis=1)))


def test_parallel_renders_equal_serial_renders():
    inputs = [noise(48000, seed=s, level=0.2) for s in range(4)]

    def render(x: np.ndarray) -> np.ndarray:
        return loaded_chain().process(x, block=256)

    serial = [render(x) for x in inputs]
    with ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(render, inputs))
    for a, b in zip(serial, parallel, strict=True):
        np.testing.assert_array_equal(a, b)


def test_bad_files_and_arguments_raise_clear_errors(tmp_path):
    chain = Chain()
    bad = tmp_path / "broken.nam"
    bad.write_text("{ not json")
    with pytest.raises(ValueError, match="broken.nam"):
        chain.set_amp(bad)
    with pytest.raises(ValueError, match="no samples"):
        chain.set_ir(np.zeros(0, np.float32), 48000.0)
    with pytest.raises(ValueError, match="non-finite"):
        chain.set_ir(np.array([1.0, np.nan], np.float32), 48000.0, "cab")
    with pytest.raises(ValueError, match="1-D"):
        chain.set_ir(np.zeros((2, 10), np.float32), 48000.0)
    with pytest.raises(ValueError, match="1-D"):
        chain.process(np.zeros((2, 10), np.float32))
    with pytest.raises(ValueError, match="sample rate"):
        Chain(1000.0)
    with pytest.raises(ValueError, match="maxBlock"):
        Chain(48000.0, 0)
    # A failed load leaves the chain as it was.
    assert chain.amp_name == "" and chain.ir_name == ""


def test_a_model_swap_while_playing_crossfades_over_20_ms():
    """Old and new amp both run for 960 samples; the new one fades in linearly from its fresh
    (prewarmed) state, so a swap does not click."""
    x = noise(9600, level=0.3)
    swap, fade = 4800, 960
    chain = Chain(48000.0, 480)
    chain.set_amp(PEDAL)
    chain.process(x[:swap])
    chain.set_amp(AMP)
    assert chain.amp_name == AMP.stem  # taken at once, faded in while the next blocks play
    lat = chain.latency_samples  # the output limiter's lookahead: y starts lat samples late
    y = chain.process(x[swap:])[0][lat:]

    old = Chain(48000.0, 480)
    old.set_amp(PEDAL)
    old_out = played(old, x)[0, swap:-lat]
    new = Chain(48000.0, 480)
    new.set_amp(AMP)
    new_out = played(new, x[swap:])[0, :-lat]
    g = np.minimum(np.arange(1, len(y) + 1) / fade, 1.0).astype(np.float32)
    np.testing.assert_allclose(y, g * new_out + (1 - g) * old_out, atol=1e-6)


def test_an_ir_swap_while_playing_crossfades():
    x = noise(4000, level=0.3)
    a, b = np.zeros(50, np.float32), np.zeros(50, np.float32)
    a[0], b[10] = 1.0, -0.5
    chain = Chain(48000.0, 256)
    chain.set_ir(a, 48000.0)
    chain.process(x[:1000])
    chain.set_ir(b, 48000.0)
    lat = chain.latency_samples  # the output limiter's lookahead: y starts lat samples late
    y = chain.process(x[1000:])[0][lat:]
    old_out = x[1000:-lat]
    new_out = np.convolve(x[1000:], b)[: len(old_out)]  # the new IR starts with no history
    g = np.minimum(np.arange(1, len(y) + 1) / 960, 1.0)
    np.testing.assert_allclose(y, g * new_out + (1 - g) * old_out, atol=1e-6)


def test_a_swap_after_reset_is_instant():
    chain = Chain(48000.0, 480)
    chain.set_amp(PEDAL)
    chain.process(noise(1000))
    chain.set_amp(AMP)
    chain.reset()  # nothing playing: the new amp takes over at once
    fresh = Chain(48000.0, 480)
    fresh.set_amp(AMP)
    x = noise(3000, seed=2)
    np.testing.assert_array_equal(chain.process(x), fresh.process(x))
