"""Driving the real VST3 in pedalboard: loading a rig through the host state, and processing.

The plugin loads models and IRs on a background thread; a test sets the state, then polls the
state the host reads back (its <Status loading="…"> element) until the files are in.
"""

from __future__ import annotations

import time
from pathlib import Path

import juce_state
import numpy as np
import pedalboard

# APVTS id → pedalboard's Python name (pedalboard appends the unit label).
PYTHON_NAMES = {
    "inputGain": "input_gain_db",
    "preEqGainDb": "pre_eq_gain_db",
    "preEqFreqHz": "pre_eq_freq_hz",
    "reverbWet": "reverb_wet",
    "reverbRoomSize": "reverb_size",
    "delayTimeMs": "delay_time_ms",
    "delayMix": "delay_mix",
    "finalEqGainDb": "final_gain_db",
}
# APVTS id → rig JSON key (DESIGN §4).
JSON_KEYS = {
    "inputGain": "input_gain_db",
    "preEqGainDb": "pre_eq_gain_db",
    "preEqFreqHz": "pre_eq_freq_hz",
    "reverbWet": "reverb_wet",
    "reverbRoomSize": "reverb_room_size",
    "delayTimeMs": "delay_time_ms",
    "delayMix": "delay_mix",
    "finalEqGainDb": "final_eq_gain_db",
}


def load(vst3: Path) -> pedalboard.ExternalPlugin:
    return pedalboard.load_plugin(str(vst3))


def plugin_xml(plugin: pedalboard.ExternalPlugin) -> str:
    return juce_state.plugin_xml(plugin.raw_state)


def wait_loaded(plugin: pedalboard.ExternalPlugin, timeout_s: float = 30.0) -> str:
    """Polls the state until no file is loading; returns the status line."""
    deadline = time.monotonic() + timeout_s
    while True:
        line, loading = juce_state.status(plugin_xml(plugin))
        if not loading:
            return line
        if time.monotonic() > deadline:
            raise TimeoutError(f"the plugin still loads files after {timeout_s} s ({line})")
        time.sleep(0.01)


def set_rig(plugin: pedalboard.ExternalPlugin, params: dict[str, float] | None = None,
            pedal: Path | None = None, amp: Path | None = None, ir: Path | None = None,
            match_eq: list[float] | None = None) -> str:
    """Loads a rig through the host state (as a DAW restoring a session) and waits for it."""
    xml = juce_state.set_rig(plugin_xml(plugin), params, str(pedal or ""), str(amp or ""),
                             str(ir or ""), match_eq)
    plugin.raw_state = juce_state.with_plugin_xml(plugin.raw_state, xml)
    return wait_loaded(plugin)


def process(plugin: pedalboard.ExternalPlugin, audio: np.ndarray, rate: float,
            block: int = 512) -> np.ndarray:
    """Processes audio (channels × samples) from a reset state.

    The first call at a new rate is run on a little silence first: the plugin reports its new
    latency when it is prepared, and pedalboard's JUCE host picks the change up asynchronously,
    so only the second call at that rate is latency-compensated with the right value.
    """
    audio = np.ascontiguousarray(audio, dtype=np.float32)
    plugin.process(np.zeros((audio.shape[0], block), np.float32), rate, buffer_size=block)
    return plugin.process(audio, rate, buffer_size=block)
