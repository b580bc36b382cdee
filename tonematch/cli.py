"""The `tonematch` command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from tonematch._native import NamModel

EXIT_OK = 0
EXIT_FAILURE = 1  # something went wrong that is not the user's input
EXIT_BAD_INPUT = 2  # a file or argument the user gave cannot be used


def _info(args: argparse.Namespace) -> int:
    """Prints what a .nam file holds, as JSON."""
    model = NamModel(args.model)
    info = {
        "path": model.path,
        "architecture": model.architecture,
        "version": model.version,
        "name": model.name,
        "sample_rate": model.sample_rate,
        "loudness": model.loudness,
        "gain": model.gain,
        "input_level_dbu": model.input_level_dbu,
        "output_level_dbu": model.output_level_dbu,
        "receptive_field": model.receptive_field,
        "parameter_count": model.parameter_count,
    }
    print(json.dumps(info, indent=2))
    return EXIT_OK


def _process(args: argparse.Namespace) -> int:
    """Runs an audio file through one .nam model with the C++ engine."""
    model = NamModel(args.model)
    try:
        audio, rate = sf.read(args.input, dtype="float32", always_2d=True)
    except (RuntimeError, OSError) as err:
        raise ValueError(f"{args.input}: cannot read audio ({err})") from err
    if model.sample_rate and int(rate) != int(model.sample_rate):
        print(
            f"warning: {args.input} is {rate} Hz but {args.model} expects "
            f"{model.sample_rate:.0f} Hz; processing without resampling",
            file=sys.stderr,
        )
    mono = audio.mean(axis=1).astype(np.float32)
    if not np.all(np.isfinite(mono)):
        raise ValueError(f"{args.input}: contains NaN or infinite samples")
    out = model.process(mono)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_name(args.output.name + ".partial")
    sf.write(tmp, out, int(rate), subtype="FLOAT", format="WAV")
    tmp.replace(args.output)  # atomic: a failed run never leaves a half-written file
    print(f"wrote {args.output}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="tonematch",
        description="ToneMatch AI: Neural Amp Modeler rigs for your guitar DI.",
        epilog="Exit codes: 0 success, 1 internal failure, 2 bad input file or argument.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    info = sub.add_parser("info", help="show what a .nam model file holds")
    info.add_argument("model", type=Path, help="a .nam file")
    info.set_defaults(run=_info)
    proc = sub.add_parser("process", help="run an audio file through one .nam model")
    proc.add_argument("--model", type=Path, required=True, help="a .nam file")
    proc.add_argument(
        "--in", dest="input", type=Path, required=True, help="input audio (mono or stereo)"
    )
    proc.add_argument(
        "--out", dest="output", type=Path, required=True, help="output WAV (32-bit float)"
    )
    proc.set_defaults(run=_process)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of `tonematch` and `python -m tonematch`."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        return EXIT_OK
