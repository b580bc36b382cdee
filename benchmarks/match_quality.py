"""How close the matcher gets to a hidden rig, against simple baselines.

What it measures
    Each case is a DI performance and a reference made from a *different* performance (other
    seed, tempo and length) through a hidden rig (`_cases.py`): a bundled pedal/amp/IR with
    random post-FX (library cases), or a chain no library entry reproduces (outside cases: the
    amp simulation at off-catalog settings or a pedalboard distortion chain, into a cabinet IR
    that is not in the IR library). The matcher (`tonematch.matcher.match`, bundled library,
    fixed seed) sees only the DI and the reference. Its rig renders the DI; that render is
    compared with the DI rendered through the hidden rig (`_metrics.py`): 1/3-octave spectral
    error, multi-resolution STFT distance and dynamics error, all level-independent. For library
    cases it also records whether the hidden amp was the matched amp (top-1) or among the rig
    and its two alternatives (top-3), and the same for the amp's voicing (captures of one
    voicing at different gains share it, e.g. amp_british_crunch_g5 and _g7).

Baselines, scored the same way
    raw DI (level-matched); a random library rig (seeded, neutral post-FX); the oracle (the
    hidden rig rendered again; library cases only); match EQ (the 1/6-octave-smoothed long-term
    spectrum difference between reference and DI, limited to ±24 dB, applied to the DI as a
    linear-phase FIR, as EQ-matching tools do). `ref_floor` is the reference itself scored
    against the target: how far a different performance's long-term spectrum is from the
    target's, a floor for any note-independent matcher.

Targets
    library cases: amp in top 3 >= 90 %, median spectral error <= 1.5 dB; outside cases: median
    spectral error <= 2.5 dB; the matcher's median beats match EQ's on spectrum, MR-STFT and
    dynamics.

How to run
    python benchmarks/match_quality.py                    # 16 cases, budget normal
    python benchmarks/match_quality.py --cases 4 --budget fast
Results: benchmarks/results/match_quality.json (rows written after every case) and a Markdown
summary on stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from _cases import (
    IRS,
    MODELS,
    RATE,
    Case,
    make_cases,
    random_rig_json,
    render_reference,
    render_rig_json,
    voicing_of,
)
from _metrics import match_eq, score, spectral_error_db

DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "match_quality.json"
METHODS = ("matcher", "match_eq", "raw_di", "random_rig", "oracle", "ref_floor")
METRICS = ("spectral_err_db", "mrstft_db", "dynamics_err_db")
COMPARED = ("spectral_err_db", "mrstft_db", "dynamics_err_db")
TARGETS = {"library_amp_top3": 0.90, "library_spectral_db": 1.5, "outside_spectral_db": 2.5}


def split_cases(total: int) -> tuple[int, int]:
    """Library and outside case counts for a total (5 : 3, at least one outside when > 1)."""
    outside = 0 if total < 2 else max(1, round(total * 3 / 8))
    return total - outside, outside


def write_wav(path: Path, x: np.ndarray) -> Path:
    """Mono float WAV at 48 kHz."""
    sf.write(path, np.asarray(x, dtype=np.float32), RATE, subtype="FLOAT")
    return path


def run_matcher(di_path: Path, ref_path: Path, budget: str, seed: int,
                jobs: int) -> tuple[dict[str, Any], Any, float]:
    """The matcher's rig (as JSON and as a Rig) and its wall time."""
    from tonematch.matcher import MatchOptions, match

    options = MatchOptions([MODELS], [IRS], budget, seed, jobs)
    start = time.perf_counter()
    rig, _ = match(di_path, ref_path, options)
    return rig.to_dict(), rig, time.perf_counter() - start


def loss_diagnosis(hidden_json: dict[str, Any], matched_json: dict[str, Any], di: np.ndarray,
                   ref: np.ndarray, budget: str) -> dict[str, Any]:
    """The matcher's own loss for the hidden rig and for its pick, on its verify window.

    hidden < matched means the search missed a better rig; hidden >= matched means the loss
    prefers the wrong rig (or cannot tell them apart).
    """
    from tonematch.analysis import analyse
    from tonematch.audio_io import active_excerpt
    from tonematch.loss import tone_loss
    from tonematch.matcher import BUDGETS, REF_ANALYSIS_S

    window = active_excerpt(np.asarray(di, dtype=np.float32), BUDGETS[budget].verify_s)
    ref_features = analyse(active_excerpt(ref, REF_ANALYSIS_S))
    hidden = tone_loss(analyse(render_rig_json(hidden_json, window)), ref_features)
    matched = matched_json.get("loss")
    return {"hidden_rig_loss": hidden.to_dict(), "matched_loss": matched,
            "matched_loss_components": matched_json.get("loss_components"),
            "verdict": "search" if matched is not None and hidden.total < matched else "loss",
            "sommelier_rank_of_hidden_amp": sommelier_rank(hidden_json["rig"]["amp_nam"], di,
                                                           ref_features, budget)}


def sommelier_rank(amp: str, di: np.ndarray, ref_features: Any, budget: str) -> int | None:
    """Where the sommelier ranks the hidden amp (0 = first; the grid gets the first few)."""
    from tonematch.analysis import analyse, frame_levels_db
    from tonematch.audio_io import spread_excerpt
    from tonematch.grid_search import ir_band_gains
    from tonematch.library_index import load_library, probe_level_db
    from tonematch.matcher import BUDGETS
    from tonematch.sommelier import rank_models

    b = BUDGETS[budget]
    excerpt = spread_excerpt(np.asarray(di, dtype=np.float32), b.excerpt_s)
    offset = float(np.percentile(frame_levels_db(excerpt), 95)) - probe_level_db()
    library = load_library([MODELS], [IRS])
    ir_gains = np.array([10 * np.log10(ir_band_gains(ir.path) + 1e-20) for ir in library.irs])
    ranked = rank_models(library.amps, ref_features, offset, b.gains_db,
                         analyse(excerpt).bands_db, ir_gains)
    names = [r.entry.name for r in ranked]
    return names.index(amp) if amp in names else None


def rig_amps(rig_json: dict[str, Any]) -> list[str]:
    """The matched amp, then the alternatives' amps."""
    amps = [rig_json["rig"]["amp_nam"]]
    amps += [alt["rig"]["amp_nam"] for alt in rig_json.get("alternatives", [])]
    return amps


def identification(hidden_amp: str | None, amps: list[str]) -> dict[str, bool] | None:
    """Top-1/top-3 hits for the amp and for its voicing."""
    if not hidden_amp:
        return None
    voicings = [voicing_of(a) for a in amps]
    return {"amp_top1": amps[:1] == [hidden_amp], "amp_top3": hidden_amp in amps[:3],
            "voicing_top1": voicings[:1] == [voicing_of(hidden_amp)],
            "voicing_top3": voicing_of(hidden_amp) in voicings[:3]}


def outside_voicing_hit(case: Case, amps: list[str]) -> dict[str, bool] | None:
    """For amp-simulation outside cases: did the matcher pick the voicing the chain started from."""
    voicing = case.hidden.description.get("voicing")
    if not voicing:
        return None
    found = [voicing_of(a) for a in amps]
    return {"voicing_top1": found[:1] == [voicing], "voicing_top3": voicing in found[:3]}


def run_case(case: Case, index: int, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Renders, matches and scores one case; returns its JSON row."""
    di = case.di.render()
    ref = render_reference(case)
    target = case.hidden.render(di)
    di_path = write_wav(work / f"{case.name}_di.wav", di)
    ref_path = write_wav(work / f"{case.name}_ref.wav", ref)
    rig_json, rig, seconds = run_matcher(di_path, ref_path, args.budget, args.seed, args.jobs)
    from tonematch.render import render_rig

    matched = np.asarray(render_rig(rig, di), dtype=np.float64).mean(axis=0)
    random_json = random_rig_json(np.random.default_rng([args.seed, 3, index]))
    candidates = {"matcher": matched, "match_eq": match_eq(di, ref), "raw_di": di,
                  "random_rig": render_rig_json(random_json, di)}
    if case.hidden.rig_json is not None:
        candidates["oracle"] = render_rig_json(case.hidden.rig_json, di)
    scores = {name: _rounded(score(x, target)) for name, x in candidates.items()}
    scores["ref_floor"] = {"spectral_err_db": round(spectral_error_db(ref, target), 3)}
    if args.keep_audio:
        _keep_audio(args.keep_audio, case.name, {"di": di, "ref": ref, "target": target,
                                                 **candidates})
    amps = rig_amps(rig_json)
    diagnosis = None
    if case.hidden.rig_json is not None:
        diagnosis = loss_diagnosis(case.hidden.rig_json, rig_json, di, ref, args.budget)
    return {**case.describe(), "scores": scores, "diagnosis": diagnosis,
            "matched": {"rig": rig_json["rig"], "params": rig_json["params"],
                        "loss": rig_json.get("loss"), "alternatives_amps": amps[1:],
                        "loss_components": rig_json.get("loss_components"),
                        "timings_s": rig_json.get("timings_s")},
            "random_rig": random_json["rig"]["amp_nam"],
            "identification": identification(case.hidden.amp, amps),
            "outside_voicing": outside_voicing_hit(case, amps),
            "match_seconds": round(seconds, 2), "budget": args.budget}


def _rounded(d: dict[str, float]) -> dict[str, float]:
    return {k: round(float(v), 3) if isinstance(v, float) else v for k, v in d.items()}


def _keep_audio(folder: Path, name: str, signals: dict[str, np.ndarray]) -> None:
    """Writes every signal of a case for listening (peak-normalised)."""
    folder.mkdir(parents=True, exist_ok=True)
    for key, x in signals.items():
        x = np.asarray(x, dtype=np.float64)
        write_wav(folder / f"{name}_{key}.wav", 0.9 * x / (np.max(np.abs(x)) + 1e-12))


# ----------------------------------------------------------------------------------- summary


def _median(values: list[float]) -> float | None:
    return round(float(np.median(values)), 3) if values else None


def _rate(values: list[bool]) -> float | None:
    return round(float(np.mean(values)), 3) if values else None


def method_medians(rows: list[dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """Median of every metric for every method over the rows."""
    out: dict[str, dict[str, float | None]] = {}
    for method in METHODS:
        keys = ("spectral_err_db",) if method == "ref_floor" else METRICS + (
            "crest_db_err", "spread_90_10_db_err", "spread_90_50_db_err")
        out[method] = {k: _median([r["scores"][method][k] for r in rows
                                   if method in r["scores"]]) for k in keys}
    return out


def identification_rates(rows: list[dict[str, Any]], key: str) -> dict[str, float | None]:
    """Hit rates of the identification flags under `key` over the rows that have them."""
    flags = [r[key] for r in rows if r.get(key)]
    names = flags[0].keys() if flags else []
    return {k: _rate([f[k] for f in flags]) for k in names} | {"cases": len(flags)}


def wins(rows: list[dict[str, Any]], a: str, b: str) -> dict[str, str]:
    """In how many cases method a scores lower than method b, per metric."""
    return {m: f"{sum(r['scores'][a][m] < r['scores'][b][m] for r in rows)}/{len(rows)}"
            for m in COMPARED}


def diagnosis_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Library cases: search vs loss failures and how often the sommelier passed the amp on."""
    from tonematch.matcher import BUDGETS

    diags = [r["diagnosis"] for r in rows if r.get("diagnosis")]
    ranks = [d["sommelier_rank_of_hidden_amp"] for d in diags]
    amps_passed = BUDGETS[rows[0]["budget"]].amps if rows else 0
    return {"search_misses": sum(d["verdict"] == "search" for d in diags),
            "loss_prefers_other": sum(d["verdict"] == "loss" for d in diags),
            "sommelier_ranks": ranks, "amps_passed_to_grid": amps_passed,
            "hidden_amp_reached_grid": sum(r is not None and r < amps_passed for r in ranks),
            "median_hidden_rig_loss": _median([d["hidden_rig_loss"]["total"] for d in diags]),
            "median_matched_loss": _median([d["matched_loss"] for d in diags
                                            if d["matched_loss"] is not None])}


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians per group and method, identification rates and the targets."""
    groups = {"library": [r for r in rows if r["kind"] == "library"],
              "outside": [r for r in rows if r["kind"] == "outside"], "all": rows}
    medians = {g: method_medians(rs) for g, rs in groups.items() if rs}
    ident = identification_rates(groups["library"], "identification")
    checks = []

    def check(name: str, value: float | None, target: float, lower_is_better: bool) -> None:
        ok = value is not None and (value <= target if lower_is_better else value >= target)
        checks.append({"target": name, "value": value, "threshold": target,
                       "pass": bool(ok)})

    if groups["library"]:
        check("library: amp in top 3 >= 90 %", ident.get("amp_top3"), TARGETS["library_amp_top3"],
              False)
        check("library: median spectral error <= 1.5 dB",
              medians["library"]["matcher"]["spectral_err_db"], TARGETS["library_spectral_db"],
              True)
    if groups["outside"]:
        check("outside: median spectral error <= 2.5 dB",
              medians["outside"]["matcher"]["spectral_err_db"], TARGETS["outside_spectral_db"],
              True)
    for m in COMPARED:
        mine, eq = medians["all"]["matcher"][m], medians["all"]["match_eq"][m]
        checks.append({"target": f"matcher beats match EQ: median {m}", "value": mine,
                       "threshold": eq, "pass": bool(mine is not None and eq is not None
                                                     and mine < eq)})
    return {"cases": {g: len(rs) for g, rs in groups.items()}, "medians": medians,
            "identification_library": ident,
            "voicing_outside_amp_sim": identification_rates(groups["outside"],
                                                             "outside_voicing"),
            "matcher_wins_vs_match_eq": wins(rows, "matcher", "match_eq"),
            "median_match_seconds": _median([r["match_seconds"] for r in rows]),
            "library_diagnosis": diagnosis_summary(groups["library"]),
            "targets": checks}


def _fmt(v: float | None, digits: int = 2) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"


def markdown(summary: dict[str, Any]) -> str:
    """The summary as Markdown tables."""
    med = summary["medians"]
    groups = [g for g in ("library", "outside") if g in med]
    head = "| method | " + " | ".join(
        f"{g} spectral dB | {g} MR-STFT dB | {g} dynamics dB" for g in groups) + " |"
    counts = ", ".join(f"{summary['cases'][g]} {g}" for g in groups)
    lines = [f"Median over cases ({counts}); lower is better.", "", head,
             "|---|" + "---:|" * (3 * len(groups))]
    for method in METHODS:
        cells = []
        for g in groups:
            row = med[g][method]
            cells += [_fmt(row.get(m)) for m in METRICS]
        lines.append(f"| {method.replace('_', ' ')} | " + " | ".join(cells) + " |")
    ident = summary["identification_library"]
    if ident.get("cases"):
        lines += ["", "| library identification | top-1 | top-3 |", "|---|---:|---:|",
                  f"| amp | {_pct(ident['amp_top1'])} | {_pct(ident['amp_top3'])} |",
                  f"| voicing | {_pct(ident['voicing_top1'])} | {_pct(ident['voicing_top3'])} |"]
    lines += ["", "| target | value | threshold | result |", "|---|---:|---:|---|"]
    for c in summary["targets"]:
        value = _pct(c["value"]) if "top 3" in c["target"] else _fmt(c["value"])
        threshold = _pct(c["threshold"]) if "top 3" in c["target"] else _fmt(c["threshold"])
        lines.append(f"| {c['target']} | {value} | {threshold} | "
                     f"{'pass' if c['pass'] else '**miss**'} |")
    d = summary.get("library_diagnosis") or {}
    if d.get("sommelier_ranks"):
        lines += ["", f"Library diagnosis: the hidden amp reached the grid (sommelier rank < "
                  f"{d['amps_passed_to_grid']}) in {d['hidden_amp_reached_grid']}/"
                  f"{len(d['sommelier_ranks'])} cases (ranks {d['sommelier_ranks']}); the hidden "
                  f"rig scores lower than the pick on the matcher's own loss in "
                  f"{d['search_misses']} (search misses), higher in {d['loss_prefers_other']}."]
    w = summary["matcher_wins_vs_match_eq"]
    lines += ["", "Matcher better than match EQ in: " + ", ".join(f"{k} {v}"
                                                                    for k, v in w.items())]
    return "\n".join(lines)


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.0f} %"


def case_table(rows: list[dict[str, Any]]) -> str:
    """Per-case Markdown table: hidden rig, matched rig, spectral error by method."""
    lines = ["| case | hidden | matched | matcher spec | EQ spec | matcher MR | EQ MR | "
             "matcher dyn | EQ dyn | s |", "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        h = r["hidden"]
        hidden = (" → ".join(x for x in (h.get("pedal"), h.get("amp"), h.get("ir")) if x)
                  if r["kind"] == "library" else f"{h['chain']} {h.get('voicing', '')}".strip())
        m = r["matched"]["rig"]
        matched = " → ".join(x for x in (m["fx_nam"], m["amp_nam"], m["ir"]) if x)
        s, e = r["scores"]["matcher"], r["scores"]["match_eq"]
        lines.append(f"| {r['name']} | {hidden} | {matched} | {_fmt(s['spectral_err_db'])} | "
                     f"{_fmt(e['spectral_err_db'])} | {_fmt(s['mrstft_db'])} | "
                     f"{_fmt(e['mrstft_db'])} | {_fmt(s['dynamics_err_db'])} | "
                     f"{_fmt(e['dynamics_err_db'])} | {r['match_seconds']:.0f} |")
    return "\n".join(lines)


# -------------------------------------------------------------------------------------- main


def machine(commit: str) -> dict[str, Any]:
    """Where the benchmark ran, and which code."""
    return {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "commit": commit}


def code_version() -> str:
    """The repository's commit, marked '+modified' when the package has local changes."""
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, check=True,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "tonematch", "engine",
                                "bindings"], cwd=root, check=True, capture_output=True,
                               text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+modified" if dirty else "")


def write_results(path: Path, args: argparse.Namespace, rows: list[dict[str, Any]],
                  started: float) -> dict[str, Any]:
    """Writes rows and summary (atomically); returns the summary."""
    summary = summarise(rows)
    data = {"benchmark": "match_quality", "date": dt.datetime.now(dt.timezone.utc).isoformat(
        timespec="seconds"), "machine": machine(args.commit),
        "settings": {"cases": args.cases, "budget": args.budget, "seed": args.seed,
                     "jobs": args.jobs, "library": str(MODELS), "irs": str(IRS)},
        "seconds": round(time.time() - started, 1), "summary": summary, "rows": rows}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    return summary


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=16, help="total cases, 5:3 library:outside "
                   "(default 16 = 10 + 6)")
    p.add_argument("--budget", choices=("fast", "normal", "thorough"), default="normal")
    p.add_argument("--seed", type=int, default=0, help="case and matcher seed (default 0)")
    p.add_argument("--jobs", type=int, default=2, help="matcher threads (default 2)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--only", nargs="*", help="run only these case names (e.g. lib03 out01)")
    p.add_argument("--keep-audio", type=Path, help="also write every render of every case here")
    p.add_argument("--cache", type=Path, help="library index cache (default: a private folder "
                   "under the system temp dir, never the user's cache)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Runs every case, writes the JSON and prints the Markdown summary."""
    args = parse_args(argv)
    args.commit = code_version()  # at the start: the checkout may move while cases run
    os.environ["TONEMATCH_CACHE"] = str(args.cache or Path(tempfile.gettempdir())
                                        / "tonematch-bench-cache")
    n_lib, n_out = split_cases(args.cases)
    cases = make_cases(n_lib, n_out, args.seed)
    if args.only:
        cases = [c for c in cases if c.name in set(args.only)]
    started = time.time()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="tonematch-quality-") as tmp:
        for i, case in enumerate(cases):
            t0 = time.time()
            row = run_case(case, int(case.name[3:]) + (0 if case.kind == "library" else 1000),
                           args, Path(tmp))
            rows.append(row)
            write_results(args.out, args, rows, started)
            s = row["scores"]
            print(f"[{i + 1}/{len(cases)}] {case.name}: spectral "
                  f"{s['matcher']['spectral_err_db']:.2f} dB (EQ "
                  f"{s['match_eq']['spectral_err_db']:.2f}), amp "
                  f"{row['matched']['rig']['amp_nam']} vs {case.hidden.amp or '-'} "
                  f"({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
    summary = write_results(args.out, args, rows, started)
    print(markdown(summary))
    print()
    print(case_table(rows))
    print(f"\nwrote {args.out} ({time.time() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
