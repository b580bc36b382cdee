"""Circuit-inspired pedal simulations used to make captures (48 kHz, mono, deterministic).

Each pedal is a function `(x, settings) -> y` that follows its circuit block by block:
- `boost`: a clean JFET/op-amp boost: input coupling, flat gain, an optional gentle treble lift,
  and soft, slightly asymmetric limiting where the stage runs out of supply.
- `treble_booster`: a single germanium transistor behind a small input cap: the cap against the
  bias network makes a treble shelf; the transistor clips softly and late on its saturation side
  and earlier and harder on its cut-off side, the more so the further its bias sits off centre.
- `overdrive`: the mid-hump overdrive: the op-amp's feedback leg (4.7 k + 47 nF) only gives gain
  above ~720 Hz, the diodes sit in the feedback loop (soft clipping of the gained part only) and
  the op-amp's output is the clean input plus that clipped part; a 723 Hz low-pass and an active
  treble control follow.
- `blues_driver`: a wider-band overdrive: lows kept, a broad presence lift, a soft first stage
  into a second stage that clips hard only once the first one is driven: soft at low gain, hard
  at high gain; a tilt tone control.
- `distortion`: the hard-clipping op-amp distortion: the gain rises in two steps (60 Hz and
  1.5 kHz feedback legs), the op-amp's bandwidth shrinks as its gain grows, a pair of diodes to
  ground clips hard, and an RC low-pass "filter" knob follows.
- `fuzz`: the two-transistor fuzz: a low input impedance that loads the pickup, a dead zone that
  a starved bias leaves around zero (notes sputter and gate as they decay), then two high-gain
  transistor stages clipping opposite halves unequally (heavy asymmetry, octave-ish even
  harmonics), and an output coupling cap.
- `compressor`: a feed-forward compressor: a peak detector (instant attack and exponential
  release, computed as a running maximum in the log domain) smoothed by the attack time, with a
  fast path that keeps it within a few dB of sudden peaks; a soft-knee gain computer, makeup
  gain and the output stage's soft ceiling.

The non-linear parts run at twice the sample rate behind causal anti-alias filters. `catalog()`
lists the library's pedals: several settings of each, levelled so that a DI peaking at 0.5
comes out at a usable level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import signal

from tonematch.library.amp_sim import (
    OVERSAMPLE,
    clipper,
    downsample,
    finish,
    highpass,
    lowpass,
    one_pole_smooth,
    peaking,
    shelf,
    upsample,
)
from tonematch.library.gear import GainClass, Gear

SAMPLE_RATE = 48_000


def _knob(value: float) -> float:
    """A 0–10 knob position as 0–1."""
    return min(max(float(value), 0.0), 10.0) / 10.0


def _log_taper(value: float) -> float:
    """An audio-taper pot: 0–10 to 0–1 of its resistance, about 10 % at half way."""
    k = _knob(value)
    return (10.0 ** (2.0 * k) - 1.0) / 99.0


# ------------------------------------------------------------------------------ clean boost


@dataclass(frozen=True)
class BoostSettings:
    """A clean boost: gain, input low cut, optional treble lift, supply headroom, output level."""

    gain_db: float = 6.0
    low_cut_hz: float = 25.0
    treble_db: float = 0.0  # gentle high shelf at 3 kHz
    headroom: float = 1.2  # where the stage's output starts to run into its supply
    level: float = 1.0


def boost(x: np.ndarray, s: BoostSettings, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Clean boost: flat gain with soft limiting only when pushed into its supply."""
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    y = highpass(np.asarray(x, dtype=np.float64), s.low_cut_hz, sr)
    if s.treble_db:
        y = signal.lfilter(*shelf(3000.0, s.treble_db, sr, high=True), y)
    y = upsample(10.0 ** (s.gain_db / 20.0) * y, sr)
    # A JFET runs out of swing a little earlier on one side than the other.
    y = clipper(y, s.headroom, 0.9 * s.headroom, 0.5, 0.7)
    y = highpass(downsample(y, sr), 10.0, sr)
    return finish(s.level * y, n)


# ------------------------------------------------------------------------------ treble booster


@dataclass(frozen=True)
class TrebleBoosterSettings:
    """A germanium treble booster: transistor gain, input-cap corner, bias offset, level."""

    gain: float = 12.0
    corner_hz: float = 1200.0  # input cap against the bias network
    floor_db: float = -16.0  # how much of the lows still pass well below the corner
    bias: float = 0.15  # operating point off centre: more asymmetric, earlier cut-off
    bandwidth_hz: float = 9000.0  # a germanium transistor is not fast
    level: float = 0.5


def treble_booster(x: np.ndarray, s: TrebleBoosterSettings, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Treble booster: a treble shelf into a soft, strongly asymmetric germanium stage."""
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    x = np.asarray(x, dtype=np.float64)
    high = highpass(x, s.corner_hz, sr)
    y = high + 10.0 ** (s.floor_db / 20.0) * (x - high)  # a first-order treble shelf
    y = upsample(s.gain * y, sr)
    fs = OVERSAMPLE * sr

    def stage(v: np.ndarray) -> np.ndarray:
        # Saturation: soft and late. Cut-off: earlier and harder.
        return clipper(v, 1.0, 0.5, 1.0, 0.5)

    y = stage(y + s.bias) - stage(np.array(s.bias))
    y = lowpass(y, s.bandwidth_hz, fs)
    y = highpass(downsample(y, sr), 20.0, sr)  # output cap
    return finish(s.level * y, n)


# ------------------------------------------------------------------------------ mid-hump overdrive


@dataclass(frozen=True)
class OverdriveSettings:
    """The mid-hump overdrive's knobs (0–10) and circuit values."""

    drive: float = 5.0
    tone: float = 5.0
    hump_hz: float = 720.0  # feedback-leg corner: below it the op-amp has unity gain
    diode: float = 0.6  # forward voltage of the clipping pair (normalised)
    level: float = 0.5


def overdrive(x: np.ndarray, s: OverdriveSettings, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Mid-hump overdrive: soft clipping in the feedback loop, clean signal mixed back in."""
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    x = highpass(np.asarray(x, dtype=np.float64), 20.0, sr)  # input buffer coupling
    # 51 k + the 500 k drive pot in the feedback, 4.7 k in the leg, 51 pF across the diodes.
    r_feedback = 51e3 + 500e3 * _log_taper(s.drive)
    gain = r_feedback / 4.7e3
    cap_hz = 1.0 / (2 * np.pi * r_feedback * 51e-12)
    fs = OVERSAMPLE * sr
    gained = upsample(gain * highpass(x, s.hump_hz, sr), sr)
    gained = lowpass(gained, cap_hz, fs)
    # The diodes shunt the feedback: the gained part saturates softly at their forward drop,
    # the op-amp's output is the input plus that part.
    y = upsample(x, sr) + clipper(gained, s.diode, s.diode, 1.0, 1.0)
    y = downsample(y, sr)
    # Tone: a fixed 723 Hz low-pass, then the active treble control.
    y = lowpass(y, 723.0, sr)
    y = signal.lfilter(*shelf(1500.0, -4.0 + 14.0 * _knob(s.tone), sr, high=True), y)
    y = highpass(y, 20.0, sr)
    return finish(s.level * y, n)


# ------------------------------------------------------------------------------ blues driver


@dataclass(frozen=True)
class BluesDriverSettings:
    """The open, wide-band overdrive's knobs (0–10)."""

    gain: float = 5.0
    tone: float = 5.0
    level: float = 0.5


def blues_driver(x: np.ndarray, s: BluesDriverSettings, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Blues driver: soft first stage into a hard-clipping second stage; lows kept."""
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    y = highpass(np.asarray(x, dtype=np.float64), 60.0, sr)
    y = signal.lfilter(*peaking(1000.0, 3.0, 0.5, sr), y)  # broad presence in the input stage
    k = _knob(s.gain)
    fs = OVERSAMPLE * sr
    y = upsample(1.5 * 40.0**k * y, sr)
    # Stage 1: discrete op-amp, soft and a little asymmetric.
    y = clipper(y, 1.0, 0.85, 1.0, 1.0)
    y = lowpass(y, 12000.0, fs)
    # Stage 2 (ganged gain): a hard limit only a driven first stage reaches.
    y = clipper((1.0 + 2.0 * k) * y, 1.2, 1.2, 0.25, 0.25)
    y = highpass(downsample(y, sr), 20.0, sr)
    t = _knob(s.tone)
    y = signal.lfilter(*shelf(250.0, 3.0 - 6.0 * t, sr, high=False), y)
    y = signal.lfilter(*shelf(2000.0, -6.0 + 12.0 * t, sr, high=True), y)
    y = lowpass(y, 11000.0, sr)
    return finish(s.level * y, n)


# ------------------------------------------------------------------------------ distortion


@dataclass(frozen=True)
class DistortionSettings:
    """The hard-clipping distortion's knobs (0–10); the filter darkens clockwise."""

    distortion: float = 5.0
    filter: float = 3.0
    level: float = 0.5


def distortion(x: np.ndarray, s: DistortionSettings, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Hard-clipping distortion: op-amp gain in two steps, diodes to ground, RC filter."""
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    x = highpass(np.asarray(x, dtype=np.float64), 20.0, sr)
    r = 100.0 + 100e3 * _log_taper(s.distortion)
    # Feedback legs: 560 Ω + 4.7 µF (60 Hz) and 47 Ω + 2.2 µF (1.5 kHz) to ground.
    y = x + r / 560.0 * highpass(x, 60.0, sr) + r / 47.0 * highpass(x, 1540.0, sr)
    fs = OVERSAMPLE * sr
    y = upsample(y, sr)
    # The op-amp's gain-bandwidth product: the more gain, the less bandwidth.
    y = lowpass(y, float(np.clip(1e6 / (1.0 + r / 47.0), 2500.0, 20000.0)), fs)
    y = clipper(y, 4.0, 4.0, 0.3, 0.3)  # the op-amp's rails
    y = lowpass(y, 30000.0, fs)  # 1 k into the diodes' capacitance
    y = clipper(y, 0.6, 0.6, 0.15, 0.15)  # silicon diodes to ground: hard
    y = downsample(y, sr)
    # Filter: 1.5 k + the 100 k pot into 3.3 nF.
    y = lowpass(y, 1.0 / (2 * np.pi * (1.5e3 + 100e3 * _knob(s.filter)) * 3.3e-9), sr)
    y = highpass(y, 20.0, sr)
    return finish(s.level * y, n)


# ------------------------------------------------------------------------------ fuzz


@dataclass(frozen=True)
class FuzzSettings:
    """The two-transistor fuzz: fuzz knob (0–10), how starved its bias is, transistor kind."""

    fuzz: float = 8.0
    starve: float = 0.2  # 0 = well biased; 1 = starved, gating and sputtering
    silicon: bool = False  # silicon transistors: more gain, harder and brighter
    level: float = 0.5


def fuzz(x: np.ndarray, s: FuzzSettings, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Two-transistor fuzz: loaded pickup, bias dead zone, two asymmetric high-gain stages."""
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    y = highpass(np.asarray(x, dtype=np.float64), 100.0, sr)  # small input cap
    y = lowpass(y, 4500.0, sr)  # the low input impedance loads the pickup
    # Dead zone: small swings do not get the starved first transistor conducting, so decaying
    # notes break up and gate.
    t = 0.002 + 0.03 * min(max(s.starve, 0.0), 1.0)
    y = y - t * np.tanh(y / t)
    fs = OVERSAMPLE * sr
    g1 = (8.0 + 60.0 * _knob(s.fuzz)) * (2.0 if s.silicon else 1.0)
    y = upsample(g1 * y, sr)
    knee = 0.4 if s.silicon else 1.0
    y = clipper(y, 0.35, 1.0, knee, 1.0)  # Q1 saturates early on one side
    y = lowpass(y, 15000.0, fs)
    y = clipper(5.0 * y, 1.0, 0.45, knee, 0.6)  # Q2 clips the other side harder
    y = downsample(y, sr)
    y = highpass(y, 30.0, sr)  # output cap takes the offset the asymmetry leaves
    y = lowpass(y, 9000.0 if s.silicon else 6500.0, sr)
    return finish(s.level * y, n)


# ------------------------------------------------------------------------------ compressor


@dataclass(frozen=True)
class CompressorSettings:
    """A feed-forward compressor's controls."""

    threshold_db: float = -24.0
    ratio: float = 4.0
    knee_db: float = 6.0
    attack_ms: float = 8.0
    release_ms: float = 150.0
    makeup_db: float = 10.0
    max_lag_db: float = 6.0  # how far the detector may trail a sudden peak
    level: float = 1.0


def release_envelope(x: np.ndarray, release_s: float, sr: int) -> np.ndarray:
    """Peak detector with instant attack and exponential release.

    env[n] = max over k ≤ n of |x[k]|·r^(n−k); in the log domain that is n·log r plus a running
    maximum of (log|x[k]| − k·log r), so `np.maximum.accumulate` does it without a per-sample
    loop.
    """
    x = np.abs(np.asarray(x, dtype=np.float64))
    decay = (-1.0 / (release_s * sr)) * np.arange(len(x))
    return np.exp(np.maximum.accumulate(np.log(x + 1e-12) - decay) + decay)


def peak_envelope(
    x: np.ndarray, attack_s: float, release_s: float, sr: int, max_lag_db: float = 6.0
) -> np.ndarray:
    """The compressor's detector: the release envelope smoothed by the attack time constant.

    A fast path (a diode charging a small cap) keeps the smoothed envelope within `max_lag_db`
    of the instant peak, so a hard pick attack from silence is caught at once in part and only
    the rest of the gain reduction waits for the attack time.
    """
    instant = release_envelope(x, release_s, sr)
    smooth = one_pole_smooth(instant, attack_s, sr)
    return np.maximum(smooth, instant * 10.0 ** (-max_lag_db / 20.0))


def compressor(x: np.ndarray, s: CompressorSettings, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Feed-forward compressor with a soft knee, makeup gain and a soft output ceiling."""
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    x = np.asarray(x, dtype=np.float64)
    env = peak_envelope(x, s.attack_ms / 1000.0, s.release_ms / 1000.0, sr, s.max_lag_db)
    over = 20.0 * np.log10(env + 1e-9) - s.threshold_db
    slope = 1.0 / s.ratio - 1.0
    w = max(s.knee_db, 1e-3)
    reduction = np.where(
        over <= -w / 2,
        0.0,
        np.where(over >= w / 2, slope * over, slope * (over + w / 2) ** 2 / (2 * w)),
    )
    y = x * 10.0 ** ((reduction + s.makeup_db) / 20.0)
    y = clipper(y, 0.95, 0.95, 0.3, 0.3)  # the output stage's supply
    return finish(s.level * y, n)


# ------------------------------------------------------------------------------ catalog


@dataclass(frozen=True)
class _Entry:
    name: str
    display: str
    gain_class: GainClass
    tags: tuple[str, ...]
    function: Callable[..., np.ndarray]
    settings: Any


def _entries() -> list[_Entry]:
    return [
        _Entry("pedal_boost_low", "Clean Boost (low)", "clean",
               ("boost", "transparent", "clean"), boost,
               BoostSettings(gain_db=6.0, level=0.75)),
        _Entry("pedal_boost_high", "Clean Boost (high, bright)", "clean",
               ("boost", "transparent", "bright"), boost,
               BoostSettings(gain_db=12.0, treble_db=2.0, low_cut_hz=40.0, level=0.5)),
        _Entry("pedal_treble_classic", "Germanium Treble Booster", "crunch",
               ("treble-booster", "bright", "germanium", "asymmetric"), treble_booster,
               TrebleBoosterSettings(gain=8.0, bias=0.1, level=0.45)),
        _Entry("pedal_treble_hot", "Germanium Treble Booster (hot)", "crunch",
               ("treble-booster", "bright", "germanium", "asymmetric"), treble_booster,
               TrebleBoosterSettings(gain=20.0, corner_hz=900.0, bias=0.25, level=0.26)),
        _Entry("pedal_ts_low", "Mid-Hump Overdrive (low drive)", "crunch",
               ("overdrive", "mid-hump", "soft-clip", "transparent"), overdrive,
               OverdriveSettings(drive=2.0, tone=5.0, level=0.68)),
        _Entry("pedal_ts_mid", "Mid-Hump Overdrive (medium drive)", "crunch",
               ("overdrive", "mid-hump", "soft-clip"), overdrive,
               OverdriveSettings(drive=5.0, tone=6.0, level=0.54)),
        _Entry("pedal_ts_high", "Mid-Hump Overdrive (high drive)", "crunch",
               ("overdrive", "mid-hump", "soft-clip", "smooth"), overdrive,
               OverdriveSettings(drive=9.0, tone=4.0, level=0.48)),
        _Entry("pedal_blues_low", "Blues Driver (low gain)", "crunch",
               ("overdrive", "open", "dynamic", "wide-band"), blues_driver,
               BluesDriverSettings(gain=2.5, tone=5.0, level=0.36)),
        _Entry("pedal_blues_high", "Blues Driver (high gain)", "high_gain",
               ("overdrive", "open", "hard-clip", "wide-band"), blues_driver,
               BluesDriverSettings(gain=8.0, tone=6.0, level=0.11)),
        _Entry("pedal_dist_low", "Op-Amp Distortion (low)", "crunch",
               ("distortion", "hard-clip", "raw"), distortion,
               DistortionSettings(distortion=3.0, filter=2.0, level=0.33)),
        _Entry("pedal_dist_mid", "Op-Amp Distortion (medium)", "high_gain",
               ("distortion", "hard-clip", "aggressive"), distortion,
               DistortionSettings(distortion=6.0, filter=3.0, level=0.35)),
        _Entry("pedal_dist_high", "Op-Amp Distortion (high, dark filter)", "high_gain",
               ("distortion", "hard-clip", "dark", "saturated"), distortion,
               DistortionSettings(distortion=9.0, filter=6.0, level=0.48)),
        _Entry("pedal_fuzz_vintage", "Two-Transistor Fuzz (germanium)", "high_gain",
               ("fuzz", "vintage", "asymmetric", "warm"), fuzz,
               FuzzSettings(fuzz=7.0, starve=0.1, level=0.2)),
        _Entry("pedal_fuzz_gated", "Two-Transistor Fuzz (starved, gated)", "high_gain",
               ("fuzz", "gated", "sputter", "asymmetric"), fuzz,
               FuzzSettings(fuzz=9.0, starve=0.8, level=0.23)),
        _Entry("pedal_fuzz_silicon", "Two-Transistor Fuzz (silicon)", "high_gain",
               ("fuzz", "bright", "aggressive", "asymmetric"), fuzz,
               FuzzSettings(fuzz=8.0, starve=0.2, silicon=True, level=0.19)),
        _Entry("pedal_comp_studio", "Compressor (studio)", "clean",
               ("compressed", "transparent", "dynamics"), compressor,
               CompressorSettings(threshold_db=-24.0, ratio=4.0, attack_ms=4.0,
                                  release_ms=120.0, makeup_db=11.0, max_lag_db=4.0,
                                  level=1.0)),
        _Entry("pedal_comp_squash", "Compressor (squash, sustain)", "clean",
               ("compressed", "sustain", "squash"), compressor,
               CompressorSettings(threshold_db=-30.0, ratio=8.0, knee_db=3.0, attack_ms=1.0,
                                  release_ms=200.0, makeup_db=18.0, max_lag_db=3.0,
                                  level=1.0)),
    ]


def catalog() -> list[Gear]:
    """The library's pedals: every type at several settings."""
    gears = []
    for e in _entries():
        gears.append(
            Gear(
                name=e.name,
                display=e.display,
                kind="pedal",
                gain_class=e.gain_class,
                tags=e.tags,
                simulation=f"{__name__}.{e.function.__name__}",
                settings=asdict(e.settings),
                render=lambda x, f=e.function, s=e.settings: f(x, s),
            )
        )
    return gears
