"""The descriptor study's pitch-tracked harmonic descriptor (`benchmarks/_harmonics.py`): on
single notes it separates the harmonic profile (what the distortion does to each partial) from
the spectral envelope (what a filter after it does), and it leaves chords out."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy.signal import butter, sosfilt

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import _harmonics  # noqa: E402  (the study's descriptor, one definition)

RATE = 48_000
PARTIALS = np.array([1.0, 0.5, 0.3, 0.2, 0.15, 0.1, 0.08, 0.06, 0.05, 0.04])
# Eleven notes over two octaves and a fifth, as a riff would reach them.
PITCHES_HZ = 82.4 * 2.0 ** (np.array([0, 3, 5, 7, 10, 12, 15, 17, 19, 22, 31]) / 12)


def notes(pitches_hz: list[list[float]], seconds: float = 0.6) -> np.ndarray:
    """Each entry one event of the given pitches with the PARTIALS, decaying slowly."""
    t = np.arange(int(seconds * RATE)) / RATE
    decay = np.exp(-t / 1.5)
    events = []
    for chord in pitches_hz:
        y = sum(a * np.sin(2 * np.pi * k * f * t) for f in chord
                for k, a in enumerate(PARTIALS, start=1))
        events.append(0.2 * decay * y / len(chord))
    return np.concatenate(events)


def test_the_profile_of_single_notes_is_their_partials_less_any_tilt() -> None:
    envelope, profile = _harmonics.envelope_and_profile(notes([[f] for f in PITCHES_HZ]))
    relative = 20 * np.log10(PARTIALS[1:] / PARTIALS[0])
    # Less the part an envelope tilt could also explain (s dB per octave of harmonic number).
    octaves = np.log2(np.arange(2, len(PARTIALS) + 1))
    expected = relative - octaves * (relative @ octaves) / (octaves @ octaves)
    assert np.allclose(profile, expected, atol=1.0)
    # Nothing after the "distortion": where the notes reach, the envelope is that tilt alone.
    reached = envelope[2:-6]
    line = np.polyval(np.polyfit(np.arange(len(reached)), reached, 1), np.arange(len(reached)))
    assert np.abs(reached - line).max() < 1.5


def test_a_filter_after_the_notes_moves_the_envelope_and_not_the_profile() -> None:
    x = notes([[f] for f in PITCHES_HZ])
    lowpass = butter(2, 1500.0, btype="lowpass", fs=RATE, output="sos")
    plain_env, plain = _harmonics.envelope_and_profile(x)
    filt_env, filtered = _harmonics.envelope_and_profile(sosfilt(lowpass, x))
    assert np.allclose(filtered[:3], plain[:3], atol=1.5)
    # The filter's own response: 3 kHz is an octave over the corner, about 12 dB down relative
    # to the low notes.
    change = filt_env - plain_env
    node_3k = int(np.argmin(np.abs(2.0 ** _harmonics.NODES - 3000.0)))
    assert change[node_3k] - change[:4].mean() < -8.0


def test_chords_are_not_single_notes() -> None:
    tritones = [[f, f * 2 ** 0.5] for f in PITCHES_HZ]
    f0s, _ = _harmonics.single_note_frames(notes(tritones))
    envelope, profile = _harmonics.envelope_and_profile(notes(tritones))
    assert len(f0s) < _harmonics.MIN_FRAMES
    assert not envelope.any() and not profile.any()
