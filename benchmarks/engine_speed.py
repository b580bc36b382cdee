"""Single-core speed of the .nam inference engine, with PyTorch as the reference point.

What it measures
    The real-time factor (RTF = seconds of audio processed per second of compute; higher is
    faster, 1 is exactly real time) of ``tonematch._native.NamModel`` on one pinned CPU core, for
    the WaveNet "standard", "lite", "feather" and "nano" presets of neural-amp-modeler 0.12 and a
    1x16 LSTM, at block sizes of 64, 128 and 512 samples. For each block size two numbers are
    taken:

    * per-block call: one ``process()`` call from Python per block, as a host would stream audio
      (includes the Python/binding overhead of every call);
    * internal chunk: one ``process()`` call with the whole signal, which the engine cuts into
      ``max_block`` chunks itself (the engine's own speed, without per-call overhead).

    The same .nam files are loaded back into ``nam`` (PyTorch, one thread) and run over the whole
    signal in a single forward call; torch has no streaming API, so its number does not depend
    on the block size. Every timing is the best of ``--repeats`` runs with ``time.perf_counter``.

    The models are randomly initialised from a fixed seed and exported at 48 kHz; the input is a
    deterministic, varied guitar-like signal (plucked notes, strummed chords, muted chugs and
    noise bursts, peak 0.5), 10 s long by default.

Output
    ``benchmarks/results/engine_speed.json`` (machine, settings and per-model results) and a
    Markdown table on stdout (``--markdown PATH`` also writes it to a file). The target is
    WaveNet standard at >= 40x real time on one core; it counts as met when the engine's
    internal-chunk RTF reaches 40 at every block size measured.

How to run
    python benchmarks/engine_speed.py                 # everything, about a minute
    python benchmarks/engine_speed.py --skip-engine   # torch only
    python benchmarks/engine_speed.py --help
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from _models import MODEL_NAMES, SAMPLE_RATE, export_models, read_nam, spec_by_name

DEFAULT_BLOCKS = (64, 128, 512)
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "engine_speed.json"
TARGETS_RTF: dict[str, float] = {"wavenet_standard": 40.0}
TARGET_CRITERION = (
    "engine internal-chunk RTF >= target at every block size measured "
    "(one core, no per-call Python overhead)"
)

# --------------------------------------------------------------------------------------------
# Input signal
# --------------------------------------------------------------------------------------------

_CHORD_SHAPES: tuple[tuple[int, ...], ...] = (
    (0, 7, 12),  # power chord
    (0, 7, 12, 16, 19, 24),  # open major shape
    (0, 7, 12, 15, 19, 24),  # open minor shape
    (0, 5, 10, 15, 19, 24),  # stacked fourths (open strings)
    (0, 7, 10, 16, 19),  # dominant seventh
)


def _midi_to_hz(note: float) -> float:
    return float(440.0 * 2.0 ** ((note - 69.0) / 12.0))


def _pluck(
    rng: np.random.Generator, f0: float, amp: float, tau: float, length: int, sr: int
) -> np.ndarray:
    """A plucked string: slightly inharmonic partials with faster decay for higher ones."""
    t = np.arange(length) / sr
    out = np.zeros(length)
    pluck_pos = rng.uniform(0.08, 0.3)
    inharmonicity = rng.uniform(2e-5, 2e-4)
    for k in range(1, 16):
        fk = k * f0 * np.sqrt(1.0 + inharmonicity * k * k)
        if fk >= 0.45 * sr:
            break
        ak = abs(np.sin(np.pi * k * pluck_pos)) / k**1.1 * rng.uniform(0.6, 1.0)
        tau_k = tau / (1.0 + 0.35 * (k - 1))
        out += ak * np.exp(-t / tau_k) * np.sin(2.0 * np.pi * fk * t + rng.uniform(0, 2 * np.pi))
    attack = min(length, int(0.002 * sr))
    out[:attack] *= np.linspace(0.0, 1.0, attack, endpoint=False)
    return amp * out


def _noise_burst(
    rng: np.random.Generator, amp: float, tau: float, length: int, sr: int
) -> np.ndarray:
    """Pick scrape / percussive noise: smoothed white noise with a fast exponential decay."""
    width = int(rng.integers(1, 8))
    noise = np.convolve(rng.standard_normal(length), np.ones(width) / width, mode="same")
    return amp * noise * np.exp(-np.arange(length) / (tau * sr))


def make_input(seconds: float, sr: int = SAMPLE_RATE, seed: int = 1234) -> np.ndarray:
    """A deterministic, varied guitar-like test signal (float32, peak 0.5, never silent)."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * sr))
    if n <= 0:
        raise ValueError("the signal must be at least one sample long")
    out = np.zeros(n)

    def add(start: int, event: np.ndarray) -> None:
        stop = min(n, start + len(event))
        if stop > start:
            out[start:stop] += event[: stop - start]

    cursor = 0.02
    while cursor < seconds:
        start = int(cursor * sr)
        kind = rng.choice(["note", "chord", "chug", "noise"], p=[0.4, 0.3, 0.18, 0.12])
        if kind == "note":
            tau = rng.uniform(0.25, 1.2)
            f0 = _midi_to_hz(rng.integers(40, 77) + rng.normal(0.0, 0.05))
            add(start, _pluck(rng, f0, rng.uniform(0.4, 1.0), tau, int(4 * tau * sr), sr))
            cursor += rng.uniform(0.12, 0.6)
        elif kind in ("chord", "chug"):
            root = int(rng.integers(40, 53))
            shape = _CHORD_SHAPES[0] if kind == "chug" else _CHORD_SHAPES[rng.integers(5)]
            tau = rng.uniform(0.05, 0.12) if kind == "chug" else rng.uniform(0.6, 1.8)
            strum = rng.uniform(0.006, 0.025) * (1 if rng.random() < 0.7 else -1)
            order = range(len(shape)) if strum > 0 else range(len(shape) - 1, -1, -1)
            for position, string in enumerate(order):
                f0 = _midi_to_hz(root + shape[string] + rng.normal(0.0, 0.04))
                offset = int(position * abs(strum) * sr)
                add(
                    start + offset,
                    _pluck(rng, f0, rng.uniform(0.3, 0.7), tau, int(4 * tau * sr), sr),
                )
            cursor += rng.uniform(0.12, 0.3) if kind == "chug" else rng.uniform(0.5, 1.5)
        else:
            tau = rng.uniform(0.01, 0.08)
            add(start, _noise_burst(rng, rng.uniform(0.3, 1.0), tau, int(5 * tau * sr), sr))
            cursor += rng.uniform(0.05, 0.3)

    # A low noise floor (about -80 dBFS) so that no stretch of the input is digital silence.
    out += 1e-4 * rng.standard_normal(n)
    out *= 0.5 / np.max(np.abs(out))
    return np.ascontiguousarray(out, dtype=np.float32)


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------


def best_time(
    run: Callable[[], Any], repeats: int, setup: Callable[[], Any] | None = None
) -> tuple[float, float]:
    """Best wall-clock time (``time.perf_counter``) of ``run()`` over ``repeats`` runs.

    Returns ``(wall_seconds, cpu_seconds)`` of the fastest run, where ``cpu_seconds`` is the
    calling thread's CPU time over that run: well below the wall time means the core was shared
    with other processes while it ran.
    """
    best = (float("inf"), float("inf"))
    for _ in range(repeats):
        if setup is not None:
            setup()
        start_cpu = time.thread_time()
        start = time.perf_counter()
        run()
        wall = time.perf_counter() - start
        cpu = time.thread_time() - start_cpu
        best = min(best, (wall, cpu))
    return best


def engine_rtfs(
    native: Any, path: Path, x: np.ndarray, block: int, repeats: int, sr: int
) -> dict[str, Any]:
    """Per-block-call and internal-chunk RTF of the engine for one model and block size."""
    audio_seconds = len(x) / sr

    model = native.NamModel(str(path), max_block=block)
    blocks = [x[i : i + block] for i in range(0, len(x), block)]

    def per_block() -> None:
        process = model.process
        for chunk in blocks:
            process(chunk)

    per_block_s, per_block_cpu = best_time(per_block, repeats, setup=model.reset)

    whole = native.NamModel(str(path), max_block=block)
    output: list[np.ndarray] = []

    def internal() -> None:
        output[:] = [np.asarray(whole.process(x))]

    internal_s, internal_cpu = best_time(internal, repeats, setup=whole.reset)
    y = output[0].reshape(-1)
    info: dict[str, Any] = {}
    for attr in ("parameter_count", "receptive_field"):
        value = getattr(whole, attr, None)
        if value is not None:
            info[attr] = value() if callable(value) else value
    return {
        "model_info": info,
        "per_block_call_rtf": audio_seconds / per_block_s,
        "internal_chunk_rtf": audio_seconds / internal_s,
        "per_block_call_seconds": per_block_s,
        "internal_chunk_seconds": internal_s,
        "per_block_call_cpu_seconds": per_block_cpu,
        "internal_chunk_cpu_seconds": internal_cpu,
        "output": y,
    }


def torch_rtf(path: Path, x: np.ndarray, repeats: int, sr: int) -> dict[str, Any]:
    """RTF of the ``nam`` PyTorch model re-created from the .nam file (one forward call)."""
    import torch
    from _models import load_torch_from_nam

    model = load_torch_from_nam(path)
    xt = torch.from_numpy(x)
    output: list[np.ndarray] = []

    def run() -> None:
        with torch.no_grad():
            output[:] = [model(xt).numpy()]

    seconds, cpu_seconds = best_time(run, repeats)
    return {
        "rtf": len(x) / sr / seconds,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "output": output[0].reshape(-1),
    }


# --------------------------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------------------------


def cpu_model() -> str:
    """The CPU's model name as /proc/cpuinfo reports it (falls back to the platform module)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fp:
            for line in fp:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "cpu model", "Hardware"):
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def pin_to_cpu(cpu: int | None) -> int | None:
    """Pin this process to one CPU (the lowest allowed one by default); returns the CPU used."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    chosen = allowed[0] if cpu is None else cpu
    if chosen not in allowed:
        raise SystemExit(f"CPU {chosen} is not available to this process (allowed: {allowed})")
    os.sched_setaffinity(0, {chosen})
    return chosen


def _load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def machine_info(pinned: int | None, native: Any, load_start: float | None) -> dict[str, Any]:
    """Machine, interpreter and library versions for the results file."""
    import nam
    import torch

    info: dict[str, Any] = {
        "cpu_model": cpu_model(),
        "architecture": platform.machine(),
        "logical_cores": os.cpu_count(),
        "pinned_cpu": pinned,
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "neural_amp_modeler": getattr(nam, "__version__", None),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        # System load around the run: a load above the core count means the timings were
        # taken on a busy machine (compare the *_cpu_seconds with the wall times).
        "load_average_1min_start": load_start,
        "load_average_1min_end": _load_average(),
    }
    if native is not None:
        info["engine_module"] = getattr(native, "__file__", None)
        for attr in ("__version__", "build_info"):
            value = getattr(native, attr, None)
            if value is not None:
                info[f"engine_{attr.strip('_')}"] = value() if callable(value) else value
    return info


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def _fmt_rtf(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}×" if value >= 100 else f"{value:.1f}×"


def markdown_table(results: dict[str, Any]) -> str:
    """Rows = models; columns = engine RTF per block size (internal / per-call) and torch RTF."""
    blocks: list[int] = results["settings"]["block_sizes"]
    header = ["Model", "Params"] + [f"Engine {b}" for b in blocks] + ["Torch (1 thread)"]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|",
    ]
    for model in results["models"]:
        cells = [f"{model['preset']} ({model['architecture']})", f"{model['parameter_count']:,}"]
        for b in blocks:
            entry = model["engine"].get(str(b)) if model["engine"] else None
            if entry is None:
                cells.append("–")
            else:
                internal = _fmt_rtf(entry["internal_chunk_rtf"])
                per_call = _fmt_rtf(entry["per_block_call_rtf"])
                cells.append(f"{internal} ({per_call})")
        cells.append(_fmt_rtf(model["torch"]["rtf"] if model["torch"] else None))
        lines.append("| " + " | ".join(cells) + " |")
    settings = results["settings"]
    machine = results["machine"]
    lines += [
        "",
        f"Real-time factor (audio seconds per compute second) on one core of "
        f"{machine['cpu_model']}, {settings['seconds']:g} s of 48 kHz input, best of "
        f"{settings['repeats']}. Engine cells: internal chunking (one Python call per block in "
        f"parentheses). Torch: one forward call over the whole signal, one thread.",
    ]
    share = results.get("core_share")
    if share is not None and share < 0.9:
        lines.append(
            f"Caution: the pinned core was shared with other processes during the run (the "
            f"benchmark got {share:.0%} of it; 1-min load average "
            f"{machine['load_average_1min_start']} on {machine['logical_cores']} cores), so these "
            f"wall-clock figures understate the speed on an idle core."
        )
    for model in results["models"]:
        if model.get("target_rtf") is not None and model.get("target_met") is not None:
            verdict = "met" if model["target_met"] else "NOT met"
            lines.append(f"Target for {model['name']}: >= {model['target_rtf']:g}× — {verdict}.")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="engine_speed.py",
        description=(
            "Measure the real-time factor (audio seconds per compute second) of the .nam "
            "engine on one pinned CPU core for WaveNet standard/lite/feather/nano and a 1x16 "
            "LSTM at several block sizes, and of the same models in PyTorch (one thread). "
            "Writes a JSON results file and prints a Markdown table."
        ),
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=10.0,
        help="length of the test signal in seconds (default: %(default)s)",
    )
    parser.add_argument(
        "--blocks",
        type=int,
        nargs="+",
        default=list(DEFAULT_BLOCKS),
        metavar="N",
        help="block sizes in samples for the engine (default: 64 128 512)",
    )
    parser.add_argument(
        "--models",
        nargs="+",
        default=list(MODEL_NAMES),
        choices=MODEL_NAMES,
        metavar="NAME",
        help=f"models to run (default: all): {', '.join(MODEL_NAMES)}",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="timed runs per measurement; the best counts (default: %(default)s)",
    )
    parser.add_argument(
        "--cpu", type=int, default=None, help="CPU to pin to (default: lowest allowed)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed for the weights and the input signal (default: %(default)s)",
    )
    parser.add_argument(
        "--models-dir",
        type=Path,
        default=None,
        help="write the .nam files here and keep them (default: a temporary directory)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="where to write the JSON results (default: benchmarks/results/engine_speed.json)",
    )
    parser.add_argument(
        "--markdown", type=Path, default=None, help="also write the Markdown table to this file"
    )
    parser.add_argument("--skip-engine", action="store_true", help="time torch only")
    parser.add_argument("--skip-torch", action="store_true", help="time the engine only")
    args = parser.parse_args(argv)
    if args.seconds <= 0:
        parser.error("--seconds must be positive")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if any(b < 1 for b in args.blocks):
        parser.error("block sizes must be positive")
    if args.skip_engine and args.skip_torch:
        parser.error("nothing to do with both --skip-engine and --skip-torch")
    return args


def _limit_threads() -> None:
    # Must happen before torch is imported so that its pools are created with one thread.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    load_start = _load_average()
    pinned = pin_to_cpu(args.cpu)
    _limit_threads()

    native: Any = None
    if not args.skip_engine:
        try:
            from tonematch import _native as native
        except ImportError as exc:
            raise SystemExit(
                f"cannot import tonematch._native ({exc}); build/install the project first "
                "or pass --skip-engine"
            ) from exc

    import torch

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already fixed once torch has run something; intra-op threads are what matter

    sr = SAMPLE_RATE
    x = make_input(args.seconds, sr, seed=args.seed + 1234)
    blocks = sorted(set(args.blocks))

    with tempfile.TemporaryDirectory(prefix="engine_speed_") as tmp:
        models_dir = args.models_dir if args.models_dir is not None else Path(tmp)
        print(f"exporting {len(args.models)} models to {models_dir} ...", file=sys.stderr)
        paths = export_models(models_dir, seed=args.seed, names=args.models, sample_rate=sr)

        model_results: list[dict[str, Any]] = []
        for name, path in paths.items():
            spec = spec_by_name(name)
            nam_file = read_nam(path)
            entry: dict[str, Any] = {
                "name": name,
                "architecture": spec.architecture,
                "preset": spec.preset,
                "config": spec.summary,
                "parameter_count": len(nam_file["weights"]),
                "file": path.name if args.models_dir is None else str(path),
                "engine": None,
                "torch": None,
            }
            engine_out: np.ndarray | None = None
            if native is not None:
                entry["engine"] = {}
                for block in blocks:
                    print(f"  engine {name} block {block} ...", file=sys.stderr)
                    r = engine_rtfs(native, path, x, block, args.repeats, sr)
                    engine_out = r.pop("output")
                    for attr, value in r.pop("model_info").items():
                        entry[f"engine_{attr}"] = value
                    entry["engine"][str(block)] = r
            if not args.skip_torch:
                print(f"  torch  {name} ...", file=sys.stderr)
                r = torch_rtf(path, x, args.repeats, sr)
                torch_out = r.pop("output")
                entry["torch"] = r
                entry["torch_output_peak"] = float(np.max(np.abs(torch_out)))
                if engine_out is not None:
                    n = min(len(torch_out), len(engine_out))
                    entry["max_abs_diff_engine_vs_torch"] = float(
                        np.max(np.abs(torch_out[:n].astype(np.float64) - engine_out[:n]))
                    )
            target = TARGETS_RTF.get(name)
            entry["target_rtf"] = target
            entry["target_met"] = None
            if target is not None and entry["engine"]:
                entry["target_met"] = all(
                    v["internal_chunk_rtf"] >= target for v in entry["engine"].values()
                )
            model_results.append(entry)

    results: dict[str, Any] = {
        "benchmark": "engine_speed",
        "metric": "real-time factor: audio seconds processed per second of compute (higher is "
        "faster; 1.0 = exactly real time)",
        "machine": machine_info(pinned, native, load_start),
        "settings": {
            "sample_rate": sr,
            "seconds": args.seconds,
            "samples": int(len(x)),
            "block_sizes": blocks,
            "repeats": args.repeats,
            "timer": "time.perf_counter, best of repeats",
            "seed": args.seed,
            "input": "deterministic guitar-like signal: plucked notes, strummed chords, muted "
            "chugs, noise bursts, -80 dBFS noise floor; peak 0.5",
            "input_rms": float(np.sqrt(np.mean(x.astype(np.float64) ** 2))),
        },
        "notes": {
            "engine_per_block_call": "one NamModel.process() call from Python per block of "
            "block-size samples, after reset(); includes Python/binding call overhead",
            "engine_internal_chunk": "one NamModel.process() call with the whole signal; the "
            "engine processes it in max_block (= block size) chunks internally",
            "torch": "nam (PyTorch) model re-created from the same .nam file with "
            "init_from_nam; torch has no streaming API, so the whole signal goes through one "
            "forward call under torch.no_grad() with torch.set_num_threads(1); independent of "
            "block size",
            "target_criterion": TARGET_CRITERION,
            "cpu_seconds": "the calling thread's CPU time during the fastest (wall-clock) run; "
            "core_share is the median CPU/wall ratio, below 1 when the core was shared",
        },
        "models": model_results,
    }
    results["core_share"] = core_share(model_results)
    return results


def core_share(model_results: Sequence[dict[str, Any]]) -> float | None:
    """Median ratio of CPU time to wall time over all measurements (1.0 = core not shared)."""
    ratios: list[float] = []
    for entry in model_results:
        timings = list((entry["engine"] or {}).values())
        for t in timings:
            ratios.append(t["per_block_call_cpu_seconds"] / t["per_block_call_seconds"])
            ratios.append(t["internal_chunk_cpu_seconds"] / t["internal_chunk_seconds"])
        if entry["torch"]:
            ratios.append(entry["torch"]["cpu_seconds"] / entry["torch"]["seconds"])
    return round(float(np.median(ratios)), 3) if ratios else None


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    results = run_benchmark(args)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with open(args.output, "w", encoding="utf-8") as fp:
        json.dump(results, fp, indent=2)
        fp.write("\n")
    table = markdown_table(results)
    print(table, end="")
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(table, encoding="utf-8")
    print(f"results written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
