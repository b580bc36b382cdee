"""Which descriptor could tell the rigs apart? Candidates scored on identifiability renders.

`identifiability.py --audio DIR` writes, per in-library case, the DI through the hidden rig, the
hidden rig's reference performances and the DI through every one-attribute confuser. This script
computes candidate descriptors from those renders and asks the identifiability question of each:
on how many (case, reference) pairs does the hidden rig's DI render beat every confuser of an
attribute? The metric is the rig metric's kind (a within-rig Mahalanobis distance shrunk towards
the identity) learned **leaving the case out**: from the reference − hidden-rig differences of
the other cases, so no case is scored with what it taught. It is not the shipped metric (that is
learned from the library's own renders and fitted to each DI), so compare the rows with each
other, and the `current` row with `identifiability.py`'s ceiling to see how far the two agree.

A ceiling here is necessary, not sufficient: a descriptor that identifies the hidden rig better
among one-attribute confusers can still steer a whole match (input gain, pedal, EQ all free)
somewhere that sounds further from the ideal result; only `match_quality.py` decides that.

    python benchmarks/identifiability.py --split dev --allow-dirty --audio /tmp/renders
    python benchmarks/descriptor_study.py --audio /tmp/renders   # results/descriptor_study_dev.json
    python benchmarks/descriptor_study.py --audio /tmp/renders --allow-dirty --variants current
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from _harmonics import envelope_and_profile
from _provenance import parse_guarded, provenance
from identifiability import ATTRIBUTES, PERFORMANCES

from tonematch.analysis import (
    ACTIVE_DB,
    N_FFT,
    _active_frames,
    analyse,
    band_matrix,
    level_free_db,
    narrow_band_matrix,
    power_spectrogram,
    third_octave_centres,
)
from tonematch.audio_io import RATE
from tonematch.rig_metric import BANDS, describe, from_covariance

RESULTS = Path(__file__).resolve().parent / "results"
FREQS = np.fft.rfftfreq(N_FFT, 1.0 / RATE)
SHRINKS = (0.1, 0.2, 0.4)


def _active(power: np.ndarray) -> np.ndarray:
    """The frames the analysis calls active."""
    return power[_active_frames(power)]


def log_bands(low_hz: float, high_hz: float, per_octave: int) -> Callable[[np.ndarray], np.ndarray]:
    """Level-free long-term spectrum in 1/per_octave-octave bands from low_hz (dB)."""
    n = int(round(np.log2(high_hz / low_hz) * per_octave))
    edges = low_hz * 2.0 ** (np.arange(n + 1) / per_octave)
    m = ((FREQS[None, :] >= edges[:-1, None]) & (FREQS[None, :] < edges[1:, None])).astype(float)

    def bands(power: np.ndarray) -> np.ndarray:
        db = 10 * np.log10(m @ _active(power).mean(axis=0) + 1e-20)
        return db - db.mean()
    return bands


def narrow_bands(power: np.ndarray) -> np.ndarray:
    """The matcher's own 1/12-octave bands from 250 Hz (`analysis.narrow_band_matrix`), dB."""
    return level_free_db(narrow_band_matrix() @ _active(power).mean(axis=0))


def octave_flatness(power: np.ndarray) -> np.ndarray:
    """Spectral flatness per octave 250 Hz–8 kHz (median and 80th percentile over frames, dB):
    where in frequency the distortion fills the spectrum between partials."""
    p = _active(power)
    floor = 1e-5 * p.max(axis=1, keepdims=True)
    out = []
    for low in (250.0, 500.0, 1000.0, 2000.0, 4000.0):
        q = np.maximum(p[:, (FREQS >= low) & (FREQS < 2 * low)], floor) + 1e-20
        flat = 10 * np.log10(np.exp(np.mean(np.log(q), axis=1)) / np.mean(q, axis=1))
        out += [np.percentile(flat, 50), np.percentile(flat, 80)]
    return np.array(out)


def peak_envelope(low_hz: float, n: int, per_octave: int, spread: int
                  ) -> Callable[[np.ndarray], np.ndarray]:
    """Level-free narrow bands of a spectral envelope through the peaks: per frame, each band
    takes the largest bin within `spread` bands either side, so whether a partial of the notes
    played falls inside the band matters less; averaged over the active frames (dB)."""
    edges = low_hz * 2.0 ** (np.arange(n + 1) / per_octave)
    lo = np.searchsorted(FREQS, edges[:-1] * 2.0 ** (-spread / per_octave))
    hi = np.maximum(np.searchsorted(FREQS, edges[1:] * 2.0 ** (spread / per_octave)), lo + 1)

    def bands(power: np.ndarray) -> np.ndarray:
        p = _active(power)
        peaks = np.array([p[:, a:b].max(axis=1) for a, b in zip(lo, hi, strict=True)])
        db = 10 * np.log10(peaks.mean(axis=1) + 1e-20)
        return db - db.mean()
    return bands


def _thirds(power: np.ndarray) -> np.ndarray:
    """Level-free 1/3-octave spectrum of these frames (the analysis's bands, dB)."""
    db = 10 * np.log10(band_matrix() @ power.mean(axis=0) + 1e-20)
    return db - db.mean()


def loud_minus_quiet(power: np.ndarray) -> np.ndarray:
    """Spectrum of the loudest fifth of frames minus that of the middle ones, in 8 broad bands:
    how the tone changes with level (drive compresses and brightens the loud notes)."""
    e = 10 * np.log10(power.sum(axis=1) + 1e-30)
    active = e > np.percentile(e, 95) + ACTIVE_DB
    low, mid, high = np.percentile(e[active], [20, 50, 80])
    loud, quiet = active & (e >= high), active & (e >= low) & (e <= mid)
    if loud.sum() < 3 or quiet.sum() < 3:
        return np.zeros(8)
    return (_thirds(power[loud]).reshape(8, 3).mean(axis=1)
            - _thirds(power[quiet]).reshape(8, 3).mean(axis=1))


# Components computed from one render; a variant concatenates some of them.
COMPONENTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "octave_flatness": octave_flatness,
    "loud_minus_quiet": loud_minus_quiet,
    "sixth_500": log_bands(500.0, 8000.0, 6),
    "twelfth_250": narrow_bands,
    "peaks_1": peak_envelope(250.0, 68, 12, 1),
    "peaks_2": peak_envelope(250.0, 68, 12, 2),
}
VARIANTS: dict[str, tuple[str, ...]] = {
    "current": ("current",),
    "current + octave flatness": ("current", "octave_flatness"),
    "current + loud minus quiet": ("current", "loud_minus_quiet"),
    "current + 1/6-oct 500 Hz–8 kHz": ("current", "sixth_500"),
    "current + 1/12-oct 250 Hz–12.7 kHz": ("current", "twelfth_250"),
    "1/12-oct 250 Hz–12.7 kHz instead of the 1/3-oct bands": ("distortion", "twelfth_250"),
    "1/3-oct bands from 250 Hz only": ("thirds_from_250", "distortion"),
    "current + peak envelope, 1/12-oct bands ±1": ("current", "peaks_1"),
    "current + peak envelope, 1/12-oct bands ±2": ("current", "peaks_2"),
    "current + harmonic profile (2nd–4th harmonic)": ("current", "harmonic_profile"),
    "current + harmonic-sampled envelope": ("current", "harmonic_envelope"),
    "harmonic-sampled envelope instead of the 1/3-oct bands": ("harmonic_envelope",
                                                                "distortion"),
}


def components(y: np.ndarray) -> dict[str, np.ndarray]:
    """Every component of one render; `current` is the matcher's descriptor."""
    power = power_spectrogram(np.asarray(y, dtype=np.float64))
    out = {"current": describe(analyse(y))}
    out |= {name: fn(power) for name, fn in COMPONENTS.items()}
    # Pitch-tracked (`_harmonics.py`): the envelope where the notes reach (about 110 Hz to
    # 7.6 kHz), the profile where most notes have the harmonic.
    envelope, profile = envelope_and_profile(y)
    out |= {"harmonic_envelope": envelope[2:-2], "harmonic_profile": profile[:3]}
    return out


FROM_250 = int(np.searchsorted(third_octave_centres(), 250.0 * 0.99))  # the 250 Hz band


def part(c: dict[str, np.ndarray], name: str) -> np.ndarray:
    """A named part of a variant (the current descriptor's pieces by name too)."""
    if name == "distortion":
        return c["current"][BANDS:]
    if name == "thirds_from_250":
        bands = c["current"][FROM_250:BANDS]
        return bands - bands.mean()
    return c[name]


def case_components(path: Path) -> dict[str, list[dict[str, np.ndarray]]]:
    """Components of every render of one case: truth, references, confusers per attribute."""
    z = np.load(path)
    groups = {"truth": [z["truth"]], "references": [z[f"ref{k}"] for k in range(PERFORMANCES)]}
    groups |= {a: list(z[a]) for a in ATTRIBUTES}
    return {g: [components(y) for y in ys] for g, ys in groups.items()}


def matrix(rows: list[dict[str, np.ndarray]], parts: tuple[str, ...]) -> np.ndarray:
    """Descriptors of a variant, one row per render."""
    return np.array([np.concatenate([part(r, p) for p in parts]) for r in rows])


def ceilings(cases: list[dict[str, np.ndarray]], shrink: float) -> dict[str, float]:
    """Per attribute, the share of (case, reference) pairs where the hidden rig wins (%),
    with the metric learned from the other cases."""
    won: dict[str, list[bool]] = {a: [] for a in ATTRIBUTES}
    for i, case in enumerate(cases):
        diffs = np.concatenate([c["references"] - c["truth"] for j, c in enumerate(cases)
                                if j != i])
        # The rig metric's own construction: within-rig covariance shrunk to its mean variance.
        metric = from_covariance(diffs.T @ diffs / len(diffs), shrink)
        for ref in case["references"]:
            own = metric.distance(ref, case["truth"])
            for a in ATTRIBUTES:
                if len(case[a]):
                    won[a].append(bool(metric.distances(case[a], ref).min() >= own))
    return {a: round(100.0 * float(np.mean(v)), 1) for a, v in won.items() if v}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--audio", type=Path, required=True,
                        help="the folder `identifiability.py --audio` wrote")
    parser.add_argument("--split", default="dev", help="the split those renders are of")
    parser.add_argument("--variants", nargs="*", choices=tuple(VARIANTS),
                        help="score only these (default: all)")
    args = parse_guarded(parser, argv)
    files = sorted(args.audio.glob("*.npz"))
    if len(files) < 3:
        print(f"{args.audio}: needs the renders of at least 3 cases (found {len(files)})",
              file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    described = []
    for k, f in enumerate(files):
        try:
            described.append(case_components(f))
        except (OSError, KeyError, ValueError) as err:
            print(f"{f}: not an identifiability render file ({err})", file=sys.stderr)
            return 2
        print(f"[{k + 1}/{len(files)}] {f.stem} described", flush=True)
    results: dict[str, dict[str, dict[str, float]]] = {}
    lines = ["| descriptor | shrink | " + " | ".join(ATTRIBUTES) + " |",
             "|---|---:|" + "---:|" * len(ATTRIBUTES)]
    for name in args.variants or VARIANTS:
        parts = VARIANTS[name]
        cases = [{g: matrix(rows, parts) for g, rows in c.items()} for c in described]
        for c in cases:
            c["truth"] = c["truth"][0]
        results[name] = {str(s): ceilings(cases, s) for s in SHRINKS}
        for s in SHRINKS:
            row = results[name][str(s)]
            lines.append(f"| {name} | {s} | " + " | ".join(f"{row[a]} %" for a in ATTRIBUTES)
                         + " |")
    print("\n".join(lines))
    if not args.allow_dirty:
        out = RESULTS / f"descriptor_study_{args.split}.json"
        out.write_text(json.dumps({**provenance(), "split": args.split, "cases": len(files),
                                   "renders": [f.stem for f in files],
                                   "performances": PERFORMANCES, "shrinks": list(SHRINKS),
                                   "seconds": round(time.perf_counter() - t0, 1),
                                   "ceilings_pct": results}, indent=1) + "\n",
                       encoding="utf-8")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
