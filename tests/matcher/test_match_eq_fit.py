"""The match EQ fit: follows a smooth residual, stays in range, leaves a flat one flat."""

from __future__ import annotations

import numpy as np

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
