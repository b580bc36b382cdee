"""Circuit-inspired amp simulation used to make captures: tube-like stages and a tone stack.

A stage is a coupling high-pass, gain, and an asymmetric soft clipper (a triode clips its grid
side harder than its plate side), followed by a low-pass for the Miller capacitance. The tone
stack is a bass/mid/treble shelving and peaking EQ; the power amp adds a gentle symmetric
saturation with level-dependent sag.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

SAMPLE_RATE = 48_000


def _biquad_peak(f0: float, gain_db: float, q: float, sr: int) -> tuple[np.ndarray, np.ndarray]:
    a_lin = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * f0 / sr
    alpha = np.sin(w0) / (2 * q)
    b = np.array([1 + alpha * a_lin, -2 * np.cos(w0), 1 - alpha * a_lin])
    a = np.array([1 + alpha / a_lin, -2 * np.cos(w0), 1 - alpha / a_lin])
    return b / a[0], a / a[0]


def _shelf(f0: float, gain_db: float, sr: int, high: bool) -> tuple[np.ndarray, np.ndarray]:
    a_lin = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * f0 / sr
    alpha = np.sin(w0) / 2 * np.sqrt(2)
    c, s2 = np.cos(w0), 2 * np.sqrt(a_lin) * alpha
    sign = -1 if high else 1
    b = a_lin * np.array(
        [
            (a_lin + 1) - sign * (a_lin - 1) * c + s2,
            2 * sign * ((a_lin - 1) - sign * (a_lin + 1) * c),
            (a_lin + 1) - sign * (a_lin - 1) * c - s2,
        ]
    )
    a = np.array(
        [
            (a_lin + 1) + sign * (a_lin - 1) * c + s2,
            -2 * sign * ((a_lin - 1) + sign * (a_lin + 1) * c),
            (a_lin + 1) + sign * (a_lin - 1) * c - s2,
        ]
    )
    return b / a[0], a / a[0]


def triode_stage(
    x: np.ndarray, gain: float, bias: float, sr: int, cutoff_hz: float = 9000.0
) -> np.ndarray:
    """Coupling high-pass, gain, asymmetric clipping, Miller low-pass."""
    b, a = signal.butter(1, 30.0, "highpass", fs=sr)
    y = signal.lfilter(b, a, x) * gain
    # Positive swings (grid conduction) clip harder than negative ones (cut-off).
    y = np.where(
        y > 0,
        np.tanh(y + bias) - np.tanh(bias),
        0.6 * np.tanh((y + bias) / 0.6) - 0.6 * np.tanh(bias / 0.6),
    )
    b, a = signal.butter(1, cutoff_hz, fs=sr)
    return signal.lfilter(b, a, y)


@dataclass(frozen=True)
class AmpSettings:
    """Knobs of the simulated amp."""

    drive: float = 4.0  # preamp gain into the first stage
    stages: int = 2
    bass_db: float = 2.0
    mid_db: float = -2.0
    treble_db: float = 1.0
    sag: float = 0.3
    level: float = 0.5


def amp(x: np.ndarray, s: AmpSettings, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Runs a DI through the simulated amp (without cabinet)."""
    y = np.asarray(x, dtype=np.float64)
    for i in range(s.stages):
        y = triode_stage(y, s.drive if i == 0 else 2.0 + 0.5 * s.drive, 0.15 + 0.05 * i, sr)
    for b, a in (
        _shelf(120.0, s.bass_db, sr, high=False),
        _biquad_peak(700.0, s.mid_db, 0.7, sr),
        _shelf(3000.0, s.treble_db, sr, high=True),
    ):
        y = signal.lfilter(b, a, y)
    # Power-amp sag: the envelope lowers the gain, as a sagging supply does.
    env = signal.lfilter([0.002], [1.0, -0.998], np.abs(y))
    y = np.tanh(1.5 * y / (1.0 + s.sag * env)) / 1.5
    return (s.level * y).astype(np.float32)
