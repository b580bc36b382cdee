"""Pitch-tracked harmonic descriptors for the descriptor study (`descriptor_study.py`).

The idea under test: on a single note, the amp and cabinet act as one spectral envelope over
absolute frequency that the note's partials sample, while the distortion sets how strong each
partial is relative to the fundamental whatever the note. With many notes at many pitches the
two separate: each partial's level is modelled as

    level(frame, k) = offset(frame) + envelope(log2(k · f0(frame))) + profile(k)

and solved by least squares over the single-note frames, the envelope a smooth curve on a
third-octave grid of nodes, the profile one value per harmonic number (the fundamental's is 0).
A tilt of the envelope (s dB per octave) and a profile of s·log2(k) dB fit any set of notes
equally well, so the profile is held free of that shape: the envelope carries the tilt, the
profile what no envelope can imitate (the odd against the even harmonics, say).
The *envelope* is the long-term spectrum sampled where the notes have energy, free of the gaps
between partials; the *profile* is the distortion's harmonic signature. Chords and noisy frames
are left out: a frame counts when most of its energy from half the fundamental up to the last
harmonic lies on the harmonics.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import maximum_filter1d

from tonematch.analysis import power_spectrogram
from tonematch.audio_io import RATE

N_FFT = 8192  # 5.9 Hz bins: the partials of a low E (82 Hz) stand apart
HOP = 2048
HARMONICS = 10
BIN_HZ = RATE / N_FFT
# Fundamentals searched, 1/48 octave apart, then refined within half a step.
CANDIDATES_HZ = 70.0 * 2.0 ** (np.arange(int(48 * np.log2(1000.0 / 70.0))) / 48)
REFINE = 2.0 ** (np.linspace(-0.75, 0.75, 31) / 48)
# The envelope's nodes: third-octave steps in log2(Hz), 70 Hz to 12 kHz.
NODES = np.arange(np.log2(70.0), np.log2(12000.0) + 1e-9, 1.0 / 3.0)
HARMONIC_SHARE = 0.8  # of the energy on the harmonics beyond chance, for a frame to count
MIN_FRAMES = 16  # fewer: zeros (a chordal part, or noise)
SMOOTHNESS = 3.0  # weight of the envelope's second differences in the fit
ACTIVE_DB = -30.0  # frames within this of the loud (95th percentile) frames are analysed


def single_note_frames(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fundamental (Hz) and harmonic peak levels (dB, frames × HARMONICS) of each single-note
    frame of x."""
    power = power_spectrogram(np.asarray(x, dtype=np.float64), N_FFT, HOP)
    energy = 10 * np.log10(power.sum(axis=1) + 1e-30)
    power = power[energy > np.percentile(energy, 95) + ACTIVE_DB]
    bins = power.shape[1]
    harmonic = np.arange(1, HARMONICS + 1)
    # The harmonic sum of amplitudes, each taken as the largest within ±2 bins; weighting the
    # upper harmonics down keeps the fundamental from losing to its own octave below.
    peaks = maximum_filter1d(np.sqrt(power), 5, axis=1)
    weights = 1.0 / np.sqrt(harmonic)

    def salience(frame: np.ndarray, f0s: np.ndarray) -> np.ndarray:
        at = np.rint(np.outer(f0s, harmonic) / BIN_HZ).astype(int)
        inside = at < bins
        return (frame[np.minimum(at, bins - 1)] * inside * weights).sum(axis=-1)

    f0s, levels = [], []
    for p, a in zip(power, peaks, strict=True):
        f0 = CANDIDATES_HZ[int(np.argmax(salience(a, CANDIDATES_HZ)))]
        fine = f0 * REFINE
        f0 = float(fine[int(np.argmax(salience(a, fine)))])
        centre = f0 * harmonic / BIN_HZ
        if centre[-1] + 3 >= bins:
            continue
        lo, hi = np.floor(centre - 2).astype(int), np.ceil(centre + 2).astype(int) + 1
        on = sum(float(p[i:j].sum()) for i, j in zip(lo, hi, strict=True))
        first, last = int(0.5 * f0 / BIN_HZ), int((HARMONICS + 0.5) * f0 / BIN_HZ)
        share = on / (float(p[first:last].sum()) + 1e-30)
        # The windows round the harmonics cover this much of the span by chance (a low
        # fundamental's windows cover a third of it, and the partials of a chord fall in them).
        chance = float((hi - lo).sum()) / (last - first)
        if (share - chance) / (1.0 - chance) < HARMONIC_SHARE:
            continue
        f0s.append(f0)
        levels.append([10 * np.log10(float(p[i:j].max()) + 1e-30)
                       for i, j in zip(lo, hi, strict=True)])
    return np.array(f0s), np.array(levels).reshape(-1, HARMONICS)


def envelope_and_profile(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The fitted envelope at NODES (dB, mean removed) and the harmonic profile for harmonics
    2…HARMONICS (dB relative to the fundamental); zeros where too few single-note frames."""
    f0s, levels = single_note_frames(x)
    n = len(NODES)
    if len(f0s) < MIN_FRAMES:
        return np.zeros(n), np.zeros(HARMONICS - 1)
    harmonic = np.arange(HARMONICS)
    profile_part = np.zeros((HARMONICS, HARMONICS - 1))
    profile_part[harmonic[1:], harmonic[:-1]] = 1.0
    rows, targets = [], []
    for f0, y in zip(f0s, levels, strict=True):
        position = np.clip((np.log2(f0 * (harmonic + 1)) - NODES[0]) * 3.0, 0.0, n - 1 - 1e-9)
        node = position.astype(int)
        t = position - node
        env = np.zeros((HARMONICS, n))
        env[harmonic, node] = 1.0 - t
        env[harmonic, node + 1] += t
        design = np.hstack([env, profile_part])
        # Centring each frame's rows and levels removes its offset (how loud the note was).
        rows.append(design - design.mean(axis=0))
        targets.append(y - y.mean())
    curvature = np.zeros((n - 2, n + HARMONICS - 1))
    for i in range(n - 2):
        curvature[i, i:i + 3] = (1.0, -2.0, 1.0)
    # A little ridge on the envelope fixes its mean, which the centred rows cannot see.
    ridge = np.hstack([0.01 * np.eye(n), np.zeros((n, HARMONICS - 1))])
    untilted = np.concatenate([np.zeros(n), 100.0 * np.log2(harmonic[1:] + 1)])[None, :]
    a = np.vstack([*rows, SMOOTHNESS * curvature, ridge, untilted])
    b = np.concatenate([*targets, np.zeros(2 * n - 1)])
    solution = np.linalg.lstsq(a, b, rcond=None)[0]
    envelope = solution[:n]
    return envelope - envelope.mean(), solution[n:]

