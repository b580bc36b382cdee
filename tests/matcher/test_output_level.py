"""The output level brings a render to the reference's loudness and never makes it clip; the
limiter takes the peaks of a render whose crest factor is higher than the reference's."""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from tonematch._native import Chain, apply_output_stages
from tonematch.level import (
    HEADROOM_DB,
    LEVEL_REACHED_LU,
    LIMITER_OFF_DB,
    LIMITER_TOP_DB,
    MAX_LIMITING_DB,
    LevelSetting,
    LevelTarget,
    level_miss_lu,
    level_setting,
    output_level_db,
    peak_dbfs,
)
from tonematch.loss import LossParts
from tonematch.loudness import loudness_lufs, true_peak_dbtp
from tonematch.matcher import Candidate, level_warnings, ranked
from tonematch.rig import RANGES, Rig

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
    assert target.ceiling_dbfs == pytest.approx(true_peak_dbtp(reference) - HEADROOM_DB)
    assert target.ceiling_dbfs > 0.0


def test_a_stereo_reference_sets_the_level_each_speaker_plays() -> None:
    # Two takes panned apart (a double-tracked guitar): their mix reads 3 dB under either side,
    # and a match set to the mix would play 3 dB under the reference in each speaker.
    rng = np.random.default_rng(3)
    left, right = (0.1 * rng.standard_normal(3 * RATE) for _ in range(2))
    target = LevelTarget.of(np.stack([left, right]))
    assert target.lufs == pytest.approx(loudness_lufs(left), abs=0.1)
    assert target.lufs - LevelTarget.of((left + right) / 2).lufs == pytest.approx(3.0, abs=0.2)
    both = LevelTarget.of(np.stack([left, left]))  # the same sound on both: as mono
    assert both.lufs == pytest.approx(LevelTarget.of(left).lufs, abs=1e-9)
    louder = LevelTarget.of(np.stack([left, 2 * right]))
    assert louder.peak_dbfs == pytest.approx(peak_dbfs(2 * right))


def test_silence_on_either_side_leaves_the_level_alone() -> None:
    assert output_level_db(np.zeros((2, RATE)), LevelTarget.of(_tone(-12.0)[0])) == 0.0
    silent = LevelTarget.of(np.zeros(RATE))
    assert output_level_db(_tone(-12.0), silent) == 0.0
    assert silent.to_dict() == {"loudness_lufs": None, "peak_dbfs": None, "true_peak_dbtp": None}
    assert math.isinf(silent.lufs)


def test_the_level_stays_within_the_parameters_range() -> None:
    r = RANGES["output_level_db"]
    assert output_level_db(_tone(-60.0), LevelTarget.of(_tone(-1.0)[0])) == r.high


# ---------------------------------------------------------------- the limiter takes the peaks


def _plucks(seconds: float = 4.0) -> np.ndarray:
    """Plucked notes with sharp attacks: a crest factor far above a sustained reference's."""
    t = np.arange(int(seconds * RATE)) / RATE
    tone = sum(np.sin(2 * np.pi * 146.8 * h * t) / h for h in range(1, 6))
    return (0.05 * np.exp(-(t % 0.5) * 4.0) * tone).astype(np.float32)


def _through_chain(x: np.ndarray, setting: LevelSetting) -> np.ndarray:
    """The engine's chain with nothing loaded: output level, then the limiter."""
    chain = Chain(RATE, 4096)
    chain.set_params(output_level_db=setting.output_level_db,
                     limiter_ceiling_db=setting.limiter_ceiling_db, immediate=True)
    return chain.process(x)


def test_a_render_that_peaks_more_than_the_reference_is_limited_to_the_reference_loudness():
    reference = _tone(-6.0)[0]  # sustained: crest 3 dB
    target = LevelTarget.of(reference)
    di = _plucks()
    render = _through_chain(di, LevelSetting(0.0))
    setting = level_setting(render, target, partial(_through_chain, di))
    assert setting.limiter_ceiling_db == pytest.approx(target.ceiling_dbfs)
    out = _through_chain(di, setting)
    assert loudness_lufs(out.mean(axis=0)) == pytest.approx(target.lufs, abs=0.25)
    assert peak_dbfs(out) <= target.ceiling_dbfs + 1e-4
    # Without the limiter the same loudness would have peaked far above 0 dBFS.
    assert peak_dbfs(render) + target.lufs - loudness_lufs(render.mean(axis=0)) > 2.0


def test_the_limiter_stays_off_where_the_level_alone_reaches_the_reference():
    target = LevelTarget.of(_tone(-12.0)[0])
    render = _tone(-30.0)
    setting = level_setting(render, target)
    assert setting == LevelSetting(output_level_db(render, target), LIMITER_OFF_DB)


def test_the_limiter_takes_at_most_its_limit_off_the_peaks():
    target = LevelTarget.of(_tone(-3.0)[0])
    render = _tone(-40.0, crest=True) * 0.5  # transient 34 dB above the tone, at -6 dBFS
    setting = level_setting(render, target)
    assert peak_dbfs(render) + setting.output_level_db == pytest.approx(
        target.ceiling_dbfs + MAX_LIMITING_DB, abs=0.01)
    assert setting.limiter_ceiling_db == pytest.approx(target.ceiling_dbfs)


def test_a_reference_above_full_scale_lets_the_level_alone_peak_above_it():
    reference = _tone(1.0)[0].copy()  # a tone peaking at +1 dBFS, a transient at +6
    reference[RATE] = 2.0
    target = LevelTarget.of(reference)
    render = _tone(-30.0)
    setting = level_setting(render, target)
    assert setting.limiter_ceiling_db == LIMITER_OFF_DB
    assert peak_dbfs(render) + setting.output_level_db > 0.0


def test_a_reference_above_full_scale_is_still_reached_by_limiting_under_it():
    # A clipped recording or a decoded loud master: its ceiling is above the limiter's range,
    # and a render with sharper attacks reaches its loudness only with the limiter, which holds
    # the peaks just under full scale (before, it stayed off and the match played quieter).
    reference = _tone(-4.0)[0].copy()  # sustained, with one transient at +2.3 dBFS
    reference[RATE] = 1.3
    target = LevelTarget.of(reference)
    assert target.ceiling_dbfs > LIMITER_OFF_DB
    di = _plucks()
    render = _through_chain(di, LevelSetting(0.0))
    setting = level_setting(render, target, partial(_through_chain, di))
    assert setting.limiter_ceiling_db == pytest.approx(LIMITER_TOP_DB)
    out = _through_chain(di, setting)
    assert abs(level_miss_lu(out, target)) < LEVEL_REACHED_LU
    assert peak_dbfs(out) <= LIMITER_TOP_DB + 1e-4



def test_above_full_scale_the_level_alone_wins_where_the_limiter_may_not_take_enough():
    # Short plucks under a reference whose ceiling is 5 dB above full scale: the limiter, held
    # under 0 dBFS and to at most MAX_LIMITING_DB, comes out quieter than the level alone with
    # the peaks raised to the reference's ceiling; the level alone is chosen.
    reference = _tone(0.0)[0].copy()
    reference[RATE] = 2.0
    target = LevelTarget.of(reference)
    t = np.arange(4 * RATE) / RATE
    tone = sum(np.sin(2 * np.pi * 146.8 * h * t) / h for h in range(1, 6))
    di = (0.05 * np.exp(-(t % 0.5) * 12.0) * tone).astype(np.float32)
    render = _through_chain(di, LevelSetting(0.0))
    setting = level_setting(render, target, partial(_through_chain, di))
    assert setting.limiter_ceiling_db == LIMITER_OFF_DB
    out = _through_chain(di, setting)
    assert 0.0 < true_peak_dbtp(out[0]) <= target.allowed_dbtp
    loudest_limited = LevelSetting(LIMITER_TOP_DB - peak_dbfs(render) + MAX_LIMITING_DB,
                                   LIMITER_TOP_DB)
    assert level_miss_lu(out, target) < level_miss_lu(_through_chain(di, loudest_limited), target)

# ---------------------------------------------------------------- true peaks


def _between_samples(db: float, seconds: float = 3.0) -> np.ndarray:
    """A tone at a quarter of the rate, sampled 45° off its crests: every sample is 3 dB under
    the wave's peak, which a converter's output reaches between them."""
    n = np.arange(int(seconds * RATE))
    return (np.sin(np.pi / 2 * n + np.pi / 4) * 10 ** (db / 20)).astype(np.float32)


def _with_bursts(tone_db: float, burst_db: float, seconds: float = 3.0) -> np.ndarray:
    """A low tone that sets the loudness, with a 10 ms burst of `_between_samples` every half
    second that sets the (true) peak."""
    x = _tone(tone_db, seconds)[0].astype(np.float32)
    burst = _between_samples(burst_db, seconds)
    on = (np.arange(len(x)) % (RATE // 2)) < RATE // 100
    return np.where(on, x + burst, x).astype(np.float32)


def test_true_peak_reads_the_peaks_between_samples() -> None:
    x = _between_samples(-6.0)
    assert peak_dbfs(x) == pytest.approx(-9.0, abs=0.05)
    assert true_peak_dbtp(x) == pytest.approx(-6.0, abs=0.2)
    assert true_peak_dbtp(np.zeros(100)) == -math.inf
    assert LevelTarget.of(x).to_dict()["true_peak_dbtp"] == pytest.approx(-6.0, abs=0.2)


def test_the_level_alone_keeps_true_peaks_under_the_ceiling() -> None:
    target = LevelTarget.of(_tone(-3.0)[0])
    render = np.stack([_with_bursts(-40.0, -20.0)] * 2)
    gain = output_level_db(render, target)
    assert true_peak_dbtp(render) + gain == pytest.approx(target.ceiling_dbfs, abs=0.01)
    assert peak_dbfs(render) + gain < target.ceiling_dbfs - 2.0


def test_the_limiter_ceiling_is_lowered_until_true_peaks_stay_under_0_dbtp() -> None:
    target = LevelTarget.of(_tone(-6.0)[0])  # sustained: its loudness needs limiting
    di = _with_bursts(-36.0, -23.0)
    render = _through_chain(di, LevelSetting(0.0))
    first = level_setting(render, target)  # what the sample-peak limiter alone would be set to
    assert first.limiter_ceiling_db == pytest.approx(target.ceiling_dbfs)
    assert true_peak_dbtp(_through_chain(di, first)) > target.allowed_dbtp + 1.0
    setting = level_setting(render, target, partial(_through_chain, di))
    assert setting.limiter_ceiling_db < target.ceiling_dbfs - 1.0
    out = _through_chain(di, setting)
    assert true_peak_dbtp(out) <= target.allowed_dbtp
    assert loudness_lufs(out.mean(axis=0)) == pytest.approx(target.lufs, abs=0.5)


# ------------------------------------------------- rigs that cannot reach the reference's level


def _played(render: np.ndarray, setting: LevelSetting) -> np.ndarray:
    """A stereo render at 0 dB as the chain's output stages play it at a level setting."""
    return apply_output_stages(np.asarray(render, dtype=np.float32), float(RATE),
                               setting.output_level_db, setting.limiter_ceiling_db)


def _candidate(gear: float, miss_lu: float, order: int) -> Candidate:
    rig = Rig(amp_path=Path(f"amp_{order}.nam"))
    return Candidate(rig, LossParts(0.0, 0.0, 0.0, 0.0, rig=gear), order, level_miss_lu=miss_lu)


def test_a_level_miss_reads_how_far_under_the_reference_the_output_plays():
    target = LevelTarget.of(_tone(-3.0)[0])
    render = _tone(-40.0, crest=True) * 0.5  # limited by at most 12 dB, it stays quieter
    setting = level_setting(render, target, partial(_played, render))
    miss = level_miss_lu(_played(render, setting), target)
    assert miss > 5.0
    reachable = _tone(-30.0)
    level = level_setting(reachable, target)
    assert abs(level_miss_lu(_played(reachable, level), target)) < LEVEL_REACHED_LU


def test_rigs_that_reach_the_references_level_rank_before_closer_gear_that_cannot():
    closer_but_quiet = _candidate(gear=0.5, miss_lu=5.6, order=0)
    at_level = _candidate(gear=0.8, miss_lu=0.3, order=1)
    also_at_level = _candidate(gear=0.9, miss_lu=-0.4, order=2)
    assert ranked([closer_but_quiet, also_at_level, at_level]) == [
        at_level, also_at_level, closer_but_quiet]
    # Where none can, the gear decides as before.
    quiet = _candidate(gear=0.9, miss_lu=3.0, order=1)
    assert ranked([quiet, closer_but_quiet]) == [closer_but_quiet, quiet]


def test_a_match_that_stays_quieter_than_the_reference_says_so():
    found = level_warnings(_candidate(gear=0.5, miss_lu=5.6, order=0))
    assert len(found) == 1 and "5.6 LU quieter" in found[0]
    assert level_warnings(_candidate(gear=0.5, miss_lu=0.6, order=0)) == []
