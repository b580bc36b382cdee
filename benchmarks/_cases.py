"""Match-quality cases: a DI, a reference, and the hidden rig between the reference's DI and it.

Three kinds of case (all a pure function of the split and the case index):

* ``library``: the reference is a *different* performance (other style — chords vs single
  notes —, key, register and tempo; sometimes another guitar) through a rig made only of bundled
  files — a pedal or none, an amp capture, a cabinet IR — with random post-FX inside the rig
  ranges, rendered exactly as the plugin plays it (`tonematch.render.render_rig`).
* ``outside``: a different performance through a chain of third-party open-source effects
  (`OUTSIDE_FAMILIES`): the C* Audio Plugin Suite's AmpVTS, CabinetIII/IV, ToneStack, Saturate,
  Compress and Plate, TAP's TubeWarmth, Sigmoid Booster, Echo and Reverberator, SWH's valve and
  fast overdrive (LADSPA, hosted by `_ladspa.py`), and pedalboard's built-in Distortion, filters,
  Compressor, Delay and Reverb. None of the project's own simulations is used, and guitarix and
  the MDA plugins are left out on purpose (they are kept for an independent check). A third are
  dry, a third end in a delay (its time and mix recorded), a third in a reverb.
* ``same_part``: the reference is another take of the DI's own part (every note 10–20 ms off,
  2–3 dB louder or softer; `tonematch.library.performances.retake`), through a library rig
  (even indices) or an outside chain (odd indices).

The reference is "mastered": the hidden rig's output is scaled to peak 0.9. The ideal result —
what a perfect matcher produces — is the DI through the same hidden rig with the same gain.

Splits: ``dev`` (to tune on) and ``heldout`` (only to report) use other seeds, so other riffs,
rigs and settings, and other DI sources: dev plays the project's synthesiser and FluidR3 GM's
jazz and clean guitars; held-out plays MuseScore General's nylon, steel, jazz, clean and muted
guitars and FluidR3 GM's nylon and steel guitars, none of which dev hears.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from tonematch.library import performances
from tonematch.library.gear import voicing_of
from tonematch.library.performances import Performance, loud_level_db

RATE = 48_000
ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "assets"
MODELS = ASSETS / "nam_models"
IRS = ASSETS / "impulse_responses"
REF_PEAK = 0.9  # references are "mastered" to this peak
CACHE = Path(__file__).resolve().parent / ".cache" / "match_quality"

Render = Callable[[np.ndarray], np.ndarray]

SPLITS: dict[str, dict[str, Any]] = {
    "dev": {"seed": 1001, "sources": ("synth", "fluidr3:26", "fluidr3:27")},
    "heldout": {"seed": 2002, "sources": ("musescore:24", "musescore:25", "musescore:26",
                                          "musescore:27", "musescore:28", "fluidr3:24",
                                          "fluidr3:25")},
}
DEFAULT_COUNTS = {"library": 16, "outside": 24, "same_part": 12}
KIND_IDS = {"library": 1, "outside": 2, "same_part": 3}

__all__ = ["IRS", "MODELS", "RATE", "Case", "bundled", "library_params", "loud_level_db",
           "make_cases", "random_rig_json", "render_rig_json", "voicing_of"]


# ---------------------------------------------------------------------------------- library


@dataclass(frozen=True)
class Bundled:
    """Names of the bundled library's catalogued gear."""

    amps: tuple[str, ...]
    pedals: tuple[str, ...]
    irs: tuple[str, ...]


def _entries(folder: Path) -> list[dict[str, Any]]:
    data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["entries"]
    return data if isinstance(data, list) else list(data.values())


@lru_cache(maxsize=1)
def bundled() -> Bundled:
    """The bundled amps, pedals and IRs from the manifests, sorted by name.

    Only the catalogue's naming scheme (amp_*, pedal_*, cab_*) counts, so a file added to the
    folders for another purpose does not reshuffle every case.
    """
    models = _entries(MODELS)
    amps = sorted(e["name"] for e in models if e["kind"] == "amp" and e["name"].startswith("amp_"))
    pedals = sorted(e["name"] for e in models
                    if e["kind"] == "pedal" and e["name"].startswith("pedal_"))
    irs = sorted(e["name"] for e in _entries(IRS) if e["name"].startswith("cab_"))
    return Bundled(tuple(amps), tuple(pedals), tuple(irs))


def _uniform(rng: np.random.Generator, low: float, high: float, digits: int = 2) -> float:
    return round(float(rng.uniform(low, high)), digits)


def library_params(rng: np.random.Generator) -> dict[str, float]:
    """Post-FX settings inside the rig ranges, in amounts a player uses (reverb on half of the
    time, delay a third)."""
    reverb = rng.random() < 0.5
    delay = rng.random() < 0.35
    return {
        "input_gain_db": _uniform(rng, -6.0, 6.0, 1),
        "pre_eq_gain_db": _uniform(rng, -6.0, 6.0, 1),
        "pre_eq_freq_hz": round(float(np.exp(rng.uniform(np.log(400), np.log(3000)))), 0),
        "reverb_wet": _uniform(rng, 0.05, 0.3) if reverb else 0.0,
        "reverb_room_size": _uniform(rng, 0.1, 0.9),
        "delay_time_ms": round(float(rng.uniform(80.0, 450.0)), 0),
        "delay_mix": _uniform(rng, 0.05, 0.25) if delay else 0.0,
        "final_eq_gain_db": _uniform(rng, -3.0, 3.0, 1),
    }


def library_rig_json(pedal: str | None, amp: str, ir: str,
                     params: dict[str, float]) -> dict[str, Any]:
    """A rig JSON object (docs/formats.md, rig JSON) for bundled files."""
    def path(folder: Path, name: str | None, ext: str) -> str | None:
        return str((folder / f"{name}.{ext}").resolve()) if name else None

    return {"rig": {"fx_nam": pedal or "", "amp_nam": amp, "ir": ir,
                    "fx_nam_path": path(MODELS, pedal, "nam"),
                    "amp_nam_path": path(MODELS, amp, "nam"),
                    "ir_path": path(IRS, ir, "wav")},
            "params": params, "loss": None}


def render_rig_json(rig_json: dict[str, Any], x: np.ndarray) -> np.ndarray:
    """A rig JSON rendered as the plugin plays it, mixed to mono (as the metrics hear it)."""
    from tonematch.render import render_rig
    from tonematch.rig import Rig

    rig = Rig.from_dict(rig_json, "hidden rig")
    return np.asarray(render_rig(rig, np.asarray(x, dtype=np.float32)), np.float64).mean(axis=0)


def random_rig_json(rng: np.random.Generator) -> dict[str, Any]:
    """A random bundled pedal (or none), amp and IR with neutral post-FX (a baseline)."""
    from tonematch.rig import RigParams

    lib = bundled()
    pedal = str(rng.choice(lib.pedals)) if rng.random() < 0.5 else None
    return library_rig_json(pedal, str(rng.choice(lib.amps)), str(rng.choice(lib.irs)),
                            RigParams().to_dict())


# ------------------------------------------------------------------------------ hidden rigs


@dataclass
class Hidden:
    """The rig behind a reference: a description, a renderer, and its rig JSON if bundled."""

    kind: str  # "library" or "outside"
    description: dict[str, Any]
    render: Render = field(repr=False)
    rig_json: dict[str, Any] | None = None  # the rig JSON (library rigs only)

    @property
    def amp(self) -> str | None:
        return self.rig_json["rig"]["amp_nam"] if self.rig_json else None


def library_hidden(rng: np.random.Generator, amp: str) -> Hidden:
    """A bundled pedal (or none) → the given amp → a bundled IR, with random post-FX."""
    lib = bundled()
    pedal = str(rng.choice(lib.pedals)) if rng.random() < 0.5 else None
    ir = str(rng.choice(lib.irs))
    rig_json = library_rig_json(pedal, amp, ir, library_params(rng))
    description = {"pedal": pedal, "amp": amp, "ir": ir, "params": rig_json["params"]}
    return Hidden("library", description, lambda x: render_rig_json(rig_json, x), rig_json)


# ---------------------------------------------------------------------- third-party stages


@dataclass
class Stage:
    """One third-party effect with its settings: what it is, and how to run it."""

    what: str  # "<package> <plugin>", e.g. "caps AmpVTS" or "pedalboard Distortion"
    settings: dict[str, Any]
    run: Render = field(repr=False)

    def describe(self) -> dict[str, Any]:
        return {"plugin": self.what, **self.settings}


def ladspa(library: str, label: str, what: str, **controls: float) -> Stage:
    """A LADSPA plugin with fixed controls (port names as the plugin declares them)."""
    import _ladspa

    info = _ladspa.plugin(library, label)
    return Stage(what, dict(controls), lambda x: _ladspa.process(info, x, RATE, controls))


def board(what: str, settings: dict[str, Any], plugins: list[Any]) -> Stage:
    """pedalboard built-ins as one stage (mono in, mono out)."""
    import pedalboard as pb

    chain = pb.Pedalboard(plugins)

    def run(x: np.ndarray) -> np.ndarray:
        y = chain(np.asarray(x, dtype=np.float32)[None, :], RATE)  # reset=True: no state kept
        return np.asarray(y, dtype=np.float64).mean(axis=0)

    return Stage(what, settings, run)


def _probe() -> np.ndarray:
    """A fixed phrase at a typical playing level, to set levels between stages."""
    return _probe_cached().copy()


@lru_cache(maxsize=1)
def _probe_cached() -> np.ndarray:
    p = Performance("synth", "chords", 9, "minor", "mid", 100.0, 6.0, 4242, -20.0)
    return p.render().astype(np.float64)


def level_set(stage: Stage, gain_db: float) -> Stage:
    """The stage followed by the fixed gain that makes the probe come out gain_db louder than it
    went in: a pedal's level knob set by ear, so the amp after it sees a sensible input."""
    probe = _probe()
    g = 10 ** ((gain_db + loud_level_db(probe) - loud_level_db(stage.run(probe))) / 20)
    settings = {**stage.settings, "level_to_db": gain_db}
    return Stage(stage.what, settings, lambda x: g * stage.run(x))


def _cab(rng: np.random.Generator) -> Stage:
    if rng.random() < 0.5:
        return ladspa("caps.so", "CabinetIV", "caps CabinetIV", model=int(rng.integers(0, 25)))
    return ladspa("caps.so", "CabinetIII", "caps CabinetIII", model=int(rng.integers(0, 17)),
                  alt=int(rng.integers(0, 2)))


def _pedal(rng: np.random.Generator) -> Stage:
    """A drive, boost or compressor pedal from a third-party package, level set by ear."""
    import pedalboard as pb

    pick = int(rng.integers(0, 6))
    if pick == 0:
        s = ladspa("caps.so", "Saturate", "caps Saturate", mode=int(rng.integers(1, 4)),
                   **{"gain (dB)": _uniform(rng, 6.0, 24.0, 1)})
    elif pick == 1:
        s = ladspa("foverdrive_1196.so", "foverdrive", "swh fast overdrive",
                   **{"Drive level": _uniform(rng, 1.2, 3.0)})
    elif pick == 2:
        s = ladspa("tap_tubewarmth.so", "tap_tubewarmth", "tap TubeWarmth",
                   **{"Drive": _uniform(rng, 2.0, 10.0, 1),
                      "Tape--Tube Blend": _uniform(rng, -10.0, 10.0, 1)})
    elif pick == 3:
        s = ladspa("tap_sigmoid.so", "tap_sigmoid", "tap Sigmoid Booster",
                   **{"Pre Gain [dB]": _uniform(rng, 0.0, 18.0, 1)})
    elif pick == 4:
        s = ladspa("caps.so", "Compress", "caps Compress",
                   threshold=_uniform(rng, 0.2, 0.8), strength=_uniform(rng, 0.3, 0.9),
                   attack=_uniform(rng, 0.2, 0.8), release=_uniform(rng, 0.2, 0.8))
    else:
        settings = {"drive_db": _uniform(rng, 10.0, 30.0, 1),
                    "lowpass_hz": _uniform(rng, 2500.0, 6000.0, 0)}
        s = board("pedalboard Distortion+LowpassFilter", settings,
                  [pb.Distortion(drive_db=settings["drive_db"]),
                   pb.LowpassFilter(cutoff_frequency_hz=settings["lowpass_hz"])])
    return level_set(s, _uniform(rng, 0.0, 8.0, 1))


def _amp_vts(rng: np.random.Generator) -> Stage:
    return ladspa("caps.so", "AmpVTS", "caps AmpVTS", over=2,
                  gain=_uniform(rng, 0.05, 1.0), bright=_uniform(rng, 0.0, 1.0),
                  power=_uniform(rng, 0.1, 0.9), tonestack=int(rng.integers(0, 9)),
                  bass=_uniform(rng, 0.1, 0.9), mid=_uniform(rng, 0.1, 0.9),
                  treble=_uniform(rng, 0.1, 1.0), attack=_uniform(rng, 0.1, 0.9),
                  squash=_uniform(rng, 0.1, 0.9), lowcut=_uniform(rng, 0.2, 0.9))


def _tube_preamp(rng: np.random.Generator) -> list[Stage]:
    """A small tube-style amp from TAP and SWH saturators and C*'s passive tone stack."""
    first = (ladspa("tap_tubewarmth.so", "tap_tubewarmth", "tap TubeWarmth",
                    **{"Drive": _uniform(rng, 2.0, 10.0, 1),
                       "Tape--Tube Blend": _uniform(rng, 0.0, 10.0, 1)})
             if rng.random() < 0.5 else
             ladspa("valve_1209.so", "valve", "swh valve saturation",
                    **{"Distortion level": _uniform(rng, 0.3, 1.0),
                       "Distortion character": _uniform(rng, 0.0, 0.8)}))
    stages = [level_set(first, _uniform(rng, 6.0, 18.0, 1))]
    if rng.random() < 0.5:
        stages.append(ladspa("foverdrive_1196.so", "foverdrive", "swh fast overdrive",
                             **{"Drive level": _uniform(rng, 1.0, 3.0)}))
    stages.append(ladspa("caps.so", "ToneStack", "caps ToneStack",
                         model=int(rng.integers(0, 9)), bass=_uniform(rng, 0.1, 0.9),
                         mid=_uniform(rng, 0.1, 0.9), treble=_uniform(rng, 0.1, 0.9)))
    return stages


def _board_amp(rng: np.random.Generator) -> Stage:
    """A distortion 'amp' from pedalboard's filters, drive and (sometimes) compressor."""
    import pedalboard as pb

    s: dict[str, Any] = {
        "pre_gain_db": _uniform(rng, 0.0, 10.0, 1), "highpass_hz": _uniform(rng, 70.0, 180.0, 0),
        "drive_db": _uniform(rng, 8.0, 34.0, 1), "mid_hz": _uniform(rng, 400.0, 1800.0, 0),
        "mid_db": _uniform(rng, -8.0, 8.0, 1), "lowpass_hz": _uniform(rng, 4000.0, 9000.0, 0)}
    plugins: list[Any] = [pb.Gain(gain_db=s["pre_gain_db"]),
                          pb.HighpassFilter(cutoff_frequency_hz=s["highpass_hz"]),
                          pb.Distortion(drive_db=s["drive_db"]),
                          pb.PeakFilter(cutoff_frequency_hz=s["mid_hz"], gain_db=s["mid_db"],
                                        q=0.8),
                          pb.LowpassFilter(cutoff_frequency_hz=s["lowpass_hz"])]
    if rng.random() < 0.5:
        comp = {"threshold_db": _uniform(rng, -24.0, -8.0, 1), "ratio": _uniform(rng, 2.0, 6.0, 1),
                "attack_ms": _uniform(rng, 2.0, 15.0, 1), "release_ms": _uniform(rng, 60, 250, 0)}
        plugins.append(pb.Compressor(**comp))
        s["compressor"] = comp
    return board("pedalboard Gain+HighpassFilter+Distortion+PeakFilter+LowpassFilter", s, plugins)


def _time_fx(rng: np.random.Generator, which: str) -> Stage | None:
    """Nothing, a delay (time and mix recorded as ms and 0–1 wet share) or a reverb."""
    import pedalboard as pb

    if which == "dry":
        return None
    if which == "delay":
        ms, mix, fb = _uniform(rng, 90.0, 480.0, 0), _uniform(rng, 0.08, 0.35), _uniform(rng, 0.1,
                                                                                          0.45)
        if rng.random() < 0.5:
            return board("pedalboard Delay", {"delay_ms": ms, "mix": mix, "feedback": fb},
                         [pb.Delay(delay_seconds=ms / 1000, feedback=fb, mix=mix)])
        # TAP Echo: dry at 0 dB, echo at a level whose share of dry+echo amplitude is `mix`
        echo_db = round(20 * np.log10(mix / (1 - mix)), 1)
        s = ladspa("tap_echo.so", "tap_stereo_echo", "tap Stereo Echo",
                   **{"L Delay [ms]": ms, "R/Haas Delay [ms]": ms, "L Feedback [%]": 100 * fb,
                      "R/Haas Feedback [%]": 100 * fb, "L Echo Level [dB]": echo_db,
                      "R Echo Level [dB]": echo_db, "Dry Level [dB]": 0.0})
        s.settings.update({"delay_ms": ms, "mix": mix, "feedback": fb})
        return s
    pick = int(rng.integers(0, 3))
    if pick == 0:
        return ladspa("caps.so", "Plate", "caps Plate", blend=_uniform(rng, 0.08, 0.35),
                      tail=_uniform(rng, 0.3, 0.8), damping=_uniform(rng, 0.2, 0.8))
    if pick == 1:
        return ladspa("tap_reverb.so", "tap_reverb", "tap Reverberator",
                      **{"Decay [ms]": _uniform(rng, 600.0, 3500.0, 0), "Dry Level [dB]": 0.0,
                         "Wet Level [dB]": _uniform(rng, -22.0, -8.0, 1),
                         "Reverb Type": int(rng.integers(0, 43))})
    wet, room = _uniform(rng, 0.08, 0.3), _uniform(rng, 0.2, 0.85)
    return board("pedalboard Reverb", {"room_size": room, "wet_level": wet,
                                        "dry_level": round(1 - wet, 2)},
                 [pb.Reverb(room_size=room, wet_level=wet, dry_level=1 - wet)])


OUTSIDE_FAMILIES = ("caps_vts", "tube_preamp", "pedalboard_amp", "caps_vts_pedal")
TIME_FX = ("dry", "delay", "reverb")


def outside_hidden(rng: np.random.Generator, family: str, time_fx: str) -> Hidden:
    """A third-party chain: [pedal] → amp → cabinet → [delay or reverb]."""
    stages: list[Stage] = []
    if family == "caps_vts_pedal" or (family != "pedalboard_amp" and rng.random() < 0.3):
        stages.append(_pedal(rng))
    if family in ("caps_vts", "caps_vts_pedal"):
        stages.append(_amp_vts(rng))
    elif family == "tube_preamp":
        stages += _tube_preamp(rng)
    else:
        stages.append(_board_amp(rng))
        # pedalboard's Distortion ends near full scale; a cabinet after it expects less
        stages.append(board("pedalboard Gain", {"gain_db": -10.0}, [_gain(-10.0)]))
    stages.append(_cab(rng))
    fx = _time_fx(rng, time_fx)
    if fx is not None:
        stages.append(fx)

    def render(x: np.ndarray) -> np.ndarray:
        y = np.asarray(x, dtype=np.float64)
        for s in stages:
            y = s.run(y)
        return y

    description = {"family": family, "time_fx": time_fx,
                   "stages": [s.describe() for s in stages]}
    return Hidden("outside", description, render)


def _gain(db: float) -> Any:
    import pedalboard as pb

    return pb.Gain(gain_db=db)


# ------------------------------------------------------------------------------ performances


def _style_pair(split: str, kind: str, index: int) -> tuple[str, str]:
    """DI and reference styles: the 20 ordered pairs of different styles in a fixed shuffled
    order, so every split covers chords vs single notes both ways evenly."""
    from tonematch.library.performances import STYLES

    pairs = [(a, b) for a in STYLES for b in STYLES if a != b]
    order = np.random.default_rng([SPLITS[split]["seed"], KIND_IDS[kind], 99]).permutation(
        len(pairs))
    return pairs[int(order[index % len(pairs)])]


def _differs(rng: np.random.Generator, sources: tuple[str, ...], seconds: tuple[float, float],
             ref_seconds: tuple[float, float], styles: tuple[str, str]) -> tuple[Performance,
                                                                                 Performance]:
    """A DI and a reference performance that differ in style, key, register and tempo; same
    playing level; the reference's guitar is the DI's half of the time."""
    from tonematch.library.performances import REGISTERS, SCALES

    registers = rng.choice(list(REGISTERS), size=2, replace=False)
    keys = rng.choice(12, size=2, replace=False)
    scales = rng.choice(list(SCALES), size=2)
    t1 = _uniform(rng, 75.0, 150.0, 0)
    factor = float(rng.uniform(1.18, 1.45))  # at least 18 % faster or slower
    t2 = t1 * factor if rng.random() < 0.5 else t1 / factor
    if not 65.0 <= t2 <= 180.0:
        t2 = t1 / factor if t2 > t1 else t1 * factor
    t2 = round(t2, 0)
    seeds = rng.choice(1_000_000, size=2, replace=False)
    loud = _uniform(rng, -24.0, -17.0, 1)
    src = sources[0]  # the caller rotates the list so every source plays its share of DIs
    ref_src = src if rng.random() < 0.5 else str(rng.choice(sources))
    di = Performance(src, str(styles[0]), int(keys[0]), str(scales[0]), str(registers[0]), t1,
                     _uniform(rng, *seconds, 1), int(seeds[0]), loud)
    ref = Performance(ref_src, str(styles[1]), int(keys[1]), str(scales[1]), str(registers[1]),
                      t2, _uniform(rng, *ref_seconds, 1), int(seeds[1]), loud)
    return di, ref


def _same_part(rng: np.random.Generator, sources: tuple[str, ...],
               index: int) -> tuple[Performance, Performance]:
    from tonematch.library.performances import REGISTERS, SCALES, STYLES

    di = Performance(sources[0], STYLES[index % len(STYLES)], int(rng.integers(12)),
                     str(rng.choice(list(SCALES))), str(rng.choice(list(REGISTERS))),
                     _uniform(rng, 75.0, 150.0, 0), _uniform(rng, 12.0, 15.0, 1),
                     int(rng.integers(1_000_000)), _uniform(rng, -24.0, -17.0, 1))
    return di, di.again(int(rng.integers(1_000_000)))


# ------------------------------------------------------------------------------------ cases


@dataclass
class Case:
    """One benchmark case."""

    name: str
    kind: str  # "library", "outside" or "same_part"
    split: str
    index: int
    di: Performance
    ref: Performance
    hidden: Hidden

    def describe(self) -> dict[str, Any]:
        """What the JSON row records about the case."""
        return {"name": self.name, "kind": self.kind, "split": self.split,
                "hidden_kind": self.hidden.kind, "di": self.di.describe(),
                "reference": self.ref.describe(), "hidden": self.hidden.description}


def make_case(split: str, kind: str, index: int) -> Case:
    """Case `index` of a kind in a split (independent of how many cases are run)."""
    cfg = SPLITS[split]
    rng = np.random.default_rng([cfg["seed"], KIND_IDS[kind], index])
    turn = (index + KIND_IDS[kind]) % len(cfg["sources"])
    sources = cfg["sources"][turn:] + cfg["sources"][:turn]
    if kind == "library":
        di, ref = _differs(rng, sources, (12.0, 15.0), (20.0, 28.0),
                           _style_pair(split, kind, index))
        # distinct amps first: a fixed per-split permutation of the catalogue
        amps = np.random.default_rng([cfg["seed"], 0]).permutation(bundled().amps)
        hidden = library_hidden(rng, str(amps[index % len(amps)]))
    elif kind == "outside":
        di, ref = _differs(rng, sources, (12.0, 15.0), (20.0, 28.0),
                           _style_pair(split, kind, index))
        hidden = outside_hidden(rng, OUTSIDE_FAMILIES[index % len(OUTSIDE_FAMILIES)],
                                TIME_FX[index % len(TIME_FX)])
    else:
        di, ref = _same_part(rng, sources, index)
        if index % 2 == 0:
            lib = bundled()
            hidden = library_hidden(rng, str(lib.amps[int(rng.integers(len(lib.amps)))]))
        else:
            hidden = outside_hidden(rng, OUTSIDE_FAMILIES[(index // 2) % len(OUTSIDE_FAMILIES)],
                                    TIME_FX[(index // 2) % len(TIME_FX)])
    prefix = {"library": "lib", "outside": "out", "same_part": "same"}[kind]
    return Case(f"{prefix}{index:02d}", kind, split, index, di, ref, hidden)


def make_cases(split: str, counts: dict[str, int] | None = None) -> list[Case]:
    """The split's cases, kinds interleaved in proportion, so the first N of the list are a
    fair sample of all kinds (what `--cases N` runs)."""
    counts = counts or DEFAULT_COUNTS
    keyed = [((i + 0.5) / n, KIND_IDS[kind], kind, i)
             for kind, n in counts.items() for i in range(n)]
    return [make_case(split, kind, i) for _, _, kind, i in sorted(keyed)]


# ----------------------------------------------------------------------------------- audio


@dataclass
class CaseAudio:
    """The signals of a case: the DI, the reference and the ideal result (all mono, 48 kHz)."""

    di: np.ndarray
    ref: np.ndarray
    ideal: np.ndarray
    mastering_gain_db: float


def _file_digest(path: str | None) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest() if path else ""


def cache_key(case: Case) -> str:
    """Changes whenever anything that shapes the case's audio changes: its description, the
    code that renders it, and the bundled files of a library rig."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256(json.dumps(case.describe(), sort_keys=True).encode())
    for path in (here / "_cases.py", here / "_ladspa.py", Path(performances.__file__)):
        h.update(path.read_bytes())
    if case.hidden.rig_json:
        r = case.hidden.rig_json["rig"]
        for key in ("fx_nam_path", "amp_nam_path", "ir_path"):
            h.update(_file_digest(r[key]).encode())
    return h.hexdigest()[:16]


def render_case(case: Case, use_cache: bool = True) -> CaseAudio:
    """Renders (or loads from the cache folder) the case's DI, reference and ideal result."""
    path = CACHE / case.split / f"{case.name}-{cache_key(case)}.npz"
    if use_cache and path.exists():
        d = np.load(path)
        return CaseAudio(d["di"], d["ref"], d["ideal"], float(d["gain_db"]))
    di = case.di.render()
    wet_ref = case.hidden.render(case.ref.render())
    wet_di = case.hidden.render(di)
    for name, y in (("reference", wet_ref), ("ideal", wet_di)):
        if not np.all(np.isfinite(y)) or np.max(np.abs(y)) < 1e-6:
            raise RuntimeError(f"{case.name}: the hidden rig gave a {name} that is silent or "
                               f"not finite ({case.hidden.description})")
    gain = REF_PEAK / float(np.max(np.abs(wet_ref)))
    audio = CaseAudio(di.astype(np.float32), (gain * wet_ref).astype(np.float32),
                      (gain * wet_di).astype(np.float32), float(20 * np.log10(gain)))
    if use_cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in path.parent.glob(f"{case.name}-*.npz"):
            stale.unlink()
        tmp = path.with_name(path.stem + ".partial.npz")
        np.savez(tmp, di=audio.di, ref=audio.ref, ideal=audio.ideal,
                 gain_db=audio.mastering_gain_db)
        tmp.replace(path)
    return audio
