"""Learns the rig metric (`tonematch.rig_metric`) from renders of the bundled library.

Random rigs (a pedal or none, an amp, a cabinet) each play several performances that differ in
style, key, register, tempo and guitar (our synthesiser and FluidSynth sampled guitars). The
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
from tonematch.rig_metric import DIMS, METRIC_FILE, PLAYING_LEVEL_DB, describe_cabinet, scaled

ASSETS = Path(__file__).resolve().parents[2] / "assets"
SOURCES = ("synth", "fluidr3:26", "fluidr3:27")
SHRINK = 0.4  # chosen on the retrieval benchmark's dev performances (0.3–1.0 all work)
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


def descriptors(rigs: list[TrainingRig], perfs: list[Performance], seed: int,
                jobs: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidate and reference cabinet descriptors, rigs × performances × CABINET_DIMS each
    (the rig metric's descriptors are their first DIMS values)."""
    rng = np.random.default_rng(seed)
    di = [p.render() for p in perfs]
    params = [[reference_params(rng) for _ in perfs] for _ in rigs]

    def work(item: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        i, p = item
        cand = render_rig(rigs[i].rig(RigParams()), di[p]).mean(axis=0)
        ref = render_rig(rigs[i].rig(params[i][p]), di[p]).mean(axis=0)
        return describe_cabinet(analyse(cand)), describe_cabinet(analyse(ref))

    items = [(i, p) for i in range(len(rigs)) for p in range(len(perfs))]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        done = dict(zip(items, pool.map(work, items), strict=True))
    cand = np.array([[done[i, p][0] for p in range(len(perfs))] for i in range(len(rigs))])
    ref = np.array([[done[i, p][1] for p in range(len(perfs))] for i in range(len(rigs))])
    return cand, ref


def within_rig_differences(cand: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Descriptor differences, reference of one performance minus candidate of another."""
    rigs, perfs = cand.shape[:2]
    return np.array([ref[i, p] - cand[i, q] for i in range(rigs)
                     for p in range(perfs) for q in range(perfs) if p != q])


def checkout_commit() -> str:
    """The checkout's HEAD commit, recorded in what a build writes ("unknown" outside git)."""
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ASSETS.parent, check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Learn the rig metric from library renders.")
    parser.add_argument("--rigs", type=int, default=48)
    parser.add_argument("--performances", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shrink", type=float, default=SHRINK)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--probes", type=int, default=PROBES,
                        help="rigs whose references are shipped for conditioning on a DI")
    parser.add_argument("--out", type=Path, default=METRIC_FILE)
    args = parser.parse_args(argv)
    rng = np.random.default_rng([args.seed, 17])
    rigs = training_rigs(args.rigs, rng)
    perfs = training_performances(args.performances, rng)
    cand, ref = descriptors(rigs, perfs, args.seed, args.jobs)
    diffs = within_rig_differences(cand, ref)
    within = diffs.T @ diffs / len(diffs)
    # Scale: 1.0 is the median distance between two performances through one rig.
    precision = scaled(within[:DIMS, :DIMS], args.shrink, diffs[:, :DIMS]).precision
    cabinet = scaled(within, args.shrink, diffs).precision
    data = {
        "description": "Mahalanobis precision over [24 level-free 1/3-octave bands (63 Hz–"
                       "12.5 kHz, dB), flatness percentiles 40/60/80 (dB), crest percentiles "
                       "50/90 (dB)]; cabinet_precision over those and 68 level-free "
                       "1/12-octave bands (250 Hz–12.7 kHz, dB); within and the probes' "
                       "references over the cabinet descriptor; built by "
                       "tonematch.library.rig_metric_build",
        "shrink": args.shrink, "rigs": args.rigs, "performances": args.performances,
        "sources": list(SOURCES), "seed": args.seed, "pairs": len(diffs),
        "commit": checkout_commit(),
        "precision": [[round(float(v), 9) for v in row] for row in precision],
        "cabinet_precision": [[round(float(v), 9) for v in row] for row in cabinet],
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
          f"{args.performances} performances → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
