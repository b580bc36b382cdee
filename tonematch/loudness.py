"""Integrated loudness and true peak after ITU-R BS.1770-4, the measures players' meters and
streaming services use: what the matcher sets the output level by, the web app level-matches
with and the quality benchmark scores."""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import lfilter, resample_poly

from tonematch.audio_io import RATE

# K-weighting at 48 kHz (every signal the matcher measures is at 48 kHz): the head's high
# shelf, then the RLB high-pass, with the coefficients the recommendation tabulates.
_K_SHELF = ([1.53512485958697, -2.69169618940638, 1.19839281085285],
            [1.0, -1.69065929318241, 0.73248077421585])
_K_HIGHPASS = ([1.0, -2.0, 1.0], [1.0, -1.99004745483398, 0.99007225036621])


def loudness_lufs(audio: np.ndarray) -> float:
    """Integrated loudness (BS.1770: K-weighted, 400 ms blocks, absolute and relative gates)
    of mono (n,) or multichannel (channels, n) 48 kHz audio; -inf for silence."""
    x = np.atleast_2d(np.asarray(audio, dtype=np.float64))
    weighted = lfilter(*_K_HIGHPASS, lfilter(*_K_SHELF, x, axis=1), axis=1)
    block, hop = int(0.4 * RATE), int(0.1 * RATE)
    n = weighted.shape[1]
    if n < block:
        starts = np.array([0])
        block = n
    else:
        starts = np.arange(0, n - block + 1, hop)
    power = np.square(weighted)
    csum = np.concatenate([np.zeros((power.shape[0], 1)), np.cumsum(power, axis=1)], axis=1)
    z = ((csum[:, starts + block] - csum[:, starts]) / max(block, 1)).sum(axis=0)
    with np.errstate(divide="ignore"):
        levels = -0.691 + 10 * np.log10(z)
    gated = z[levels > -70.0]
    if len(gated) == 0:
        return -math.inf
    relative = -0.691 + 10 * math.log10(gated.mean()) - 10.0
    gated = z[(levels > -70.0) & (levels > relative)]
    return -0.691 + 10 * math.log10(gated.mean())


# BS.1770-4 Annex 2 reads true peak at four times the sample rate: a D/A converter's smooth
# output can pass between two samples higher than either of them.
TRUE_PEAK_OVERSAMPLING = 4


def true_peak_dbtp(audio: np.ndarray) -> float:
    """True peak (dBTP) of mono (n,) or multichannel (channels, n) audio: the highest peak of
    the 4× oversampled signal; -inf for silence."""
    x = np.atleast_2d(np.asarray(audio, dtype=np.float64))
    if x.shape[1] == 0:
        return -math.inf
    up = resample_poly(x, TRUE_PEAK_OVERSAMPLING, 1, axis=1)
    peak = max(float(np.max(np.abs(up))), float(np.max(np.abs(x))))
    return 20 * math.log10(peak) if peak > 0 else -math.inf
