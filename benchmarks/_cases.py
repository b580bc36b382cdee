"""Match-quality cases: a DI, a different performance as the reference, and the hidden rig.

Every case holds two performances of the synthetic guitar (`tonematch.library.di_synth`) with
different seeds, tempos and lengths, played at the same loudness, and a hidden rig that turns a
DI into a finished guitar track:

* library rigs: a bundled pedal (or none), amp and cabinet IR with random post-FX settings,
  rendered exactly as the plugin plays them (`tonematch.render.render_rig`);
* outside rigs, which no library entry reproduces: either the project's amp simulation
  (`amp_sim.voiced_amp`) at knob settings that are not in the catalog, optionally behind a pedal
  simulation at off-catalog settings, or a `pedalboard` chain (gain, distortion, filters,
  compressor); both into a cabinet IR made with `cab_sim.impulse_response` at settings that are
  not in the IR library, with optional reverb or delay.

Cases are a pure function of the seed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy.signal import fftconvolve

from tonematch.library import amp_sim, cab_sim, di_synth, pedal_sim

RATE = 48_000
ASSETS = Path(__file__).resolve().parents[1] / "assets"
MODELS = ASSETS / "nam_models"
IRS = ASSETS / "impulse_responses"
FRAME = 480  # 10 ms
REF_PEAK = 0.9  # references are "mastered" to this peak

Render = Callable[[np.ndarray], np.ndarray]


# ---------------------------------------------------------------------------------- library


@dataclass(frozen=True)
class Bundled:
    """Names and files of the bundled library."""

    amps: tuple[str, ...]
    pedals: tuple[str, ...]
    irs: tuple[str, ...]


@lru_cache(maxsize=1)
def bundled() -> Bundled:
    """The bundled amps, pedals and IRs, from their manifests (sorted by name)."""
    models = json.loads((MODELS / "manifest.json").read_text(encoding="utf-8"))["entries"]
    irs = json.loads((IRS / "manifest.json").read_text(encoding="utf-8"))["entries"]
    entries = models if isinstance(models, list) else list(models.values())
    ir_entries = irs if isinstance(irs, list) else list(irs.values())
    amps = sorted(e["name"] for e in entries if e["kind"] == "amp")
    pedals = sorted(e["name"] for e in entries if e["kind"] == "pedal")
    return Bundled(tuple(amps), tuple(pedals), tuple(sorted(e["name"] for e in ir_entries)))


def voicing_of(amp_name: str | None) -> str:
    """The voicing an amp capture belongs to: its name without the gain suffix."""
    if not amp_name:
        return ""
    stem, _, last = amp_name.rpartition("_")
    return stem if last.startswith("g") and stem else amp_name


# ------------------------------------------------------------------------------ performances


def loud_level_db(x: np.ndarray) -> float:
    """Level of the loud 10 ms frames (95th percentile, dBFS)."""
    n = len(x) // FRAME
    frames = np.asarray(x[: n * FRAME], dtype=np.float64).reshape(n, FRAME)
    return float(np.percentile(10 * np.log10(np.mean(frames**2, axis=1) + 1e-12), 95))


@dataclass(frozen=True)
class Performance:
    """One synthetic DI performance."""

    seconds: float
    seed: int
    tempo_bpm: float
    loud_db: float  # level of the loud frames it is scaled to

    def render(self) -> np.ndarray:
        """The DI as mono float32 at 48 kHz."""
        plucks = di_synth.riff(self.seconds, seed=self.seed, tempo_bpm=self.tempo_bpm)
        x = di_synth.render(plucks, self.seconds, seed=self.seed, peak=0.5).astype(np.float64)
        x *= 10 ** ((self.loud_db - loud_level_db(x)) / 20)
        return x.astype(np.float32)


# ----------------------------------------------------------------------------- hidden rigs


@dataclass
class Hidden:
    """The rig behind a reference: a description, a renderer, and its library rig if any."""

    kind: str  # "library" or "outside"
    description: dict[str, Any]
    render: Render = field(repr=False)
    amp: str | None = None  # library amp name (library rigs only)
    rig_json: dict[str, Any] | None = None  # the rig JSON (library rigs only)


def _uniform(rng: np.random.Generator, low: float, high: float, digits: int = 2) -> float:
    return round(float(rng.uniform(low, high)), digits)


def library_params(rng: np.random.Generator) -> dict[str, float]:
    """Post-FX settings in modest ranges (reverb and delay are off half of the time)."""
    reverb = rng.random() < 0.5
    delay = rng.random() < 0.35
    return {
        "input_gain_db": _uniform(rng, -4.0, 4.0, 1),
        "pre_eq_gain_db": _uniform(rng, -6.0, 6.0, 1),
        "pre_eq_freq_hz": round(float(np.exp(rng.uniform(np.log(500), np.log(2500)))), 0),
        "reverb_wet": _uniform(rng, 0.05, 0.25) if reverb else 0.0,
        "reverb_room_size": _uniform(rng, 0.2, 0.8),
        "delay_time_ms": round(float(rng.uniform(90.0, 400.0)), 0),
        "delay_mix": _uniform(rng, 0.05, 0.2) if delay else 0.0,
        "final_eq_gain_db": _uniform(rng, -2.0, 2.0, 1),
    }


def library_rig_json(pedal: str | None, amp: str, ir: str,
                     params: dict[str, float]) -> dict[str, Any]:
    """A rig JSON object (DESIGN §4) for bundled files."""
    def path(folder: Path, name: str | None, ext: str) -> str | None:
        return str((folder / f"{name}.{ext}").resolve()) if name else None

    return {"rig": {"fx_nam": pedal or "", "amp_nam": amp, "ir": ir,
                    "fx_nam_path": path(MODELS, pedal, "nam"),
                    "amp_nam_path": path(MODELS, amp, "nam"),
                    "ir_path": path(IRS, ir, "wav")},
            "params": params, "loss": None}


def render_rig_json(rig_json: dict[str, Any], x: np.ndarray) -> np.ndarray:
    """A rig JSON rendered as the plugin plays it, mixed to mono."""
    from tonematch.render import render_rig
    from tonematch.rig import Rig

    rig = Rig.from_dict(rig_json, "hidden rig")
    return np.asarray(render_rig(rig, np.asarray(x, dtype=np.float32)), np.float64).mean(axis=0)


def library_hidden(rng: np.random.Generator, amp: str) -> Hidden:
    """A bundled pedal (or none) → the given amp → a bundled IR, with random post-FX."""
    lib = bundled()
    pedal = str(rng.choice(lib.pedals)) if rng.random() < 0.5 else None
    ir = str(rng.choice(lib.irs))
    rig_json = library_rig_json(pedal, amp, ir, library_params(rng))
    description = {"pedal": pedal, "amp": amp, "ir": ir, "params": rig_json["params"]}
    return Hidden("library", description, lambda x: render_rig_json(rig_json, x), amp, rig_json)


def random_rig_json(rng: np.random.Generator) -> dict[str, Any]:
    """A random bundled pedal (or none), amp and IR with neutral post-FX (a baseline)."""
    from tonematch.rig import RigParams

    lib = bundled()
    pedal = str(rng.choice(lib.pedals)) if rng.random() < 0.5 else None
    return library_rig_json(pedal, str(rng.choice(lib.amps)), str(rng.choice(lib.irs)),
                            RigParams().to_dict())


# ------------------------------------------------------------------------------ outside rigs


@lru_cache(maxsize=1)
def _calibration_probe() -> np.ndarray:
    """A fixed phrase at the DI level the library was captured at (peak 0.5)."""
    plucks = di_synth.riff(6.0, seed=777, tempo_bpm=104.0)
    return di_synth.render(plucks, 6.0, seed=777, peak=0.5)


def calibrated(fn: Render, gain_db: float) -> Render:
    """fn, then the fixed gain that makes the probe come out gain_db louder than it went in."""
    probe = _calibration_probe()
    g = 10 ** ((gain_db + loud_level_db(probe) - loud_level_db(fn(probe))) / 20)
    return lambda x: g * np.asarray(fn(x), dtype=np.float64)


def random_cab(rng: np.random.Generator) -> cab_sim.CabSettings:
    """Cabinet settings drawn from continuous ranges (never one of the library's IRs)."""
    mic = str(rng.choice(["dynamic_cap", "dynamic_edge", "ribbon", "condenser_room"]))
    size = int(rng.choice([10, 12, 12, 15]))
    room = mic == "condenser_room"
    return cab_sim.CabSettings(
        speakers=1 if size == 15 else int(rng.choice([1, 2, 4])),
        speaker_size_in=size,
        open_back=bool(rng.random() < 0.5),
        resonance_hz=_uniform(rng, 70.0, 130.0, 1),
        breakup_hz=_uniform(rng, 1800.0, 3300.0, 0),
        rolloff_hz=_uniform(rng, 4200.0, 7200.0, 0),
        mic=mic,
        distance_cm=_uniform(rng, 30.0, 100.0, 0) if room else _uniform(rng, 1.0, 20.0, 1),
        length_ms=_uniform(rng, 120.0, 190.0, 0),
    )


def _off_catalog_gain(rng: np.random.Generator, voicing: amp_sim.Voicing) -> float:
    """A gain knob at least 0.6 away from every gain the library captured."""
    taken = [g for g, _, _ in voicing.gains]
    while True:
        g = _uniform(rng, 2.0, 9.5, 1)
        if min(abs(g - t) for t in taken) >= 0.6:
            return g


def random_voicing(rng: np.random.Generator) -> tuple[str, amp_sim.VoicingSettings]:
    """A library voicing at an off-catalog gain with its tone stack moved (never captured)."""
    v = amp_sim.VOICINGS[int(rng.integers(len(amp_sim.VOICINGS)))]
    gain = _off_catalog_gain(rng, v)
    level = float(np.interp(gain, [g for g, _, _ in v.gains], [lv for _, _, lv in v.gains]))
    s = replace(v.base, gain=gain, level=round(level, 3),
                bass_db=v.base.bass_db + _uniform(rng, -3.0, 3.0, 1),
                mid_db=v.base.mid_db + _uniform(rng, -3.0, 3.0, 1),
                treble_db=v.base.treble_db + _uniform(rng, -3.0, 3.0, 1),
                presence_db=v.base.presence_db + _uniform(rng, -2.0, 2.0, 1))
    return v.key, s


def random_pedal(rng: np.random.Generator) -> tuple[str, dict[str, Any], Render]:
    """A pedal simulation at off-catalog settings (its output level calibrated separately)."""
    kind = str(rng.choice(["overdrive", "blues_driver", "boost"]))
    s: Any
    if kind == "overdrive":
        s = pedal_sim.OverdriveSettings(drive=_uniform(rng, 1.0, 8.5, 1),
                                        tone=_uniform(rng, 2.0, 8.0, 1), level=0.5)
        fn: Callable[[np.ndarray, Any], np.ndarray] = pedal_sim.overdrive
    elif kind == "blues_driver":
        s = pedal_sim.BluesDriverSettings(gain=_uniform(rng, 1.0, 6.5, 1),
                                          tone=_uniform(rng, 3.0, 7.0, 1), level=0.3)
        fn = pedal_sim.blues_driver
    else:
        s = pedal_sim.BoostSettings(gain_db=_uniform(rng, 3.0, 10.0, 1),
                                    treble_db=_uniform(rng, 0.0, 3.0, 1), level=1.0)
        fn = pedal_sim.boost
    return kind, asdict(s), lambda x: fn(np.asarray(x, dtype=np.float32), s)


def post_fx(rng: np.random.Generator) -> tuple[list[Any], dict[str, Any]]:
    """Optional pedalboard reverb or delay in modest amounts."""
    import pedalboard as pb

    pick = rng.random()
    if pick < 0.35:
        wet, room = _uniform(rng, 0.05, 0.2), _uniform(rng, 0.2, 0.7)
        return [pb.Reverb(room_size=room, wet_level=wet, dry_level=1.0 - wet)], {
            "reverb": {"room_size": room, "wet_level": wet}}
    if pick < 0.6:
        t, mix = _uniform(rng, 0.09, 0.4, 3), _uniform(rng, 0.05, 0.15)
        return [pb.Delay(delay_seconds=t, feedback=0.25, mix=mix)], {
            "delay": {"seconds": t, "feedback": 0.25, "mix": mix}}
    return [], {}


def _board(plugins: list[Any]) -> Render:
    """A pedalboard chain as a mono renderer (identity when empty)."""
    import pedalboard as pb

    if not plugins:
        return lambda x: np.asarray(x, dtype=np.float64)
    board = pb.Pedalboard(plugins)
    return lambda x: np.asarray(board(np.asarray(x, dtype=np.float32)[None, :], RATE),
                                dtype=np.float64)[0]


def _cab_render(settings: cab_sim.CabSettings) -> Render:
    ir = cab_sim.impulse_response(settings).astype(np.float64)
    return lambda x: fftconvolve(np.asarray(x, dtype=np.float64), ir)[: len(x)]


def _compose(*stages: Render) -> Render:
    def run(x: np.ndarray) -> np.ndarray:
        y = np.asarray(x, dtype=np.float64)
        for stage in stages:
            y = stage(y)
        return y

    return run


def sim_hidden(rng: np.random.Generator) -> Hidden:
    """Pedal simulation (or none) → voiced amp off the catalog → off-library cab → post-FX."""
    voicing, amp_settings = random_voicing(rng)
    stages: list[Render] = []
    description: dict[str, Any] = {"chain": "amp_sim", "voicing": f"amp_{voicing}"}
    if rng.random() < 0.5:
        kind, settings, pedal = random_pedal(rng)
        boost_db = _uniform(rng, 0.0, 6.0, 1)
        stages.append(calibrated(pedal, boost_db))
        description["pedal"] = {"type": kind, "settings": settings, "output_gain_db": boost_db}
    stages.append(lambda x: amp_sim.voiced_amp(np.asarray(x, np.float32), amp_settings))
    cab = random_cab(rng)
    stages.append(_cab_render(cab))
    fx, fx_desc = post_fx(rng)
    stages.append(_board(fx))
    description.update({"amp_settings": asdict(amp_settings), "cab": asdict(cab), **fx_desc})
    return Hidden("outside", description, _compose(*stages))


def pedalboard_hidden(rng: np.random.Generator) -> Hidden:
    """A pedalboard gain/distortion/filter/compressor chain → off-library cab → post-FX."""
    import pedalboard as pb

    drive = {"pre_gain_db": _uniform(rng, 0.0, 10.0, 1), "drive_db": _uniform(rng, 12.0, 32.0, 1),
             "highpass_hz": _uniform(rng, 70.0, 160.0, 0),
             "mid_hz": _uniform(rng, 500.0, 1600.0, 0), "mid_db": _uniform(rng, -6.0, 6.0, 1),
             "lowpass_hz": _uniform(rng, 4500.0, 9000.0, 0)}
    plugins: list[Any] = [pb.Gain(gain_db=drive["pre_gain_db"]),
                          pb.HighpassFilter(cutoff_frequency_hz=drive["highpass_hz"]),
                          pb.Distortion(drive_db=drive["drive_db"]),
                          pb.PeakFilter(cutoff_frequency_hz=drive["mid_hz"],
                                        gain_db=drive["mid_db"], q=0.8),
                          pb.LowpassFilter(cutoff_frequency_hz=drive["lowpass_hz"])]
    if rng.random() < 0.5:
        comp = {"threshold_db": _uniform(rng, -24.0, -10.0, 1), "ratio": _uniform(rng, 2.0, 5.0, 1),
                "attack_ms": 5.0, "release_ms": 120.0}
        plugins.append(pb.Compressor(**comp))
        drive["compressor"] = comp
    cab = random_cab(rng)
    fx, fx_desc = post_fx(rng)
    description = {"chain": "pedalboard", **drive, "cab": asdict(cab), **fx_desc}
    render = _compose(_board(plugins), lambda y: 0.3 * y, _cab_render(cab), _board(fx))
    return Hidden("outside", description, render)


# ------------------------------------------------------------------------------------ cases


@dataclass
class Case:
    """One benchmark case."""

    name: str
    di: Performance
    ref: Performance
    hidden: Hidden

    @property
    def kind(self) -> str:
        return self.hidden.kind

    def describe(self) -> dict[str, Any]:
        """What the JSON row records about the case."""
        return {"name": self.name, "kind": self.kind, "di": asdict(self.di),
                "reference": asdict(self.ref), "hidden": self.hidden.description}


def performances(rng: np.random.Generator) -> tuple[Performance, Performance]:
    """A 12–15 s DI and a 20–30 s reference performance at the same loudness."""
    loud = _uniform(rng, -24.0, -18.0, 1)
    seeds = rng.choice(100_000, size=2, replace=False)
    di = Performance(_uniform(rng, 12.0, 15.0, 1), int(seeds[0]), _uniform(rng, 84, 140, 0), loud)
    ref = Performance(_uniform(rng, 20.0, 30.0, 1), int(seeds[1]), _uniform(rng, 84, 140, 0), loud)
    return di, ref


def make_cases(n_library: int, n_outside: int, seed: int) -> list[Case]:
    """The benchmark's cases for a seed: library rigs (distinct amps first), then outside rigs."""
    amps = list(np.random.default_rng([seed, 0]).permutation(bundled().amps))
    cases = []
    for i in range(n_library):
        rng = np.random.default_rng([seed, 1, i])
        di, ref = performances(rng)
        hidden = library_hidden(rng, str(amps[i % len(amps)]))
        cases.append(Case(f"lib{i:02d}", di, ref, hidden))
    for j in range(n_outside):
        rng = np.random.default_rng([seed, 2, j])
        di, ref = performances(rng)
        hidden = sim_hidden(rng) if j % 2 == 0 else pedalboard_hidden(rng)
        cases.append(Case(f"out{j:02d}", di, ref, hidden))
    return cases


def render_reference(case: Case) -> np.ndarray:
    """The reference recording: the other performance through the hidden rig, peak 0.9."""
    y = case.hidden.render(case.ref.render())
    return (REF_PEAK * y / (np.max(np.abs(y)) + 1e-12)).astype(np.float32)
