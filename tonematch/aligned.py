"""Frame-by-frame comparison for when the DI plays the reference's part.

Long-term statistics (the rig distance) cannot tell a rig from one that imitates its average
spectrum, flatness and crest — another voicing at another input gain, or a pedal in front —
because a change of playing moves them as much. When the DI plays the reference's notes
(`tonematch.same_part`), the two line up in time and every frame can be compared: how each
note's spectrum comes out of the rig, its attack, its decay and how the tone changes with the
playing level are all in the frames, and no imitation matches them all (what this buys on
the quality benchmark: docs/quality_history.md).

The comparison: 85 ms frames every 20 ms, power summed into 1/6-octave bands from 80 Hz to
16 kHz, in dB (the top half-octave is where cabinets differ most and where the match EQ's
highest band can no longer make up for the wrong one); the candidate's frames against the
reference's where the reference plays, mean absolute difference after one overall level
offset (the output level is set later).
A retake is never sample-exact (notes 10–20 ms early or late), so each reference frame is
compared with the best of the candidate's frames up to `LAG_FRAMES` hops either side.
A cabinet is a linear filter shorter than a frame, so a candidate's amp output is analysed
once and each cabinet multiplies its frames' power spectra by the IR's power response.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from tonematch.audio_io import RATE

N_FFT = 4096
HOP = 960  # 20 ms
LOW_HZ, BANDS_PER_OCTAVE, N_BANDS = 80.0, 6, 46  # 80 Hz … 16 kHz
ACTIVE_DB = -30.0  # reference frames this far under its loud ones (95th percentile) are rests
LAG_FRAMES = 1  # ± hops a reference frame may be matched across (a retake's timing)
FLOOR_DB = -120.0


@lru_cache(maxsize=1)
def _bands() -> tuple[slice, np.ndarray]:
    """The bins the bands cover, and where each band starts among them (bands are contiguous
    runs of bins, so summing them is a `reduceat`)."""
    freqs = np.fft.rfftfreq(N_FFT, 1.0 / RATE)
    edges = LOW_HZ * 2.0 ** (np.arange(N_BANDS + 1) / BANDS_PER_OCTAVE)
    used = np.flatnonzero((freqs >= edges[0]) & (freqs < edges[-1]))
    starts = np.searchsorted(freqs[used], edges[:-1])
    return slice(int(used[0]), int(used[-1]) + 1), starts


def power_frames(x: np.ndarray, hop: int = HOP) -> np.ndarray:
    """Power spectra of the signal's frames on the bands' bins (frames × bins, float32)."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) < N_FFT:
        x = np.pad(x, (0, N_FFT - len(x)))
    frames = np.lib.stride_tricks.sliding_window_view(x, N_FFT)[::hop]
    spectrum = np.fft.rfft(frames * np.hanning(N_FFT), axis=1)[:, _bands()[0]]
    return (spectrum.real ** 2 + spectrum.imag ** 2).astype(np.float32)


def band_frames_db(power: np.ndarray) -> np.ndarray:
    """Frames' power spectra (`power_frames`) summed into the comparison's bands, in dB
    (frames × bands)."""
    summed = np.add.reduceat(power, _bands()[1], axis=1)
    return 10.0 * np.log10(summed + np.float32(10.0 ** (FLOOR_DB / 10.0)))


def ir_power(ir: np.ndarray) -> np.ndarray:
    """An IR's power response on the frames' bins."""
    h = np.fft.rfft(np.asarray(ir, dtype=np.float64)[:N_FFT], N_FFT)[_bands()[0]]
    return (h.real ** 2 + h.imag ** 2).astype(np.float32)


@dataclass(frozen=True)
class AlignedReference:
    """The reference stretch that plays the DI stretch's notes, as the comparison sees it."""

    bands_db: np.ndarray  # frames × bands
    playing: np.ndarray  # frames where the reference plays

    @classmethod
    def of(cls, reference: np.ndarray) -> AlignedReference:
        """Describes the reference stretch (lined up with the DI stretch the candidates play)."""
        bands = band_frames_db(power_frames(reference))
        level = 10.0 * np.log10(np.sum(10.0 ** (bands / 10.0), axis=1))
        return cls(bands, level > np.percentile(level, 95) + ACTIVE_DB)

    def distance(self, candidate_db: np.ndarray) -> float:
        """Mean absolute dB difference over the playing frames and bands, after one level
        offset, each frame matched within ±LAG_FRAMES (lower is closer)."""
        n = min(len(candidate_db), len(self.bands_db))
        if n == 0 or not self.playing[:n].any():
            return float("inf")
        ref, cand, playing = self.bands_db[:n], candidate_db[:n], self.playing[:n]
        offset = float(np.median(cand[playing] - ref[playing]))
        cand = cand - offset
        best = np.full(n, np.inf)
        for lag in range(-LAG_FRAMES, LAG_FRAMES + 1):
            shifted = np.roll(cand, lag, axis=0)
            best = np.minimum(best, np.mean(np.abs(shifted - ref), axis=1))
        return float(np.mean(best[playing]))

    def distances(self, amp_power: np.ndarray, ir_powers: list[np.ndarray]) -> np.ndarray:
        """The distance of one amp output (its `power_frames`) through each cabinet."""
        return np.array([self.distance(band_frames_db(amp_power * h)) for h in ir_powers])

    def rendered_distance(self, x: np.ndarray) -> float:
        """The distance of a finished render (the chain's output for the DI stretch)."""
        return self.distance(band_frames_db(power_frames(x)))
