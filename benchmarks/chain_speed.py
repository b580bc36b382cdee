"""CPU cost of the signal chain (tonematch._native.Chain) per stage and host rate.

What it measures
    Percent of one core that the chain needs to keep up in real time (CPU time / audio time ×
    100) in 128-sample host blocks, at 44.1, 48 and 96 kHz, for: the post stages alone (gains,
    peak EQ, delay and reverb, all always running; at 44.1 and 96 kHz also the resampler pair
    around the empty NAM slots), then what adding the cabinet IR (the longest bundled, 190 ms),
    the amp (a standard WaveNet) or the pedal (a lite WaveNet) costs on top, and the full chain.
    The output limiter is on at −1 dB, as every match sets it (its 2 ms lookahead delays the
    signal at every setting; on, it also tracks the peak envelope).
    The signal is 10 s of guitar-like notes; each figure is the best of --repeats runs, timed
    with the process's CPU time on one pinned core (a busy machine inflates wall time, not this).

Output
    ``benchmarks/results/chain_speed.json`` (with the commit, date and machine; written only
    from a committed tree) and a Markdown table on stdout.

How to run
    python benchmarks/chain_speed.py [--repeats 5] [--block 128] [--no-save]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "engine"))
from chain_helpers import AMP, IR, PEDAL, guitar_like  # noqa: E402

sys.path.insert(0, str(REPO / "benchmarks"))
from _provenance import provenance, require_clean_tree  # noqa: E402

from tonematch._native import Chain  # noqa: E402

OUTPUT = REPO / "benchmarks" / "results" / "chain_speed.json"
RATES = (44100.0, 48000.0, 96000.0)
SECONDS = 10.0


def cpu_percent(rate: float, block: int, repeats: int, pedal: bool = False, amp: bool = False,
                cab: bool = False) -> float:
    chain = Chain(rate, 4096)
    if pedal:
        chain.set_pedal(PEDAL)
    if amp:
        chain.set_amp(AMP)
    if cab:
        ir, ir_rate = sf.read(IR, dtype="float32")
        chain.set_ir(ir, float(ir_rate))
    chain.set_params(reverb_wet=0.2, delay_mix=0.2, pre_eq_gain_db=3.0, limiter_ceiling_db=-1.0,
                     immediate=True)
    x = guitar_like(SECONDS, rate)
    best = float("inf")
    for _ in range(repeats):
        chain.reset()
        start = time.process_time()
        chain.process(x, block=block)
        best = min(best, time.process_time() - start)
    return 100.0 * best / SECONDS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--block", type=int, default=128)
    parser.add_argument("--no-save", action="store_true",
                        help="print the table only (for uncommitted code)")
    args = parser.parse_args()
    if not args.no_save:
        require_clean_tree()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    results = {}
    print("| rate | post stages | + cabinet IR | + amp (standard) | + pedal (lite) | full chain "
          "| latency |\n|---|---:|---:|---:|---:|---:|---:|")
    for rate in RATES:
        base = cpu_percent(rate, args.block, args.repeats)
        row = {
            "post_stages": base,
            "cabinet_ir": cpu_percent(rate, args.block, args.repeats, cab=True) - base,
            "amp_standard": cpu_percent(rate, args.block, args.repeats, amp=True) - base,
            "pedal_lite": cpu_percent(rate, args.block, args.repeats, pedal=True) - base,
            "full": cpu_percent(rate, args.block, args.repeats, True, True, True),
            "latency_samples": Chain(rate, 4096).latency_samples,
        }
        results[f"{rate:g}"] = row
        print(f"| {rate / 1000:g} kHz | {row['post_stages']:.2f} % | {row['cabinet_ir']:.2f} % "
              f"| {row['amp_standard']:.2f} % | {row['pedal_lite']:.2f} % | {row['full']:.2f} % "
              f"| {row['latency_samples']} ({1000 * row['latency_samples'] / rate:.2f} ms) |")
    if args.no_save:
        return
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        **provenance(),
        "what": "percent of one core, CPU time / audio time, best of repeats; limiter on",
        "block": args.block,
        "seconds": SECONDS,
        "models": {"pedal": PEDAL.name, "amp": AMP.name, "ir": IR.name},
        "results": results,
    }
    OUTPUT.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {OUTPUT.relative_to(REPO)}")


if __name__ == "__main__":
    np.seterr(all="raise")
    main()
