"""Match-quality metrics and the match-EQ baseline.

All metrics compare a candidate render of the DI with the DI rendered through the hidden rig
(the same performance, so frames line up) and ignore overall level:

* spectral error: 1/3-octave band levels (63 Hz–12.5 kHz, base-10 centres) of the long-term
  spectra, difference in dB with its mean removed, RMS over the bands;
* MR-STFT distance: mean |dB difference| of STFT magnitudes at FFT sizes 512/1024/2048 (Hann,
  hop n/4), both signals at unit RMS, bins 40 Hz–16 kHz, frames where the target is within
  60 dB of its loudest frame, magnitudes floored 80 dB under the target's largest bin; averaged
  over the three sizes (a log-magnitude L1 in dB);
* dynamics: crest factor (peak/RMS, dB) and the spread of 10 ms frame levels (90th minus 10th and
  90th minus 50th percentile, dB); the dynamics error is the mean of the three absolute
  differences; `crest_db_err` is the crest factor difference on its own;
* loudness: integrated loudness after ITU-R BS.1770-4 (K-weighting, 400 ms blocks every
  100 ms, −70 LUFS absolute and −10 LU relative gates; tonematch.loudness); the loudness error is
  the candidate's minus the target's, in LU (signed: positive = too loud);
* output peak: the candidate's sample peak in dBFS (above 0 it would clip in a DAW).

Unlike the others, loudness and peak depend on level: they check that the matcher's output
gain makes the DI play as loud as the ideal result.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.signal import fftconvolve, welch

from tonematch.loudness import loudness_lufs

RATE = 48_000
FRAME = 480
LTAS_FFT = 16_384
MR_SIZES = (512, 1024, 2048)
MR_BAND_HZ = (40.0, 16_000.0)
MR_ACTIVE_DB = -60.0
MR_FLOOR_DB = -80.0


@lru_cache(maxsize=1)
def band_centres() -> np.ndarray:
    """1/3-octave centres 63 Hz … 12.5 kHz (10^(k/10) Hz, k = 18 … 41)."""
    return 10.0 ** (np.arange(18, 42) / 10.0)


def ltas(x: np.ndarray, n_fft: int = LTAS_FFT) -> tuple[np.ndarray, np.ndarray]:
    """Long-term power spectrum (Welch, Hann, 50 % overlap): frequencies and power."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) < n_fft:
        x = np.pad(x, (0, n_fft - len(x)))
    return welch(x, RATE, window="hann", nperseg=n_fft, noverlap=n_fft // 2, detrend=False)


def band_levels_db(x: np.ndarray) -> np.ndarray:
    """Power in each 1/3-octave band (dB, arbitrary reference)."""
    freqs, power = ltas(x)
    fc = band_centres()
    lo, hi = fc * 2 ** (-1 / 6), fc * 2 ** (1 / 6)
    bands = np.array([power[(freqs >= a) & (freqs < b)].sum() for a, b in zip(lo, hi, strict=True)])
    return 10 * np.log10(bands + 1e-30)


def spectral_error_db(candidate: np.ndarray, target: np.ndarray) -> float:
    """RMS of the 1/3-octave level difference after removing its mean (dB)."""
    d = band_levels_db(candidate) - band_levels_db(target)
    d -= d.mean()
    return float(np.sqrt(np.mean(d**2)))


def _unit_rms(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / (np.sqrt(np.mean(x**2)) + 1e-20)


def _stft_mag(x: np.ndarray, n_fft: int) -> np.ndarray:
    hop = n_fft // 4
    if len(x) < n_fft:
        x = np.pad(x, (0, n_fft - len(x)))
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop]
    window = np.hanning(n_fft + 1)[:-1]
    return np.abs(np.fft.rfft(frames * window, axis=1)) / window.sum()


def mrstft_db(candidate: np.ndarray, target: np.ndarray) -> float:
    """Multi-resolution STFT log-magnitude L1 distance (dB), level-normalised."""
    c, t = _unit_rms(candidate), _unit_rms(target)
    n = min(len(c), len(t))
    out = []
    for n_fft in MR_SIZES:
        mc, mt = _stft_mag(c[:n], n_fft), _stft_mag(t[:n], n_fft)
        freqs = np.fft.rfftfreq(n_fft, 1.0 / RATE)
        band = (freqs >= MR_BAND_HZ[0]) & (freqs <= MR_BAND_HZ[1])
        energy = np.sum(mt**2, axis=1)
        active = energy > energy.max() * 10 ** (MR_ACTIVE_DB / 10)
        floor = mt.max() * 10 ** (MR_FLOOR_DB / 20)
        lc = 20 * np.log10(np.maximum(mc[active][:, band], floor))
        lt = 20 * np.log10(np.maximum(mt[active][:, band], floor))
        out.append(float(np.mean(np.abs(lc - lt))))
    return float(np.mean(out))


def frame_levels_db(x: np.ndarray) -> np.ndarray:
    """10 ms frame RMS levels (dBFS)."""
    n = len(x) // FRAME
    f = np.asarray(x[: n * FRAME], dtype=np.float64).reshape(n, FRAME)
    return 10 * np.log10(np.mean(f**2, axis=1) + 1e-12)


def dynamics(x: np.ndarray) -> dict[str, float]:
    """Crest factor and frame-level spread (dB)."""
    x = np.asarray(x, dtype=np.float64)
    crest = 20 * np.log10(np.max(np.abs(x)) / (np.sqrt(np.mean(x**2)) + 1e-20) + 1e-20)
    p10, p50, p90 = np.percentile(frame_levels_db(x), [10, 50, 90])
    return {"crest_db": float(crest), "spread_90_10_db": float(p90 - p10),
            "spread_90_50_db": float(p90 - p50)}


def dynamics_error_db(candidate: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """Absolute differences of the dynamics numbers and their mean (dB)."""
    a, b = dynamics(candidate), dynamics(target)
    errs = {f"{k}_err": abs(a[k] - b[k]) for k in a}
    errs["dynamics_err_db"] = float(np.mean(list(errs.values())))
    return errs


def align(candidate: np.ndarray, target: np.ndarray, max_lag_s: float = 0.02) -> tuple[
        np.ndarray, int]:
    """The candidate shifted by the lag (±max_lag) that best lines it up with the target."""
    n = min(len(candidate), len(target), 10 * RATE)
    c = np.asarray(candidate[:n], dtype=np.float64)
    t = np.asarray(target[:n], dtype=np.float64)
    xc = fftconvolve(t, c[::-1])  # xc[n - 1 + k] = sum t[i + k] c[i]
    max_lag = int(max_lag_s * RATE)
    lags = np.arange(-max_lag, max_lag + 1)
    lag = int(lags[np.argmax(xc[n - 1 + lags])])
    out = np.zeros(len(target))
    src = np.asarray(candidate, dtype=np.float64)
    if lag >= 0:
        m = min(len(out) - lag, len(src))
        out[lag:lag + m] = src[:m]
    else:
        m = min(len(out), len(src) + lag)
        out[:m] = src[-lag:-lag + m]
    return out, lag


def peak_dbfs(x: np.ndarray) -> float:
    """Sample peak (dBFS)."""
    return float(20 * np.log10(np.max(np.abs(np.asarray(x, dtype=np.float64))) + 1e-12))


def score(candidate: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """Every metric of a candidate render against the target render."""
    aligned, lag = align(candidate, target)
    return {"spectral_err_db": spectral_error_db(aligned, target),
            "mrstft_db": mrstft_db(aligned, target),
            **dynamics_error_db(aligned, target),
            "loudness_err_lu": loudness_lufs(aligned) - loudness_lufs(target),
            "peak_dbfs": peak_dbfs(candidate), "lag_samples": lag}


# ------------------------------------------------------------------------------- match EQ


def smooth_fractional_octave(freqs: np.ndarray, power: np.ndarray, fraction: float) -> np.ndarray:
    """Power averaged over ±fraction/2 octave around every bin."""
    cum = np.concatenate([[0.0], np.cumsum(power)])
    half = 2 ** (fraction / 2)
    df = freqs[1] - freqs[0]
    lo = np.clip(np.floor(freqs / half / df).astype(int), 0, len(power) - 1)
    hi = np.clip(np.ceil(freqs * half / df).astype(int) + 1, lo + 1, len(power))
    return (cum[hi] - cum[lo]) / (hi - lo)


def match_eq_response_db(di: np.ndarray, ref: np.ndarray, fraction: float = 1 / 6,
                         limit_db: float = 24.0) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed long-term-spectrum difference ref − DI (dB), mean-free in 63 Hz–12.5 kHz and
    limited to ±limit_db; returns the FFT frequencies and the response."""
    freqs, p_di = ltas(di)
    _, p_ref = ltas(ref)
    d = 10 * np.log10((smooth_fractional_octave(freqs, p_ref, fraction) + 1e-30)
                      / (smooth_fractional_octave(freqs, p_di, fraction) + 1e-30))
    band = (freqs >= 63.0) & (freqs <= 12_500.0)
    d -= np.mean(d[band])
    return freqs, np.clip(d, -limit_db, limit_db)


def match_eq(di: np.ndarray, ref: np.ndarray, taps: int = 8191) -> np.ndarray:
    """The DI through a linear-phase FIR with the match-EQ response (delay removed)."""
    _, response_db = match_eq_response_db(di, ref)
    h = np.fft.irfft(10 ** (response_db / 20))  # zero-phase, length LTAS_FFT
    h = np.roll(h, taps // 2)[:taps] * np.blackman(taps)
    y = fftconvolve(np.asarray(di, dtype=np.float64), h)
    return y[taps // 2: taps // 2 + len(di)]
