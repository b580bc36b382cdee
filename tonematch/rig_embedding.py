"""The learned rig embedding: what a rig does to the sound, in 64 numbers, whatever is played.

A small temporal convolution network over 60 ms frames in 1/6-octave bands (the frames of
`tonematch.aligned`, dB relative to the excerpt's loud frames) pools frame statistics into a
unit vector. It was trained contrastively (`tonematch.library.rig_embedding_build`) so that
one rig playing two performances lands closer than two rigs playing one; on the rig-retrieval
sets it adds to the rig metric what long-term statistics miss (`benchmarks/embedding_study.py`,
docs/identification_studies.md). The weights ship as `tonematch/data/rig_embedding.npz`; the
forward pass is numpy, so a match needs no torch. It hears audio, not files: a user's own
models and IRs need no retraining.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.special import erf

from tonematch.aligned import HOP, band_frames_db, power_frames

EMBEDDING_FILE = Path(__file__).resolve().parent / "data" / "rig_embedding.npz"
FRAME_HOP = 3 * HOP  # 60 ms
REL_FLOOR_DB = -80.0
ACTIVE_DB = 30.0  # frames this far under the loudest one are left out of the pooling


def frames_rel_db(power: np.ndarray) -> np.ndarray:
    """Band frames in dB relative to the excerpt's loud frames (95th percentile of frame
    level), floored: the embedding never sees the playing level."""
    db = band_frames_db(power)
    level = 10 * np.log10(np.sum(10 ** (db / 10), axis=1) + 1e-30)
    return np.maximum(db - np.percentile(level, 95), REL_FLOOR_DB).astype(np.float32)


def signal_frames(x: np.ndarray) -> np.ndarray:
    """A signal's frame power spectra as the embedding samples them (frames × bins)."""
    return power_frames(x, FRAME_HOP)


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x * np.float32(0.7071067811865476)))


def _conv(x: np.ndarray, w: np.ndarray, b: np.ndarray, dilation: int) -> np.ndarray:
    """'Same' 1-D convolution over time as one matrix product: x batch × time × channels,
    w out × in × taps (torch's layout)."""
    k = w.shape[2]
    pad = dilation * (k - 1) // 2
    t = x.shape[1]
    xp = np.pad(x, ((0, 0), (pad, pad), (0, 0)))
    taps = np.concatenate([xp[:, j * dilation:j * dilation + t] for j in range(k)], axis=2)
    return taps @ np.transpose(w, (2, 1, 0)).reshape(-1, w.shape[0]) + b


@dataclass(frozen=True)
class RigEmbedder:
    """The network's weights (float32), by the training script's layer names."""

    weights: dict[str, np.ndarray]

    def embed(self, frames: np.ndarray) -> np.ndarray:
        """Unit vectors for a batch of excerpts (batch × frames × bands, relative dB)."""
        x = np.asarray(frames, dtype=np.float32)
        if x.ndim == 2:
            x = x[None]
        w = self.weights
        h = _gelu(_conv(x / 20.0, w["frames.0.weight"], w["frames.0.bias"], 1))
        h = _gelu(_conv(h, w["frames.2.weight"], w["frames.2.bias"], 2))
        h = _gelu(_conv(h, w["frames.4.weight"], w["frames.4.bias"], 1))
        level = 10.0 * np.log10(np.sum(10.0 ** (x / 10.0), axis=2))
        active = (level > level.max(axis=1, keepdims=True) - ACTIVE_DB).astype(np.float32)
        active /= active.sum(axis=1, keepdims=True)
        mean = np.einsum("btc,bt->bc", h, active)
        std = np.sqrt(np.einsum("btc,bt->bc", (h - mean[:, None, :]) ** 2, active) + 1e-6)
        z = np.concatenate([mean, std], axis=1)
        z = _gelu(z @ w["head.0.weight"].T + w["head.0.bias"])
        z = z @ w["head.2.weight"].T + w["head.2.bias"]
        return z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)

    def of_signal(self, x: np.ndarray) -> np.ndarray:
        """The embedding of one mono 48 kHz signal."""
        return self.embed(frames_rel_db(signal_frames(x)))[0]

    def through_cabinets(self, amp_frames: np.ndarray, ir_powers: np.ndarray) -> np.ndarray:
        """Embeddings of one amp output (`signal_frames`) through each cabinet, given the IRs'
        power responses on the frames' bins (`aligned.ir_power`): cabinets × dims."""
        return self.embed(np.array([frames_rel_db(amp_frames * p) for p in ir_powers]))


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine distance of two embeddings (0 = same, 2 = opposite)."""
    a64, b64 = np.asarray(a, np.float64), np.asarray(b, np.float64)
    cos = np.dot(a64, b64) / max(float(np.linalg.norm(a64) * np.linalg.norm(b64)), 1e-30)
    return float(max(0.0, 1.0 - cos))


@lru_cache(maxsize=2)
def load_embedder(path: Path = EMBEDDING_FILE) -> RigEmbedder:
    """The shipped embedding network."""
    with np.load(path) as data:
        return RigEmbedder({k: data[k].astype(np.float32) for k in data.files if k != "meta"})
