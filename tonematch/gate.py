"""The noise gate the matcher sets: on only where the DI has hiss or hum between notes that the
rig makes stand out more, against the playing, than the reference's quietest stretch does.

A high-gain amp model lifts a DI's noise floor by its compression: a −70 dBFS hiss, 50 dB
under the playing on the DI, can come out 25 dB under it. A produced reference has its gaps
gated or quiet, so the match would hiss where the reference is silent. The gate sits after the
input gain and before the pedal (`engine/src/chain/noise_gate.h`) and reads sample peaks, so
its threshold is set from the DI's peaks in its gaps, moved by the rig's input gain: just above
the noise, far enough under the playing that notes ring out through their decays.

The reference's side is its quietest 200 ms: wherever its playing stops (a rest, the lead-in,
the last decay) it shows how much noise its rig leaves. A reference played legato throughout
shows none, and then only a rig that leaves the DI's gaps nearly as loud as the playing is gated.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from tonematch.analysis import ENV_FRAME as FRAME
from tonematch.analysis import frame_levels_db
from tonematch.audio_io import RATE
from tonematch.render import render_rig
from tonematch.rig import RANGES, Rig

SILENCE_DBFS = -90.0  # gaps at or below this are digital silence: nothing to gate
GAP_ABOVE_FLOOR_DB = 6.0  # a gap frame peaks at most this above the DI's floor …
GAP_MIN_FRAMES = 20  # … for at least 200 ms
MIN_GAP_SECONDS = 0.5  # less gap than this in all says too little about the noise
OPEN_MARGIN_DB = 6.0  # the threshold above the noise's peaks
DECAY_ROOM_DB = 30.0  # and at least this under the playing's peaks, so decays ring out
AUDIBLE_MARGIN_DB = 6.0  # the rig's gaps this much above the reference's quiet parts: gate on
MAX_RENDER_SECONDS = 30.0  # the DI stretch rendered to hear the rig's gaps


@dataclass(frozen=True)
class NoiseFloor:
    """The DI between notes: its noise's sample peak, where the gaps are, and the playing."""

    noise_peak_dbfs: float
    playing_peak_dbfs: float
    gap_frames: np.ndarray  # bool per 10 ms frame of the DI


@dataclass(frozen=True)
class GateDecision:
    """What the gate check found (the rig JSON's `analysis.gate`) and the threshold it sets."""

    threshold_db: float  # RANGES' low end = off
    di_noise_peak_dbfs: float | None = None
    rig_gaps_db: float | None = None  # the rig's output in the DI's gaps, dB under its playing
    reference_quiet_db: float | None = None  # the reference's quietest 200 ms, dB under its
    # playing
    reason: str = ""

    @property
    def on(self) -> bool:
        """Whether the gate is set."""
        return self.threshold_db > RANGES["gate_threshold_db"].low

    def notes(self) -> list[str]:
        """What the user is told: where the gate was set and why (nothing when it is off)."""
        return [f"noise gate set at {self.threshold_db:.1f} dB: {self.reason}"] if self.on else []

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly summary."""
        def num(v: float | None) -> float | None:
            return None if v is None else round(v, 1)
        return {"on": self.on, "threshold_db": round(self.threshold_db, 1),
                "di_noise_peak_dbfs": num(self.di_noise_peak_dbfs),
                "rig_gaps_db": num(self.rig_gaps_db),
                "reference_quiet_db": num(self.reference_quiet_db), "reason": self.reason}


def _frame_peaks_db(x: np.ndarray) -> np.ndarray:
    n = len(x) // FRAME
    peaks = np.max(np.abs(np.asarray(x[: n * FRAME], dtype=np.float64)).reshape(n, FRAME), axis=1)
    return 20 * np.log10(peaks + 1e-12)


def noise_floor(di: np.ndarray) -> NoiseFloor | str:
    """The DI's noise between notes, or why there is none to gate."""
    peaks = _frame_peaks_db(di)
    if len(peaks) < 2 * GAP_MIN_FRAMES:
        return "the DI is too short to find gaps"
    floor = float(np.percentile(peaks, 5))
    playing = float(np.percentile(peaks, 95))
    if floor <= SILENCE_DBFS:
        return "the DI is silent between notes"
    if playing - floor < DECAY_ROOM_DB + OPEN_MARGIN_DB:
        return "the DI has no gaps far enough under the playing"
    quiet = peaks <= floor + GAP_ABOVE_FLOOR_DB
    gaps = np.zeros_like(quiet)
    start = None
    for i, q in enumerate(np.append(quiet, False)):
        if q and start is None:
            start = i
        elif not q and start is not None:
            if i - start >= GAP_MIN_FRAMES:
                gaps[start:i] = True
            start = None
    if gaps.sum() * FRAME < MIN_GAP_SECONDS * RATE:
        return "the DI has too little silence between notes to measure its noise"
    return NoiseFloor(float(np.percentile(peaks[gaps], 95)), playing, gaps)


def _gaps_db(levels: np.ndarray, gaps: np.ndarray) -> float:
    """The median level of the gap frames, in dB under the playing (95th percentile)."""
    playing = float(np.percentile(levels, 95))
    return max(float(np.median(levels[gaps])) - playing, -100.0)


def _quietest_db(levels: np.ndarray) -> float:
    """The quietest GAP_MIN_FRAMES stretch, in dB under the playing: what the rig leaves where
    the playing stops. A low percentile of all frames would not do: legato playing fills it with
    notes, and a reference that rests only once or twice would look as loud as its playing."""
    playing = float(np.percentile(levels, 95))
    if len(levels) < GAP_MIN_FRAMES:
        return max(float(np.min(levels)) - playing, -100.0)
    window = np.convolve(levels, np.ones(GAP_MIN_FRAMES) / GAP_MIN_FRAMES, mode="valid")
    return max(float(np.min(window)) - playing, -100.0)


def decide(rig: Rig, di: np.ndarray, reference: np.ndarray) -> GateDecision:
    """The gate threshold for this rig: off unless the DI's noise, through the rig, stands out
    in its gaps by AUDIBLE_MARGIN_DB more than the reference's quiet parts."""
    off = RANGES["gate_threshold_db"].low
    di = di[: int(MAX_RENDER_SECONDS * RATE)]
    found = noise_floor(di)
    if isinstance(found, str):
        return GateDecision(off, reason=found)
    # Without delay and reverb: their tails fill the gaps whatever the gate does (it comes
    # before them); the question is what the drive makes of the noise.
    dry = replace(rig.params, gate_threshold_db=off, delay_mix=0.0, reverb_wet=0.0)
    out = render_rig(replace(rig, params=dry), di)
    levels = frame_levels_db(np.mean(out, axis=0))
    gaps = found.gap_frames[: len(levels)]
    rig_gaps = _gaps_db(levels, gaps)
    ref_quiet = _quietest_db(frame_levels_db(reference))
    measured = dict(di_noise_peak_dbfs=found.noise_peak_dbfs, rig_gaps_db=rig_gaps,
                    reference_quiet_db=ref_quiet)
    if rig_gaps <= ref_quiet + AUDIBLE_MARGIN_DB:
        return GateDecision(off, **measured,
                            reason="the DI's noise through the rig is no louder than the "
                                   "reference's quiet parts")
    if found.noise_peak_dbfs + OPEN_MARGIN_DB > found.playing_peak_dbfs - DECAY_ROOM_DB:
        return GateDecision(off, **measured,
                            reason="the DI's noise is too close to the playing to gate without "
                                   "cutting the notes' decays")
    threshold = found.noise_peak_dbfs + OPEN_MARGIN_DB + rig.params.input_gain_db
    r = RANGES["gate_threshold_db"]
    threshold = float(np.clip(round(threshold, 1), r.low, r.high))
    return GateDecision(threshold, **measured,
                        reason=f"the DI's noise between notes comes out {-rig_gaps:.0f} dB "
                               f"under the playing through the rig, where the reference is "
                               + ("silent" if ref_quiet <= -99.0
                                  else f"{-ref_quiet:.0f} dB under"))
