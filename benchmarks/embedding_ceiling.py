"""The identifiability ceiling of another rig embedding, or another weight, on saved renders.

`identifiability.py --audio DIR --descriptors FILE` keeps every render it compared, every rig
descriptor and each case's DI-fitted rig metric. This script embeds those renders again with
the network in `--embedding` (default: the shipped one) and asks the identifiability question
with the gear distance (rig distance + `--weight` × embedding distance): a newly trained
network is checked against every one-attribute confuser in minutes, before any match. With the
shipped network and weight it gives `identifiability.py`'s ceilings (the descriptors in the
file are rounded to 4 decimals, which can flip a near tie).

    python benchmarks/identifiability.py --split dev --allow-dirty --audio /tmp/r \
        --descriptors /tmp/d.json
    python benchmarks/embedding_ceiling.py --audio /tmp/r --descriptors /tmp/d.json
    python benchmarks/embedding_ceiling.py --audio /tmp/r --descriptors /tmp/d.json \\
        --embedding /tmp/candidate.npz --out /tmp/candidate_ceiling.json
    python benchmarks/embedding_ceiling.py --audio /tmp/r --descriptors /tmp/d.json \\
        --gain-window 2      # confusers at the input gain nearest the hidden rig's only
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from _provenance import provenance
from identifiability import Heard, lost_on_references

from tonematch.loss import EMBEDDING_WEIGHT
from tonematch.rig_embedding import EMBEDDING_FILE, RigEmbedder, load_embedder
from tonematch.rig_metric import RigMetric


def hidden_gain_db(case: dict[str, Any]) -> float:
    """The hidden rig's input gain: every cabinet confuser keeps it."""
    return float(case["cabinet"]["confusers"][0][3])


def near_gain(case: dict[str, Any], attribute: str, window_db: float | None) -> np.ndarray:
    """Indices of the attribute's confusers whose input gain lies within window_db of the
    hidden rig's (all of them when None)."""
    confusers = case[attribute]["confusers"]
    if window_db is None:
        return np.arange(len(confusers))
    gain = hidden_gain_db(case)
    return np.array([k for k, c in enumerate(confusers) if abs(c[3] - gain) <= window_db],
                    dtype=int)


def case_lost(case: dict[str, Any], renders: Path, embedder: RigEmbedder,
              attributes: list[str], weight: float,
              gain_window_db: float | None = None) -> dict[str, list[bool]]:
    """One case: per attribute, which references some confuser wins (with `gain_window_db`,
    only confusers within that many dB of the hidden rig's input gain compete)."""
    path = renders / f"{case['case']}.npz"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no renders for case {case['case']} (run "
                                "identifiability.py --audio with the same split and cases)")
    with np.load(path) as audio:
        def heard(descriptors: list[list[float]], signals: Any) -> Heard:
            return Heard(np.asarray(descriptors, dtype=np.float64),
                         np.array([embedder.of_signal(np.asarray(y)) for y in signals]))

        n_refs = len(case["references"]["descriptors"])
        truth = heard(case["truth"]["descriptors"], [audio["truth"]])
        refs = heard(case["references"]["descriptors"], [audio[f"ref{k}"] for k in range(n_refs)])
        metric = RigMetric(np.asarray(case["precision"], dtype=np.float64))
        out = {}
        for a in attributes:
            keep = near_gain(case, a, gain_window_db)
            if len(keep) == 0:  # nothing competes within the window
                out[a] = [False] * n_refs
                continue
            confusers = heard(np.asarray(case[a]["descriptors"])[keep], audio[a][keep])
            out[a] = lost_on_references(metric, truth, refs, confusers, weight)
        return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--audio", type=Path, required=True,
                        help="the folder `identifiability.py --audio` wrote")
    parser.add_argument("--descriptors", type=Path, required=True,
                        help="the file `identifiability.py --descriptors` wrote on the same run")
    parser.add_argument("--embedding", type=Path, default=EMBEDDING_FILE,
                        help="the network's weights (.npz as the build writes it; default: the "
                        "shipped one)")
    parser.add_argument("--weight", type=float, default=EMBEDDING_WEIGHT,
                        help=f"embedding distance weight (default {EMBEDDING_WEIGHT}, as the "
                        "grid ranks)")
    parser.add_argument("--gain-window", type=float, metavar="DB",
                        help="only confusers whose input gain lies within DB of the hidden "
                        "rig's compete (what knowing the input gain would be worth)")
    parser.add_argument("--out", type=Path, help="also write the ceilings here (JSON)")
    args = parser.parse_args(argv)
    try:
        data = json.loads(args.descriptors.read_text(encoding="utf-8"))
        cases, attributes = data["cases"], list(data["attributes"])
        embedder = load_embedder(args.embedding)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    lost: dict[str, list[bool]] = {a: [] for a in attributes}
    for k, case in enumerate(cases):
        try:
            found = case_lost(case, args.audio, embedder, attributes, args.weight,
                              args.gain_window)
        except (OSError, KeyError, zipfile.BadZipFile) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        for a in attributes:
            lost[a] += found[a]
        print(f"[{k + 1}/{len(cases)}] {case['case']}: lost on "
              + ", ".join(f"{a} {sum(found[a])}/{len(found[a])}" for a in attributes), flush=True)
    ceilings = {a: round(100.0 * (1 - sum(v) / len(v)), 1) for a, v in lost.items()}
    window = "" if args.gain_window is None else f", confusers within {args.gain_window:g} dB"
    print(f"embedding {args.embedding}, weight {args.weight:g}, split {data.get('split')}, "
          f"{len(cases)} cases{window}")
    print("| attribute | ceiling |\n|---|---:|")
    for a, c in ceilings.items():
        print(f"| {a} | {c} % |")
    if args.out:
        args.out.write_text(json.dumps({
            **provenance(), "split": data.get("split"), "embedding": str(args.embedding),
            "weight": args.weight, "gain_window_db": args.gain_window, "cases": len(cases),
            "ceiling_pct": ceilings,
            "seconds": round(time.perf_counter() - t0, 1)}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
