"""The tone loss: the learned rig distance, plus the envelope for time effects.

The original design's four parts — harmonic, envelope, spectral shape, brightness — are all
computed and reported, but three of them are not scored one by one any more: hand-weighted, the
spectral, harmonic and brightness parts are moved as much by what was played (low notes or
high, chords or single notes, which guitar) as by the rig, so a different performance through
the true rig lost to wrong rigs. The `rig` part replaces them in the total: the same spectrum
and distortion features compared with the learned metric of `tonematch.rig_metric`, which
discounts the directions in which performances differ (1.0 = the typical distance between two
performances through one rig). The envelope part stays beside it because reverb and delay live
there and the rig metric deliberately ignores them.

The parts (weights in WEIGHTS):

- rig (1.0): the learned distance of the descriptor [level-free 1/3-octave spectrum, flatness
  percentiles, crest percentiles]. It decides pedal, amp, cabinet, input gain and the EQ.
- envelope (0.25): dynamics and tails — differences of the frame-level distribution
  (dB below the loud frames) and of the decay rate after peaks. Reverb and delay raise the
  quiet percentiles and slow the decay; compression narrows the distribution.
- spectral (reported): RMS difference of the loudness-normalised 1/3-octave long-term spectra
  (63 Hz–12.5 kHz), in dB.
- harmonic (reported): distortion character — differences of the per-frame spectral flatness
  percentiles (dB; distortion fills the spectrum between partials) and of the 10 ms crest
  factor (dB; clipping flattens peaks).
- brightness (reported): spectral centroid (in semitones) and the share of energy above
  2.5 kHz (dB).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from tonematch.analysis import Features
from tonematch.rig_embedding import distance
from tonematch.rig_metric import describe, metric_for

# The embedding's cosine distance in rig-distance units: the ratio of their medians over the
# rig-retrieval sets' query × candidate pairs (benchmarks/embedding_study.py), so that each
# part counts as much as the other, as in the study's combined ranking.
EMBEDDING_WEIGHT = 2.75

WEIGHTS = {"spectral": 0.0, "harmonic": 0.0, "envelope": 0.25, "brightness": 0.0, "rig": 1.0,
           "embedding": EMBEDDING_WEIGHT}


@dataclass
class LossParts:
    """The parts and their weighted total."""

    spectral: float
    harmonic: float
    envelope: float
    brightness: float
    rig: float = 0.0
    embedding: float = 0.0

    @property
    def identity(self) -> float:
        """How far the candidate's gear is from the reference's: the rig distance plus the
        embedding's, weighted as in the total (what ranks pedals, amps, gains and cabinets)."""
        return self.rig + WEIGHTS["embedding"] * self.embedding

    @property
    def total(self) -> float:
        return sum(WEIGHTS[k] * v for k, v in asdict(self).items())

    def to_dict(self) -> dict[str, float]:
        out = {k: round(float(v), 5) for k, v in asdict(self).items()}
        out["gear"] = round(self.identity, 5)
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


def rig_loss(candidate: Features, reference: Features) -> float:
    """Learned rig distance of candidate from reference (1.0 = another performance, same rig)."""
    return metric_for(reference).distance(describe(candidate), describe(reference))


def embedding_loss(candidate: Features, reference: Features) -> float:
    """Cosine distance of the two signals' learned rig embeddings (0 when either has none)."""
    if candidate.embedding is None or reference.embedding is None:
        return 0.0
    return distance(candidate.embedding, reference.embedding)


def tone_loss(candidate: Features, reference: Features) -> LossParts:
    """All parts of candidate against reference."""
    return LossParts(
        spectral=spectral_loss(candidate.bands_db, reference.bands_db),
        harmonic=harmonic_loss(candidate, reference),
        envelope=envelope_loss(candidate, reference),
        brightness=brightness_loss(candidate, reference),
        rig=rig_loss(candidate, reference),
        embedding=embedding_loss(candidate, reference),
    )
