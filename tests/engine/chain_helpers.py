"""Shared inputs for the chain tests: bundled models and IRs, deterministic guitar-like DI."""

from __future__ import annotations

from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "assets" / "nam_models"
IRS = REPO / "assets" / "impulse_responses"
PEDAL = MODELS / "pedal_ts_mid.nam"
AMP = MODELS / "amp_british_crunch_g9.nam"  # a standard WaveNet
IR = IRS / "cab_4x10_open_room.wav"  # the longest bundled IR (190 ms)


def guitar_like(seconds: float, rate: float, seed: int = 0) -> np.ndarray:
    """Plucked-string-like notes: decaying harmonic tones with a noisy attack, float32."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * rate))
    t = np.arange(n) / rate
    x = np.zeros(n)
    note_len = 0.25
    for start in np.arange(0.0, seconds, note_len):
        f0 = 82.41 * 2 ** (rng.integers(0, 24) / 12)
        i0 = int(start * rate)
        tt = t[i0:] - start
        env = np.exp(-tt * 6.0)
        harmonics = [k for k in range(1, 30) if f0 * k < rate / 2]
        tone = sum(np.sin(2 * np.pi * f0 * k * tt) / k**1.2 for k in harmonics)
        x[i0:] += 0.3 * env * tone
        attack = min(n - i0, int(0.005 * rate))
        x[i0 : i0 + attack] += 0.05 * rng.standard_normal(attack)
    return (x / np.max(np.abs(x)) * 0.5).astype(np.float32)


def noise(n: int, seed: int = 0, level: float = 0.1) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(n) * level).astype(np.float32)


def played(chain, x: np.ndarray, block: int | None = None) -> np.ndarray:
    """What the chain plays for x, its latency removed (the output limiter looks 2 ms ahead):
    x followed by `latency_samples` of silence, the first `latency_samples` outputs dropped."""
    lat = chain.latency_samples
    padded = np.concatenate([np.asarray(x, np.float32), np.zeros(lat, np.float32)])
    y = chain.process(padded) if block is None else chain.process(padded, block=block)
    return y[:, lat:]
