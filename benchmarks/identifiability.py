"""Can the matcher's comparison tell these rigs apart at all? A ceiling for identification.

The quality benchmark scores the matcher's pick of pedal, amp and cabinet against the hidden
rig. This one asks how well the comparison the matcher uses could do if the search were perfect
and everything but one attribute were already right. For each in-library case of
`match_quality.py` (same seeds, same DI, same hidden rig with its delay and reverb off, since
identification is of the rig), the hidden rig and every rig of the *other class* for one
attribute play the DI:

    pedal     presence flipped: the hidden rig without its pedal, or with each bundled pedal
    voicing   each bundled amp of another voicing, same pedal, cabinet and settings
    amp       each other capture of the hidden amp's voicing (another gain knob)
    cabinet   each other bundled IR, everything else the same

(confusers other than cabinets at every input gain of GAINS_DB). The hidden rig also plays
PERFORMANCES other performances: the case's reference performance and those of later cases of
the split. Each performance through the hidden rig is a reference; the attribute is **lost** on
it when some confuser's DI render is closer to it than the hidden rig's own DI render, in the
matcher's gear distance: the rig distance (the metric fitted to this DI,
`tonematch.di_conditioning`; 1.0 = another performance through one rig) plus the learned rig
embedding's, weighted as the grid ranks (`LossParts.identity`); `--distance rig` scores the rig
distance alone, as the study did before the embedding. Confusers change one attribute only, so
the losses are a lower bound and the ceiling an upper bound: a search with every knob free does
no better.

Reported per attribute: the ceiling (share of case × performance pairs not lost), the median
distance from the hidden rig to its nearest confuser on the DI (against the median performance
distance), and how close that confuser sounds, in measures that know nothing of the matcher:
MR-STFT and 1/3-octave error (`_metrics.py`) between its render and the hidden rig's.

    python benchmarks/identifiability.py --split dev        # results/identifiability_dev.json
    python benchmarks/identifiability.py --split heldout
    python benchmarks/identifiability.py --split dev --allow-dirty --descriptors /tmp/d.json
        # also every descriptor compared: score another comparison of them without rendering
        # (`lost_on_references` with its own metric; embeddings kept too)
    python benchmarks/identifiability.py --split dev --allow-dirty --audio /tmp/renders
        # also every render, to compute another descriptor from them
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from _cases import SPLITS, bundled, library_rig_json, make_case, render_rig_json, voicing_of
from _metrics import mrstft_db, spectral_error_db
from _provenance import parse_guarded, provenance

from tonematch.analysis import Features, analyse
from tonematch.di_conditioning import metric_for_di
from tonematch.loss import EMBEDDING_WEIGHT
from tonematch.matcher import spread_excerpt
from tonematch.rig_embedding import distance as embedding_distance
from tonematch.rig_metric import RigMetric, describe

RESULTS = Path(__file__).resolve().parent / "results"
EXCERPT_S = 8.0  # DI seconds every rig plays (the normal budget's grid excerpt)
GAINS_DB = (-12.0, -8.0, -4.0, 0.0, 4.0, 8.0, 12.0)  # input gains a confuser may take
ATTRIBUTES = ("pedal", "voicing", "amp", "cabinet")
PERFORMANCES = 4  # references per case: its own and those of later cases
OTHER_CASE_STRIDE = 100  # later cases' indices: index + k × stride (far past the reported ones)


@dataclass(frozen=True)
class Alt:
    """One confuser: the hidden rig with one attribute (and the input gain) changed."""

    pedal: str | None
    amp: str
    ir: str
    gain_db: float

    def label(self) -> str:
        return f"{self.pedal or 'no pedal'} → {self.amp} → {self.ir} @ {self.gain_db:+.0f} dB"


def confusers(attribute: str, pedal: str | None, amp: str, ir: str,
              gain_db: float) -> list[Alt]:
    """The rigs of the other class for one attribute of the hidden rig (at input gain_db)."""
    lib = bundled()
    if attribute == "pedal":
        fronts = [None] if pedal else list(lib.pedals)
        return [Alt(p, amp, ir, g) for p in fronts for g in GAINS_DB]
    if attribute == "voicing":
        return [Alt(pedal, a, ir, g) for a in lib.amps if voicing_of(a) != voicing_of(amp)
                for g in GAINS_DB]
    if attribute == "amp":
        return [Alt(pedal, a, ir, g) for a in lib.amps
                if a != amp and voicing_of(a) == voicing_of(amp) for g in GAINS_DB]
    return [Alt(pedal, amp, i, gain_db) for i in lib.irs if i != ir]


@dataclass(frozen=True)
class Heard:
    """Renders as the comparison sees them: rig descriptors, one row each, and their learned
    rig embeddings (None when the distance is the rig distance alone)."""

    descriptors: np.ndarray
    embeddings: np.ndarray | None

    @classmethod
    def of(cls, features: list[Features], with_embedding: bool) -> Heard:
        """The descriptors (and embeddings) of analysed renders."""
        return cls(np.array([describe(f) for f in features]),
                   np.array([f.embedding for f in features]) if with_embedding else None)

    def row(self, k: int) -> Heard:
        """One render of several."""
        return Heard(self.descriptors[k : k + 1],
                     None if self.embeddings is None else self.embeddings[k : k + 1])


def gear_distances(metric: RigMetric, heard: Heard, to: Heard,
                   weight: float = EMBEDDING_WEIGHT) -> np.ndarray:
    """Each of `heard` from the single render `to`: the rig distance, plus the embedding's
    times `weight` (as the grid ranks, by default) where both carry embeddings."""
    d = metric.distances(heard.descriptors, to.descriptors[0])
    if heard.embeddings is not None and to.embeddings is not None:
        d = d + weight * np.array([embedding_distance(e, to.embeddings[0])
                                   for e in heard.embeddings])
    return d


def lost_on_references(metric: RigMetric, truth: Heard, references: Heard,
                       confusers: Heard, weight: float = EMBEDDING_WEIGHT) -> list[bool]:
    """Per reference: does the closest confuser beat the hidden rig's own DI render?

    Also what to call on a `--descriptors` file with another metric (`RigMetric(precision)`),
    or, with `embedding_ceiling.py`, with another embedding or weight."""
    own = gear_distances(metric, references, truth, weight)
    return [bool(gear_distances(metric, confusers, references.row(k), weight).min() < o)
            for k, o in enumerate(own)]


def reference_performances(split: str, index: int) -> list[np.ndarray]:
    """The case's reference performance and those of later cases (never among the reported)."""
    return [make_case(split, "library", index + k * OTHER_CASE_STRIDE).ref.render()
            .astype(np.float32) for k in range(PERFORMANCES)]


def measure_case(split: str, index: int, jobs: int, audio: Path | None = None,
                 with_embedding: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    """One case: per attribute, how often a confuser beats the hidden rig, and the nearest;
    and every descriptor it compared, with the metric (for re-scoring other comparisons).
    With `audio`, every render is also written there (`<case>.npz`, float32, keys `di`,
    `truth`, `ref0`…, one confusers × samples array per attribute), for trying another
    descriptor on the same renders without rendering again."""
    case = make_case(split, "library", index)
    di = spread_excerpt(case.di.render().astype(np.float32), EXCERPT_S)
    rig_json = copy.deepcopy(case.hidden.rig_json)
    params = dict(rig_json["params"], reverb_wet=0.0, delay_mix=0.0)
    hidden = rig_json["rig"]
    pedal, amp, ir = hidden["fx_nam"] or None, hidden["amp_nam"], hidden["ir"]
    metric = metric_for_di(di, jobs)[0].rig

    def render(alt: Alt | None, x: np.ndarray) -> np.ndarray:
        if alt is None:
            return render_rig_json(library_rig_json(pedal, amp, ir, params), x)
        return render_rig_json(library_rig_json(alt.pedal, alt.amp, alt.ir,
                                                dict(params, input_gain_db=alt.gain_db)), x)

    truth_di = render(None, di)
    truth = Heard.of([analyse(truth_di, with_embedding)], with_embedding)
    ref_audio = [render(None, x) for x in reference_performances(split, index)]
    refs = Heard.of([analyse(y, with_embedding) for y in ref_audio], with_embedding)
    signals: dict[str, np.ndarray] = {"di": di, "truth": truth_di} | {
        f"ref{k}": y for k, y in enumerate(ref_audio)}
    own = gear_distances(metric, refs, truth)  # the hidden rig against each reference
    row: dict[str, Any] = {"case": case.name,
                           "hidden": {"pedal": pedal, "amp": amp, "ir": ir,
                                      "input_gain_db": params["input_gain_db"]},
                           "performance_distances": [round(float(d), 4) for d in own]}
    kept: dict[str, Any] = {"case": case.name, "precision": metric.precision.tolist(),
                            "truth": _listed(truth), "references": _listed(refs)}
    for attribute in ATTRIBUTES:
        alts = confusers(attribute, pedal, amp, ir, params["input_gain_db"])

        def score(alt: Alt) -> tuple[Features, float, float, np.ndarray | None]:
            y = render(alt, di)
            return (analyse(y, with_embedding), mrstft_db(y, truth_di),
                    spectral_error_db(y, truth_di), y if audio else None)

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(score, alts))
        scored = [r[:3] for r in results]
        if audio:
            signals[attribute] = np.array([r[3] for r in results], dtype=np.float32)
        desc = Heard.of([f for f, _, _ in scored], with_embedding)
        kept[attribute] = {"confusers": [[a.pedal, a.amp, a.ir, a.gain_db] for a in alts],
                           **_listed(desc)}
        to_truth = gear_distances(metric, desc, truth)
        near, near_audio = int(np.argmin(to_truth)), int(np.argmin([m for _, m, _ in scored]))
        row[attribute] = {
            "confusers": len(alts),
            "lost": lost_on_references(metric, truth, refs, desc),
            "nearest": alts[near].label(),
            "nearest_distance": round(float(to_truth[near]), 4),
            "nearest_audio": alts[near_audio].label(),
            "nearest_mrstft_db": round(scored[near_audio][1], 3),
            "nearest_audio_third_octave_db": round(scored[near_audio][2], 3),
        }
    if audio:
        # float32: the cabinets' top bands sit 60–100 dB under the playing, and a float16
        # copy's rounding noise fills them (it changes the band spectrum by up to 20 dB).
        audio.mkdir(parents=True, exist_ok=True)
        np.savez(audio / f"{case.name}.npz",
                 **{k: np.asarray(v, dtype=np.float32) for k, v in signals.items()})
    return row, kept


def _listed(heard: Heard) -> dict[str, Any]:
    # For the --descriptors file: rounded, as JSON lists.
    out: dict[str, Any] = {"descriptors": heard.descriptors.round(4).tolist()}
    if heard.embeddings is not None:
        out["embeddings"] = heard.embeddings.round(5).tolist()
    return out


def summarise(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per attribute: the ceiling and the median distances."""
    def median(values: list[float]) -> float:
        return round(float(np.median(values)), 3)

    out: dict[str, dict[str, float]] = {}
    for a in ATTRIBUTES:
        lost = [x for r in rows for x in r[a]["lost"]]
        out[a] = {"ceiling_pct": round(100.0 * (1 - sum(lost) / len(lost)), 1),
                  "cases_never_lost": sum(not any(r[a]["lost"]) for r in rows),
                  "median_nearest_distance": median([r[a]["nearest_distance"] for r in rows]),
                  "median_nearest_mrstft_db": median([r[a]["nearest_mrstft_db"] for r in rows]),
                  "median_nearest_third_octave_db": median(
                      [r[a]["nearest_audio_third_octave_db"] for r in rows]),
                  "pairs": len(lost)}
    out["performance"] = {"median_distance": median(
        [d for r in rows for d in r["performance_distances"]])}
    return out


def markdown(summary: dict[str, dict[str, float]], split: str, cases: int) -> str:
    """The summary as a Markdown table."""
    lines = [f"identifiability, {split}, {cases} cases × {PERFORMANCES} performances; "
             "the hidden rig across performances: median distance "
             f"{summary['performance']['median_distance']}",
             "| attribute | ceiling | cases never lost | nearest confuser: distance | "
             "MR-STFT dB | 1/3-oct dB |", "|---|---:|---:|---:|---:|---:|"]
    for a in ATTRIBUTES:
        s = summary[a]
        lines.append(f"| {a} | {s['ceiling_pct']} % | {s['cases_never_lost']} | "
                     f"{s['median_nearest_distance']} | {s['median_nearest_mrstft_db']} | "
                     f"{s['median_nearest_third_octave_db']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=tuple(SPLITS), default="dev")
    parser.add_argument("--cases", type=int, default=16,
                        help="in-library cases (default 16: those match_quality.py reports)")
    parser.add_argument("--start", type=int, default=0, help="first case index (default 0)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--distance", choices=("gear", "rig"), default="gear",
                        help="gear: the rig distance plus the learned embedding's, as the grid "
                        "ranks (default); rig: the rig distance alone (results file "
                        "identifiability_<split>_rig_distance.json)")
    parser.add_argument("--descriptors", type=Path, metavar="JSON",
                        help="also write every descriptor compared (the hidden rig on the DI, its "
                        "references, each confuser) and each case's metric, so that another "
                        "comparison of the same descriptors can be scored without rendering")
    parser.add_argument("--audio", type=Path, metavar="DIR",
                        help="also write every render (float32 .npz per case, about 0.5 GB "
                        "each) to try other descriptors on them without rendering")
    args = parse_guarded(parser, argv)
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    descriptors: list[dict[str, Any]] = []
    for k, i in enumerate(range(args.start, args.start + args.cases)):
        row, kept = measure_case(args.split, i, args.jobs, args.audio,
                                 args.distance == "gear")
        rows.append(row)
        descriptors.append(kept)
        print(f"[{k + 1}/{args.cases}] {row['case']}: lost on "
              + ", ".join(f"{a} {sum(row[a]['lost'])}/{PERFORMANCES}" for a in ATTRIBUTES)
              + " references", flush=True)
    summary = summarise(rows)
    print(markdown(summary, args.split, len(rows)))
    if not args.allow_dirty:
        result = {**provenance(), "split": args.split, "start": args.start,
                  "distance": args.distance,
                  "embedding_weight": EMBEDDING_WEIGHT if args.distance == "gear" else 0.0,
                  "gains_db": list(GAINS_DB), "excerpt_s": EXCERPT_S,
                  "performances": PERFORMANCES,
                  "seconds": round(time.perf_counter() - t0, 1), "summary": summary,
                  "rows": rows}
        suffix = "" if args.distance == "gear" else "_rig_distance"
        out = RESULTS / f"identifiability_{args.split}{suffix}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if args.descriptors:
        args.descriptors.write_text(json.dumps({"split": args.split, "attributes": ATTRIBUTES,
                                                "cases": descriptors}) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
