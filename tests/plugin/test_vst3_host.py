"""The VST3 in pedalboard: parameters as hosts see them, processing, and the session state."""

from __future__ import annotations

import hosting
import juce_state
import numpy as np
import pytest
from plugin_env import ASSETS, EXPECTED_PARAMS

AMP = ASSETS / "nam_models" / "amp_british_crunch_g5.nam"
PEDAL = ASSETS / "nam_models" / "pedal_ts_mid.nam"
CAB = ASSETS / "impulse_responses" / "cab_4x12_closed_cap.wav"

PARAMS = {"inputGain": 3.0, "preEqGainDb": 4.5, "preEqFreqHz": 1500.0, "reverbWet": 0.3,
          "reverbRoomSize": 0.7, "delayTimeMs": 250.0, "delayMix": 0.2, "finalEqGainDb": -1.5}


@pytest.fixture
def plugin(plugin_build):
    return hosting.load(plugin_build.vst3)


def test_identity_and_parameters_as_a_host_sees_them(plugin):
    assert plugin.name == "ToneMatch AI"
    assert plugin.is_effect and not plugin.is_instrument
    names = set(plugin.parameters) - {"bypass"}
    assert names == set(EXPECTED_PARAMS)
    for key, (name, low, high, default) in EXPECTED_PARAMS.items():
        p = plugin.parameters[key]
        assert p.name == name
        assert p.range[0] == pytest.approx(low) and p.range[1] == pytest.approx(high)
        assert getattr(plugin, key) == pytest.approx(default, abs=1e-6)


def test_frequency_knob_is_log_skewed(plugin):
    # The centre of the knob sits at the geometric mean of 400…3000 Hz, not the arithmetic one.
    plugin.parameters["pre_eq_freq_hz"].raw_value = 0.5
    assert plugin.pre_eq_freq_hz == pytest.approx(np.sqrt(400 * 3000), rel=1e-3)


@pytest.mark.parametrize("db", [-12.0, 6.0])
def test_gain_knobs_change_the_level_exactly(plugin, db):
    # Empty slots bypass every stage, so the chain is a pure gain here.
    x = (0.05 * np.sin(np.arange(9600) * 0.03)).astype(np.float32)[None, :]
    p = plugin.parameters["input_gain_db"]
    p.raw_value = (db - p.range[0]) / (p.range[1] - p.range[0])
    y = hosting.process(plugin, x, 48000)
    np.testing.assert_allclose(y, x * 10 ** (db / 20), rtol=1e-4, atol=1e-7)


def test_layouts_mono_and_stereo(plugin):
    rng = np.random.default_rng(1)
    left, right = (0.1 * rng.standard_normal((2, 4800))).astype(np.float32)
    mono = hosting.process(plugin, left[None, :], 48000)
    assert mono.shape == (1, 4800)
    np.testing.assert_allclose(mono[0], left, atol=1e-6)
    stereo = hosting.process(plugin, np.stack([left, right]), 48000)
    # Stereo in is one guitar on two channels: averaged to mono, then the chain's stereo out.
    for channel in stereo:
        np.testing.assert_allclose(channel, 0.5 * (left + right), atol=1e-6)


def test_full_rig_processes_finite_audio_at_odd_block_sizes(plugin, di):
    status = hosting.set_rig(plugin, PARAMS, PEDAL, AMP, CAB)
    assert status == "Ready"
    x = np.stack([di[:48000], di[:48000]])
    reference = hosting.process(plugin, x, 48000, block=512)
    assert np.isfinite(reference).all() and np.sqrt(np.mean(reference**2)) > 1e-2
    for block in (1, 37, 4096):
        y = hosting.process(plugin, x, 48000, block=block)
        # The chain's output does not depend on how the host cuts the blocks.
        np.testing.assert_allclose(y, reference, atol=1e-6)


def test_non_finite_input_is_recovered_from(plugin, di):
    hosting.set_rig(plugin, None, None, AMP, CAB)
    x = di[:48000].copy()
    x[4000:4512] = np.nan
    x[5000] = np.inf
    y = hosting.process(plugin, x[None, :], 48000)
    assert np.isfinite(y).all()
    tail = y[0, -24000:]
    assert np.sqrt(np.mean(tail**2)) > 1e-2, "the plugin stayed silent after a NaN block"


def test_state_round_trip_restores_rig_and_sound(plugin_build, plugin, di):
    assert hosting.set_rig(plugin, PARAMS, PEDAL, AMP, CAB) == "Ready"
    x = np.stack([di[:24000], di[:24000]])
    before = hosting.process(plugin, x, 48000)
    state = plugin.raw_state

    other = hosting.load(plugin_build.vst3)
    other.raw_state = state
    assert hosting.wait_loaded(other) == "Ready"
    xml = hosting.plugin_xml(other)
    assert juce_state.rig_paths(xml) == {"pedal": str(PEDAL), "amp": str(AMP), "ir": str(CAB)}
    values = juce_state.param_values(xml)
    for pid, value in PARAMS.items():
        assert values[pid] == pytest.approx(value, rel=1e-5)
        assert getattr(other, hosting.PYTHON_NAMES[pid]) == pytest.approx(value, rel=1e-4)
    after = hosting.process(other, x, 48000)
    np.testing.assert_array_equal(after, before)


def _corrupt_blobs(state: bytes) -> list[bytes]:
    rng = np.random.default_rng(3)
    outer, _ = juce_state.binary_to_xml(state)
    xml = juce_state.plugin_xml(state)
    flipped = bytearray(juce_state.xml_to_binary(xml))
    for i in range(12, len(flipped), 5):
        flipped[i] ^= 0x5A

    def wrap(component: bytes) -> bytes:
        match = juce_state._ICOMPONENT.search(outer)
        new = outer[: match.start(1)] + juce_state.juce_b64encode(component) + outer[match.end(1):]
        return juce_state.xml_to_binary(new)

    return [
        wrap(bytes(flipped)),                                   # bit rot in the plugin's XML
        wrap(rng.integers(0, 256, 3000, dtype=np.uint8).tobytes()),  # random bytes
        wrap(juce_state.xml_to_binary("<OtherPlugin a='1'/>")),  # another plugin's state
        wrap(b""),                                              # nothing at all
    ]


def test_corrupt_state_leaves_a_working_plugin(plugin, di):
    hosting.set_rig(plugin, PARAMS, PEDAL, AMP, CAB)
    x = np.stack([di[:24000], di[:24000]])
    before = hosting.process(plugin, x, 48000)
    good = plugin.raw_state
    for blob in _corrupt_blobs(good):
        try:
            plugin.raw_state = blob
        except Exception:  # noqa: BLE001 - the host may refuse the blob itself; also fine
            pass
        hosting.wait_loaded(plugin)
        xml = hosting.plugin_xml(plugin)
        assert juce_state.rig_paths(xml)["amp"] == str(AMP)
        assert juce_state.param_values(xml)["delayTimeMs"] == pytest.approx(250.0)
        np.testing.assert_array_equal(hosting.process(plugin, x, 48000), before)


def test_missing_files_load_what_they_can_and_say_what_is_missing(plugin, tmp_path, di):
    gone = tmp_path / "moved_amp.nam"
    status = hosting.set_rig(plugin, None, PEDAL, gone, CAB)
    assert "AMP missing" in status and "moved_amp.nam" in status
    assert "FX" not in status and "IR" not in status
    y = hosting.process(plugin, di[None, :24000], 48000)
    assert np.isfinite(y).all() and np.sqrt(np.mean(y**2)) > 1e-3  # pedal + cab still play
    # The missing path stays in the session, so the amp comes back when the file does.
    assert juce_state.rig_paths(hosting.plugin_xml(plugin))["amp"] == str(gone)


def test_a_file_that_is_not_a_model_is_refused_with_a_message(plugin):
    status = hosting.set_rig(plugin, None, None, CAB, AMP)  # swapped: an IR as amp, a model as IR
    assert "AMP failed" in status and "IR failed" in status
    assert "cab_4x12_closed_cap.wav" in status
