"""Does a rig comparison hear the rig or the notes? Retrieval of rigs across performances.

N rigs from the bundled library (a pedal or none, an amp, a cabinet IR) each play M performances
that differ in style, key, register, tempo and guitar (our synthesiser and FluidSynth sampled
guitars; `--split heldout` uses the held-out guitars). A query is one performance through one
rig as a produced track has it (random post-FX: moderate peak EQ, sometimes reverb or delay; and
a drive offset of ±4 dB); it ranks all N rigs rendered dry at the input gains −4, 0 and +4 dB
(each rig scored at its best gain, as the matcher's grid does) with each *other* performance. A
comparison that hears the rig puts the query's rig first whatever was played.

Reported per method: amp top-1 and top-3, amp voicing top-1 (captures of one voicing at other
gains count), cabinet top-1, pedal presence (pedal vs none) of the top pick, the whole rig top-1
and the median rank of the true rig. Methods: the hand-weighted four-part loss the matcher used
before (`four_part`), the level-free long-term spectrum alone (`ltas`), the same after the best
peak-EQ correction (`ltas_eq_free`), the learned rig metric (`rig_metric`) and the same metric
conditioned on the candidates' performance, the DI (`rig_metric_di`, what the matcher uses now:
`tonematch.di_conditioning`).

    python benchmarks/rig_retrieval.py --split dev       # writes results/rig_retrieval_dev.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from _cases import IRS, MODELS, bundled, voicing_of
from _provenance import parse_guarded, provenance

from tonematch.analysis import Features, analyse, third_octave_centres
from tonematch.di_conditioning import metric_for_di
from tonematch.library.performances import REGISTERS, SCALES, STYLES, Performance
from tonematch.library.rig_metric_build import PLAYING_LEVEL_DB, reference_params
from tonematch.loss import brightness_loss, envelope_loss, harmonic_loss, spectral_loss
from tonematch.post_fx import peak_gain_db
from tonematch.render import render_rig
from tonematch.rig import Rig, RigParams
from tonematch.rig_metric import describe, load_metric

RESULTS = Path(__file__).resolve().parent / "results"
SECONDS = 10.0
SOURCES = {"dev": ("synth", "fluidr3:26", "fluidr3:27"),
           "heldout": ("musescore:24", "musescore:25", "musescore:26", "musescore:27",
                       "musescore:28", "fluidr3:24", "fluidr3:25")}
SEEDS = {"dev": 101, "heldout": 202}  # the metric is trained with seed 0
GAINS_DB = (-4.0, 0.0, 4.0)


@dataclass(frozen=True)
class RigSpec:
    """One rig of the retrieval set."""

    pedal: str | None
    amp: str
    ir: str

    def rig(self, params: RigParams) -> Rig:
        return Rig(amp_path=MODELS / f"{self.amp}.nam", ir_path=IRS / f"{self.ir}.wav",
                   fx_path=MODELS / f"{self.pedal}.nam" if self.pedal else None, params=params)


def random_rigs(n: int, seed: int) -> list[RigSpec]:
    """n distinct rigs; half of them with a pedal."""
    lib = bundled()
    rng = np.random.default_rng(seed)
    out: list[RigSpec] = []
    while len(out) < n:
        spec = RigSpec(str(rng.choice(lib.pedals)) if rng.random() < 0.5 else None,
                       str(rng.choice(lib.amps)), str(rng.choice(lib.irs)))
        if spec not in out:
            out.append(spec)
    return out


def performances(split: str, seed: int, n: int) -> dict[str, np.ndarray]:
    """n performances of the split's guitars, each in another style, key, register and tempo."""
    rng = np.random.default_rng([seed, 23])
    sources = SOURCES[split]
    out = {}
    for k in range(n):
        perf = Performance(sources[k % len(sources)], STYLES[k % len(STYLES)],
                           int(rng.integers(12)), str(rng.choice(list(SCALES))),
                           str(rng.choice(list(REGISTERS))), float(rng.uniform(75, 150)),
                           SECONDS, int(rng.integers(1_000_000)), PLAYING_LEVEL_DB)
        out[f"{perf.source}/{perf.style}/{perf.register}"] = perf.render()
    return out


_FC = third_octave_centres()
_PEAKS = np.array([peak_gain_db(_FC, f, 6.0) / 6.0 for f in np.geomspace(400, 3000, 15)])


def eq_free(d: np.ndarray) -> float:
    """RMS of a band difference after the best level and peak-EQ correction are taken out."""
    dc = d - d.mean()
    best = float(np.mean(dc**2))
    for s in _PEAKS:
        sc = s - s.mean()
        g = np.clip(np.sum(dc * sc) / np.sum(sc**2), -12, 12)
        best = min(best, float(np.mean((dc - g * sc) ** 2)))
    return float(np.sqrt(best))


# (query, candidate, the candidates' performance) → distance
Method = Callable[[Features, Features, str], float]
METHODS: dict[str, Method] = {
    # the matcher's loss before the rig metric: spectral + harmonic + ½ envelope + ½ brightness
    "four_part": lambda q, c, _: (spectral_loss(c.bands_db, q.bands_db) + harmonic_loss(c, q)
                                  + 0.5 * envelope_loss(c, q) + 0.5 * brightness_loss(c, q)),
    "ltas": lambda q, c, _: spectral_loss(c.bands_db, q.bands_db),
    "ltas_eq_free": lambda q, c, _: eq_free(q.bands_db - c.bands_db),
    "rig_metric": lambda q, c, _: load_metric().distance(describe(c), describe(q)),
}


def conditioned_method(perfs: dict[str, np.ndarray], jobs: int) -> Method:
    """The rig metric conditioned on the candidates' performance (the DI), as the matcher
    uses it."""
    metrics = {name: metric_for_di(x, jobs)[0].rig for name, x in perfs.items()}
    return lambda q, c, di: metrics[di].distance(describe(c), describe(q))


def evaluate(rigs: list[RigSpec], cands: dict[tuple[int, str], list[Features]],
             queries: dict[tuple[int, str], Features], names: list[str],
             method: Method) -> dict[str, float]:
    """Identification rates of one method over every (query, other performance) pair."""
    hits = dict.fromkeys(("amp_top1", "amp_top3", "voicing_top1", "cab_top1",
                          "pedal_presence", "rig_top1"), 0)
    ranks = []
    for (i, p), q in queries.items():
        truth = rigs[i]
        for other in names:
            if other == p:
                continue
            scores = np.array([min(method(q, c, other) for c in cands[j, other])
                               for j in range(len(rigs))])
            order = np.argsort(scores, kind="stable")
            top = [rigs[j] for j in order[:3]]
            hits["rig_top1"] += top[0] == truth
            hits["amp_top1"] += top[0].amp == truth.amp
            hits["amp_top3"] += any(t.amp == truth.amp for t in top)
            hits["voicing_top1"] += voicing_of(top[0].amp) == voicing_of(truth.amp)
            hits["cab_top1"] += top[0].ir == truth.ir
            hits["pedal_presence"] += (top[0].pedal is None) == (truth.pedal is None)
            ranks.append(int(np.flatnonzero(order == i)[0]) + 1)
    out: dict[str, float] = {k: round(100.0 * v / len(ranks), 1) for k, v in hits.items()}
    out["median_rank"] = float(np.median(ranks))
    out["queries"] = len(ranks)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=sorted(SOURCES), default="dev")
    parser.add_argument("--rigs", type=int, default=30)
    parser.add_argument("--performances", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    args = parse_guarded(parser, argv)
    t0 = time.perf_counter()
    seed = SEEDS[args.split]
    rigs = random_rigs(args.rigs, seed)
    perfs = performances(args.split, seed, args.performances)
    names = list(perfs)
    rng = np.random.default_rng([seed, 5])
    post = {(i, p): replace(reference_params(rng), input_gain_db=float(rng.uniform(-4, 4)))
            for i in range(len(rigs)) for p in names}

    def work(item: tuple[int, str]) -> tuple[list[Features], Features]:
        i, p = item
        cands = [analyse(render_rig(rigs[i].rig(RigParams(input_gain_db=g)), perfs[p])
                         .mean(axis=0)) for g in GAINS_DB]
        query = render_rig(rigs[i].rig(post[item]), perfs[p]).mean(axis=0)
        return cands, analyse(query)

    items = [(i, p) for i in range(len(rigs)) for p in names]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        done = dict(zip(items, pool.map(work, items), strict=True))
    cands = {k: v[0] for k, v in done.items()}
    queries = {k: v[1] for k, v in done.items()}
    methods = {**METHODS, "rig_metric_di": conditioned_method(perfs, args.jobs)}
    table = {name: evaluate(rigs, cands, queries, names, m) for name, m in methods.items()}
    cols = ["amp_top1", "amp_top3", "voicing_top1", "cab_top1", "pedal_presence", "rig_top1",
            "median_rank"]
    print(f"rig retrieval, {args.split}: {len(rigs)} rigs × {len(names)} performances "
          f"({', '.join(names)})")
    print("| method | " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for name, row in table.items():
        print(f"| {name} | " + " | ".join(str(row[c]) for c in cols) + " |")
    if not args.allow_dirty:
        result = {**provenance(), "split": args.split, "rigs": [r.__dict__ for r in rigs],
                  "performances": names, "seed": seed,
                  "seconds": round(time.perf_counter() - t0, 1), "methods": table}
        out = RESULTS / f"rig_retrieval_{args.split}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
