"""Detects a delay and a reverb in a reference before the matcher fits them.

The post-FX search used to try reverb and delay on every reference and kept whatever lowered
the loss; two performances differ in their envelopes anyway, so dry references came back with
effects, and the delay time stayed near its grid's starting value. Here the reference itself
says whether it has them:

* **Delay**: an echo is a copy of the signal T seconds later, so the autocorrelation of the
  (spectrally whitened) waveform has a sharp spike at lag T. What is played repeats too — a
  note on every beat — but a new pluck is not sample-coherent with the last one, and a held
  note's periodicity gives a comb of equal peaks, not one spike above its neighbours. The spike
  is measured against the spread of the autocorrelation around it.
* **Reverb**: where the playing stops, a dry rig falls to the noise floor as fast as the
  string is damped; a reverb holds the level up for a good part of its decay time. The detector
  times the fall into every gap (ms per 20 dB). Legato playing without gaps shows nothing, and a
  short plate or small room falls as fast as a damped string, so it finds long reverbs only.

The echo measure also runs on candidate renders (same code, same measure), so the delay mix can
be set to give the candidate the reference's echo strength rather than guessed from a formula.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter, resample_poly

from tonematch.audio_io import RATE

DS_RATE = 16_000  # echoes and tails need no more bandwidth; a third of the samples
MIN_DELAY_MS = 50.0  # the chain's delay range
MAX_DELAY_MS = 500.0
MAX_SECONDS = 60.0  # a minute of playing shows an echo many times over
LPC_ORDER = 24
SPIKE_HALF_MS = 12.0  # the neighbourhood a spike is compared with
DELAY_SPIKE_MIN = 1.8  # the spike over the highest other peak within ±SPIKE_HALF_MS
DELAY_RHO_MIN = 0.02  # and at least this normalised correlation
SHARPNESS_MIN = 2.4  # the spike over the autocorrelation 2–3 lags (0.1–0.2 ms) either side
HALF_LAG_SPIKE_MIN = 1.3  # a spike at half the found lag that is at least this is the echo
CANDIDATES = 60  # autocorrelation peaks examined, highest first
REPEAT_SHARE = 0.2  # a lag where this share of loud windows are coherent copies …
REPEAT_RATIO_DB = -2.0  # … no quieter than this is music played again, not an echo
FRAME = 240  # 5 ms level frames at 48 kHz
# Milliseconds per 20 dB of fall into a gap that count as a reverb. Dry rigs on the dev split's
# references fall in 17–255 ms, but chords left to ring out fall as slowly as a reverb (391 ms);
# reverbs that leave gaps, 306–536 ms (short plates and small rooms, 74–160 ms, are not seen).
# A dry reference must not get a reverb, so the threshold sits above every dry fall measured:
# only long reverbs (406–536 ms on dev) are found.
REVERB_FALL_MS = 400.0


@dataclass
class TimeEffects:
    """What the reference shows: a delay (time, echo strength) and a reverb (tail level)."""

    delay: bool
    delay_time_ms: float  # the strongest spike's lag, whether or not it counts as a delay
    delay_strength: float  # normalised autocorrelation at that lag (0 = none)
    delay_spike: float  # that peak over the highest other peak within ±12 ms
    reverb: bool
    reverb_fall_ms: float  # median time the level takes to fall 20 dB into a gap (0 = no gap)
    falls: int  # how many gaps were measured

    def to_dict(self) -> dict[str, object]:
        """The rig JSON's `analysis.time_effects`."""
        return {"delay": self.delay, "delay_time_ms": round(self.delay_time_ms, 1),
                "delay_strength": round(self.delay_strength, 4),
                "delay_spike": round(self.delay_spike, 2), "reverb": self.reverb,
                "reverb_fall_ms": round(self.reverb_fall_ms, 1), "falls": self.falls}


def _whitened(x: np.ndarray) -> np.ndarray:
    """16 kHz, LPC residual: the cabinet's and the guitar's spectral envelope taken out, so the
    autocorrelation is sharp (a spike, not a smear the width of a resonance)."""
    y = resample_poly(np.asarray(x, dtype=np.float64)[: int(MAX_SECONDS * RATE)], 1,
                      RATE // DS_RATE)
    y = y - y.mean()
    n = 1 << int(np.ceil(np.log2(2 * len(y) + 1)))
    spec = np.fft.rfft(y, n)
    r = np.fft.irfft(spec.real**2 + spec.imag**2, n)[: LPC_ORDER + 1]
    if r[0] <= 0:
        return y
    r[0] *= 1.0 + 1e-6  # a little white noise: the recursion stays stable on pure tones
    a = _levinson(r, LPC_ORDER)
    return lfilter(a, [1.0], y)


def _levinson(r: np.ndarray, order: int) -> np.ndarray:
    a = np.zeros(order + 1)
    a[0] = 1.0
    err = r[0]
    for i in range(1, order + 1):
        k = -(r[i] + a[1:i] @ r[i - 1:0:-1]) / err
        a[1:i + 1] = a[1:i + 1] + k * np.concatenate([a[i - 1:0:-1], [1.0]])
        err *= 1.0 - k * k
        if err <= 0:
            break
    return a


def _autocorrelation(e: np.ndarray) -> np.ndarray:
    n = 1 << int(np.ceil(np.log2(2 * len(e) + 1)))
    spec = np.fft.rfft(e, n)
    r = np.fft.irfft(spec.real**2 + spec.imag**2, n)
    max_lag = int((MAX_DELAY_MS * 1.05 + SPIKE_HALF_MS) * DS_RATE / 1000) + 2
    return r[:max_lag] / (r[0] + 1e-30)


def autocorrelation(x: np.ndarray) -> np.ndarray:
    """Normalised autocorrelation of the whitened signal at lags 0…MAX_DELAY_MS (16 kHz)."""
    return _autocorrelation(_whitened(x))


def echo_strength(x: np.ndarray, time_ms: float) -> float:
    """The autocorrelation at a known echo time (largest within ±0.2 ms: the read is
    fractional)."""
    r = autocorrelation(x)
    k = min(time_ms, MAX_DELAY_MS) * DS_RATE / 1000
    lo, hi = int(np.floor(k - 3)), int(np.ceil(k + 3)) + 1
    return float(np.max(r[lo:hi]))


def _copies(e: np.ndarray, lag: int) -> tuple[float, float]:
    """How the signal at t resembles the signal at t − lag, in 20 ms windows: the share of
    loud windows that are a coherent copy, and the median level (dB) of those copies relative to
    their source. An echo is a quieter copy; a note played again (sampled guitars replay the
    same samples, so it is sample-coherent too) is about as loud as the last one."""
    w = 320
    a, b = e[lag:], e[:-lag]
    n = len(a) // w
    if n < 10:
        return 0.0, 0.0
    a, b = a[: n * w].reshape(n, w), b[: n * w].reshape(n, w)
    ea, eb = np.sum(a * a, axis=1), np.sum(b * b, axis=1)
    c = np.sum(a * b, axis=1) / np.sqrt(ea * eb + 1e-30)
    loud = eb > np.percentile(eb, 90) * 1e-3
    coherent = loud & (c > 0.5)
    if not np.any(coherent):
        return 0.0, 0.0
    ratio = 10 * np.log10((ea[coherent] + 1e-30) / (eb[coherent] + 1e-30))
    return float(np.mean(coherent[loud])), float(np.median(ratio))


def _delay(x: np.ndarray) -> tuple[float, float, float]:
    """The most echo-like lag: (time ms, correlation, spike over its neighbours)."""
    e = _whitened(x)
    r = _autocorrelation(e)
    half = int(SPIKE_HALF_MS * DS_RATE / 1000)
    lo = int(MIN_DELAY_MS * 0.9 * DS_RATE / 1000)
    hi = int(MAX_DELAY_MS * 1.05 * DS_RATE / 1000)
    peaks = [k for k in range(lo, hi) if r[k] > 0 and r[k] >= r[k - 1] and r[k] >= r[k + 1]]
    best = (0.0, MIN_DELAY_MS, 0.0)
    for k in sorted(peaks, key=lambda k: -r[k])[:CANDIDATES]:
        # An echo of many different notes is one sharp spike; a held note's periodicity is a
        # comb of equal peaks a pitch period apart, so the spike is compared with the highest
        # other peak within ±SPIKE_HALF_MS (its own fractional-delay spread, ±0.3 ms, aside).
        others = np.concatenate([r[max(k - half, 1): k - 4], r[k + 5: k + half]])
        spike = float(r[k] / max(float(np.max(others)), 1e-3))
        if spike <= best[0]:
            continue
        # An echo's spike is one or two lags wide (a fractional delay splits it in two); a
        # phrase played again by the synthesiser lines up only roughly and gives a broad peak.
        j = k - 1 + int(np.argmax(r[k - 1: k + 2]))
        if r[j] < SHARPNESS_MIN * float(np.max(np.abs(r[[j - 3, j - 2, j + 2, j + 3]]))):
            continue
        share, ratio = _copies(e, k)
        if share > REPEAT_SHARE and ratio > REPEAT_RATIO_DB:
            continue  # the same notes played again, as loud as before: not an echo
        best = (spike, k * 1000 / DS_RATE, float(r[k]))
    # The feedback repeats the echo at 2T, weaker; when the spike found is that repeat (the
    # first echo's neighbourhood was busier), the first echo is at half the lag and stronger.
    k = int(round(best[1] * DS_RATE / 1000 / 2))
    if best[0] > 0 and k >= lo:
        k = k - 2 + int(np.argmax(r[k - 2: k + 3]))
        others = np.concatenate([r[max(k - half, 1): k - 4], r[k + 5: k + half]])
        spike = float(r[k] / max(float(np.max(others)), 1e-3))
        if r[k] >= best[2] and spike >= HALF_LAG_SPIKE_MIN:
            best = (spike, k * 1000 / DS_RATE, float(r[k]))
    return best[1], best[2], best[0]


def _falls(x: np.ndarray) -> tuple[float, int]:
    """How long the level takes to fall into each gap in the playing: ms per 20 dB, median over
    the gaps, from 20 dB below the loud frames to 45 dB below (or 6 dB above the floor).

    A dry rig follows the string's damping or the note's release (tens of ms to ~250 ms per
    20 dB on the dev split's references); a reverb holds the level up for a large share of its
    decay time (300–540 ms). Legato playing has no gaps and shows nothing."""
    x = np.asarray(x, dtype=np.float64)[: int(MAX_SECONDS * RATE)]
    n = len(x) // FRAME
    if n < 50:
        return 0.0, 0
    level = 10 * np.log10(np.mean(x[: n * FRAME].reshape(n, FRAME) ** 2, axis=1) + 1e-14)
    loud = float(np.percentile(level, 95))
    floor = float(np.percentile(level, 1))
    high, low = loud - 20.0, max(loud - 45.0, floor + 6.0)
    if low >= high - 10.0:
        return 0.0, 0  # no gaps deep enough to measure a fall
    max_back = int(2.0 * RATE / FRAME)
    falls = []
    k = 1
    while k < n:
        if level[k] < low <= level[k - 1]:
            j = k
            while j > 0 and level[j] < high and k - j < max_back:
                j -= 1
            if level[j] >= high:
                falls.append((k - j) * FRAME / RATE * 1000.0 * 20.0 / (high - low))
            while k < n and level[k] < low + 3.0:  # the gap itself, then the next note
                k += 1
        k += 1
    return (float(np.median(falls)), len(falls)) if falls else (0.0, 0)


def detect(x: np.ndarray) -> TimeEffects:
    """Delay and reverb in a mono 48 kHz recording."""
    time_ms, rho, spike = _delay(x)
    fall_ms, falls = _falls(x)
    delay = bool(spike >= DELAY_SPIKE_MIN and rho >= DELAY_RHO_MIN)
    return TimeEffects(
        delay=delay, delay_time_ms=time_ms, delay_strength=rho, delay_spike=spike,
        # A delay's repeats also hold the level up in the gaps: with an echo found, the falls
        # say nothing about a reverb.
        reverb=bool(not delay and falls > 0 and fall_ms >= REVERB_FALL_MS),
        reverb_fall_ms=fall_ms, falls=falls)
