"""How long a match takes, and where the time goes.

What it measures
    (a) Bundled library: a 10 s DI against a 30 s reference (another performance through
        pedal_ts_mid → amp_brown_g5 → cab_2x12_closed_cap), `tonematch match --budget normal
        --jobs 2` as the plugin runs it (a fresh process; the wall time includes start-up). The
        library index is timed first in this process: cold (an empty TONEMATCH_CACHE in a
        temporary folder) and warm; the match then runs with the warm index. The matcher's own
        per-stage times come from the rig JSON (`timings_s`).
    (b) A 1,000-model library (`_big_library.py`: perturbed copies of the bundled captures,
        amps and pedals in the bundled proportion, in a temporary folder): the time to write it,
        the cold index build, the warm index load, and the same match with the warm index.
    `--quick` uses a 100-model library instead.

Targets
    (a) match wall time <= 30 s; (b) match wall time with the warm index <= 60 s.

How to run
    python benchmarks/match_speed.py            # about 10 minutes on 2 cores
    python benchmarks/match_speed.py --quick    # about 2 minutes
Results: benchmarks/results/match_speed.json and a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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
from _big_library import build as build_library
from _cases import IRS, MODELS, RATE, REF_PEAK
from match_quality import code_version
from scipy.signal import fftconvolve

from tonematch.library.performances import loud_level_db

DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "match_speed.json"
REF_RIG = ("pedal_ts_mid", "amp_brown_g5", "cab_2x12_closed_cap")
TARGETS_S = {"bundled": 30.0, "large": 60.0}


def synth_performance(seconds: float, seed: int, tempo_bpm: float, loud_db: float) -> np.ndarray:
    """A synthesiser riff (`di_synth.riff`) at a playing level: the clips these timings have
    always been measured on."""
    from tonematch.library import di_synth

    plucks = di_synth.riff(seconds, seed=seed, tempo_bpm=tempo_bpm)
    x = di_synth.render(plucks, seconds, seed=seed, peak=0.5).astype(np.float64)
    return (x * 10 ** ((loud_db - loud_level_db(x)) / 20)).astype(np.float32)


def make_clips(folder: Path, di_seconds: float, ref_seconds: float) -> tuple[Path, Path]:
    """A DI and a reference (another performance through a bundled rig) as WAV files."""
    from tonematch._native import NamModel

    di = synth_performance(di_seconds, 101, 112.0, -20.5)
    ref_di = synth_performance(ref_seconds, 202, 96.0, -20.5)
    pedal, amp, cab = REF_RIG
    wet = NamModel(str(MODELS / f"{amp}.nam")).process(
        NamModel(str(MODELS / f"{pedal}.nam")).process(ref_di))
    ir, _ = sf.read(IRS / f"{cab}.wav", dtype="float64")
    ref = fftconvolve(np.asarray(wet, dtype=np.float64), ir)[: len(wet)]
    ref = REF_PEAK * ref / np.max(np.abs(ref))
    di_path, ref_path = folder / "di.wav", folder / "ref.wav"
    sf.write(di_path, di, RATE, subtype="FLOAT")
    sf.write(ref_path, ref.astype(np.float32), RATE, subtype="FLOAT")
    return di_path, ref_path


def time_index(models: Path) -> dict[str, Any]:
    """Loads the library twice in this process (TONEMATCH_CACHE must be set): cold, then warm."""
    from tonematch.library_index import load_library

    out: dict[str, Any] = {}
    for key in ("cold_s", "warm_s"):
        start = time.perf_counter()
        library = load_library([models], [IRS])
        out[key] = round(time.perf_counter() - start, 3)
    out.update(amps=len(library.amps), pedals=len(library.pedals), irs=len(library.irs),
               skipped=len(library.warnings))
    return out


def time_match(di: Path, ref: Path, models: Path, out_dir: Path, budget: str, seed: int,
               jobs: int, cache: Path) -> dict[str, Any]:
    """Runs `tonematch match` in a fresh process; wall time and the rig's own timings."""
    rig_path = out_dir / "rig.json"
    cmd = [sys.executable, "-m", "tonematch", "match", "--di", str(di), "--ref", str(ref),
           "--out", str(rig_path), "--library", str(models), "--irs", str(IRS),
           "--budget", budget, "--seed", str(seed), "--jobs", str(jobs), "--progress", "none"]
    env = {**os.environ, "TONEMATCH_CACHE": str(cache)}
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"tonematch match failed ({proc.returncode}): {proc.stderr.strip()}")
    rig = json.loads(rig_path.read_text(encoding="utf-8"))
    stages = rig.get("timings_s", {})
    return {"wall_s": round(wall, 2), "stages_s": stages,
            "outside_stages_s": round(wall - float(stages.get("total", 0.0)), 2),
            "rig": rig["rig"]["fx_nam"] + " → " + rig["rig"]["amp_nam"] + " → " + rig["rig"]["ir"],
            "alternatives": [a["rig"]["amp_nam"] for a in rig.get("alternatives", [])]}


def bundled_run(args: argparse.Namespace, work: Path, clips: tuple[Path, Path]) -> dict[str, Any]:
    """Part (a): the bundled library."""
    cache = work / "cache_bundled"
    os.environ["TONEMATCH_CACHE"] = str(cache)
    index = time_index(MODELS)
    match = time_match(*clips, MODELS, work, args.budget, args.seed, args.jobs, cache)
    return {"library": str(MODELS), "index": index, "match": match,
            "target_s": TARGETS_S["bundled"], "pass": match["wall_s"] <= TARGETS_S["bundled"]}


def large_run(args: argparse.Namespace, work: Path, clips: tuple[Path, Path]) -> dict[str, Any]:
    """Part (b): a library of perturbed copies."""
    models, cache = work / "big_library", work / "cache_big"
    start = time.perf_counter()
    counts = build_library(models, args.models, args.seed)
    written = round(time.perf_counter() - start, 2)
    os.environ["TONEMATCH_CACHE"] = str(cache)
    print(f"indexing {args.models} models …", file=sys.stderr, flush=True)
    index = time_index(models)
    match = time_match(*clips, models, work, args.budget, args.seed, args.jobs, cache)
    ok = match["wall_s"] <= TARGETS_S["large"]
    return {"models": args.models, **counts, "write_s": written, "index": index, "match": match,
            "target_s": TARGETS_S["large"], "pass": ok}


def markdown(results: dict[str, Any]) -> str:
    """Markdown tables: totals and targets, then the per-stage split."""
    parts = {"bundled library": results["bundled"],
             f"{results['large']['models']}-model library": results["large"]}
    lines = ["| library | models | index cold s | index warm s | match wall s | target s | "
             "result |", "|---|---:|---:|---:|---:|---:|---|"]
    for name, r in parts.items():
        ix = r["index"]
        lines.append(f"| {name} | {ix['amps'] + ix['pedals']} | {ix['cold_s']:.1f} | "
                     f"{ix['warm_s']:.3f} | {r['match']['wall_s']:.1f} | {r['target_s']:.0f} | "
                     f"{'pass' if r['pass'] else '**miss**'} |")
    stages = [k for k in parts["bundled library"]["match"]["stages_s"] if k != "total"]
    lines += ["", "| stage (s) | " + " | ".join(parts) + " |", "|---|" + "---:|" * len(parts)]
    for stage in [*stages, "total"]:
        cells = [f"{r['match']['stages_s'].get(stage, 0.0):.2f}" for r in parts.values()]
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    cells = [f"{r['match']['outside_stages_s']:.2f}" for r in parts.values()]
    lines.append("| start-up, imports, writing | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="a 100-model library instead of 1,000")
    p.add_argument("--models", type=int, help="size of the large library (default 1000, "
                   "100 with --quick)")
    p.add_argument("--budget", choices=("fast", "normal", "thorough"), default="normal")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--di-seconds", type=float, default=10.0)
    p.add_argument("--ref-seconds", type=float, default=30.0)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = p.parse_args(argv)
    args.models = args.models or (100 if args.quick else 1000)
    return args


def main(argv: list[str] | None = None) -> int:
    """Runs both parts, writes the JSON and prints the tables."""
    args = parse_args(argv)
    started = time.time()
    load_at_start, commit = _load(), code_version()
    with tempfile.TemporaryDirectory(prefix="tonematch-speed-") as tmp:
        work = Path(tmp)
        clips = make_clips(work, args.di_seconds, args.ref_seconds)
        results = {"bundled": bundled_run(args, work, clips)}
        print(f"bundled: match {results['bundled']['match']['wall_s']:.1f} s", file=sys.stderr,
              flush=True)
        results["large"] = large_run(args, work, clips)
    data = {"benchmark": "match_speed",
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": {"python": platform.python_version(), "platform": platform.platform(),
                        "cpus": os.cpu_count(), "commit": commit,
                        "load_avg_at_start": load_at_start, "load_avg_at_end": _load()},
            "settings": {"budget": args.budget, "jobs": args.jobs, "seed": args.seed,
                         "di_seconds": args.di_seconds, "ref_seconds": args.ref_seconds,
                         "quick": args.quick, "models": args.models},
            "seconds": round(time.time() - started, 1), **results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(markdown(results))
    print(f"\nwrote {args.out} ({time.time() - started:.0f} s)")
    return 0


def _load() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


if __name__ == "__main__":
    sys.exit(main())
