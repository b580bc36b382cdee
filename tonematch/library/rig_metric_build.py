"""Learns the rig metric (`tonematch.rig_metric`) from renders of the bundled library.

Random rigs (a pedal or none, an amp, a cabinet) each play several performances drawn from a
pool that differ in style, key, register, tempo and guitar (our synthesiser and FluidSynth
sampled guitars). What the metric learns is how performances differ, so the pool's variety
matters more than the number of rigs: on the retrieval benchmark's dev split (amp top-1 of the
metric alone, shrinkage 0.1) 160 rigs × the same 8 performances gave 59 % or 76 % depending on
which 8 were drawn, and 120 rigs × 6 drawn from a pool of 48 gave 79 %. The
candidate side is rendered as the matcher renders the user's DI (neutral post-FX); the
reference side carries the post-FX and drive offsets a produced track has. The within-rig
covariance of descriptor differences (reference of one performance against the candidate of
another, same rig) is what the metric learns to discount.

Only the benchmark's dev guitars are used (the synthesiser and FluidR3 programs 26 and 27) with
seeds of their own, so the held-out split's guitars and seeds stay unseen.

    python -m tonematch.library.rig_metric_build            # writes tonematch/data/rig_metric.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tonematch.analysis import analyse
from tonematch.library.performances import REGISTERS, SCALES, STYLES, Performance
from tonematch.render import render_rig
from tonematch.rig import Rig, RigParams
from tonematch.rig_metric import METRIC_FILE, PLAYING_LEVEL_DB, describe, from_covariance

ASSETS = Path(__file__).resolve().parents[2] / "assets"
SOURCES = ("synth", "fluidr3:26", "fluidr3:27")
# How far the within-rig covariance is pulled towards the identity. Less shrinkage ranks the
# library's own rigs better and the rest worse: with the pool below, the dev split's retrieval
# (amp top-1 of the metric alone) gave 86 / 79 / 70 % at 0.01 / 0.1 / 0.4, but on the match
# benchmark's dev split (16 in-library, 24 outside cases) outside cases lost: 1/3-octave median
# 6.38 / 6.12 / 5.69 dB, better than the match EQ in 12 / 14 / 17 of 24 (5.33 dB, 16 with the
# old 48 × 6 metric), while in-library amp voicing was right in 9 / 11 / 8 of 16 (7 before).
# A reference is usually a rig the library does not hold, so the shrinkage stays at 0.4.
SHRINK = 0.4
# Probe rigs for conditioning on a DI: each costs one render of the DI excerpt per match. On the
# retrieval set 12, 24 and 40 probes were within a point of each other (amp top-1 69–70 %).
PROBES = 16


@dataclass(frozen=True)
class TrainingRig:
    """A bundled pedal (or none), amp and cabinet."""

    pedal: Path | None
    amp: Path
    ir: Path

    def rig(self, params: RigParams) -> Rig:
        return Rig(amp_path=self.amp, ir_path=self.ir, fx_path=self.pedal, params=params)


def _catalogue() -> tuple[list[Path], list[Path], list[Path]]:
    entries = json.loads((ASSETS / "nam_models" / "manifest.json").read_text())["entries"]
    irs = json.loads((ASSETS / "impulse_responses" / "manifest.json").read_text())["entries"]
    models = ASSETS / "nam_models"
    return ([models / e["file"] for e in entries if e["kind"] == "pedal"],
            [models / e["file"] for e in entries if e["kind"] == "amp"],
            [ASSETS / "impulse_responses" / e["file"] for e in irs])


def training_rigs(n: int, rng: np.random.Generator) -> list[TrainingRig]:
    """n random rigs; half with a pedal."""
    pedals, amps, irs = _catalogue()
    return [TrainingRig(pedals[int(rng.integers(len(pedals)))] if rng.random() < 0.5 else None,
                        amps[int(rng.integers(len(amps)))], irs[int(rng.integers(len(irs)))])
            for _ in range(n)]


def reference_params(rng: np.random.Generator) -> RigParams:
    """Post-FX of a produced track: moderate EQ, sometimes reverb or delay.

    The drive stays as the candidate's: the matcher searches the input gain, so a drive
    difference is something to find, not something the metric should learn to ignore.
    """
    return RigParams(
        pre_eq_gain_db=float(rng.uniform(-6, 6)),
        pre_eq_freq_hz=float(np.exp(rng.uniform(np.log(500), np.log(2500)))),
        reverb_wet=float(rng.uniform(0.05, 0.25)) if rng.random() < 0.5 else 0.0,
        reverb_room_size=float(rng.uniform(0.2, 0.8)),
        delay_time_ms=float(rng.uniform(90, 400)),
        delay_mix=float(rng.uniform(0.05, 0.2)) if rng.random() < 0.35 else 0.0,
    )


def training_performances(n: int, rng: np.random.Generator) -> list[Performance]:
    """n performances that differ in style, key, register, tempo and guitar, equally loud."""
    out = []
    for k in range(n):
        out.append(Performance(SOURCES[k % len(SOURCES)], STYLES[k % len(STYLES)],
                               int(rng.integers(12)), str(rng.choice(list(SCALES))),
                               str(rng.choice(list(REGISTERS))), float(rng.uniform(75, 150)),
                               10.0, int(rng.integers(1_000_000)), PLAYING_LEVEL_DB))
    return out


def descriptors(rigs: list[TrainingRig], perfs: list[Performance], per_rig: int, seed: int,
                jobs: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidate and reference descriptors, rigs × per_rig × DIMS each: every rig plays
    per_rig different performances drawn from perfs."""
    rng = np.random.default_rng(seed)
    di = [p.render() for p in perfs]
    played = [rng.choice(len(perfs), per_rig, replace=False) for _ in rigs]
    params = [[reference_params(rng) for _ in range(per_rig)] for _ in rigs]

    def work(item: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        i, k = item
        x = di[int(played[i][k])]
        cand = render_rig(rigs[i].rig(RigParams()), x).mean(axis=0)
        ref = render_rig(rigs[i].rig(params[i][k]), x).mean(axis=0)
        return describe(analyse(cand)), describe(analyse(ref))

    items = [(i, k) for i in range(len(rigs)) for k in range(per_rig)]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        done = dict(zip(items, pool.map(work, items), strict=True))
    cand = np.array([[done[i, k][0] for k in range(per_rig)] for i in range(len(rigs))])
    ref = np.array([[done[i, k][1] for k in range(per_rig)] for i in range(len(rigs))])
    return cand, ref


def within_rig_differences(cand: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Descriptor differences, reference of one performance minus candidate of another."""
    rigs, perfs = cand.shape[:2]
    return np.array([ref[i, p] - cand[i, q] for i in range(rigs)
                     for p in range(perfs) for q in range(perfs) if p != q])


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ASSETS.parent, check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Learn the rig metric from library renders.")
    parser.add_argument("--rigs", type=int, default=160)
    parser.add_argument("--pool", type=int, default=48,
                        help="performances the rigs' performances are drawn from")
    parser.add_argument("--performances", type=int, default=6,
                        help="performances each rig plays (at least 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shrink", type=float, default=SHRINK)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--probes", type=int, default=PROBES,
                        help="rigs whose references are shipped for conditioning on a DI")
    parser.add_argument("--out", type=Path, default=METRIC_FILE)
    args = parser.parse_args(argv)
    rng = np.random.default_rng([args.seed, 17])
    if not 2 <= args.performances <= args.pool:
        parser.error("--performances must be at least 2 and at most --pool")
    rigs = training_rigs(args.rigs, rng)
    perfs = training_performances(args.pool, rng)
    cand, ref = descriptors(rigs, perfs, args.performances, args.seed, args.jobs)
    diffs = within_rig_differences(cand, ref)
    within = diffs.T @ diffs / len(diffs)
    metric = from_covariance(within, args.shrink)
    # Scale: 1.0 is the median distance between two performances through one rig.
    scale = float(np.median(metric.distances(diffs, np.zeros_like(diffs))))
    precision = metric.precision / scale**2
    data = {
        "description": "Mahalanobis precision over [24 level-free 1/3-octave bands (63 Hz–"
                       "12.5 kHz, dB), flatness percentiles 40/60/80 (dB), crest percentiles "
                       "50/90 (dB)]; built by tonematch.library.rig_metric_build",
        "shrink": args.shrink, "rigs": args.rigs, "pool": args.pool,
        "performances": args.performances,
        "sources": list(SOURCES), "seed": args.seed, "pairs": len(diffs), "commit": _commit(),
        "precision": [[round(float(v), 9) for v in row] for row in precision],
        # For conditioning the metric on a user's DI (tonematch.di_conditioning): the
        # within-rig covariance itself and stock performances through the first rigs.
        "playing_level_db": PLAYING_LEVEL_DB,
        "within": [[round(float(v), 9) for v in row] for row in within],
        "probes": [{"pedal": r.pedal.name if r.pedal else None, "amp": r.amp.name,
                    "ir": r.ir.name, "references": [[round(float(v), 5) for v in d]
                                                    for d in ref[i]]}
                   for i, r in enumerate(rigs[: args.probes])],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"rig metric: {len(diffs)} within-rig pairs from {args.rigs} rigs × "
          f"{args.performances} of {args.pool} performances → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
