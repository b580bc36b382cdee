"""The engine reproduces the torch reference for every architecture and file layout.

Each zoo model is a .nam file written by neural-amp-modeler's own exporter (or, for the legacy
files, the same weights in the 0.5.x layout). Right after loading, the engine's output for a
signal equals the torch model's output with ``pad_start=True``: the response as if the input
had been silent forever. Parity is measured on 10 s of varied input and must hold to
``1e-4`` of the output peak.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch", reason="the torch reference implementation is not installed")
pytest.importorskip("nam", reason="neural-amp-modeler (the reference) is not installed")

import model_zoo  # noqa: E402

NAMES = model_zoo.zoo_names()
CURRENT_VERSION = "0.7.0"

PARITY_TOLERANCE = 1e-4  # max |engine - torch| relative to max |torch|
FLOAT32_TOLERANCE = 1e-5  # torch float32 vs float64: the reference is far more precise than 1e-4
# Two torch readings of the same file: float32 rounding apart at most. A container's packed
# submodel is read by two routes that sum in another order (2e-6 on container_slim with this
# machine's packages), so the bound is the reference's own float32 rounding bound.
CROSSCHECK_TOLERANCE = FLOAT32_TOLERANCE

LEGACY_LAYER_KEYS = {
    "input_size", "condition_size", "channels", "head_size", "kernel_size", "dilations",
    "activation", "gated", "head_bias",
}


def relative_error(y: np.ndarray, reference: np.ndarray) -> tuple[float, int]:
    """max |y - reference| / max |reference|, and where the largest difference is."""
    diff = np.abs(np.asarray(y, dtype=np.float64) - np.asarray(reference, dtype=np.float64))
    peak = float(np.max(np.abs(reference)))
    assert peak > 0.0, "a reference that is identically zero cannot measure parity"
    index = int(np.argmax(diff))
    return float(diff[index]) / peak, index


@pytest.fixture(scope="module")
def short_signal(model_zoo_module) -> np.ndarray:
    """1 s of the same kind of input, for the (slower) checks of the reference itself."""
    return model_zoo_module.varied_input(seconds=1.0, seed=7)


# --- The zoo and its files ---------------------------------------------------------------


def test_zoo_builds_every_listed_model(zoo):
    """Every model named by the zoo is built and written to disk."""
    assert list(zoo) == NAMES
    for entry in zoo.values():
        assert entry.path.is_file(), entry.name


def test_zoo_covers_every_architecture(zoo):
    """All architectures the engine supports appear in the zoo."""
    assert {entry.architecture for entry in zoo.values()} == {
        "WaveNet", "LSTM", "ConvNet", "Linear", "SlimmableContainer"
    }


@pytest.mark.parametrize("name", NAMES)
def test_file_declares_its_layout_version_and_architecture(zoo, name):
    """Current exports say 0.7.0; legacy files say 0.5.4 and use the old per-array keys."""
    entry = zoo[name]
    document = model_zoo.load_dict(entry.path)
    assert document["architecture"] == entry.architecture
    if name in model_zoo.LEGACY_SOURCES:
        assert document["version"] == model_zoo.LEGACY_VERSION
        for layer in document["config"]["layers"]:
            assert set(layer) == LEGACY_LAYER_KEYS
        assert document["config"]["head"] is None
    else:
        assert document["version"] == CURRENT_VERSION


@pytest.mark.parametrize("name", sorted(model_zoo.LEGACY_SOURCES))
def test_legacy_file_carries_the_weights_of_the_current_export(zoo, name):
    """A legacy file is the same network as its source: identical flat weight list."""
    legacy = model_zoo.load_dict(zoo[name].path)
    current = model_zoo.load_dict(zoo[model_zoo.LEGACY_SOURCES[name]].path)
    assert legacy["weights"] == current["weights"]
    assert legacy["config"]["head_scale"] == current["config"]["head_scale"]


def test_container_lists_submodels_in_order_of_max_value(zoo):
    """The container has two WaveNet submodels with max_value 0.5 and 1.0, in that order."""
    entry = zoo[model_zoo.container_name(1.0)]
    submodels = model_zoo.load_dict(entry.path)["config"]["submodels"]
    assert [s["max_value"] for s in submodels] == [0.5, 1.0]
    assert [s["model"]["architecture"] for s in submodels] == ["WaveNet", "WaveNet"]


# --- The torch reference itself ----------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_torch_reference_agrees_with_an_independent_reading_of_the_file(
    zoo, short_signal, name, parity_record
):
    """The reference model and a second torch model obtained from the file agree.

    This pins the reference to what the file says (re-loaded with the reference package's
    loader where it can, otherwise by importing the file's weights) rather than to an object
    that only exists in memory.
    """
    entry = zoo[name]
    reference = entry.reference(short_signal)
    other = entry.crosscheck(short_signal)
    assert other is not None, f"{name} has no independent reading ({entry.crosscheck_note})"
    error, _ = relative_error(other, reference)
    parity_record.setdefault(name, {})["torch_crosscheck"] = error
    assert error <= CROSSCHECK_TOLERANCE, f"{name}: {error:.3g} ({entry.crosscheck_note})"


@pytest.mark.parametrize("name", NAMES)
def test_torch_reference_is_far_more_precise_than_the_parity_tolerance(
    zoo, short_signal, name, parity_record
):
    """float32 rounding in the reference stays 10x below the parity tolerance.

    Otherwise a parity failure could be rounding noise of an ill-conditioned model rather
    than an engine error.
    """
    entry = zoo[name]
    single = entry.reference(short_signal)
    double = entry.reference(short_signal, double=True)
    error, _ = relative_error(single, double)
    parity_record.setdefault(name, {})["torch_float32_vs_float64"] = error
    assert error <= FLOAT32_TOLERANCE, f"{name}: float32 deviates by {error:.3g} of the peak"


def test_trained_model_imitates_the_distortion_with_a_large_output(zoo, signal, reference_output):
    """The trained WaveNet learned the distortion (ESR < 0.25) and its output peaks near 1."""
    y = reference_output(model_zoo.TRAINED_NAME).astype(np.float64)
    target = model_zoo.hard_distortion(signal).astype(np.float64)
    esr = float(np.sum((y - target) ** 2) / np.sum(target**2))
    assert esr < 0.25
    assert np.max(np.abs(y)) > 0.5


# --- Engine vs torch -----------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_engine_output_matches_torch_on_ten_seconds_of_varied_input(
    NamModel, zoo, signal, reference_output, name, parity_record
):
    """max |engine - torch| <= 1e-4 x max |torch| over 10 s, starting right after loading."""
    entry = zoo[name]
    model = NamModel(str(entry.path), max_block=4096, slim=entry.slim)
    y = model.process(signal)
    reference = reference_output(name)
    assert isinstance(y, np.ndarray)
    assert y.dtype == np.float32
    assert y.shape == signal.shape
    assert np.all(np.isfinite(y))
    error, index = relative_error(y, reference)
    peak = float(np.max(np.abs(reference)))
    parity_record.setdefault(name, {}).update({"engine_vs_torch": error, "torch_peak": peak})
    assert error <= PARITY_TOLERANCE, (
        f"{name}: max|engine - torch| = {error:.3g} x peak ({peak:.4g}) at sample {index}: "
        f"engine {y[index]:.6g}, torch {reference[index]:.6g}"
    )


def _same_optional_number(actual, expected) -> bool:
    if expected is None:
        return actual is None
    return actual is not None and actual == pytest.approx(float(expected), rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_engine_reports_the_architecture_version_and_metadata_of_the_file(NamModel, zoo, name):
    """architecture, version and sample_rate come from the file (None when absent).

    For single models loudness and gain come from the file's metadata too.
    """
    entry = zoo[name]
    document = model_zoo.load_dict(entry.path)
    model = NamModel(str(entry.path), slim=entry.slim)
    assert model.architecture == entry.architecture
    assert model.version == document["version"]
    assert _same_optional_number(model.sample_rate, document.get("sample_rate"))
    if entry.architecture != "SlimmableContainer":
        metadata = document["metadata"]
        assert _same_optional_number(model.loudness, metadata.get("loudness"))
        assert _same_optional_number(model.gain, metadata.get("gain"))


def test_container_slim_values_select_different_submodels(NamModel, zoo, short_signal):
    """slim 0.2 and slim 1.0 run different networks, slim 0.5 the same one as slim 0.2."""
    path = str(zoo[model_zoo.container_name(1.0)].path)
    outputs = {
        slim: NamModel(path, slim=slim).process(short_signal) for slim in (0.2, 0.5, 1.0)
    }
    np.testing.assert_array_equal(outputs[0.2], outputs[0.5])
    error, _ = relative_error(outputs[0.2], outputs[1.0])
    assert error > 1e-2
