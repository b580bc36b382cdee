"""How the output level meets references that peak above full scale.

A reference may peak above 0 dBFS: a float file, a decoded loud master (its true peaks pass
0 dBTP between the samples), a clipped recording. The matcher may then let the output peak as
high (less 1 dB), and its limiter, which holds nothing above full scale, has to reach the
reference's loudness under 0 dBFS instead.

For each case of a split, the rig the matcher chose for it (`match_quality_<split>.json`)
plays the case's DI at 0 dB (final gain 0, limiter off; the gate as matched), and the output
level stage (`tonematch.level.level_setting`, as the matcher's verification calls it) sets the
output level and the limiter for the case's reference raised by each of `--gains` dB (the
benchmark's references peak at -1 dBFS: +2 dB puts them at +1 dBFS). Reported per gain: how
many outputs come within 1 LU of the reference's loudness, the median and largest miss, how
many use the limiter, and how many pass the true peak the reference allows. The level is set
and measured on the whole DI (the matcher sets it on a stretch of it).

`--level-at COMMIT` runs the level stage of another commit (its `tonematch/level.py`) on the
same renders: the before of a change to it.

Results: benchmarks/results/level_headroom_<split>.json (`_at_<commit>` for --level-at).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from _cases import IRS, MODELS, RATE, ROOT, SPLITS, make_cases, render_case
from _provenance import parse_guarded, provenance

from tonematch._native import apply_output_stages
from tonematch.level import LIMITER_OFF_DB
from tonematch.loudness import true_peak_dbtp
from tonematch.render import render_rig
from tonematch.rig import Rig, RigParams

RESULTS = ROOT / "benchmarks" / "results"
REACHED_LU = 1.0


def level_module(commit: str | None) -> ModuleType:
    """`tonematch.level` as it is, or as it was at `commit`."""
    if commit is None:
        import tonematch.level as level
        return level
    text = subprocess.run(["git", "show", f"{commit}:tonematch/level.py"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "level_at.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("level_at", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def matched_rig(row: dict[str, Any]) -> Rig:
    """The case's matched rig at 0 dB, limiter off, as the matcher renders it to set the level."""
    m = row["matched"]
    names = m["rig"]
    params = {**m["params"], "output_level_db": 0.0, "final_eq_gain_db": 0.0,
              "limiter_ceiling_db": LIMITER_OFF_DB}
    return Rig(fx_path=MODELS / f"{names['fx_nam']}.nam" if names["fx_nam"] else None,
               amp_path=MODELS / f"{names['amp_nam']}.nam",
               ir_path=IRS / f"{names['ir']}.wav" if names["ir"] else None,
               params=RigParams(**params, match_eq_db=list(m["match_eq_db"])))


def at_level(stereo: np.ndarray, setting: Any) -> np.ndarray:
    """A render made at 0 dB, limiter off, as the chain plays it at a level setting."""
    return apply_output_stages(stereo, RATE, setting.output_level_db, setting.limiter_ceiling_db)


def measure(level: ModuleType, stereo: np.ndarray, ref: np.ndarray, gain_db: float
            ) -> dict[str, float]:
    """The level stage's setting for the reference raised by gain_db, and what it plays."""
    target = level.LevelTarget.of(ref * np.float32(10 ** (gain_db / 20)))
    setting = level.level_setting(stereo, target, partial(at_level, stereo))
    out = at_level(stereo, setting)
    return {"miss_lu": round(float(level.level_miss_lu(out, target)), 3),
            "limiter_ceiling_db": float(setting.limiter_ceiling_db),
            "output_level_db": float(setting.output_level_db),
            "true_peak_over_db": round(float(true_peak_dbtp(out[0]) - target.allowed_dbtp), 3),
            "reference_true_peak_dbtp": round(float(target.true_peak_dbtp), 2)}


def summary(rows: list[dict[str, Any]], gains: list[float]) -> dict[str, Any]:
    """Per gain: within 1 LU, median and largest |miss|, limiter on, true peak over."""
    out = {}
    for g in gains:
        m = [r["gains"][str(g)] for r in rows]
        misses = np.abs([x["miss_lu"] for x in m])
        out[str(g)] = {"within_1_lu": int(np.sum(misses <= REACHED_LU)), "cases": len(m),
                       "median_abs_miss_lu": round(float(np.median(misses)), 2),
                       "largest_abs_miss_lu": round(float(np.max(misses)), 2),
                       "limiter_on": int(sum(x["limiter_ceiling_db"] < LIMITER_OFF_DB
                                             for x in m)),
                       "true_peak_over": int(sum(x["true_peak_over_db"] > 0 for x in m))}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--split", choices=SPLITS, default="dev")
    p.add_argument("--gains", type=float, nargs="+", default=[0.0, 2.0, 4.0, 6.0],
                   help="dB by which each reference is raised (default: 0 2 4 6)")
    p.add_argument("--level-at", metavar="COMMIT", help="the level stage of this commit")
    args = parse_guarded(p, argv)
    source = RESULTS / f"match_quality_{args.split}.json"
    matched = json.loads(source.read_text())
    level = level_module(args.level_at)
    cases = {c.name: c for c in make_cases(args.split)}
    rows = []
    for row in matched["rows"]:
        if row.get("error") or not row.get("matched") or row["name"] not in cases:
            continue
        audio = render_case(cases[row["name"]])
        stereo = render_rig(matched_rig(row), audio.di)
        rows.append({"name": row["name"],
                     "gains": {str(g): measure(level, stereo, audio.ref, g) for g in args.gains}})
        misses = [rows[-1]["gains"][str(g)]["miss_lu"] for g in args.gains]
        print(f"{row['name']}: " + ", ".join(f"{g:+g} dB → {m:+.2f} LU"
                                             for g, m in zip(args.gains, misses, strict=True)),
              file=sys.stderr)
    result = {"benchmark": "level_headroom", "split": args.split, **provenance(),
              "level_at": args.level_at, "rigs_from": {"file": source.name,
                                                        "commit": matched.get("commit")},
              "gains_db": args.gains, "summary": summary(rows, args.gains), "rows": rows}
    print(json.dumps(result["summary"], indent=1))
    if not args.allow_dirty:
        name = f"level_headroom_{args.split}" + (f"_at_{args.level_at[:7]}" if args.level_at
                                                 else "")
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
