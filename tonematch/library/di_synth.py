"""A deterministic DI guitar synthesiser: plucked strings with pick, pickup and dynamics.

Each note is an extended Karplus–Strong string: a delay line one period long closed by a
damping low-pass, excited by a pick burst whose spectrum is shaped by the pick position (a
feed-forward comb). The pickup position adds a second comb and the pickup's coil–cable
resonance a resonant low-pass, as a magnetic pickup into a guitar cable does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

SAMPLE_RATE = 48_000

# Standard tuning, low E to high E, in Hz.
OPEN_STRINGS = (82.41, 110.0, 146.83, 196.0, 246.94, 329.63)


@dataclass(frozen=True)
class Pluck:
    """One plucked note: when, which pitch, how hard, how damped (palm mute), how long."""

    start_s: float
    freq_hz: float
    velocity: float = 0.7
    damping: float = 0.996
    duration_s: float = 1.5
    pick_position: float = 0.18


def _string(p: Pluck, rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    n = int(p.duration_s * sample_rate)
    period = sample_rate / p.freq_hz
    delay = max(2, int(round(period)))
    # Softer plucks have a darker excitation, as a slower pick stroke has.
    burst = rng.uniform(-1.0, 1.0, delay)
    brightness = 0.25 + 0.7 * p.velocity
    burst = signal.lfilter([brightness], [1.0, -(1.0 - brightness)], burst)
    comb = max(1, int(round(p.pick_position * delay)))
    burst[comb:] -= burst[:-comb].copy()
    out = np.zeros(n)
    line = np.concatenate([burst, np.zeros(max(0, n - delay))])
    # Vectorised Karplus–Strong: y[t] = x[t] + d·(y[t-D] + y[t-D-1]) / 2, one period per pass.
    y = np.zeros(n + delay + 1)
    y[delay + 1 : delay + 1 + len(line[:n])] = line[:n]
    for start in range(delay + 1, n + delay + 1, delay):
        stop = min(start + delay, n + delay + 1)
        y[start:stop] += (
            p.damping
            * 0.5
            * (y[start - delay : stop - delay] + y[start - delay - 1 : stop - delay - 1])
        )
    out[:] = y[delay + 1 : delay + 1 + n]
    fade = min(n, int(0.01 * sample_rate))
    out[-fade:] *= np.linspace(1.0, 0.0, fade)
    return p.velocity * out / (np.max(np.abs(out)) + 1e-9)


def _pickup(
    x: np.ndarray, sample_rate: int, position: float = 0.12, resonance_hz: float = 4200.0
) -> np.ndarray:
    comb = int(round(position * sample_rate / 330.0))
    y = x.copy()
    y[comb:] -= 0.35 * x[:-comb]
    w0 = 2 * np.pi * resonance_hz / sample_rate
    q = 2.2
    alpha = np.sin(w0) / (2 * q)
    b = np.array([(1 - np.cos(w0)) / 2, 1 - np.cos(w0), (1 - np.cos(w0)) / 2])
    a = np.array([1 + alpha, -2 * np.cos(w0), 1 - alpha])
    return signal.lfilter(b / a[0], a / a[0], y)


def render(
    plucks: list[Pluck],
    seconds: float,
    seed: int = 0,
    sample_rate: int = SAMPLE_RATE,
    peak: float = 0.5,
) -> np.ndarray:
    """Renders plucks into a mono DI track (float32) of the given length and peak level."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * sample_rate))
    for p in plucks:
        s = int(p.start_s * sample_rate)
        if s >= len(out):
            continue
        note = _string(p, rng, sample_rate)
        e = min(len(out), s + len(note))
        out[s:e] += note[: e - s]
    out = _pickup(out, sample_rate)
    out += 1e-4 * rng.standard_normal(len(out))  # pickup hum and cable hiss floor
    return (peak * out / (np.max(np.abs(out)) + 1e-9)).astype(np.float32)


def riff(seconds: float = 12.0, seed: int = 0, tempo_bpm: float = 110.0) -> list[Pluck]:
    """A varied phrase: single notes, strummed chords, palm mutes and a sustained lead."""
    rng = np.random.default_rng(seed)
    beat = 60.0 / tempo_bpm
    plucks: list[Pluck] = []
    t = 0.0
    section = 0
    while t < seconds - 1.0:
        kind = section % 4
        if kind == 0:  # single-note line
            for _ in range(8):
                s, fret = rng.integers(0, 6), rng.integers(0, 12)
                plucks.append(Pluck(t, OPEN_STRINGS[s] * 2 ** (fret / 12), rng.uniform(0.4, 0.9)))
                t += beat / 2
        elif kind == 1:  # strummed chords
            for _ in range(4):
                root = rng.integers(0, 7)
                for k, s in enumerate(range(6)):
                    fret = root + (2 if s in (1, 2) else 0)
                    plucks.append(
                        Pluck(
                            t + 0.012 * k, OPEN_STRINGS[s] * 2 ** (fret / 12), 0.6, duration_s=2.0
                        )
                    )
                t += beat
        elif kind == 2:  # palm-muted chugs on the low strings
            for _ in range(8):
                plucks.append(
                    Pluck(t, OPEN_STRINGS[0], rng.uniform(0.6, 1.0), damping=0.93, duration_s=0.3)
                )
                plucks.append(Pluck(t + 0.004, OPEN_STRINGS[1], 0.6, damping=0.93, duration_s=0.3))
                t += beat / 2
        else:  # sustained lead notes
            for _ in range(3):
                fret = rng.integers(5, 17)
                plucks.append(
                    Pluck(
                        t,
                        OPEN_STRINGS[4] * 2 ** (fret / 12),
                        0.9,
                        damping=0.998,
                        duration_s=beat * 2,
                    )
                )
                t += beat * 1.5
        section += 1
    return plucks
