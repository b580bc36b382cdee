"""How close the matcher gets to a hidden rig, against simple baselines and the floor.

What it measures
    Each case (`_cases.py`) is a DI, a reference and the hidden rig that made the reference:
    ``library`` (a different performance through bundled gear with random post-FX), ``outside``
    (a different performance through third-party open-source effects: C* Audio Plugin Suite,
    TAP, SWH, pedalboard) and ``same_part`` (another take of the DI's own part). DIs are played
    by the project's synthesiser or by sampled guitars (FluidSynth, Debian's sound fonts). The
    matcher runs as a user runs it (`tonematch match`, bundled library, fixed seed) and sees only
    the DI and the reference. Its render of the DI is compared with the ideal result, the DI
    through the hidden rig (`_metrics.py`): 1/3-octave spectral error, MR-STFT distance, crest
    factor difference, integrated loudness difference (LU) and output peak (dBFS). Where the
    hidden rig is bundled gear: amp top-1/top-3 (the rig and its two alternatives), amp voicing
    top-1/top-3, cabinet top-1, pedal presence (pedal vs none) and the exact pedal; and the
    truth check: the hidden rig tuned by `tonematch tune` on the same DI and reference, its
    loss against the pick's (a search miss when the true rig scores better, a loss miss when
    it does not). Where the hidden rig is bundled gear the table also scores its **true gear**:
    the hidden pedal, amp and cabinet from neutral settings, tuned by `tonematch tune` on the
    same DI and reference — what perfect identification would give with this tuning — once
    with the match EQ and once without (what the match EQ adds when the gear is right).

Baselines, scored the same way
    raw DI and match EQ (the reference/DI long-term spectrum difference, 1/6-octave smoothed,
    applied to the DI as a linear-phase FIR), both set to the reference's integrated loudness as
    a user would set a fader; a random library rig (neutral settings); and the floor: the
    reference itself scored against the ideal result — what copying the reference's statistics
    exactly gives (its MR-STFT only for same-part cases, where the notes line up).

The same notes (`--di-plays-reference`)
    An oracle, not a use case: the matcher's DI is the reference's own performance, dry, so
    the DI and the reference play the same notes (the ideal result is then the reference).
    How much of a misidentification is the other performance's doing and how much the
    comparison's: whatever the matcher still gets wrong here, no handling of the performance
    can put right. Results: benchmarks/results/match_quality_<split>_same_notes.json.
    With `--di-source SOURCE` the same notes are played on another DI source (the ideal
    result is then that DI through the hidden rig): the right notes on another guitar, the
    best a transcription of the reference played again by another instrument could give;
    `--di-source di` plays them on the case's own DI guitar.

Another guitar (`--di-source SOURCE` alone)
    Every case's DI plays its own notes on SOURCE instead of its own source (the ideal result
    is that DI through the hidden rig). On the same-part cases: the user plays the
    reference's part along with it on a guitar other than the reference's.

Splits
    ``dev`` to tune on; ``heldout`` (other seeds, riffs, rigs and DI sources) only to report.

Honesty rules
    Results record the commit and the date and are written only from a tree without
    uncommitted changes (exit 2 otherwise; `--no-save` runs anyway and writes nothing). The
    matcher must import from this checkout.

How to run (after scripts/setup.sh and scripts/setup_benchmarks.sh)
    python benchmarks/match_quality.py --split dev                  # 52 cases, budget normal
    python benchmarks/match_quality.py --split dev --cases 6 --budget fast --no-save
    python benchmarks/match_quality.py --split heldout              # only to report
Results: benchmarks/results/match_quality_<split>.json (rewritten after every case) and
Markdown tables on stdout. Case audio is cached in benchmarks/.cache/ (gitignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from _cases import (
    DEFAULT_COUNTS,
    IRS,
    MODELS,
    RATE,
    ROOT,
    SPLITS,
    Case,
    make_cases,
    random_rig_json,
    render_case,
    render_rig_json,
    voicing_of,
)
from _metrics import (
    dynamics_error_db,
    loudness_lufs,
    match_eq,
    mrstft_db,
    peak_dbfs,
    score,
    spectral_error_db,
)
from _provenance import dirty_files as uncommitted
from _provenance import head_commit

from tonematch.library.performances import is_source
from tonematch.loudness import true_peak_dbtp
from tonematch.rig import RigParams

RESULTS = Path(__file__).resolve().parent / "results"
METHODS = ("matcher", "true_gear", "true_gear_no_eq", "match_eq", "raw_di", "random_rig", "floor")
# summary metrics: (key in a score, how a case's value is summarised, label)
METRICS = (("spectral_err_db", "value", "1/3-oct dB"), ("mrstft_db", "value", "MR-STFT dB"),
           ("crest_db_err", "value", "crest diff dB"), ("loudness_err_lu", "abs", "|loudness| LU"),
           ("peak_dbfs", "value", "peak dBFS"))
COMPARED = ("spectral_err_db", "mrstft_db", "crest_db_err", "loudness_err_lu")
GROUPS = ("library", "outside", "same_part")
IDENT_KEYS = ("amp_top1", "amp_top3", "voicing_top1", "voicing_top3", "cab_top1",
              "pedal_presence", "pedal_exact")
# issue 10's targets (the held-out split is what they are judged on)
TARGETS_LIBRARY = {"amp_top1": 0.70, "amp_top3": 0.90, "voicing_top1": 0.85, "cab_top1": 0.70,
                   "pedal_presence": 0.90}
TARGET_SPECTRAL_DB = {"library": 2.0, "outside": 3.0, "same_part": 1.2}
TARGET_MATCH_S = 30.0
THIRD_PARTY_DEBS = ("fluidsynth", "fluid-soundfont-gm", "musescore-general-soundfont", "caps",
                    "tap-plugins", "swh-plugins")


# ------------------------------------------------------------------------------ provenance


def code_version() -> str:
    """HEAD's commit, marked '+uncommitted' when the tree has changes (for other benchmarks'
    records)."""
    try:
        return head_commit() + ("+uncommitted" if uncommitted() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def tool_versions() -> dict[str, str | None]:
    """Versions of the third-party packages the cases are made with."""
    versions: dict[str, str | None] = {}
    for deb in THIRD_PARTY_DEBS:
        try:
            versions[deb] = subprocess.run(["dpkg-query", "-W", "-f=${Version}", deb],
                                           capture_output=True, text=True,
                                           check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            versions[deb] = None
    try:
        import pedalboard

        versions["pedalboard"] = str(pedalboard.__version__)
    except ImportError:
        versions["pedalboard"] = None
    return versions


def check_dependencies(split: str) -> list[str]:
    """What is missing to build the split's cases (empty when all is there)."""
    from _ladspa import find_library

    from tonematch.library.performances import SOUND_FONTS

    missing = []
    if shutil.which("fluidsynth") is None:
        missing.append("fluidsynth")
    fonts = {s.partition(":")[0] for s in SPLITS[split]["sources"] if s != "synth"}
    missing += [str(SOUND_FONTS[f]) for f in sorted(fonts) if not SOUND_FONTS[f].exists()]
    for lib in ("caps.so", "tap_tubewarmth.so", "tap_sigmoid.so", "tap_echo.so",
                "tap_reverb.so", "valve_1209.so", "foverdrive_1196.so"):
        try:
            find_library(lib)
        except FileNotFoundError:
            missing.append(f"LADSPA {lib}")
    try:
        import pedalboard  # noqa: F401
    except ImportError:
        missing.append("pedalboard (Python)")
    return missing


def matcher_location(env: dict[str, str]) -> str:
    """Where `python -m tonematch` imports the package from, with the benchmark's environment."""
    out = subprocess.run([sys.executable, "-c", "import tonematch; print(tonematch.__file__)"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


# ----------------------------------------------------------------------------------- a case


def write_wav(path: Path, x: np.ndarray) -> Path:
    """Mono float WAV at 48 kHz."""
    sf.write(path, np.asarray(x, dtype=np.float32), RATE, subtype="FLOAT")
    return path


def tonematch_cli(cmd: list[str], env: dict[str, str], timeout: float,
                  tail_lines: int) -> tuple[int, str]:
    """`python -m tonematch CMD…` run from this checkout: its exit status and its last output
    lines (joined with " / ") for an error message."""
    proc = subprocess.run([sys.executable, "-m", "tonematch", *cmd], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    lines = (proc.stderr or proc.stdout).strip().splitlines()[-tail_lines:]
    return proc.returncode, " / ".join(lines)


def run_matcher(di_path: Path, ref_path: Path, work: Path, args: argparse.Namespace,
                env: dict[str, str]) -> tuple[dict[str, Any] | None, np.ndarray | None, float,
                                              str]:
    """`tonematch match` as a user runs it: the rig JSON, the matched render (mono), the wall
    time, and the error message when it failed."""
    rig_path, render_path = work / "rig.json", work / "matched.wav"
    for p in (rig_path, render_path):
        p.unlink(missing_ok=True)
    cmd = ["match", "--di", str(di_path), "--ref", str(ref_path), "--out", str(rig_path),
           "--render", str(render_path), "--library", str(MODELS), "--irs", str(IRS),
           "--budget", args.budget, "--seed", "0", "--jobs", str(args.jobs), "--progress",
           "none"]
    start = time.perf_counter()
    code, tail = tonematch_cli(cmd, env, args.timeout, 3)
    seconds = time.perf_counter() - start
    if code != 0 or not rig_path.exists() or not render_path.exists():
        return None, None, seconds, f"exit {code}: {tail}"
    rendered, rate = sf.read(render_path, dtype="float64", always_2d=True)
    if rate != RATE:
        return None, None, seconds, f"render at {rate} Hz"
    return json.loads(rig_path.read_text(encoding="utf-8")), rendered.mean(axis=1), seconds, ""


def truth_check(hidden_rig: dict[str, Any], matched: dict[str, Any], di_path: Path,
                ref_path: Path, work: Path, args: argparse.Namespace,
                env: dict[str, str]) -> dict[str, Any]:
    """Does the matcher's own loss prefer the hidden rig to its pick?

    The hidden rig (its gear, its settings as the starting point) is tuned on the same DI and
    reference with the same budget (`tonematch tune`), then both verified losses are compared.
    The true rig scoring better means the search missed it; scoring worse means the loss
    itself prefers another rig, whatever the search does.
    """
    hidden_path, tuned_path = work / "hidden_rig.json", work / "hidden_tuned.json"
    hidden_path.write_text(json.dumps(hidden_rig), encoding="utf-8")
    tuned_path.unlink(missing_ok=True)
    cmd = ["tune", "--rig", str(hidden_path), "--di", str(di_path), "--ref", str(ref_path),
           "--out", str(tuned_path), "--budget", args.budget, "--seed", "0", "--progress",
           "none"]
    code, tail = tonematch_cli(cmd, env, args.timeout, 2)
    if code != 0 or not tuned_path.exists():
        return {"error": f"exit {code}: {tail}"}
    tuned = json.loads(tuned_path.read_text(encoding="utf-8"))
    true_loss, pick_loss = float(tuned["loss"]), float(matched["loss"])

    def rig_part(rig_json: dict[str, Any]) -> float | None:
        part = (rig_json.get("loss_components") or {}).get("rig")
        return round(float(part), 4) if part is not None else None

    return {"true_rig_loss": round(true_loss, 4), "matched_loss": round(pick_loss, 4),
            "true_rig_rig_part": rig_part(tuned), "matched_rig_part": rig_part(matched),
            "true_rig_scores_better": true_loss < pick_loss}


def true_gear(hidden_rig: dict[str, Any], di_path: Path, ref_path: Path, work: Path,
              args: argparse.Namespace, env: dict[str, str], match_eq: bool = True
              ) -> tuple[np.ndarray | None, str]:
    """The hidden rig's pedal, amp and cabinet *given*, its settings not: from neutral
    settings, `tonematch tune` sets them (with the match EQ, or without it: then the match EQ's
    own effect shows) on the same DI and reference, as the matcher tunes its pick; then
    `tonematch render` plays the DI through it. What perfect identification would give with
    this tuning; its render, or None and the error."""
    start_path, tuned_path = work / "gear_neutral.json", work / "gear_tuned.json"
    render_path = work / "gear.wav"
    neutral = {"rig": hidden_rig["rig"], "params": RigParams().to_dict()}
    start_path.write_text(json.dumps(neutral), encoding="utf-8")
    for path in (tuned_path, render_path):
        path.unlink(missing_ok=True)
    for cmd in (["tune", "--rig", str(start_path), "--di", str(di_path), "--ref", str(ref_path),
                 "--out", str(tuned_path), "--budget", args.budget, "--seed", "0",
                 "--progress", "none", *([] if match_eq else ["--no-match-eq"])],
                ["render", "--rig", str(tuned_path), "--di", str(di_path), "--out",
                 str(render_path)]):
        code, tail = tonematch_cli(cmd, env, args.timeout, 2)
        if code != 0:
            return None, f"{cmd[0]}: exit {code}: {tail}"
    rendered, rate = sf.read(render_path, dtype="float64", always_2d=True)
    return (rendered.mean(axis=1), "") if rate == RATE else (None, f"render at {rate} Hz")


def identification(hidden: dict[str, Any], rig_json: dict[str, Any]) -> dict[str, bool]:
    """Did the matcher name the hidden bundled gear? (amp/voicing over the rig and its two
    alternatives; cabinet and pedal of the rig itself)."""
    amps = [rig_json["rig"]["amp_nam"]]
    amps += [alt["rig"]["amp_nam"] for alt in rig_json.get("alternatives", [])]
    voicings = [voicing_of(a) for a in amps]
    picked_pedal = rig_json["rig"].get("fx_nam") or ""
    true_pedal = hidden["fx_nam"] or ""
    return {"amp_top1": amps[0] == hidden["amp_nam"], "amp_top3": hidden["amp_nam"] in amps[:3],
            "voicing_top1": voicings[0] == voicing_of(hidden["amp_nam"]),
            "voicing_top3": voicing_of(hidden["amp_nam"]) in voicings[:3],
            "cab_top1": rig_json["rig"].get("ir") == hidden["ir"],
            "pedal_presence": bool(picked_pedal) == bool(true_pedal),
            "pedal_exact": picked_pedal == true_pedal}


def at_loudness(x: np.ndarray, lufs: float) -> np.ndarray:
    """x scaled to an integrated loudness (a fader set by ear)."""
    return np.asarray(x, np.float64) * 10 ** ((lufs - loudness_lufs(x)) / 20)


def floor_score(case: Case, ref: np.ndarray, ideal: np.ndarray) -> dict[str, float | None]:
    """The reference itself against the ideal result: what copying its statistics gives."""
    dyn = dynamics_error_db(ref, ideal)
    same = case.kind == "same_part"
    n = min(len(ref), len(ideal))
    return {"spectral_err_db": spectral_error_db(ref, ideal),
            "mrstft_db": mrstft_db(ref[:n], ideal[:n]) if same else None,
            **dyn, "loudness_err_lu": loudness_lufs(ref) - loudness_lufs(ideal),
            "peak_dbfs": peak_dbfs(ref)}


def _rounded(d: dict[str, Any]) -> dict[str, Any]:
    return {k: round(float(v), 3) if isinstance(v, float) else v for k, v in d.items()}


def run_case(case: Case, args: argparse.Namespace, work: Path,
             env: dict[str, str]) -> dict[str, Any]:
    """Renders the case, runs the matcher and every baseline, scores them."""
    audio = render_case(case, use_cache=not args.no_cache)
    di, ref, ideal = audio.di, audio.ref, audio.ideal
    if args.di_source:
        # Another guitar plays the notes (the reference's with --di-plays-reference, else the
        # DI's own): the ideal result is that DI through the hidden rig at the case's
        # mastering gain.
        notes = case.ref if args.di_plays_reference else case.di
        source = case.di.source if args.di_source == "di" else args.di_source
        di = replace(notes, source=source).render().astype(np.float32)
        gain = 10.0 ** (audio.mastering_gain_db / 20.0)
        ideal = (gain * case.hidden.render(di)).astype(np.float32)
    elif args.di_plays_reference:
        # The reference's notes, dry: through the hidden rig and the mastering gain they are
        # the reference itself.
        di, ideal = case.ref.render().astype(np.float32), ref
    di_path, ref_path = write_wav(work / "di.wav", di), write_wav(work / "ref.wav", ref)
    rig_json, matched, seconds, error = run_matcher(di_path, ref_path, work, args, env)
    ref_lufs = loudness_lufs(ref)
    random_json = random_rig_json(np.random.default_rng(
        [SPLITS[case.split]["seed"], 3, {"library": 1, "outside": 2, "same_part": 3}[case.kind],
         case.index]))
    candidates = {"match_eq": at_loudness(match_eq(di, ref), ref_lufs),
                  "raw_di": at_loudness(di, ref_lufs),
                  "random_rig": render_rig_json(random_json, di)}
    if matched is not None:
        candidates["matcher"] = matched
    gear_error = ""
    if case.hidden.rig_json is not None:
        for key, with_eq in (("true_gear", True), ("true_gear_no_eq", False)):
            gear, why = true_gear(case.hidden.rig_json, di_path, ref_path, work, args, env,
                                  with_eq)
            if gear is not None:
                candidates[key] = gear
            gear_error = gear_error or why
    scores: dict[str, Any] = {name: _rounded(score(x, ideal)) for name, x in candidates.items()}
    scores["floor"] = _rounded(floor_score(case, ref, ideal))
    if args.keep_audio:
        keep_audio(args.keep_audio / case.split, case.name,
                   {"di": di, "ref": ref, "ideal": ideal, **candidates})
    row: dict[str, Any] = {**case.describe(), "scores": scores,
                           "mastering_gain_db": round(audio.mastering_gain_db, 2),
                           "random_rig": random_json["rig"], "match_seconds": round(seconds, 2),
                           "error": error or None}
    if gear_error:
        row["true_gear_error"] = gear_error
    if matched is not None:
        # The level issue's target: the match at the reference's loudness, never above 0 dBFS.
        mono = np.asarray(matched, np.float64)
        mono = mono.mean(axis=0) if mono.ndim == 2 else mono
        row["level"] = {"vs_reference_lu": round(loudness_lufs(mono) - ref_lufs, 3),
                        "peak_dbfs": round(peak_dbfs(matched), 3),
                        "true_peak_dbtp": round(true_peak_dbtp(matched), 3)}
    if rig_json is not None:
        row["matched"] = {"rig": {k: rig_json["rig"].get(k) for k in ("fx_nam", "amp_nam", "ir")},
                          "params": rig_json.get("params"), "loss": rig_json.get("loss"),
                          "alternatives_amps": [a["rig"]["amp_nam"]
                                                for a in rig_json.get("alternatives", [])],
                          "match_eq_db": (rig_json.get("match_eq") or {}).get("gains_db"),
                          "timings_s": rig_json.get("timings_s"),
                          "pedal_checks": (rig_json.get("analysis") or {}).get("pedal_checks"),
                          "same_part": (rig_json.get("analysis") or {}).get("same_part")}
        if case.hidden.rig_json is not None:
            row["identification"] = identification(case.hidden.rig_json["rig"], rig_json)
            row["truth_check"] = truth_check(case.hidden.rig_json, rig_json, di_path, ref_path,
                                             work, args, env)
    return row


def keep_audio(folder: Path, name: str, signals: dict[str, np.ndarray]) -> None:
    """Every signal of a case for listening, at its own level (float WAV)."""
    folder.mkdir(parents=True, exist_ok=True)
    for key, x in signals.items():
        write_wav(folder / f"{name}_{key}.wav", x)


# ----------------------------------------------------------------------------------- summary


def _median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None and math.isfinite(v)]
    return round(float(np.median(values)), 3) if values else None


def _rate(values: list[bool]) -> float | None:
    return round(float(np.mean(values)), 3) if values else None


def _metric(row: dict[str, Any], method: str, key: str, how: str) -> float | None:
    v = row["scores"].get(method, {}).get(key)
    return None if v is None else (abs(v) if how == "abs" else v)


def method_medians(rows: list[dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """Median of every summary metric for every method over the rows."""
    return {m: {key: _median([_metric(r, m, key, how) for r in rows]) for key, how, _ in METRICS}
            for m in METHODS}


def wins(rows: list[dict[str, Any]], a: str = "matcher", b: str = "match_eq") -> dict[str, str]:
    """In how many cases method a beats method b, per metric (|loudness| for loudness); a case
    where a failed counts as a loss."""
    out = {}
    for key in COMPARED:
        how = "abs" if key == "loudness_err_lu" else "value"
        n = 0
        for r in rows:
            va, vb = _metric(r, a, key, how), _metric(r, b, key, how)
            n += va is not None and vb is not None and va < vb
        out[key] = f"{n}/{len(rows)}"
    return out


def identification_rates(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Hit rates over the rows whose hidden rig is bundled gear (failed matches count as
    misses)."""
    lib = [r for r in rows if r["hidden_kind"] == "library"]
    flags = [r.get("identification") or dict.fromkeys(IDENT_KEYS, False) for r in lib]
    checked = [r["truth_check"] for r in lib if "true_rig_scores_better" in
               (r.get("truth_check") or {})]
    return {k: _rate([f[k] for f in flags]) for k in IDENT_KEYS} | {
        "cases": len(lib),
        # Search misses (the loss prefers the true rig) vs loss misses (it prefers the pick).
        "true_rig_scores_better": f"{sum(c['true_rig_scores_better'] for c in checked)}"
                                  f"/{len(checked)}"}


EFFECT_OFF = 0.05  # a delay mix or reverb wet at most this is no effect (the level issue's bound)
DELAY_TIME_TOLERANCE = 0.10


def hidden_time_effects(hidden: dict[str, Any]) -> dict[str, Any]:
    """What the hidden rig puts after the amp: "dry", "delay" (with its time, and its mix where
    it is our chain's) or "reverb"."""
    params = hidden.get("params")
    if params is not None:  # a bundled rig: the chain's own delay and reverb
        if params["delay_mix"] > 0:
            return {"kind": "delay", "time_ms": params["delay_time_ms"],
                    "mix": params["delay_mix"]}
        return {"kind": "reverb" if params["reverb_wet"] > 0 else "dry"}
    kind = hidden.get("time_fx", "dry")
    if kind != "delay":
        return {"kind": kind}
    stage = next(s for s in hidden["stages"] if "delay_ms" in s)
    return {"kind": "delay", "time_ms": stage["delay_ms"], "mix": None}


def time_effect_rates(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Delay and reverb as the matcher set them, against what the hidden rig has."""
    out: dict[str, Any] = {"dry": 0, "dry_clean": 0, "delay": 0, "delay_time_right": 0,
                           "delay_mix_checked": 0, "delay_mix_right": 0, "reverb": 0,
                           "reverb_found": 0}
    for r in rows:
        params = (r.get("matched") or {}).get("params")
        if not params:
            continue
        truth = hidden_time_effects(r["hidden"])
        mix, wet = params.get("delay_mix", 0.0), params.get("reverb_wet", 0.0)
        out[truth["kind"]] += 1
        if truth["kind"] == "dry":
            out["dry_clean"] += int(mix <= EFFECT_OFF and wet <= EFFECT_OFF)
        elif truth["kind"] == "delay":
            error = abs(params["delay_time_ms"] - truth["time_ms"]) / truth["time_ms"]
            out["delay_time_right"] += int(mix > EFFECT_OFF and error <= DELAY_TIME_TOLERANCE)
            if truth["mix"] is not None:
                out["delay_mix_checked"] += 1
                out["delay_mix_right"] += int(abs(mix - truth["mix"]) <= EFFECT_OFF)
        else:
            out["reverb_found"] += int(wet > EFFECT_OFF)
    return out


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians per group and method, wins vs match EQ, identification rates, targets."""
    groups = {g: [r for r in rows if r["kind"] == g] for g in GROUPS}
    groups = {g: rs for g, rs in groups.items() if rs}
    medians = {g: method_medians(rs) for g, rs in groups.items()}
    ident = {g: identification_rates(rs) for g, rs in groups.items()
             if any(r["hidden_kind"] == "library" for r in rs)}
    checks: list[dict[str, Any]] = []

    def check(name: str, value: float | None, threshold: float, lower_is_better: bool) -> None:
        ok = value is not None and (value <= threshold if lower_is_better else value >= threshold)
        checks.append({"target": name, "value": value, "threshold": threshold, "pass": bool(ok)})

    if "library" in ident:
        for key, threshold in TARGETS_LIBRARY.items():
            check(f"library: {key} >= {threshold:.0%}", ident["library"][key], threshold, False)
    for g, rs in groups.items():
        check(f"{g}: median 1/3-octave error <= {TARGET_SPECTRAL_DB[g]} dB",
              medians[g]["matcher"]["spectral_err_db"], TARGET_SPECTRAL_DB[g], True)
        if g == "library":
            continue
        w = wins(rs)
        for key in COMPARED:
            n = int(w[key].split("/")[0])
            mine, eq = medians[g]["matcher"][key], medians[g]["match_eq"][key]
            checks.append({"target": f"{g}: beats match EQ on {key} (median and >= 2/3 of cases)",
                           "value": f"{mine} vs {eq}, {w[key]}", "threshold": "2/3",
                           "pass": bool(mine is not None and eq is not None and mine < eq
                                        and 3 * n >= 2 * len(rs))})
    levels = [r["level"] for r in rows if r.get("level")]
    level = {"cases": len(levels),
             "within_1_lu": sum(abs(v["vs_reference_lu"]) <= 1.0 for v in levels),
             "median_abs_lu": _median([abs(v["vs_reference_lu"]) for v in levels]),
             "worst_abs_lu": max((abs(v["vs_reference_lu"]) for v in levels), default=None),
             "peaks_above_0_dbfs": sum(v["peak_dbfs"] > 0.0 for v in levels),
             "highest_peak_dbfs": max((v["peak_dbfs"] for v in levels), default=None),
             # Results written before true peaks were recorded have none.
             "true_peaks_recorded": sum("true_peak_dbtp" in v for v in levels),
             "true_peaks_above_0_dbtp": sum(v.get("true_peak_dbtp", -math.inf) > 0.0
                                            for v in levels),
             "highest_true_peak_dbtp": max((v["true_peak_dbtp"] for v in levels
                                            if "true_peak_dbtp" in v), default=None)}
    checks.append({"target": "level: every match within 1 LU of the reference's loudness",
                   "value": f"{level['within_1_lu']}/{level['cases']}", "threshold": "all",
                   "pass": bool(levels) and level["within_1_lu"] == len(levels)})
    checks.append({"target": "level: no match peaks above 0 dBFS",
                   "value": level["peaks_above_0_dbfs"], "threshold": 0,
                   "pass": bool(levels) and level["peaks_above_0_dbfs"] == 0})
    checks.append({"target": "level: no match's true peak above 0 dBTP",
                   "value": f"{level['true_peaks_above_0_dbtp']} of "
                   f"{level['true_peaks_recorded']} measured", "threshold": 0,
                   "pass": bool(levels) and level["true_peaks_recorded"] == len(levels)
                   and level["true_peaks_above_0_dbtp"] == 0})
    fx = time_effect_rates(rows)
    checks.append({"target": f"effects: dry references get delay mix and reverb wet <= "
                   f"{EFFECT_OFF}", "value": f"{fx['dry_clean']}/{fx['dry']}",
                   "threshold": "all", "pass": fx["dry"] > 0 and fx["dry_clean"] == fx["dry"]})
    checks.append({"target": f"effects: delay time within {DELAY_TIME_TOLERANCE:.0%} (delay on)",
                   "value": f"{fx['delay_time_right']}/{fx['delay']}", "threshold": "80%",
                   "pass": fx["delay"] > 0 and 5 * fx["delay_time_right"] >= 4 * fx["delay"]})
    seconds = [r["match_seconds"] for r in rows if not r.get("error")]
    check(f"median match <= {TARGET_MATCH_S:.0f} s", _median(seconds), TARGET_MATCH_S, True)
    # How often the matcher took the DI for the reference's part, per group (rows written
    # before the detector existed have no record).
    same_part = {g: {"recorded": sum(_same_part_of(r) is not None for r in rs),
                     "detected": sum(bool(_same_part_of(r)) for r in rs)}
                 for g, rs in groups.items()}
    return {"cases": {g: len(rs) for g, rs in groups.items()},
            "failed_matches": [r["name"] for r in rows if r.get("error")],
            "medians": medians, "wins_vs_match_eq": {g: wins(rs) for g, rs in groups.items()},
            "identification": ident, "level": level, "time_effects": fx,
            "same_part_detected": same_part,
            "median_match_seconds": _median(seconds),
            "targets": checks}


def _same_part_of(row: dict[str, Any]) -> bool | None:
    """Whether the match took the DI for the reference's part; None where not recorded."""
    found = (row.get("matched") or {}).get("same_part")
    return None if found is None else bool(found.get("detected"))


def _fmt(v: Any, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return f"{v:.{digits}f}" if isinstance(v, float | int) else str(v)


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.0f} %"


def markdown(summary: dict[str, Any], split: str, budget: str) -> str:
    """The summary as Markdown tables."""
    lines = []
    for g, n in summary["cases"].items():
        med = summary["medians"][g]
        lines += [f"**{g}** ({n} cases, split {split}, budget {budget}); medians, lower is "
                  "better except peak", "",
                  "| method | " + " | ".join(label for _, _, label in METRICS) + " |",
                  "|---|" + "---:|" * len(METRICS)]
        for m in METHODS:
            label = {"floor": "floor (the reference itself)", "raw_di": "raw DI",
                     "true_gear": "true gear, tuned (bundled hidden rigs only)",
                     "true_gear_no_eq": "true gear, tuned without the match EQ",
                     "match_eq": "match EQ", "random_rig": "random library rig"}.get(m, m)
            lines.append(f"| {label} | " + " | ".join(_fmt(med[m][k]) for k, _, _ in METRICS)
                         + " |")
        w = summary["wins_vs_match_eq"][g]
        lines += ["", "matcher better than match EQ in: "
                  + ", ".join(f"{k} {v}" for k, v in w.items()), ""]
    for g, ident in summary["identification"].items():
        lines += [f"identification, {g} cases with a bundled hidden rig ({ident['cases']}): "
                  + ", ".join(f"{k} {_pct(ident[k])}" for k in IDENT_KEYS)
                  + f"; the tuned true rig scores better than the pick in "
                  f"{ident.get('true_rig_scores_better', '-')}", ""]
    lines += ["| target | value | threshold | result |", "|---|---:|---:|---|"]
    for c in summary["targets"]:
        pct = "top" in c["target"] or "pedal" in c["target"]
        value = _pct(c["value"]) if pct else _fmt(c["value"])
        threshold = _pct(c["threshold"]) if pct else _fmt(c["threshold"])
        lines.append(f"| {c['target']} | {value} | {threshold} | "
                     f"{'pass' if c['pass'] else '**miss**'} |")
    if summary["failed_matches"]:
        lines += ["", f"matcher failed in: {', '.join(summary['failed_matches'])}"]
    fx = summary.get("time_effects")
    if fx:
        lines += ["", f"effects: dry references left dry {fx['dry_clean']}/{fx['dry']}; delay "
                  f"time within {DELAY_TIME_TOLERANCE:.0%} {fx['delay_time_right']}/{fx['delay']} "
                  f"(mix within {EFFECT_OFF}: "
                  f"{fx['delay_mix_right']}/{fx['delay_mix_checked']} where it is the chain's "
                  f"delay); reverb found (wet > {EFFECT_OFF}) {fx['reverb_found']}/{fx['reverb']}"]
    lines.append(f"\nmedian match time {_fmt(summary['median_match_seconds'], 1)} s")
    return "\n".join(lines)


def case_table(rows: list[dict[str, Any]]) -> str:
    """Per-case Markdown table."""
    lines = ["| case | DI → reference | hidden | matched | 1/3-oct (EQ, floor) | MR-STFT (EQ) | "
             "crest (EQ) | loud LU | loss true rig / pick | s |",
             "|---|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        h = r["hidden"]
        if r["hidden_kind"] == "library":
            hidden = " → ".join(x for x in (h.get("pedal"), h.get("amp"), h.get("ir")) if x)
        else:
            hidden = " → ".join(s["plugin"] for s in h["stages"])
        m = (r.get("matched") or {}).get("rig") or {}
        matched = " → ".join(x for x in (m.get("fx_nam"), m.get("amp_nam"), m.get("ir")) if x)
        s, e, f = (r["scores"].get(k, {}) for k in ("matcher", "match_eq", "floor"))
        t = r.get("truth_check") or {}
        perf = (f"{r['di']['source']} {r['di']['style']} → {r['reference']['source']} "
                f"{r['reference']['style']}")
        lines.append(
            f"| {r['name']} | {perf} | {hidden} | {matched or 'FAILED'} | "
            f"{_fmt(s.get('spectral_err_db'))} ({_fmt(e.get('spectral_err_db'))}, "
            f"{_fmt(f.get('spectral_err_db'))}) | {_fmt(s.get('mrstft_db'))} "
            f"({_fmt(e.get('mrstft_db'))}) | {_fmt(s.get('crest_db_err'))} "
            f"({_fmt(e.get('crest_db_err'))}) | {_fmt(s.get('loudness_err_lu'))} | "
            f"{_fmt(t.get('true_rig_loss'))} / {_fmt(t.get('matched_loss'))} | "
            f"{r['match_seconds']:.0f} |")
    return "\n".join(lines)


# -------------------------------------------------------------------------------------- main


def write_results(path: Path, meta: dict[str, Any], rows: list[dict[str, Any]],
                  complete: bool) -> dict[str, Any]:
    """Writes rows and summary atomically; returns the summary."""
    summary = summarise(rows)
    data = {**meta, "complete": complete, "seconds": round(time.time() - meta["_started"], 1),
            "summary": summary, "rows": rows}
    data.pop("_started")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    return summary


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--split", choices=tuple(SPLITS), default="dev",
                   help="dev (tune on it) or heldout (report only); default dev")
    p.add_argument("--cases", type=int, help="run only the first N cases (kinds interleaved); "
                   f"default all {sum(DEFAULT_COUNTS.values())}")
    p.add_argument("--budget", choices=("fast", "normal", "thorough"), default="normal")
    p.add_argument("--jobs", type=int, default=2, help="matcher threads (default 2)")
    p.add_argument("--only", nargs="*", help="run only these cases (e.g. lib03 out01 same02)")
    p.add_argument("--list", action="store_true", help="list the cases and exit")
    p.add_argument("--summarise", type=Path, metavar="RESULTS_JSON",
                   help="print the summary of a results file's rows with this code's summary "
                   "(runs no case, writes nothing)")
    p.add_argument("--out", type=Path, help="results JSON to write (default: "
                   "benchmarks/results/match_quality_<split>.json; give another path for a "
                   "subset run with --only, so the split's full results stay)")
    p.add_argument("--no-save", action="store_true",
                   help="write no results file (allowed on a tree with uncommitted changes)")
    p.add_argument("--no-cache", action="store_true", help="render case audio afresh")
    p.add_argument("--keep-audio", type=Path, help="also write every signal of every case here")
    p.add_argument("--di-plays-reference", action="store_true",
                   help="oracle: the matcher's DI is the reference's own dry performance "
                        "(see 'The same notes'); results go to match_quality_<split>_same_notes"
                        ".json")
    p.add_argument("--di-source", metavar="SOURCE",
                   help="the DI's notes (with --di-plays-reference: the reference's) played "
                        "on this DI source (synth, fluidr3:<program>, musescore:<program>; "
                        "`di`: the case's own DI source): the same notes on another guitar; "
                        "results go to match_quality_<split>[_same_notes]_on_<source>.json")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per match (default 600)")
    p.add_argument("--index-cache", type=Path, help="library index cache for the matcher "
                   "(default: a private folder under the system temp dir)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Runs the cases, writes the JSON, prints the Markdown summary."""
    args = parse_args(argv)
    if args.summarise:
        try:
            done = json.loads(args.summarise.read_text())
            rows = done["rows"]
        except (OSError, ValueError, KeyError, TypeError) as err:
            print(f"match_quality: {args.summarise}: not a results file ({err})", file=sys.stderr)
            return 2
        print(f"rows measured at {done.get('commit')} ({done.get('date')})")
        print(markdown(summarise(rows), done.get("split", "?"),
                       (done.get("settings") or {}).get("budget", "?")))
        return 0
    if args.di_source and args.di_source != "di" and not is_source(args.di_source):
        print(f"match_quality: --di-source {args.di_source!r}: not a DI source (synth, di, "
              f"fluidr3:<program> or musescore:<program>, program 0–127)", file=sys.stderr)
        return 2
    cases = make_cases(args.split)
    if args.only:
        cases = [c for c in cases if c.name in set(args.only)]
    if args.cases is not None:
        cases = cases[: args.cases]
    if args.list:
        for c in cases:
            print(c.name, json.dumps(c.describe()))
        return 0
    missing = check_dependencies(args.split)
    if missing:
        print("match_quality: missing " + ", ".join(missing)
              + " (run: bash scripts/setup_benchmarks.sh)", file=sys.stderr)
        return 2
    try:
        dirty = uncommitted()
        commit = head_commit()
    except (OSError, subprocess.CalledProcessError) as err:
        print(f"match_quality: cannot read the git state ({err})", file=sys.stderr)
        return 2
    if dirty and not args.no_save:
        print("match_quality: refusing to write results from a tree with uncommitted changes ("
              + ", ".join(dirty[:8]) + (" …" if len(dirty) > 8 else "")
              + "); commit them, run from a clean worktree, or use --no-save", file=sys.stderr)
        return 2
    env = dict(os.environ, TONEMATCH_CACHE=str(
        args.index_cache or Path(tempfile.gettempdir()) / "tonematch-bench-cache"))
    location = Path(matcher_location(env)).resolve()
    if ROOT not in location.parents:
        print(f"match_quality: `python -m tonematch` imports {location}, not this checkout "
              f"({ROOT}); set PYTHONPATH={ROOT}", file=sys.stderr)
        return 2
    # The oracle's results never take the place of the split's own.
    guitar = f"_on_{args.di_source.replace(':', '')}" if args.di_source else ""
    default = (f"match_quality_{args.split}{'_same_notes' if args.di_plays_reference else ''}"
               f"{guitar}.json")
    out = args.out or RESULTS / default
    progress = out.with_name(out.name + ".inprogress")
    meta = {"benchmark": "match_quality", "split": args.split,
            "commit": commit + ("+uncommitted" if dirty else ""),
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": {"python": platform.python_version(), "platform": platform.platform(),
                        "cpus": os.cpu_count()},
            "settings": {"cases": len(cases), "budget": args.budget, "jobs": args.jobs,
                         "matcher_seed": 0, "only": args.only, "library": str(MODELS),
                         "di_plays_reference": args.di_plays_reference,
                         "di_source": args.di_source,
                         "irs": str(IRS)},
            "tools": tool_versions(), "_started": time.time()}
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="tonematch-quality-") as tmp:
        for i, case in enumerate(cases):
            t0 = time.time()
            row = run_case(case, args, Path(tmp), env)
            rows.append(row)
            if not args.no_save:  # progress beside the results, renamed only when complete
                write_results(progress, dict(meta), rows, complete=False)
            s, e = row["scores"].get("matcher", {}), row["scores"]["match_eq"]
            print(f"[{i + 1}/{len(cases)}] {case.name}: 1/3-oct {_fmt(s.get('spectral_err_db'))}"
                  f" dB (EQ {_fmt(e['spectral_err_db'])}, floor "
                  f"{_fmt(row['scores']['floor']['spectral_err_db'])}), amp "
                  f"{(row.get('matched') or {}).get('rig', {}).get('amp_nam', 'FAILED')} vs "
                  f"{case.hidden.amp or '-'} ({time.time() - t0:.0f} s)"
                  + (f" error: {row['error']}" if row.get("error") else ""),
                  file=sys.stderr, flush=True)
    if args.no_save:
        summary = summarise(rows)
    else:
        if head_commit() != commit or [p for p in uncommitted() if p not in dirty]:
            print(f"match_quality: the checkout changed while the cases ran; {progress} kept, "
                  f"{out.name} not written", file=sys.stderr)
            return 2
        summary = write_results(out, dict(meta), rows, complete=True)
        progress.unlink(missing_ok=True)
    print(markdown(summary, args.split, args.budget))
    print()
    print(case_table(rows))
    if not args.no_save:
        print(f"\nwrote {out} (commit {commit[:10]}, {time.time() - meta['_started']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
