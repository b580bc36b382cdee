"""The noise gate before the pedal (engine/src/chain/noise_gate.cpp), through the engine's Chain.

Off at −100 dB it passes every sample unchanged; on, it silences hiss between notes while the
notes pass whole, and its gain moves in small steps (1 ms attack, 50 ms hold, 100 ms release to
−80 dB), the same whatever the block size.
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from chain_helpers import AMP, IR, PEDAL, noise, played

from tonematch._native import Chain, param_table

RATE = 48000.0


def _db(ratio: float) -> float:
    return 20.0 * np.log10(max(ratio, 1e-12))  # a gate fully shut gives 0


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def notes_in_hiss(rate: float = RATE) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Four 0.4 s notes (peaks about −12 dBFS) with 0.6 s gaps, over hiss at −70 dBFS RMS;
    returns the signal and each note's (start, end) sample."""
    n = int(rate * 4.0)
    t = np.arange(n) / rate
    x = noise(n, seed=5, level=10 ** (-70 / 20))
    spans = []
    for k, f0 in enumerate((82.41, 110.0, 146.8, 196.0)):
        start, end = int(rate * (0.3 + k)), int(rate * (0.7 + k))
        fade = np.minimum(1.0, np.minimum(np.arange(end - start), np.arange(end - start)[::-1])
                          / (0.005 * rate))
        tt = t[start:end] - t[start]
        tone = sum(np.sin(2 * np.pi * f0 * h * tt) / h for h in range(1, 8))
        x[start:end] += (0.12 * fade * tone).astype(np.float32)
        spans.append((start, end))
    return x.astype(np.float32), spans


def test_the_table_row():
    row = next(r for r in param_table() if r["key"] == "gate_threshold_db")
    assert (row["apvts_id"], row["name"], row["unit"]) == ("gateThresholdDb", "Gate", "dB")
    assert (row["low"], row["high"], row["default"]) == (-100.0, 0.0, -100.0)
    assert Chain(RATE, 512).params["gate_threshold_db"] == -100.0


def test_off_the_gate_passes_every_sample_unchanged():
    # Levels from −160 to 0 dBFS: nothing is gated, nothing is scaled, to the bit.
    x = noise(48000, seed=2, level=0.3) * np.logspace(-8, 0, 48000).astype(np.float32)
    chain = Chain(RATE, 512)
    chain.set_params(gate_threshold_db=-100.0, immediate=True)
    out = played(chain, x)
    assert np.array_equal(out[0], x) and np.array_equal(out[1], x)


def test_a_gate_switched_off_and_reset_plays_like_a_fresh_chain():
    def rig(chain: Chain) -> Chain:
        chain.set_pedal(PEDAL)
        chain.set_amp(AMP)
        ir, ir_rate = sf.read(IR, dtype="float32")
        chain.set_ir(ir, ir_rate, "cab")
        return chain

    x, _ = notes_in_hiss()
    fresh = rig(Chain(RATE, 256)).process(x)
    used = rig(Chain(RATE, 256))
    used.set_params(gate_threshold_db=-30.0, immediate=True)
    used.process(x)
    used.set_params(gate_threshold_db=-100.0, immediate=True)
    used.reset()
    assert np.array_equal(used.process(x), fresh)


def test_hiss_between_notes_is_cut_by_40_db_and_the_notes_pass():
    x, spans = notes_in_hiss()
    chain = Chain(RATE, 256)
    chain.set_params(gate_threshold_db=-45.0, immediate=True)
    y = played(chain, x)[0]
    settle = int(0.16 * RATE)  # hold (50 ms) + release (100 ms) after a note's end
    for (_, end), (start, _) in zip(spans, spans[1:] + [(len(x), 0)], strict=True):
        gap = slice(end + settle, start)
        assert _db(_rms(y[gap]) / _rms(x[gap])) <= -40.0
    for start, end in spans:
        whole = slice(start + int(0.002 * RATE), end)  # after the 1 ms attack
        np.testing.assert_array_equal(y[whole], x[whole])
        assert _db(_rms(y[start:end]) / _rms(x[start:end])) > -0.1


def test_through_an_amp_the_hiss_after_the_notes_is_cut_by_40_db():
    x, spans = notes_in_hiss()

    def play(threshold_db: float) -> np.ndarray:
        chain = Chain(RATE, 256)
        chain.set_amp(AMP)
        chain.set_params(input_gain_db=12.0, gate_threshold_db=threshold_db, immediate=True)
        return played(chain, x)[0]

    open_, gated = play(-100.0), play(-40.0)
    settle = int(0.2 * RATE)  # hold, release and the model's memory
    for (_, end), (start, _) in zip(spans, spans[1:] + [(len(x), 0)], strict=True):
        gap = slice(end + settle, start)
        # The model's output for silence may sit off zero: compare what moves.
        assert _db(np.std(gated[gap]) / np.std(open_[gap])) <= -40.0


def test_the_gain_moves_smoothly(rate: float = RATE):
    # A Nyquist-rate square whose level steps loud → quiet → loud: |x| is the level, so
    # output / input is the gate's gain at every sample. (At 48 kHz an empty chain runs no
    # resampler, so the square reaches the output as the gate leaves it.)
    loud, quiet = 0.5, 1e-4
    n1, n2, n3 = int(0.2 * rate), int(0.3 * rate), int(0.1 * rate)
    level = np.concatenate([np.full(n1, loud), np.full(n2, quiet), np.full(n3, loud)])
    x = (level * (-1.0) ** np.arange(len(level))).astype(np.float32)
    chain = Chain(rate, 128)
    chain.set_params(gate_threshold_db=-40.0, immediate=True)
    gain = played(chain, x)[0] / x

    assert np.abs(np.diff(gain)).max() <= 1.0 / (0.001 * rate) * 1.001  # no step above 1 ms's
    assert np.all(gain[int(0.002 * rate) : n1] == 1.0)
    closing = gain[n1:n1 + n2]
    held = np.argmax(closing < 1.0)
    assert held == pytest.approx(0.05 * rate, abs=2)  # the hold
    to_40_db = np.argmax(closing < 0.01) - held
    assert to_40_db == pytest.approx(0.05 * rate, rel=0.02)  # −80 dB per 100 ms
    assert np.all(closing[int(0.16 * rate):] == 0.0)  # then silence, not a residue
    reopened = gain[n1 + n2:]
    assert np.all(reopened[int(0.001 * rate) + 1:] == 1.0)  # open again within the attack


def test_the_gate_does_not_depend_on_the_block_size():
    x, _ = notes_in_hiss()
    outputs = []
    for block in (1, 37, 128, 4096):
        chain = Chain(RATE, 4096)
        chain.set_params(gate_threshold_db=-45.0, immediate=True)
        outputs.append(chain.process(x, block=block))
    for out in outputs[1:]:
        assert np.array_equal(out, outputs[0])
