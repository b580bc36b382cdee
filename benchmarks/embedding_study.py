"""Would a learned, content-invariant embedding hear the rig better than the rig metric?

The identification issue's last direction: an embedding learned with torch from renders of
many random rigs and performances, such that one rig with two performances comes out closer
than two rigs with one performance (`tonematch.rig_embedding`, trained by
`tonematch.library.rig_embedding_build` on the dev guitars only, with some gear left out of
training: two amp voicings, four pedals, three cabinets, as a user's own NAM folder holds gear
the embedding never heard). This trains it and scores it on the rig-retrieval benchmark's sets
(`rig_retrieval.py`: 30 rigs × 5 performances, every query against the rigs rendered with
each *other* performance) beside the rig metric conditioned on the DI, which the matcher
uses, and the two added (each divided by its median over all query × candidate pairs), on
the same renders; queries are also split by whether their rig holds gear training never heard.

    python benchmarks/embedding_study.py            # writes results/embedding_study.json
    python benchmarks/embedding_study.py --model-out tonematch/data/rig_embedding.npz
    python benchmarks/embedding_study.py --rigs 1200 --hard 0.5 \
        --out benchmarks/results/embedding_study_hard.json     # batches with the confusers
    python benchmarks/embedding_study.py --guitar-eq 6 \
        --out benchmarks/results/embedding_study_guitar_eq.json  # other "guitars" before the rig
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from _cases import voicing_of
from _provenance import parse_guarded, provenance
from rig_retrieval import (
    GAINS_DB,
    SEEDS,
    RigSpec,
    conditioned_method,
    evaluate,
    performances,
    random_rigs,
)

from tonematch.analysis import analyse
from tonematch.library.rig_embedding_build import (
    TRAIN_SOURCES,
    UNSEEN_IRS,
    UNSEEN_PEDALS,
    UNSEEN_VOICINGS,
    Embedder,
    add_arguments,
    build,
    save,
)
from tonematch.library.rig_metric_build import reference_params
from tonematch.render import render_rig
from tonematch.rig import RigParams
from tonematch.rig_embedding import frames_rel_db, signal_frames

RESULTS = Path(__file__).resolve().parent / "results"
CACHE = Path(__file__).resolve().parent / ".cache" / "embedding_study"


def features(x: np.ndarray) -> np.ndarray:
    """The embedding's input for a rendered signal (frames × bands)."""
    return frames_rel_db(signal_frames(x))


def seen(spec: RigSpec) -> bool:
    """Whether every part of the rig was heard in training."""
    return (voicing_of(spec.amp) not in UNSEEN_VOICINGS and spec.pedal not in UNSEEN_PEDALS
            and spec.ir not in UNSEEN_IRS)


def embed(model: Embedder, x: np.ndarray) -> np.ndarray:
    """The embedding of one excerpt's frames."""
    with torch.no_grad():
        return model(torch.from_numpy(x[None])).numpy()[0]


# ---------------------------------------------------------------- scoring on the retrieval sets


def retrieval_set(split: str, jobs: int) -> dict:
    """The rig-retrieval benchmark's renders (same rigs, performances and post-FX), as the
    rig metric and the embedding see them; cached."""
    path = CACHE / f"retrieval_{split}.npz"
    seed = SEEDS[split]
    rigs = random_rigs(30, seed)
    perfs = performances(split, seed, 5)
    names = list(perfs)
    if path.exists():
        return {"rigs": rigs, "perfs": perfs, "names": names,
                **np.load(path, allow_pickle=True)["data"].item()}
    rng = np.random.default_rng([seed, 5])
    post = {(i, p): replace(reference_params(rng), input_gain_db=float(rng.uniform(-4, 4)))
            for i in range(len(rigs)) for p in names}

    def work(item: tuple[int, str]) -> tuple:
        i, p = item
        cands = [render_rig(rigs[i].rig(RigParams(input_gain_db=g)), perfs[p]).mean(axis=0)
                 for g in GAINS_DB]
        query = render_rig(rigs[i].rig(post[item]), perfs[p]).mean(axis=0)
        return ([analyse(c) for c in cands], [features(c) for c in cands],
                analyse(query), features(query))

    items = [(i, p) for i in range(len(rigs)) for p in names]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        done = dict(zip(items, pool.map(work, items), strict=True))
    data = {"done": done}
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, data=np.array(data, dtype=object))
    return {"rigs": rigs, "perfs": perfs, "names": names, **data}


def score(split: str, model: Embedder, jobs: int) -> dict:
    """Retrieval rates of the rig metric (conditioned on the DI), the embedding and both."""
    s = retrieval_set(split, jobs)
    rigs, names, done = s["rigs"], s["names"], s["done"]
    emb = {k: ([embed(model, f) for f in v[1]], embed(model, v[3])) for k, v in done.items()}
    cands = {k: list(zip(v[0], emb[k][0], strict=True)) for k, v in done.items()}
    queries = {k: (v[2], emb[k][1]) for k, v in done.items()}
    rig_di = conditioned_method(s["perfs"], jobs)

    def emb_d(q: tuple, c: tuple) -> float:
        return float(1.0 - q[1] @ c[1])

    # scales for adding the two: medians over every query × candidate pair (no labels used)
    pairs = [(q, c, o) for (i, p), q in queries.items() for o in names if o != p
             for j in range(len(rigs)) for c in cands[j, o][1:2]]
    scale_rig = float(np.median([rig_di(q[0], c[0], o) for q, c, o in pairs]))
    scale_emb = float(np.median([emb_d(q, c) for q, c, _ in pairs]))
    methods = {
        "rig_metric_di": lambda q, c, o: rig_di(q[0], c[0], o),
        "embedding": lambda q, c, _: emb_d(q, c),
        "rig_metric_di+embedding": lambda q, c, o: (rig_di(q[0], c[0], o) / scale_rig
                                                    + emb_d(q, c) / scale_emb),
    }
    out = {}
    for subset, keep in (("all", lambda i: True), ("seen_gear", lambda i: seen(rigs[i])),
                         ("unseen_gear", lambda i: not seen(rigs[i]))):
        qs = {k: v for k, v in queries.items() if keep(k[0])}
        out[subset] = {name: evaluate(rigs, cands, qs, names, m) for name, m in methods.items()}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    parser.add_argument("--model-out", type=Path,
                        help="also write the trained network (as tonematch/data/rig_embedding.npz)")
    parser.add_argument("--out", type=Path, default=RESULTS / "embedding_study.json",
                        help="results JSON (default: results/embedding_study.json)")
    args = parse_guarded(parser, argv)
    t0 = time.perf_counter()
    settings = {k: v for k, v in vars(args).items()
                if k not in ("model_out", "allow_dirty", "out")}
    kind = "families" if args.hard > 0 else "random"
    if args.guitar_eq > 0:
        kind += f"_guitar{args.guitar_eq:g}"
    model = build(args, CACHE / f"train_{args.rigs}x{args.performances}x{args.per_rig}_{kind}.npz")
    if args.model_out:
        save(model, args.model_out, settings)
    cols = ["amp_top1", "amp_top3", "voicing_top1", "cab_top1", "pedal_presence", "rig_top1",
            "median_rank", "queries"]
    table = {}
    for split in ("dev", "heldout"):
        print(f"scoring on the {split} retrieval set", flush=True)
        table[split] = score(split, model, args.jobs)
        for subset, rows in table[split].items():
            print(f"\n{split}, {subset} queries\n| method | " + " | ".join(cols) + " |")
            print("|---|" + "---:|" * len(cols))
            for name, row in rows.items():
                print(f"| {name} | " + " | ".join(str(row[c]) for c in cols) + " |")
    if not args.allow_dirty:
        result = {**provenance(), "settings": settings, "train_sources": list(TRAIN_SOURCES),
                  "unseen": {"voicings": UNSEEN_VOICINGS, "pedals": UNSEEN_PEDALS,
                             "irs": UNSEEN_IRS},
                  "seconds": round(time.perf_counter() - t0, 1), "results": table}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
