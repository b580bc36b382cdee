"""The match EQ: a 24-band 1/3-octave graphic EQ after the cabinet, fitted to what is left.

A library has a finite set of cabinets and the peak EQ has one band, so a reference recorded
through an unseen cabinet leaves a residual long-term-spectrum error. The match EQ takes it
out. Part of the residual is the difference between two performances, not the tone, so only
the part a rig would explain is fitted (the learned rig metric's estimate), smoothed across
neighbouring bands and shrunk.
"""

from __future__ import annotations

import numpy as np

from tonematch.analysis import Features, analyse, fine_bands_db, third_octave_centres
from tonematch.post_fx import PostFxRenderer, peak_gain_db
from tonematch.rig import (
    MATCH_EQ_CENTRES_HZ,
    MATCH_EQ_LIMIT_DB,
    MATCH_EQ_Q,
    RigParams,
)
from tonematch.rig_metric import metric_for

Q = MATCH_EQ_Q  # 1/3-octave bandwidth, the engine's Chain::kMatchEqQ
LIMIT_DB = MATCH_EQ_LIMIT_DB
SHRINK = 0.8  # share of the residual corrected
ITERATIONS = 12
SMOOTH_SAME_PART = False


def centres_hz() -> np.ndarray:
    """The engine's band centres: 10^(k/10) Hz for k = 18…41 (63 Hz–12.6 kHz)."""
    return np.array(MATCH_EQ_CENTRES_HZ)


def _probe_freqs() -> np.ndarray:
    # Five log-spaced points per analysis band, so the fit sees the band average, not the peak.
    fc = third_octave_centres()
    offsets = 2.0 ** (np.linspace(-1 / 6, 1 / 6, 7)[1:-1])
    return (fc[:, None] * offsets[None, :]).ravel()


def response_db(gains_db: np.ndarray, freqs: np.ndarray) -> np.ndarray:
    """Magnitude (dB) of the 24-biquad cascade at the given frequencies."""
    out = np.zeros_like(np.asarray(freqs, dtype=np.float64))
    for fc, g in zip(centres_hz(), gains_db, strict=True):
        if g != 0.0:
            out += peak_gain_db(freqs, float(fc), float(g), Q)
    return out


def band_response_db(gains_db: np.ndarray) -> np.ndarray:
    """The cascade's power-averaged response in each 1/3-octave analysis band (dB)."""
    r = response_db(gains_db, _probe_freqs()).reshape(len(third_octave_centres()), -1)
    return 10 * np.log10(np.mean(10 ** (r / 10), axis=1))


def fit(residual_db: np.ndarray, shrink: float = SHRINK, smooth: bool = True) -> np.ndarray:
    """Band gains whose response follows the (smoothed, shrunk) residual spectrum.

    residual_db is reference minus candidate per analysis band (mean level removed). The
    analysis bands and the EQ bands share centres, so band k of one is band k of the other.
    """
    target = np.asarray(residual_db, dtype=np.float64)
    target = target - target.mean()
    if smooth:
        padded = np.pad(target, 1, mode="edge")
        target = 0.25 * padded[:-2] + 0.5 * padded[1:-1] + 0.25 * padded[2:]
    target = shrink * target
    gains = np.clip(target, -LIMIT_DB, LIMIT_DB)
    for _ in range(ITERATIONS):
        error = target - band_response_db(gains)
        error -= error.mean()  # overall level is the output gain's business
        gains = np.clip(gains + 0.7 * error, -LIMIT_DB, LIMIT_DB)
    gains -= np.median(gains)  # keep the EQ centred so loudness barely moves
    return np.round(np.clip(gains, -LIMIT_DB, LIMIT_DB), 2)


def fit_after_post_fx(cab_out: np.ndarray, params: RigParams, ref: Features) -> list[float]:
    """Match EQ gains for a tuned rig: the rig's part of the reference's spectrum over the
    rig's post-FX render (the part the notes explain is left alone; see RigMetric.rig_part_of)."""
    rendered = PostFxRenderer(cab_out).render(params)
    residual = ref.bands_db - analyse(rendered).bands_db
    return [float(g) for g in fit(metric_for(ref).rig_part_of(residual))]


def fit_same_part(cab_out: np.ndarray, params: RigParams, ref_part: np.ndarray) -> list[float]:
    """Match EQ gains when the DI plays the reference's part: cab_out is the DI stretch through
    the rig up to the cabinet, ref_part the reference stretch with the same notes
    (`tonematch.same_part.aligned`). Then no part of the difference is the notes': the whole
    of it is fitted, at fine resolution (`analysis.fine_bands_db`)."""
    rendered = PostFxRenderer(cab_out).render(params)
    residual = fine_bands_db(ref_part) - fine_bands_db(rendered)
    return [float(g) for g in fit(residual, shrink=1.0, smooth=SMOOTH_SAME_PART)]
