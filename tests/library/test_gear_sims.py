"""The simulated pedals and amps the library captures: catalogs, levels and character."""

from __future__ import annotations

import importlib
import json
import re
import typing

import numpy as np
import pytest
from scipy import signal

from tonematch.library import amp_sim, di_synth, pedal_sim
from tonematch.library.gear import Gear, voicing_of

SR = 48_000
PEDALS = pedal_sim.catalog()
AMPS = amp_sim.catalog()
GEAR = {g.name: g for g in PEDALS + AMPS}


@pytest.fixture(scope="module")
def di() -> np.ndarray:
    return di_synth.render(di_synth.riff(3.0, seed=1), 3.0, seed=1, peak=0.5)


def _rms(y: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.asarray(y, dtype=np.float64) ** 2)))


def _crest(y: np.ndarray) -> float:
    return float(np.max(np.abs(y)) / _rms(y))


def _thd(gear: Gear, amplitude: float) -> float:
    """THD of a 1 kHz sine, from the last 0.25 s (250 whole periods, so bins are exact)."""
    t = np.arange(SR // 2) / SR
    y = gear.render((amplitude * np.sin(2 * np.pi * 1000 * t)).astype(np.float32))
    spectrum = np.abs(np.fft.rfft(y[-SR // 4 :].astype(np.float64)))
    fundamental = spectrum[250]
    harmonics = spectrum[500::250][:20]
    return float(np.sqrt(np.sum(harmonics**2)) / fundamental)


def _distortion(gear: Gear) -> float:
    """THD summed over quiet to loud notes, so neither clean nor saturated amps flatten out."""
    return sum(_thd(gear, a) for a in (0.01, 0.03, 0.1, 0.3))


@pytest.fixture(scope="module")
def amp_distortion() -> dict[str, float]:
    return {g.name: _distortion(g) for g in AMPS}


def _band_db(y: np.ndarray, lo: float, hi: float) -> float:
    f, p = signal.welch(np.asarray(y, dtype=np.float64), SR, nperseg=4096)
    return float(10 * np.log10(np.mean(p[(f >= lo) & (f < hi)])))


# ---------------------------------------------------------------------------------- catalogs


def test_catalog_counts_and_gain_class_spread():
    assert len(PEDALS) >= 12
    assert len(AMPS) >= 28
    assert {g.kind for g in PEDALS} == {"pedal"}
    assert {g.kind for g in AMPS} == {"amp"}
    for gain_class in ("clean", "crunch", "high_gain"):
        assert sum(g.gain_class == gain_class for g in AMPS) >= 7, gain_class
        assert any(g.gain_class == gain_class for g in PEDALS), gain_class


def test_names_are_unique_and_well_formed():
    names = [g.name for g in PEDALS + AMPS]
    assert len(names) == len(set(names))
    for g in PEDALS:
        assert re.fullmatch(r"pedal_[a-z0-9]+(_[a-z0-9]+)+", g.name), g.name
    for g in AMPS:
        assert re.fullmatch(r"amp_[a-z0-9]+(_[a-z0-9]+)*_g[0-9p]+", g.name), g.name


@pytest.mark.parametrize("name", sorted(GEAR))
def test_metadata_is_complete_and_json_able(name: str):
    g = GEAR[name]
    assert g.display and g.tags and all(isinstance(t, str) and t for t in g.tags)
    assert g.gain_class in ("clean", "crunch", "high_gain")
    assert json.loads(json.dumps(g.settings)) == g.settings
    module, _, function = g.simulation.rpartition(".")
    assert callable(getattr(importlib.import_module(module), function))


def test_manifest_fields_rebuild_the_device():
    """`simulation` and `settings` alone give back the same device, one per simulation."""
    x = di_synth.render(di_synth.riff(1.0, seed=4), 1.0, seed=4, peak=0.5)
    firsts = {}
    for g in PEDALS + AMPS:
        firsts.setdefault(g.simulation, g)
    assert len(firsts) >= 8
    for simulation, g in firsts.items():
        module, _, function = simulation.rpartition(".")
        func = getattr(importlib.import_module(module), function)
        settings_type = typing.get_type_hints(func)["s"]
        y = func(x, settings_type(**json.loads(json.dumps(g.settings))))
        assert np.array_equal(y, g.render(x)), g.name


def test_each_voicing_comes_at_several_gains():
    voicings: dict[str, int] = {}
    for g in AMPS:
        key = voicing_of(g.name)
        assert key != g.name and g.name.startswith(key + "_g"), g.name
        voicings[key] = voicings.get(key, 0) + 1
    assert len(voicings) >= 7
    assert all(count >= 3 for count in voicings.values())


# ---------------------------------------------------------------------------------- outputs


@pytest.mark.parametrize("name", sorted(GEAR))
def test_output_is_finite_levelled_and_deterministic(name: str, di: np.ndarray):
    y = GEAR[name].render(di)
    assert y.dtype == np.float32 and y.shape == di.shape
    assert np.all(np.isfinite(y))
    assert 0.05 <= _rms(y) <= 0.3, _rms(y)
    assert np.max(np.abs(y)) < 1.0
    # Same input, fresh catalog entry: the same samples.
    fresh = {g.name: g for g in pedal_sim.catalog() + amp_sim.catalog()}[name]
    assert np.array_equal(fresh.render(di), y)


@pytest.mark.parametrize("name", ["pedal_fuzz_gated", "pedal_comp_squash", "amp_brown_g9"])
def test_short_and_float64_inputs(name: str):
    x = 0.3 * np.sin(np.linspace(0, 20, 64))
    y = GEAR[name].render(x)
    assert y.dtype == np.float32 and y.shape == (64,) and np.all(np.isfinite(y))
    assert GEAR[name].render(np.zeros(0, dtype=np.float32)).shape == (0,)


def test_original_amp_is_unchanged():
    x = di_synth.render(di_synth.riff(6.0, seed=1), 6.0, seed=1, peak=0.5)
    s = amp_sim.AmpSettings(drive=6.0, stages=2, bass_db=3.0, mid_db=-1.0, treble_db=2.0)
    y = amp_sim.amp(x, s)
    assert y.dtype == np.float32 and y.shape == x.shape
    expected = [0.28057635, -0.2663506, -0.2750158, 0.04489451]
    np.testing.assert_allclose(y[[1000, 20000, 100000, 200000]], expected, rtol=1e-5)


# ---------------------------------------------------------------------------------- character


def test_more_gain_gives_more_distortion_within_each_voicing(amp_distortion: dict[str, float]):
    for v in amp_sim.VOICINGS:
        values = [amp_distortion[f"amp_{v.key}_g{gain:g}"] for gain, _, _ in v.gains]
        for lower, higher in zip(values[:-1], values[1:], strict=True):
            assert higher > 1.01 * lower, (v.key, values)


def test_gain_classes_order_the_distortion(amp_distortion: dict[str, float]):
    by_class: dict[str, list[float]] = {"clean": [], "crunch": [], "high_gain": []}
    for g in AMPS:
        by_class[g.gain_class].append(amp_distortion[g.name])
    assert max(by_class["clean"]) < min(by_class["crunch"])
    assert max(by_class["clean"]) < min(by_class["high_gain"])
    assert np.mean(by_class["crunch"]) < np.mean(by_class["high_gain"])


def test_more_drive_gives_more_distortion_in_pedals():
    for low, high in (("pedal_ts_low", "pedal_ts_mid"), ("pedal_blues_low", "pedal_blues_high"),
                      ("pedal_treble_classic", "pedal_treble_hot"),
                      ("pedal_dist_low", "pedal_dist_mid")):
        assert _thd(GEAR[high], 0.03) > _thd(GEAR[low], 0.03), (low, high)


@pytest.mark.parametrize("name", [g.name for g in PEDALS if "compressed" in g.tags])
def test_compressor_lowers_the_crest_factor(name: str, di: np.ndarray):
    assert _crest(GEAR[name].render(di)) < 0.85 * _crest(di)


def test_overdrive_has_a_mid_hump_and_the_blues_driver_is_more_open():
    x = (0.01 * np.random.default_rng(0).standard_normal(2 * SR)).astype(np.float32)
    boost = GEAR["pedal_boost_low"].render(x)

    def relative(name: str, a: tuple[float, float], b: tuple[float, float]) -> float:
        y = GEAR[name].render(x)
        return (_band_db(y, *a) - _band_db(y, *b)) - (_band_db(boost, *a) - _band_db(boost, *b))

    mid, low, high = (500.0, 1500.0), (60.0, 200.0), (4000.0, 10000.0)
    for name in ("pedal_ts_low", "pedal_ts_mid", "pedal_ts_high"):
        assert relative(name, mid, low) > 4.0, name
        assert relative(name, mid, high) > 4.0, name
    assert relative("pedal_blues_low", mid, low) < relative("pedal_ts_low", mid, low) - 2.0
    # Where the overdrive lifts most over the flat boost: around the hump.
    f, p_boost = signal.welch(boost.astype(np.float64), SR, nperseg=4096)
    _, p_ts = signal.welch(GEAR["pedal_ts_low"].render(x).astype(np.float64), SR, nperseg=4096)
    lift = np.convolve(10 * np.log10(p_ts / p_boost), np.ones(9) / 9, mode="same")
    band = (f > 50) & (f < 15000)
    assert 400.0 <= f[band][np.argmax(lift[band])] <= 2000.0


def test_treble_booster_is_bright():
    x = (0.01 * np.random.default_rng(1).standard_normal(2 * SR)).astype(np.float32)
    boost = GEAR["pedal_boost_low"].render(x)
    tilt_boost = _band_db(boost, 3000, 8000) - _band_db(boost, 80, 300)
    for name in ("pedal_treble_classic", "pedal_treble_hot"):
        y = GEAR[name].render(x)
        assert _band_db(y, 3000, 8000) - _band_db(y, 80, 300) > tilt_boost + 6.0, name


def test_starved_fuzz_gates_decaying_notes_sooner():
    t = np.arange(3 * SR) / SR
    x = (0.5 * np.exp(-t / 0.4) * np.sin(2 * np.pi * 196 * t)).astype(np.float32)

    def fades_at(name: str) -> float:
        y = GEAR[name].render(x).astype(np.float64)
        frames = np.sqrt(np.mean(y[: len(y) // 2400 * 2400].reshape(-1, 2400) ** 2, axis=1))
        return float(np.argmax(frames < 0.1 * frames[:4].max()) * 2400 / SR)

    assert fades_at("pedal_fuzz_gated") < fades_at("pedal_fuzz_vintage")
    assert fades_at("pedal_fuzz_vintage") < fades_at("pedal_dist_high")


def test_a_voicing_is_the_name_without_its_gain_suffix():
    assert voicing_of("amp_british_crunch_g5") == "amp_british_crunch"
    assert voicing_of("amp_smooth_lead_g10") == "amp_smooth_lead"
    assert voicing_of("my_amp_gold") == "my_amp_gold"  # a user's model: no gain suffix
    assert voicing_of(None) == voicing_of("") == ""
