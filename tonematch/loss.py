"""The four-part tone loss (original design): harmonic, envelope, spectral shape, brightness.

Each part compares Features (tonematch.analysis), so two different performances through the same
rig score close to zero. Parts are scaled to be roughly "dB-like" so the weights read plainly:

- spectral (weight 1.0): RMS difference of the loudness-normalised 1/3-octave long-term spectra
  (63 Hz–12.5 kHz), in dB. The main term: it decides the cabinet and the EQ.
- harmonic (weight 1.0): distortion character — differences of the per-frame spectral flatness
  percentiles (dB; distortion fills the spectrum between partials) and of the 10 ms crest
  factor (dB; clipping flattens peaks). It decides the amp's gain and the input gain.
- envelope (weight 0.5): dynamics and tails — differences of the frame-level distribution
  (dB below the loud frames) and of the decay rate after peaks. Reverb and delay raise the
  quiet percentiles and slow the decay; compression narrows the distribution.
- brightness (weight 0.5): spectral centroid (in semitones) and the share of energy above
  2.5 kHz (dB). Overlaps the spectral part on purpose: it keeps the top end honest when the
  spectral shape is matched on average but tilted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from tonematch.analysis import Features

WEIGHTS = {"spectral": 1.0, "harmonic": 1.0, "envelope": 0.5, "brightness": 0.5}


@dataclass
class LossParts:
    """The four parts and their weighted total."""

    spectral: float
    harmonic: float
    envelope: float
    brightness: float

    @property
    def total(self) -> float:
        return sum(WEIGHTS[k] * v for k, v in asdict(self).items())

    def to_dict(self) -> dict[str, float]:
        out = {k: round(float(v), 5) for k, v in asdict(self).items()}
        out["total"] = round(self.total, 5)
        return out


def spectral_loss(bands_a: np.ndarray, bands_b: np.ndarray) -> float:
    """RMS dB difference of two loudness-normalised band spectra."""
    d = np.asarray(bands_a) - np.asarray(bands_b)
    d = d - d.mean()  # level is the output gain's job, not the spectrum's
    return float(np.sqrt(np.mean(d**2)))


def harmonic_loss(a: Features, b: Features) -> float:
    """Distortion-character difference (dB)."""
    flat = float(np.mean(np.abs(a.flatness - b.flatness)))
    crest = float(np.mean(np.abs(a.crest_db - b.crest_db)))
    return flat + crest


def envelope_loss(a: Features, b: Features) -> float:
    """Dynamics and tail difference (dB, decay in dB per 10 dB/s)."""
    env = float(np.mean(np.abs(a.env_db - b.env_db)))
    decay = abs(a.decay_db_s - b.decay_db_s) / 10.0
    return env + min(decay, 6.0)


def brightness_loss(a: Features, b: Features) -> float:
    """Centroid (semitones) and high-band share (dB) difference."""
    semis = abs(12 * np.log2((a.centroid_hz + 1) / (b.centroid_hz + 1)))
    return float(0.5 * semis + 0.5 * abs(a.high_ratio_db - b.high_ratio_db))


def tone_loss(candidate: Features, reference: Features) -> LossParts:
    """All four parts of candidate against reference."""
    return LossParts(
        spectral=spectral_loss(candidate.bands_db, reference.bands_db),
        harmonic=harmonic_loss(candidate, reference),
        envelope=envelope_loss(candidate, reference),
        brightness=brightness_loss(candidate, reference),
    )
