"""The match EQ fit: follows a smooth residual, stays in range, leaves a flat one flat."""

from __future__ import annotations

import numpy as np

from tonematch.analysis import analyse, fine_bands_db
from tonematch.match_eq import LIMIT_DB, SHRINK, band_response_db, fit


def test_a_smooth_residual_is_followed_closely() -> None:
    residual = 4.0 * np.sin(np.arange(24) / 4.0)
    gains = fit(residual)
    response = band_response_db(gains)
    target = SHRINK * (residual - residual.mean())
    assert np.max(np.abs((response - response.mean()) - (target - target.mean()))) < 0.6


def test_gains_stay_in_range_for_a_wild_residual() -> None:
    residual = np.where(np.arange(24) % 2 == 0, 40.0, -40.0)
    assert np.max(np.abs(fit(residual))) <= LIMIT_DB


def test_a_flat_residual_gives_a_flat_eq() -> None:
    assert np.all(fit(np.full(24, 3.0)) == 0.0)


def test_unsmoothed_the_fit_follows_a_band_by_band_residual() -> None:
    # A cabinet's notch one band wide (what the same part shows): smoothed, the fit spreads
    # it over three bands and follows half of it; unsmoothed it follows it all.
    residual = np.zeros(24)
    residual[12] = -6.0

    def left(smooth: bool) -> float:
        response = band_response_db(fit(residual, shrink=1.0, smooth=smooth))
        return float(np.max(np.abs(residual - residual.mean() - (response - response.mean()))))

    assert left(smooth=False) < 0.5
    assert left(smooth=True) > 2.0


def test_the_fine_spectrum_resolves_the_low_e_string() -> None:
    # 82.4 Hz lies in the 80 Hz band. At the features' resolution the window spreads it into
    # the 63 and 100 Hz bands (about -6 dB); the match EQ's fine spectrum keeps it in its band.
    t = np.arange(4 * 48000) / 48000
    x = 0.3 * np.sin(2 * np.pi * 82.41 * t)
    fine, coarse = fine_bands_db(x), analyse(x).bands_db
    assert max(fine[0], fine[2]) < fine[1] - 40.0
    assert max(coarse[0], coarse[2]) > coarse[1] - 10.0
