"""The output level brings a render to the reference's loudness and never makes it clip."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tonematch.level import HEADROOM_DB, LevelTarget, output_level_db, peak_dbfs
from tonematch.loudness import loudness_lufs
from tonematch.rig import RANGES

RATE = 48_000


def _tone(db: float, seconds: float = 3.0, crest: bool = False) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    x = np.sin(2 * np.pi * 220 * t) * 10 ** (db / 20)
    if crest:  # one sharp transient far above the rest
        x[RATE] = 1.0
    return np.stack([x, x])


def test_a_quiet_render_is_raised_to_the_reference_loudness() -> None:
    target = LevelTarget.of(_tone(-12.0)[0])
    render = _tone(-30.0)
    gain = output_level_db(render, target)
    assert gain == pytest.approx(18.0, abs=0.05)
    assert loudness_lufs(render[0] * 10 ** (gain / 20)) == pytest.approx(target.lufs, abs=0.05)


def test_the_level_stops_where_a_peak_would_pass_0_dbfs() -> None:
    target = LevelTarget.of(_tone(-3.0)[0])
    render = _tone(-30.0, crest=True) * 0.5  # transient at -6 dBFS
    gain = output_level_db(render, target)
    assert peak_dbfs(render) + gain == pytest.approx(-HEADROOM_DB, abs=0.01)
    assert gain < target.lufs - loudness_lufs(render[0])


def test_a_reference_that_peaks_above_0_dbfs_may_be_matched_above_it() -> None:
    reference = _tone(-3.0)[0] * 2.0  # a float file peaking at +3 dBFS
    target = LevelTarget.of(reference)
    assert target.ceiling_dbfs == pytest.approx(peak_dbfs(reference) - HEADROOM_DB)
    assert target.ceiling_dbfs > 0.0


def test_silence_on_either_side_leaves_the_level_alone() -> None:
    assert output_level_db(np.zeros((2, RATE)), LevelTarget.of(_tone(-12.0)[0])) == 0.0
    silent = LevelTarget.of(np.zeros(RATE))
    assert output_level_db(_tone(-12.0), silent) == 0.0
    assert silent.to_dict() == {"loudness_lufs": None, "peak_dbfs": None}
    assert math.isinf(silent.lufs)


def test_the_level_stays_within_the_parameters_range() -> None:
    r = RANGES["output_level_db"]
    assert output_level_db(_tone(-60.0), LevelTarget.of(_tone(-1.0)[0])) == r.high
