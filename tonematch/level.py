"""The output level: the matched DI at the reference's loudness, and never clipping where the
reference does not (the limiter at the end of the chain takes the peaks where the rig's stand
out more than the reference's).

Loudness is integrated (BS.1770-4) over the playing, as a player's meter and a DAW's loudness
tools read it, and peaks are true peaks (4× oversampled, BS.1770-4 Annex 2): a converter's
output passes between samples higher than either, and the limiter only sees the samples.
NAM models differ in output level by tens of dB, so the level lives in its own wide-range
parameter (`output_level_db`) and the final gain stays a ±3 dB trim for the player.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tonematch.loudness import loudness_lufs, true_peak_dbtp
from tonematch.rig import RANGES

# Room left under the ceiling: the level is measured on a stretch of the DI, and the rest of it
# may peak a little higher; the limiter holds sample peaks, and true peaks may pass them.
HEADROOM_DB = 1.0
# The most the limiter may take off the peaks to reach the reference's loudness. Guitar through
# an amp model is already compressed; 12 dB of peak limiting on top is heard as squashed
# attacks, and beyond it the level gives way instead (the match stays quieter). More would not
# buy loudness anyway: the limiter lets go at 60 dB/s, so limiting deeper than the gaps between
# pick attacks can recover holds the whole note down (24 dB raised a clean rig by 0.5 LU where
# it stood 6 LU under a distorted reference; even a bare clipper at 12 dB left it 2.2 LU short:
# such a rig is the wrong rig, and the matcher prefers one that reaches the level).
MAX_LIMITING_DB = 12.0
LIMITER_OFF_DB = RANGES["limiter_ceiling_db"].high  # the top of its range turns it off
# The highest ceiling the limiter holds: a reference whose true peaks pass +1 dBTP (a clipped
# recording, a decoded loud master) allows peaks above full scale, where the limiter's ceiling
# cannot go (0 dB turns it off). It limits there instead of staying off and leaving the match
# quieter than the reference by the difference of crest factors; a tenth of a dB under full
# scale, the finest step a host's parameter display shows.
LIMITER_TOP_DB = LIMITER_OFF_DB - 0.1
LEVEL_PASSES = 4  # corrections of the level for what the limiter takes off
LEVEL_TOLERANCE_LU = 0.2
# A match further than this from the reference's loudness is not at its level (the target the
# level is held to); the matcher prefers rigs that get there and warns when none does.
LEVEL_REACHED_LU = 1.0
TRUE_PEAK_PASSES = 3  # lowerings of the limiter's ceiling for true peaks that pass it


def peak_dbfs(x: np.ndarray) -> float:
    """Sample peak over all channels (dBFS); -inf for silence."""
    peak = float(np.max(np.abs(x))) if np.size(x) else 0.0
    return 20 * math.log10(peak) if peak > 0 else -math.inf


@dataclass(frozen=True)
class LevelTarget:
    """What the output should reach: the reference's loudness, under its peak ceiling."""

    lufs: float
    peak_dbfs: float  # sample peak
    true_peak_dbtp: float

    @classmethod
    def of(cls, reference: np.ndarray) -> LevelTarget:
        """The target a reference recording sets: mono (n,), or its channels (channels × n),
        whose loudness is each speaker's (BS.1770's sum over the channels, less 10·log10 of
        their number, as the matcher's output is measured on one of its identical channels)
        and whose peak is the highest channel's. A mix of the channels would under-read a
        stereo recording: two takes panned apart mix 3 dB under either."""
        x = np.asarray(reference)
        count = len(x) if x.ndim == 2 else 1
        return cls(loudness_lufs(x) - 10 * math.log10(count), peak_dbfs(x), true_peak_dbtp(x))

    @property
    def allowed_dbtp(self) -> float:
        """Highest true peak the output may reach: 0 dBTP, or the reference's where it goes
        above."""
        return max(0.0, self.true_peak_dbtp)

    @property
    def ceiling_dbfs(self) -> float:
        """Where the level and the limiter aim the peaks: HEADROOM_DB under the allowed."""
        return self.allowed_dbtp - HEADROOM_DB

    def to_dict(self) -> dict[str, float | None]:
        """A JSON-friendly summary (None for a silent reference)."""
        def num(v: float) -> float | None:
            return round(v, 2) if math.isfinite(v) else None
        return {"loudness_lufs": num(self.lufs), "peak_dbfs": num(self.peak_dbfs),
                "true_peak_dbtp": num(self.true_peak_dbtp)}


def output_level_db(render: np.ndarray, target: LevelTarget) -> float:
    """The output level (dB, within the parameter's range) that brings a render made at 0 dB
    (mono, or channels × samples) to the target loudness, lowered as far as its peak needs; 0
    when either side is silent. Without the limiter: see `level_setting` for the level the
    matcher sets."""
    loudness, peak = _loudness_and_peak(render)
    if not (math.isfinite(loudness) and math.isfinite(target.lufs) and math.isfinite(peak)):
        return 0.0
    return _in_range(min(target.lufs - loudness, target.ceiling_dbfs - peak))


@dataclass(frozen=True)
class LevelSetting:
    """The output level and the limiter ceiling (0 dB = off) the matcher writes."""

    output_level_db: float
    limiter_ceiling_db: float = LIMITER_OFF_DB


def level_setting(render: np.ndarray, target: LevelTarget,
                  render_at: Callable[[LevelSetting], np.ndarray] | None = None) -> LevelSetting:
    """The level that brings a render made at 0 dB with the limiter off to the target
    loudness, with the limiter at the target's ceiling where the render's peaks stand out more
    than the reference's (a higher crest factor: only a limiter lets loudness and peak both
    match). Limiting takes off some loudness: `render_at` (the render as the chain plays it at
    a setting, e.g. `tonematch._native.apply_output_stages`) lets the level be corrected on the
    limited output, and the ceiling be lowered where the limited output's true peaks still pass
    the allowed. At most MAX_LIMITING_DB is taken off the peaks; beyond that the level gives
    way, as without a limiter. Where the reference allows peaks above full scale, which the
    limiter cannot hold (LIMITER_TOP_DB), the level alone is chosen where it comes closer."""
    loudness, peak = _loudness_and_peak(render)
    if not (math.isfinite(loudness) and math.isfinite(target.lufs) and math.isfinite(peak)):
        return LevelSetting(0.0)
    wanted = target.lufs - loudness
    if peak + wanted <= target.ceiling_dbfs:
        return LevelSetting(_in_range(wanted))
    ceiling = min(target.ceiling_dbfs, LIMITER_TOP_DB)
    limiter = RANGES["limiter_ceiling_db"]
    if ceiling < limiter.low:
        return LevelSetting(_in_range(target.ceiling_dbfs - peak))
    most = ceiling - peak + MAX_LIMITING_DB
    setting = LevelSetting(_in_range(min(wanted, most)), round(ceiling, 2))
    if render_at is None:
        return setting
    for _ in range(TRUE_PEAK_PASSES):
        setting = _correct_level(setting, target, render_at, most)
        over = _loudness_and_peak(render_at(setting))[1] - target.allowed_dbtp
        if not over > 0.0 or setting.limiter_ceiling_db <= limiter.low:
            break
        # The limiter holds the samples under its ceiling; lower it by what passed between them.
        lowered = max(limiter.low, round(setting.limiter_ceiling_db - over - 0.05, 2))
        setting = LevelSetting(setting.output_level_db, lowered)
    if ceiling < target.ceiling_dbfs:
        # Above full scale the level alone may raise the peaks to the reference's ceiling, and
        # the limiter must take them under 0 dBFS: where the rig's peaks stand out so far that
        # it would take more than it may, the level alone comes closer.
        plain = LevelSetting(_in_range(target.ceiling_dbfs - peak))
        if abs(level_miss_lu(render_at(plain), target)) < abs(
                level_miss_lu(render_at(setting), target)):
            return plain
    return setting


def level_miss_lu(played: np.ndarray, target: LevelTarget) -> float:
    """How far the render as played (at its level setting) stands from the target loudness:
    positive when quieter; 0 when either side is silent."""
    miss = target.lufs - _loudness(played)
    return miss if math.isfinite(miss) else 0.0


def _correct_level(setting: LevelSetting, target: LevelTarget,
                   render_at: Callable[[LevelSetting], np.ndarray], most: float) -> LevelSetting:
    """Moves the level by what the limiter took off the loudness, within its limit."""
    for _ in range(LEVEL_PASSES):
        miss = target.lufs - _loudness(render_at(setting))
        if not math.isfinite(miss) or abs(miss) < LEVEL_TOLERANCE_LU:
            break
        setting = LevelSetting(_in_range(min(setting.output_level_db + miss, most)),
                               setting.limiter_ceiling_db)
    return setting


def _loudness(render: np.ndarray) -> float:
    # Loudness of the mono mix, as the reference is measured (BS.1770 would count the chain's
    # two identical output channels 3 dB louder than the same sound on one).
    mono = np.asarray(render, dtype=np.float64)
    return loudness_lufs(mono.mean(axis=0) if mono.ndim == 2 else mono)


def _loudness_and_peak(render: np.ndarray) -> tuple[float, float]:
    # True peak over both channels (one, where the rig's two are the same: half the work).
    x = np.asarray(render)
    if x.ndim == 2 and len(x) == 2 and np.array_equal(x[0], x[1]):
        x = x[0]
    return _loudness(render), true_peak_dbtp(x)


def _in_range(gain_db: float) -> float:
    r = RANGES["output_level_db"]
    return round(float(np.clip(gain_db, r.low, r.high)), 2)
