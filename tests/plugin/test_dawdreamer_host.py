"""The same VST3 in a second host (DawDreamer): parameters, processing, state, latency."""

from __future__ import annotations

import dawdreamer as daw
import juce_state
import numpy as np
import pytest
from plugin_env import ASSETS, EXPECTED_PARAMS

AMP = ASSETS / "nam_models" / "amp_edge_breakup_g6.nam"
CAB = ASSETS / "impulse_responses" / "cab_1x12_open_cap.wav"


def _render(engine: daw.RenderEngine, plugin, x: np.ndarray) -> np.ndarray:
    player = engine.make_playback_processor("di", x[None, :])
    engine.load_graph([(player, []), (plugin, ["di"])])
    engine.render(len(x) / 48000)
    return engine.get_audio()


def test_parameters_and_processing(plugin_build):
    engine = daw.RenderEngine(48000, 128)
    plugin = engine.make_plugin_processor("tonematch", str(plugin_build.vst3))
    described = {d["name"]: d for d in plugin.get_parameters_description()}
    for name, low, high, default in EXPECTED_PARAMS.values():
        d = described[name]
        assert float(d["min"]) == pytest.approx(low) and float(d["max"]) == pytest.approx(high)
        assert float(d["defaultValueText"]) == pytest.approx(default, abs=1e-6)
    assert plugin.get_num_input_channels() == 1 and plugin.get_num_output_channels() == 2
    x = (0.1 * np.sin(np.arange(24000) * 0.05)).astype(np.float32)
    y = _render(engine, plugin, x)
    # 48 kHz, the models' own rate: no resampling, only the output limiter's 2 ms lookahead
    # (the host learns it once the plugin is prepared for the render).
    lat = plugin.get_latency_samples()
    assert lat == 95
    # Empty rig: the input on both channels, delayed by the latency the plugin reports.
    np.testing.assert_allclose(y[:, lat : len(x)], np.stack([x, x])[:, : len(x) - lat], atol=1e-6)


def test_state_file_loads_a_rig(plugin_build, tmp_path, di):
    engine = daw.RenderEngine(48000, 128)
    plugin = engine.make_plugin_processor("tonematch", str(plugin_build.vst3))
    state_file = tmp_path / "state.bin"
    plugin.save_state(str(state_file))
    xml = juce_state.set_rig(juce_state.plugin_xml(state_file.read_bytes()),
                             {"reverbWet": 0.25, "finalEqGainDb": -2.0}, amp=str(AMP), ir=str(CAB))
    state_file.write_bytes(juce_state.with_plugin_xml(state_file.read_bytes(), xml))
    plugin.load_state(str(state_file))

    # Files load in the background; the state DawDreamer saves says when they are in.
    for _ in range(3000):
        plugin.save_state(str(state_file))
        line, loading = juce_state.status(juce_state.plugin_xml(state_file.read_bytes()))
        if not loading:
            break
    assert line == "Ready"
    assert plugin.get_parameter(3) == pytest.approx(0.25 / 0.7, rel=1e-5)  # normalised

    y = _render(engine, plugin, di[:48000])
    assert np.isfinite(y).all()
    assert np.sqrt(np.mean(y**2)) > 1e-2
    # An amp and a cabinet do not leave the DI as it was.
    assert np.abs(y[0, :48000] - di[:48000]).max() > 0.05
