"""The output limiter at the end of the chain (engine/src/chain/limiter.cpp), through the
engine's Chain.

It looks 2 ms ahead (the chain's whole latency at 48 kHz, on or off). Off at 0 dB it passes
every sample unchanged, even above full scale; on, no sample of either channel goes above the
ceiling, the gain glides down before a peak instead of stepping (no click far above the
guitar's band), what stays under the ceiling passes unchanged once the gain has recovered, and
the latency and the result do not depend on the setting or on the block size.
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from chain_helpers import AMP, IR, noise, played

from tonematch._native import Chain, apply_output_stages, param_table

RATE = 48000.0


def burst_then_quiet(rate: float = RATE) -> np.ndarray:
    """0.5 s of a loud plucked note (peaks about +6 dBFS), then 1.5 s of the same note at −20 dB."""
    t = np.arange(int(rate * 2.0)) / rate
    tone = sum(np.sin(2 * np.pi * 110.0 * h * t) / h for h in range(1, 6))
    envelope = np.where(t < 0.5, 1.0, 0.1) * np.exp(-(t % 0.5) * 0.5)
    return (1.2 * envelope * tone).astype(np.float32)


def test_the_table_row():
    row = next(r for r in param_table() if r["key"] == "limiter_ceiling_db")
    assert (row["apvts_id"], row["name"], row["unit"]) == ("limiterCeilingDb", "Limiter", "dB")
    assert (row["low"], row["high"], row["default"]) == (-24.0, 0.0, 0.0)
    assert Chain(RATE, 512).params["limiter_ceiling_db"] == 0.0


def test_off_it_passes_every_sample_unchanged_even_above_full_scale():
    x = burst_then_quiet()
    assert np.max(np.abs(x)) > 1.5
    out = played(Chain(RATE, 512), x)
    assert np.array_equal(out[0], x) and np.array_equal(out[1], x)


@pytest.mark.parametrize("ceiling_db", [-1.0, -6.0, -20.0])
def test_no_sample_goes_above_the_ceiling(ceiling_db):
    chain = Chain(RATE, 512)
    chain.set_params(limiter_ceiling_db=ceiling_db, output_level_db=12.0, immediate=True)
    out = chain.process(burst_then_quiet())
    assert np.max(np.abs(out)) <= 10 ** (ceiling_db / 20) * (1 + 1e-6)
    # …and it limits rather than silencing: the loudest stretch sits right at the ceiling.
    assert np.max(np.abs(out)) > 10 ** (ceiling_db / 20) * 0.99


def band_limited_chord(rate: float = RATE) -> np.ndarray:
    """A sustained 110 Hz tone with harmonics up to 2 kHz whose level steps up by 8 dB for
    0.3 s (with a 5 ms rise, so the input itself has nothing above 2 kHz)."""
    t = np.arange(int(rate)) / rate
    tone = sum(np.sin(2 * np.pi * 110.0 * h * t + h) / h for h in range(1, 19))
    rise = np.clip((t - 0.4) / 0.005, 0, 1) * np.clip((0.705 - t) / 0.005, 0, 1)
    return (0.25 * tone * (1 + 1.5 * rise)).astype(np.float32)


def high_band_db(x: np.ndarray, rate: float = RATE, above_hz: float = 6000.0) -> float:
    """Power above above_hz relative to the whole signal's, dB."""
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / rate)
    return float(10 * np.log10(spectrum[freqs > above_hz].sum() / spectrum.sum()))


def test_the_gain_glides_down_before_a_peak_so_limiting_adds_no_click():
    x = band_limited_chord()
    chain = Chain(RATE, 512)
    chain.set_params(limiter_ceiling_db=-6.0, immediate=True)
    out = played(chain, x)[0]
    assert np.max(np.abs(out)) <= 10 ** (-6.0 / 20) * (1 + 1e-6)
    gain = out / np.where(np.abs(x) > 1e-3, x, np.nan)
    first_over = int(np.argmax(np.abs(x) > 10 ** (-6.0 / 20)))
    # The gain is already falling 1 ms before the first sample that would pass the ceiling.
    assert np.nanmax(gain[first_over - 48 : first_over - 40]) < 0.999
    # What limiting adds stays far under the tone: an instant gain step on the same signal
    # (the needed gain, held) puts clicks over 25 dB above what the glide leaves (measured: 34).
    needed = np.minimum(1.0, 10 ** (-6.0 / 20) / np.maximum(np.abs(x), 1e-9))
    held = np.minimum.accumulate(needed[first_over:first_over + 14400])
    stepped = x.astype(np.float64).copy()
    stepped[first_over:first_over + 14400] *= held
    assert high_band_db(out) < high_band_db(stepped) - 25
    assert high_band_db(out) < -85  # the input itself: -95 dB (window leakage)


def test_what_stays_under_the_ceiling_passes_unchanged_once_the_gain_has_recovered():
    x = burst_then_quiet()
    chain = Chain(RATE, 512)
    chain.set_params(limiter_ceiling_db=-1.0, immediate=True)
    out = played(chain, x)
    # The quiet note (peaks −14 dBFS) comes back to unity within a few release times of the
    # burst's end (15 ms hold, then 60 dB/s): the last second is the input, to the bit.
    tail = slice(int(RATE * 1.0), None)
    assert np.array_equal(out[0][tail], x[tail])
    # Right after the burst the gain is still recovering: quieter than the input, never louder.
    just_after = slice(int(RATE * 0.5), int(RATE * 0.52))
    assert np.all(np.abs(out[0][just_after]) <= np.abs(x[just_after]) + 1e-7)
    assert np.sum(np.abs(out[0][just_after])) < 0.9 * np.sum(np.abs(x[just_after]))


def test_a_quiet_signal_is_not_touched():
    x = noise(48000, seed=3, level=0.05)
    chain = Chain(RATE, 512)
    chain.set_params(limiter_ceiling_db=-1.0, immediate=True)
    out = played(chain, x)
    assert np.array_equal(out[0], x)


def test_both_channels_share_one_gain():
    # With reverb the channels differ; the limiter scales them together, so their ratio holds.
    x = burst_then_quiet()
    free, limited = Chain(RATE, 512), Chain(RATE, 512)
    for chain, ceiling in ((free, 0.0), (limited, -3.0)):
        chain.set_params(reverb_wet=0.5, reverb_room_size=0.8, limiter_ceiling_db=ceiling,
                         immediate=True)
    a, b = free.process(x), limited.process(x)
    loud = np.abs(a[0]) > 0.05
    gain_left, gain_right = b[0][loud] / a[0][loud], b[1][loud] / a[1][loud]
    both = np.abs(a[1][loud]) > 0.05
    assert np.allclose(gain_left[both], gain_right[both], rtol=1e-4, atol=1e-6)
    assert np.min(gain_left) < 0.8  # it really limited


def test_the_result_and_the_latency_do_not_depend_on_the_block_size():
    x = burst_then_quiet()
    outs = []
    for block in (16, 128, 1000, 4096):
        chain = Chain(RATE, 4096)
        chain.set_params(limiter_ceiling_db=-6.0, output_level_db=6.0, immediate=True)
        outs.append(chain.process(x, block=block))
    for out in outs[1:]:
        assert np.array_equal(out, outs[0])


def test_latency_is_the_same_on_and_off_through_a_rig():
    ir, ir_rate = sf.read(str(IR), dtype="float32")
    off, on = Chain(RATE, 512), Chain(RATE, 512)
    for chain in (off, on):
        chain.set_amp(AMP)
        chain.set_ir(ir, ir_rate, "cab")
    on.set_params(limiter_ceiling_db=-12.0, immediate=True)
    assert on.latency_samples == off.latency_samples


@pytest.mark.parametrize(("level_db", "ceiling_db"), [(9.0, -1.0), (-3.0, -12.0), (6.0, 0.0)])
def test_the_output_stages_offline_give_the_chains_samples(level_db, ceiling_db):
    # The matcher renders a rig once at 0 dB with the limiter off and chooses the level on
    # apply_output_stages: it must be what the chain plays at that level, to the bit.
    ir, ir_rate = sf.read(str(IR), dtype="float32")
    x = burst_then_quiet() * np.float32(0.3)

    def render(**params: float) -> np.ndarray:
        chain = Chain(RATE, 512)
        chain.set_amp(AMP)
        chain.set_ir(ir, ir_rate, "cab")
        chain.set_params(reverb_wet=0.3, final_eq_gain_db=0.0, **params, immediate=True)
        chain.reset()
        return chain.process(x)

    plain = render()
    played = render(output_level_db=level_db, limiter_ceiling_db=ceiling_db)
    offline = apply_output_stages(plain, RATE, level_db, ceiling_db)
    assert np.array_equal(offline, played)
    if ceiling_db < 0:
        assert np.max(np.abs(offline)) <= 10 ** (ceiling_db / 20) * (1 + 1e-6)


def test_the_output_stages_refuse_a_mono_render():
    with pytest.raises(ValueError, match=r"\(2, n\)"):
        apply_output_stages(np.zeros(100, np.float32), RATE, 0.0, 0.0)
