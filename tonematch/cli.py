"""The `tonematch` command line."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import soundfile as sf

from tonematch._native import NamModel
from tonematch.audio_io import MAX_RATE, MIN_RATE
from tonematch.rig import Rig, json_safe
from tonematch.safe_io import (
    InputError,
    StagedOutputs,
    audio_error_reason,
    check_outputs,
    check_regular_file,
    interruptible_read,
    open_regular,
)

EXIT_OK = 0
EXIT_FAILURE = 1  # something went wrong that is not the user's input
EXIT_BAD_INPUT = 2  # a file or argument the user gave cannot be used
EXIT_INTERRUPTED = 130
REPORT_REF_SECONDS = 120.0  # the report draws the reference's loudest two minutes


def _model(path: Path) -> NamModel:
    """A .nam file loaded by the engine; InputError naming the file when it cannot be used."""
    check_regular_file(path, "model file")  # the engine would block on a FIFO
    try:
        return NamModel(str(path))
    except ValueError as err:  # the engine's "<file>: <reason>"
        message = str(err)
        raise InputError(message if str(path) in message else f"{path}: {message}") from None


def _info(args: argparse.Namespace) -> int:
    """Prints what a .nam file holds, as JSON."""
    from tonematch.library_index import inferred_slot

    model = _model(args.model)
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
        # How the matcher's library uses it when no manifest says otherwise.
        **inferred_slot(Path(model.path)),
    }
    print(json.dumps(json_safe(info), indent=2))
    return EXIT_OK


def _process(args: argparse.Namespace) -> int:
    """Runs an audio file through one .nam model with the C++ engine."""
    from tonematch.render import RENDER_CHUNK

    check_outputs({"output": args.output}, [args.input, args.model])
    model = _model(args.model)
    with open_regular(args.input, "input file") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            raise InputError(f"{args.input}: input file is empty")
        try:
            with interruptible_read():
                audio, rate = sf.read(fh, dtype="float32", always_2d=True)
        except (RuntimeError, OSError, TypeError, ValueError, sf.LibsndfileError) as err:
            raise InputError(f"{args.input}: cannot read audio "
                             f"({audio_error_reason(err)})") from None
    if audio.shape[0] == 0:
        raise InputError(f"{args.input}: holds no samples")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise InputError(f"{args.input}: unsupported sample rate of {rate} Hz "
                         f"({MIN_RATE}–{MAX_RATE} Hz are accepted)")
    if model.sample_rate and int(rate) != int(model.sample_rate):
        print(
            f"warning: {args.input} is {rate} Hz but {args.model} expects "
            f"{model.sample_rate:.0f} Hz; processing without resampling",
            file=sys.stderr,
        )
    mono = audio.mean(axis=1).astype(np.float32)
    if not np.all(np.isfinite(mono)):
        raise InputError(f"{args.input}: contains NaN or infinite samples")
    # In chunks (the model keeps its state between calls, so the samples are the same): Ctrl-C
    # is seen between native calls instead of after the whole file.
    out = np.concatenate([model.process(mono[i:i + RENDER_CHUNK])
                          for i in range(0, len(mono), RENDER_CHUNK)])
    with StagedOutputs() as staged:  # a failed run never leaves a half-written file
        sf.write(staged.path(args.output), out, int(rate), subtype="FLOAT", format="WAV")
        staged.commit()
    print(f"wrote {args.output}")
    return EXIT_OK


def _library_dirs(args: argparse.Namespace) -> tuple[list[Path], list[Path]]:
    from tonematch.library_index import default_library_dirs

    models, irs = default_library_dirs()
    return (args.library or models), (args.irs or irs)


def _note(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _limits(rig: Rig) -> None:
    """The parameters a match left at an end of their range (the rig's `at_limit`)."""
    from tonematch.trust import describe_limit

    for item in rig.extra.get("at_limit") or []:
        print(f"at limit: {describe_limit(item)}", file=sys.stderr)


def _match(args: argparse.Namespace) -> int:
    """Finds the rig that makes the DI sound like the reference."""
    from tonematch.matcher import MatchOptions, match
    from tonematch.progress import make_progress
    from tonematch.rig import rig_json_text

    # Before any work: a match takes minutes, and an output that cannot be written (or that
    # would replace the DI or the reference) must not be found out only at the end.
    check_outputs({"--out": args.out, "--render": args.render, "--report": args.report},
                  [args.di, args.ref])
    models, irs = _library_dirs(args)
    options = MatchOptions(models, irs, args.budget, args.seed, args.jobs or os.cpu_count() or 1,
                           match_eq=not args.no_match_eq)
    progress = make_progress(args.progress)
    args.progress_reporter = progress
    rig, notes = match(args.di, args.ref, options, progress)
    for note in notes:
        _note(note)
    _limits(rig)
    # Every output is staged and moved into place together: a failing render or report leaves
    # the previous rig.json (and everything else) as it was.
    with StagedOutputs() as staged:
        staged.path(args.out).write_text(rig_json_text(rig), encoding="utf-8")
        if args.render or args.report:
            _render_outputs(rig, args.di, args.ref, args.render and staged.path(args.render),
                            args.report and staged.path(args.report))
        staged.commit()
    progress.finish()
    if args.progress != "jsonl":
        print(f"rig: {rig.describe()}  (loss {rig.loss:.3f})")
        print(f"wrote {args.out}")
        for path in (args.render, args.report):
            if path:
                print(f"wrote {path}")
    return EXIT_OK


def _render_outputs(rig: object, di: Path, ref: Path, render_out: Path | None,
                    report_out: Path | None) -> None:
    from tonematch.audio_io import load_audio
    from tonematch.render import render_rig
    from tonematch.report import write_report

    di_audio = load_audio(di, "DI")
    matched = render_rig(rig, di_audio.samples)  # type: ignore[arg-type]
    if render_out:
        sf.write(render_out, matched.T, 48000, subtype="FLOAT", format="WAV")
    if report_out:
        ref_audio = load_audio(ref, "reference", max_seconds=REPORT_REF_SECONDS)
        write_report(report_out, ref_audio.samples, di_audio.samples, matched.mean(axis=0),
                     rig)  # type: ignore[arg-type]


def _render(args: argparse.Namespace) -> int:
    """Renders a DI through a rig exactly as the plugin plays it."""
    from tonematch.audio_io import load_audio
    from tonematch.render import MAX_TAIL_SECONDS, render_rig
    from tonematch.rig import read_rig

    if not (math.isfinite(args.tail) and 0.0 <= args.tail <= MAX_TAIL_SECONDS):
        raise InputError(f"--tail {args.tail:g}: give 0…{MAX_TAIL_SECONDS:g} seconds")
    check_outputs({"--out": args.out}, [args.di, args.rig])
    rig = read_rig(args.rig)
    rig.check_files(str(args.rig))
    check_outputs({"--out": args.out}, [rig.fx_path, rig.amp_path, rig.ir_path])
    # The whole DI, however long: the output must line up with it sample for sample.
    di = load_audio(args.di, "DI", max_seconds=math.inf)
    for note in di.notes:
        _note(note)
    out = render_rig(rig, di.samples, tail_s=args.tail)
    with StagedOutputs() as staged:
        sf.write(staged.path(args.out), out.T, 48000, subtype="FLOAT", format="WAV")
        staged.commit()
    print(f"wrote {args.out} ({out.shape[1] / 48000:.2f} s, stereo, 48 kHz)")
    return EXIT_OK


# What a match writes about itself; a tuned rig is not that match, so these are not carried over.
MATCH_ONLY_KEYS = ("alternatives", "analysis", "timings_s", "loss_components", "warnings",
                   "at_limit")


def _tune(args: argparse.Namespace) -> int:
    """Keeps the rig's pedal, amp and IR and tunes only its parameters."""
    from tonematch.matcher import retune
    from tonematch.progress import make_progress
    from tonematch.rig import read_rig, rig_json_text

    check_outputs({"--out": args.out}, [args.rig, args.di, args.ref])
    rig = read_rig(args.rig)
    rig.check_files(str(args.rig))
    check_outputs({"--out": args.out}, [rig.fx_path, rig.amp_path, rig.ir_path])
    # retune() keeps the rig's other keys (a preset's name, the user's own) and writes its own
    # loss_components.
    rig.extra = {k: v for k, v in rig.extra.items() if k not in MATCH_ONLY_KEYS}
    progress = make_progress(args.progress)
    args.progress_reporter = progress
    tuned, notes = retune(rig, args.di, args.ref, args.budget, args.seed, progress,
                          match_eq=not args.no_match_eq)
    for note in notes:
        _note(note)
    _limits(tuned)
    with StagedOutputs() as staged:
        staged.path(args.out).write_text(rig_json_text(tuned), encoding="utf-8")
        staged.commit()
    progress.finish()
    if args.progress != "jsonl":
        print(f"rig: {tuned.describe()}  (loss {tuned.loss:.3f})")
        print(f"wrote {args.out}")
    return EXIT_OK


def _library(args: argparse.Namespace) -> int:
    """Builds (index) or shows (list) the library's cached fingerprints."""
    from tonematch.library_index import load_library, main_list
    from tonematch.progress import Bar

    models, irs = _library_dirs(args)
    bar = Bar() if args.action == "index" else None

    def tick(done: int, total: int, name: str) -> None:
        if bar is None:
            return
        if done == 0:
            bar.stage("index", total)
        else:
            bar.update(done, name)

    library = load_library(models, irs, tick)
    if bar:
        bar.finish()
    for note in library.warnings:
        _note(note)
    if args.action == "list":
        main_list(library)
    print(f"{len(library.amps)} amps, {len(library.pedals)} pedals, {len(library.irs)} IRs",
          file=sys.stderr if args.action == "list" else sys.stdout)
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    """Matches the bundled DI to the bundled reference and writes everything to a folder."""
    from tonematch.library_index import default_library_dirs

    models, irs = default_library_dirs()
    examples = models[0].parent / "examples"
    di, ref = examples / "di_riff_a.wav", examples / "ref_library_rig.wav"
    out = args.out_dir
    print(f"matching {di.name} to {ref.name} with the bundled library ({args.budget})")
    ns = argparse.Namespace(di=di, ref=ref, out=out / "rig.json", library=None, irs=None,
                            render=out / "matched.wav", report=out / "report.png",
                            budget=args.budget, seed=args.seed, progress=args.progress,
                            jobs=args.jobs, no_match_eq=args.no_match_eq)
    code = _match(ns)
    print(f"demo results are in {out.resolve()}/")
    return code


def _app(args: argparse.Namespace) -> int:
    """Serves the web app (Streamlit) until interrupted."""
    from tonematch.app.launch import serve

    return serve(args.host, args.port, args.max_upload_mb)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="tonematch",
        description="ToneMatch AI: find the pedal, amp, cabinet and settings that make your "
        "guitar DI sound like a reference recording.",
        epilog="Exit codes: 0 success, 1 internal failure, 2 bad input file or argument, "
        "130 interrupted.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def search_options(p: argparse.ArgumentParser, tune: bool = False) -> None:
        p.add_argument("--budget", choices=("fast", "normal", "thorough"), default="normal",
                       help="how long to search: fast (a preview, ~7 s), normal (~25 s) or "
                       "thorough (~70 s; not a closer match, see docs/matcher.md); default normal")
        p.add_argument("--seed", type=int, default=0, help="random seed (results are "
                       "deterministic for a seed)")
        p.add_argument("--progress", choices=("bar", "jsonl", "none"), default="bar",
                       help="progress on stderr as a bar, as JSON lines on stdout, or none")
        p.add_argument("--no-match-eq", action="store_true",
                       help="leave the 24-band match EQ flat (only the eight classic settings)")
        if not tune:
            p.add_argument("--jobs", type=int, default=0,
                           help="threads for rendering (default: all cores)")

    m = sub.add_parser("match", help="find the rig that makes a DI sound like a reference",
                       description="Find the pedal, amp, cabinet and post-FX settings that "
                       "make DI sound like REF (usually a different performance).")
    m.add_argument("--di", type=Path, required=True, help="your dry guitar recording")
    m.add_argument("--ref", type=Path, required=True, help="the tone you want (a recording)")
    m.add_argument("--out", type=Path, required=True, help="rig JSON to write")
    m.add_argument("--library", type=Path, action="append",
                   help="folder of .nam models (repeatable; default: the bundled library)")
    m.add_argument("--irs", type=Path, action="append",
                   help="folder of cabinet IR .wav files (repeatable; default: bundled IRs)")
    m.add_argument("--render", type=Path, help="also write the DI rendered through the rig")
    m.add_argument("--report", type=Path, help="also write a PNG report of the match")
    search_options(m)
    m.set_defaults(run=_match)

    r = sub.add_parser("render", help="render a DI through a rig exactly as the plugin does")
    r.add_argument("--rig", type=Path, required=True, help="rig or preset JSON")
    r.add_argument("--di", type=Path, required=True, help="dry guitar recording")
    r.add_argument("--out", type=Path, required=True, help="output WAV (stereo 32-bit float)")
    r.add_argument("--tail", type=float, default=0.0, help="seconds of delay/reverb tail to add")
    r.set_defaults(run=_render)

    t = sub.add_parser("tune", help="keep a rig's pedal/amp/IR and re-tune its settings")
    t.add_argument("--rig", type=Path, required=True, help="rig JSON to start from")
    t.add_argument("--di", type=Path, required=True, help="your dry guitar recording")
    t.add_argument("--ref", type=Path, required=True, help="the tone you want")
    t.add_argument("--out", type=Path, required=True, help="tuned rig JSON to write")
    search_options(t, tune=True)
    t.set_defaults(run=_tune)

    lib = sub.add_parser("library", help="index or list the model library")
    lib.add_argument("action", choices=("index", "list"),
                     help="index: build the cached fingerprints; list: show the library")
    lib.add_argument("--library", type=Path, action="append", help="folder of .nam models")
    lib.add_argument("--irs", type=Path, action="append", help="folder of IR .wav files")
    lib.set_defaults(run=_library)

    d = sub.add_parser("demo", help="match the bundled example and write the results")
    d.add_argument("--out-dir", type=Path, default=Path("tonematch-demo"),
                   help="folder for rig.json, matched.wav and report.png "
                   "(default: ./tonematch-demo)")
    search_options(d)
    d.set_defaults(run=_demo)

    app = sub.add_parser("app", help="match in the browser: the web app (needs tonematch[app])")
    app.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (default: 127.0.0.1, this machine only; "
                     "0.0.0.0 for your network)")
    app.add_argument("--port", type=int, default=8501, help="TCP port (default: 8501)")
    app.add_argument("--max-upload-mb", type=int, default=200,
                     help="largest audio file the page accepts (default: 200 MB)")
    app.set_defaults(run=_app)

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


def _fail(args: argparse.Namespace, message: str) -> None:
    reporter = getattr(args, "progress_reporter", None)
    if reporter is not None:
        reporter.error(message)
    elif getattr(args, "progress", None) == "jsonl":
        print(json.dumps({"stage": "error", "message": message}), flush=True)
    print(f"error: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `tonematch` and `python -m tonematch`."""
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            code = int(args.run(args))
        except InputError as err:  # only the user's files and arguments are blamed on them
            for note in getattr(err, "notes", []):  # e.g. why each library file was skipped
                _note(note)
            _fail(args, str(err))
            code = EXIT_BAD_INPUT
        except KeyboardInterrupt:
            _fail(args, "interrupted")
            code = EXIT_INTERRUPTED
        except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
            code = EXIT_OK
        except MemoryError:
            _fail(args, "out of memory")
            code = EXIT_FAILURE
        except Exception as err:  # noqa: BLE001 - one line for the user, details on request
            if os.environ.get("TONEMATCH_DEBUG"):
                raise
            _fail(args, f"internal error: {type(err).__name__}: {err} "
                        "(set TONEMATCH_DEBUG=1 for details)")
            code = EXIT_FAILURE
    for w in caught:
        _note(str(w.message))
    return code
