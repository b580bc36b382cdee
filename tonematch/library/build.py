"""Rebuilds the model library from its simulations: `python -m tonematch.library.build`.

Modes:
- `full` — every cabinet IR, every pedal and amp of the catalogs captured into a .nam file
  (resumable: captures whose file and settings are unchanged are kept), and the example clips.
- `smoke` — one small capture with a few training steps, one IR and the clips, into `--out`;
  what the tests run to prove the pipeline works end to end.
Captures whose held-out ESR is above `--max-esr` are not kept (they are listed in the report).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from tonematch.library import cab_sim, capture, di_synth, manifest
from tonematch.library.gear import Gear

ASSETS = Path(__file__).resolve().parents[2] / "assets"
SAMPLE_RATE = 48_000

# The trainer's WaveNet presets (as in neural-amp-modeler 0.12): channels and dilations of the
# two layer arrays.
_FULL = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
_SHORT = ([1, 2, 4, 8, 16, 32, 64], [128, 256, 512, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512])
PRESETS: dict[str, tuple[tuple[int, int], tuple[list[int], list[int]]]] = {
    "standard": ((16, 8), (_FULL, _FULL)),
    "lite": ((12, 6), _SHORT),
    "feather": ((8, 4), _SHORT),
    "nano": ((4, 2), _SHORT),
}


def preset_for(gear: Gear, index: int) -> str:
    """Mostly lite/feather, some standard for the amps, as in community libraries."""
    if gear.kind == "amp" and index % 4 == 0:
        return "standard"
    return "lite" if index % 2 == 0 else "feather"


def build_irs(folder: Path, cabs: list[cab_sim.Cab]) -> dict[str, dict[str, Any]]:
    """Writes every IR as 48 kHz mono float WAV; returns manifest entries by name."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = {}
    for cab in cabs:
        ir = cab_sim.impulse_response(cab.settings)
        path = folder / f"{cab.name}.wav"
        manifest.write_float_wav(path, ir, SAMPLE_RATE)
        entries[cab.name] = {
            "name": cab.name,
            "display": cab.display,
            "file": path.name,
            "kind": "cab",
            "tags": list(cab.tags),
            "sample_rate": SAMPLE_RATE,
            "length_ms": round(1000 * len(ir) / SAMPLE_RATE, 1),
            "normalisation": "unit energy",
            "simulation": "tonematch.library.cab_sim.impulse_response",
            "settings": cab.settings_dict(),
            "sha256": manifest.sha256(path),
        }
    return entries


def capture_gear(gear: Gear, folder: Path, preset: str, steps: int, seed: int,
                 log: Callable[[str], None]) -> dict[str, Any]:
    """Trains one capture and returns its manifest entry (with its ESR)."""
    from tonematch._native import NamModel

    started = time.time()
    path = folder / f"{gear.name}.nam"
    channels, dilations = PRESETS[preset]
    result = capture.train_capture(gear.render, path, name=gear.display, channels=channels,
                                   dilations=dilations, steps=steps, seed=seed)
    engine = NamModel(path)
    log(f"{gear.name}: ESR {result.esr:.4f} ({preset}, {time.time() - started:.0f} s)")
    return {
        "name": gear.name,
        "display": gear.display,
        "file": path.name,
        "kind": gear.kind,
        "gain_class": gear.gain_class,
        "tags": list(gear.tags),
        "architecture": "WaveNet",
        "preset": preset,
        "parameter_count": result.parameter_count,
        "esr": round(result.esr, 5),
        "sample_rate": engine.sample_rate,
        "loudness": engine.loudness,
        "simulation": gear.simulation,
        "settings": gear.settings,
        "training": {"steps": steps, "seed": seed},
        "sha256": manifest.sha256(path),
    }


def build_captures(folder: Path, gears: list[Gear], steps: int, max_esr: float,
                   log: Callable[[str], None], preset: str | None = None,
                   ) -> tuple[dict[str, dict], list[dict]]:
    """Captures every gear not already captured with the same settings; returns kept, rejected."""
    folder.mkdir(parents=True, exist_ok=True)
    kept = manifest.read(folder)
    rejected = []
    # Preset and seed follow the gear's place in the full catalog, so a capture is the same
    # whether it is built alone (--only) or with the rest.
    order = {g.name: i for i, g in enumerate(_catalogs())}
    for gear in gears:
        index = order.get(gear.name, 0)
        old = kept.get(gear.name)
        path = folder / f"{gear.name}.nam"
        if (old and path.exists() and old.get("settings") == gear.settings
                and old.get("training", {}).get("steps") == steps
                and old.get("sha256") == manifest.sha256(path)):
            continue
        chosen = preset or preset_for(gear, index)
        entry = capture_gear(gear, folder, chosen, steps, seed=index, log=log)
        if entry["esr"] <= max_esr:
            kept[gear.name] = entry
            manifest.write(folder, kept, "NAM captures of the project's simulated pedals and amps")
        else:
            path.unlink(missing_ok=True)
            kept.pop(gear.name, None)
            rejected.append({"name": gear.name, "esr": entry["esr"]})
            log(f"{gear.name}: rejected (ESR {entry['esr']:.4f} > {max_esr})")
    return kept, rejected


def build_examples(folder: Path, seconds: float = 15.0) -> list[Path]:
    """Three DI performances with different playing."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, seed, tempo, peak in (("di_riff_a", 21, 100.0, 0.5), ("di_riff_b", 22, 132.0, 0.35),
                                    ("di_riff_c", 23, 84.0, 0.6)):
        di = di_synth.render(di_synth.riff(seconds, seed=seed, tempo_bpm=tempo), seconds,
                             seed=seed, peak=peak)
        path = folder / f"{name}.wav"
        sf.write(path, di, SAMPLE_RATE, subtype="PCM_24")
        paths.append(path)
    return paths


# The rig behind the library reference clip, and the chain behind the other one (made only here:
# an amp voicing and a cabinet that are not in the library).
LIBRARY_RIG = ("pedal_ts_mid", "amp_british_crunch_g5", "cab_4x12_closed_cap")
OUTSIDE_AMP = {"gain": 6.5, "stages": 3, "stage_gain": 4.0, "asym": 0.45, "input_hp_hz": 90.0,
               "pre_mid_db": 4.0, "pre_mid_hz": 1100.0, "bass_db": -2.0, "mid_db": 3.0,
               "treble_db": 2.0, "presence_db": 3.0, "sag": 0.4, "level": 0.4}
OUTSIDE_CAB = {"speakers": 2, "speaker_size_in": 12, "open_back": True, "resonance_hz": 115.0,
               "breakup_hz": 3200.0, "rolloff_hz": 6200.0, "mic": "ribbon", "distance_cm": 30.0,
               "length_ms": 150.0}


def _convolve(x: np.ndarray, ir: np.ndarray) -> np.ndarray:
    """Cabinet convolution, then the level a mastered recording would have (peak 0.9)."""
    from scipy import signal

    y = signal.fftconvolve(x, ir)[: len(x)]
    return (0.9 * y / (np.max(np.abs(y)) + 1e-12)).astype(np.float32)


def build_references(examples: Path, models: Path, irs: Path, seconds: float) -> list[Path]:
    """Two reference clips of other performances: one through a library rig, one outside it."""
    from tonematch._native import NamModel
    from tonematch.library import amp_sim

    examples.mkdir(parents=True, exist_ok=True)
    paths = []
    pedal, amp, cab = LIBRARY_RIG
    if (models / f"{pedal}.nam").exists() and (models / f"{amp}.nam").exists():
        di = di_synth.render(di_synth.riff(seconds, seed=41, tempo_bpm=118.0), seconds, seed=41)
        wet = NamModel(models / f"{amp}.nam").process(NamModel(models / f"{pedal}.nam").process(di))
        ir, _ = sf.read(irs / f"{cab}.wav", dtype="float32")
        paths.append(examples / "ref_library_rig.wav")
        manifest.write_float_wav(paths[-1], _convolve(wet, ir), SAMPLE_RATE)
    di = di_synth.render(di_synth.riff(seconds, seed=42, tempo_bpm=92.0), seconds, seed=42)
    wet = amp_sim.voiced_amp(di, amp_sim.VoicingSettings(**OUTSIDE_AMP))
    ir = cab_sim.impulse_response(cab_sim.CabSettings(**OUTSIDE_CAB))
    paths.append(examples / "ref_outside_rig.wav")
    manifest.write_float_wav(paths[-1], _convolve(wet, ir), SAMPLE_RATE)
    rigs = {"ref_library_rig.wav": {"pedal": pedal, "amp": amp, "ir": cab, "di_seed": 41},
            "ref_outside_rig.wav": {"amp_sim.voiced_amp": OUTSIDE_AMP,
                                    "cab_sim.impulse_response": OUTSIDE_CAB, "di_seed": 42}}
    (examples / "references.json").write_text(json.dumps(rigs, indent=1, sort_keys=True) + "\n")
    return paths


def _catalogs() -> list[Gear]:
    from tonematch.library import amp_sim, pedal_sim

    return [*pedal_sim.catalog(), *amp_sim.catalog()]


def main(argv: list[str] | None = None) -> int:
    """Builds the library; exit code 0 on success, 2 on bad arguments."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("full", "smoke"), default="full")
    parser.add_argument("--out", type=Path, default=ASSETS, help="assets folder (default: assets/)")
    parser.add_argument("--only", nargs="*", help="capture only these gear names")
    parser.add_argument("--steps", type=int, help="training steps per capture "
                        "(default 600 full, 20 smoke)")
    parser.add_argument("--max-esr", type=float, default=0.05)
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.time()
    cabs = cab_sim.catalog()
    gears = _catalogs()
    if args.mode == "smoke":
        cabs, gears = cabs[:1], [g for g in gears if g.kind == "pedal"][:1]
        steps, max_esr = args.steps or 20, float("inf")
    else:
        steps, max_esr = args.steps or 600, args.max_esr
    if args.only:
        unknown = set(args.only) - {g.name for g in gears}
        if unknown:
            parser.error(f"unknown gear: {', '.join(sorted(unknown))}")
        gears = [g for g in gears if g.name in args.only]

    irs = build_irs(args.out / "impulse_responses", cabs)
    manifest.write(args.out / "impulse_responses", irs, "Cabinet IRs of the project's cab models")
    kept, rejected = build_captures(args.out / "nam_models", gears, steps, max_esr, log,
                                    preset="nano" if args.mode == "smoke" else None)
    seconds = 15.0 if args.mode == "full" else 3.0
    clips = build_examples(args.out / "examples", seconds)
    clips += build_references(args.out / "examples", args.out / "nam_models",
                              args.out / "impulse_responses", seconds)
    report = {
        "mode": args.mode,
        "irs": len(irs),
        "captures": len(kept),
        "rejected": rejected,
        "examples": [p.name for p in clips],
        "seconds": round(time.time() - started, 1),
        "esr": {k: v["esr"] for k, v in sorted(kept.items())},
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

