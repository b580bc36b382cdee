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
* **Reverb**: after a note ends, a dry rig falls to the noise floor within a few tens of ms; a
  reverb leaves a tail that decays slowly. The detector looks, frequency by frequency, at every
  place a prominent partial stops and measures how far above that frequency's floor the level
  still is 80–200 ms later. On generated performances this separates poorly (other notes and
  distortion products fill the same bins), so its threshold is strict: see REVERB_TAIL_MIN_DB.

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
# Median tail above the bin's floor that counts as a reverb. On the dev split's references the
# tails of dry rigs (−5…36 dB: other notes and distortion fill the bins) and of reverberant ones
# (0…26 dB) overlap, so the threshold sits above every dry one: a reverb is fitted only when the
# evidence is unmistakable, and a dry reference never gets one.
REVERB_TAIL_MIN_DB = 40.0
REVERB_MIN_STOPS = 20  # a handful of stops says little


@dataclass
class TimeEffects:
    """What the reference shows: a delay (time, echo strength) and a reverb (tail level)."""

    delay: bool
    delay_time_ms: float  # the strongest spike's lag, whether or not it counts as a delay
    delay_strength: float  # normalised autocorrelation at that lag (0 = none)
    delay_spike: float  # that peak over the highest other peak within ±12 ms
    reverb: bool
    reverb_tail_db: float  # median level 80–200 ms after partials stop, above their floor
    reverb_decay_db_s: float  # median slope of those tails (dB/s)
    tails: int  # how many stops were measured

    def to_dict(self) -> dict[str, object]:
        """The rig JSON's `analysis.time_effects`."""
        return {"delay": self.delay, "delay_time_ms": round(self.delay_time_ms, 1),
                "delay_strength": round(self.delay_strength, 4),
                "delay_spike": round(self.delay_spike, 2), "reverb": self.reverb,
                "reverb_tail_db": round(self.reverb_tail_db, 2),
                "reverb_decay_db_s": round(self.reverb_decay_db_s, 1), "tails": self.tails}


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


def _tails(x: np.ndarray) -> tuple[float, float, int]:
    """What is left of a partial 80–200 ms after it stopped, above that frequency's floor.

    Per STFT bin, not per frame: in legato playing the overall level hardly ever falls, but
    every note change stops the last note's partials. A dry rig leaves them at the floor; a
    reverb leaves a tail. Returns the median tail (dB above the bin's floor), the median decay
    of the tails (dB/s) and the number of stops measured."""
    y = resample_poly(np.asarray(x, dtype=np.float64)[: int(MAX_SECONDS * RATE)], 1,
                      RATE // DS_RATE)
    n_fft, hop = 1024, 160  # 64 ms windows, 10 ms hops
    if len(y) < n_fft * 4:
        return 0.0, 0.0, 0
    frames = np.lib.stride_tricks.sliding_window_view(y, n_fft)[::hop] * np.hanning(n_fft)
    spec = np.fft.rfft(frames, axis=1)
    freqs = np.fft.rfftfreq(n_fft, 1 / DS_RATE)
    band = (freqs >= 200) & (freqs <= 4000)
    level = 10 * np.log10(spec.real[:, band] ** 2 + spec.imag[:, band] ** 2 + 1e-20)
    floor = np.percentile(level, 10, axis=0)
    top = level.max(axis=1, keepdims=True)
    t0, t1, t2 = 3, 8, 20  # the stop within 30 ms; its tail 80–200 ms later
    nt = level.shape[0] - t2
    if nt < 10:
        return 0.0, 0.0, 0
    now = level[:nt]
    stops = ((now >= top[:nt] - 20) & (now - floor >= 35)
             & (level[t0: t0 + nt] <= now - 12))
    ts, bs = np.nonzero(stops)
    if len(ts) == 0:
        return 0.0, 0.0, 0
    tail = np.stack([level[ts + k, bs] for k in range(t1, t2)], axis=1)
    above = tail.min(axis=1) - floor[bs]
    slope = (tail[:, -1] - tail[:, 0]) / ((t2 - 1 - t1) * hop / DS_RATE)
    return float(np.median(above)), float(np.median(slope)), int(len(ts))


def detect(x: np.ndarray) -> TimeEffects:
    """Delay and reverb in a mono 48 kHz recording."""
    time_ms, rho, spike = _delay(x)
    tail_db, slope, count = _tails(x)
    return TimeEffects(
        delay=bool(spike >= DELAY_SPIKE_MIN and rho >= DELAY_RHO_MIN),
        delay_time_ms=time_ms, delay_strength=rho, delay_spike=spike,
        reverb=bool(count >= REVERB_MIN_STOPS and tail_db >= REVERB_TAIL_MIN_DB),
        reverb_tail_db=tail_db, reverb_decay_db_s=slope, tails=count)
