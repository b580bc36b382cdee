"""Driving the real VST3 in pedalboard: loading a rig through the host state, and processing.

The plugin loads models and IRs on a background thread; a test sets the state, then polls the
state the host reads back (its <Status loading="…"> element) until the files are in.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import juce_state
import numpy as np
import pedalboard

from tonematch import _native

_TABLE = _native.param_table()
# APVTS id → pedalboard's Python name (the display name in snake case, then the unit label).
PYTHON_NAMES = {
    row["apvts_id"]: "_".join(re.findall(r"[a-z0-9]+", f"{row['name']} {row['unit']}".lower()))
    for row in _TABLE
}
# APVTS id → rig JSON key (docs/formats.md, rig JSON).
JSON_KEYS = {row["apvts_id"]: row["key"] for row in _TABLE}


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
