"""One rig, three readers: the plugin (the real VST3 in pedalboard), the engine (tonematch._native)
and the Python package agree on every parameter and read and write every rig file alike."""

from __future__ import annotations

import json
import warnings
import xml.etree.ElementTree as ET
from dataclasses import fields
from pathlib import Path

import hosting
import juce_state
import numpy as np
import pytest

from tonematch import _native
from tonematch.rig import PARAM_RANGES, Rig, RigParams, read_rig, rig_json_text

TABLE = _native.param_table()
WARNS = {"out_of_range", "bad_alternative"}
RIG_FILES = sorted((Path(__file__).parents[1] / "matcher" / "rigs").glob("*.json"))


@pytest.fixture
def plugin(plugin_build):
    return hosting.load(plugin_build.vst3)


def _by_name(plugin) -> dict[str, object]:
    """The plugin's parameters as the host lists them, by their display name."""
    return {p.name: p for p in plugin.parameters.values() if p.name != "Bypass"}


def test_python_uses_the_engine_table() -> None:
    assert [(r.key, r.low, r.high, r.default) for r in PARAM_RANGES] == [
        (row["key"], row["low"], row["high"], row["default"]) for row in TABLE]
    assert [f.name for f in fields(RigParams)] == [row["key"] for row in TABLE] + ["match_eq_db"]
    defaults = RigParams()
    assert all(getattr(defaults, row["key"]) == row["default"] for row in TABLE)


def test_the_chain_keeps_every_parameter_in_its_table_range() -> None:
    chain = _native.Chain()
    assert {k: v for k, v in chain.params.items() if k != "match_eq_db"} == pytest.approx(
        {row["key"]: row["default"] for row in TABLE})
    chain.set_params(**{row["key"]: row["high"] + 1000.0 for row in TABLE})
    assert [chain.params[row["key"]] for row in TABLE] == pytest.approx(
        [row["high"] for row in TABLE])
    chain.set_params(**{row["key"]: row["low"] - 1000.0 for row in TABLE})
    assert [chain.params[row["key"]] for row in TABLE] == pytest.approx(
        [row["low"] for row in TABLE])
    with pytest.raises(TypeError, match="no_such_param"):  # a key not in the table
        chain.set_params(no_such_param=1.0)


def test_the_plugin_has_the_table_ids_ranges_defaults_and_skew(plugin) -> None:
    # Ids and defaults from the plugin's own state; names and ranges as a host lists them.
    state = juce_state.param_values(hosting.plugin_xml(plugin))
    assert state == pytest.approx({row["apvts_id"]: row["default"] for row in TABLE})
    listed = _by_name(plugin)
    assert list(listed) == [row["name"] for row in TABLE]  # the host lists them in table order
    for row in TABLE:
        p = listed[row["name"]]
        assert (p.range[0], p.range[1]) == pytest.approx((row["low"], row["high"]))
        p.raw_value = 0.5
        centre = (np.sqrt(row["low"] * row["high"]) if row["skew"] == "log"
                  else (row["low"] + row["high"]) / 2)
        assert float(getattr(plugin, p.python_name)) == pytest.approx(centre, rel=1e-3, abs=1e-4)


@pytest.mark.parametrize("path", RIG_FILES, ids=[p.stem for p in RIG_FILES])
def test_python_and_the_engine_read_and_write_a_rig_file_alike(path: Path, tmp_path: Path
                                                               ) -> None:
    rig = _read(path)
    written = json.loads(rig_json_text(rig))
    engine_text, _ = _native.normalise_rig_json(path.read_text(), str(path), str(path.parent))
    assert written == json.loads(engine_text)
    # Written and read again, the rig is the same rig and the text the same text.
    (tmp_path / "again.json").write_text(rig_json_text(rig))
    again = read_rig(tmp_path / "again.json")
    assert again == rig and rig_json_text(again) == rig_json_text(rig)


@pytest.mark.parametrize("path", RIG_FILES, ids=[p.stem for p in RIG_FILES])
def test_the_plugin_keeps_a_rig_file_as_python_writes_it(plugin, path: Path) -> None:
    rig = _read(path)
    text = rig_json_text(rig)
    # The plugin's session state carries the matched rigs as rig JSON; restored, it is parsed
    # and written back by the plugin's own reader and writer.
    root = ET.fromstring(hosting.plugin_xml(plugin))
    for old in root.findall("Match"):
        root.remove(old)
    match = ET.SubElement(root, "Match", {"active": "-1"})
    match.text = text
    params = {row["apvts_id"]: getattr(rig.params, row["key"]) for row in TABLE}
    xml = juce_state.set_rig(ET.tostring(root, encoding="unicode"), params)
    plugin.raw_state = juce_state.with_plugin_xml(plugin.raw_state, xml)
    hosting.wait_loaded(plugin)
    back = ET.fromstring(hosting.plugin_xml(plugin))
    assert json.loads(back.find("Match").text) == json.loads(text)
    values = juce_state.param_values(ET.tostring(back, encoding="unicode"))
    assert [values[row["apvts_id"]] for row in TABLE] == pytest.approx(
        [getattr(rig.params, row["key"]) for row in TABLE], rel=1e-6)


def _read(path: Path) -> Rig:
    """The rig in a file; the files named for it warn (clamps, a skipped alternative), the
    others must read without a warning."""
    if path.stem in WARNS:
        with pytest.warns(UserWarning):
            return read_rig(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return read_rig(path)
