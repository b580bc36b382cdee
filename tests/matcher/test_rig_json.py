"""The rig JSON: the design's fixed keys, round trips, clamping and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tonematch.rig import Rig, RigError, RigParams, read_rig, write_rig

# The original design's eight keys, unchanged, plus the output level the matcher sets, the
# noise gate's threshold, the limiter's ceiling and the match EQ's amount.
FIXED_PARAM_KEYS = {"input_gain_db", "pre_eq_gain_db", "pre_eq_freq_hz", "reverb_wet",
                    "reverb_room_size", "delay_time_ms", "delay_mix", "final_eq_gain_db",
                    "output_level_db", "gate_threshold_db", "limiter_ceiling_db",
                    "match_eq_amount"}
FIXED_RIG_KEYS = {"fx_nam", "amp_nam", "ir", "fx_nam_path", "amp_nam_path", "ir_path"}


def test_written_rig_has_exactly_the_design_keys(tmp_path: Path) -> None:
    rig = Rig(amp_path=tmp_path / "amp.nam", ir_path=tmp_path / "cab.wav", loss=0.5)
    write_rig(tmp_path / "rig.json", rig)
    data = json.loads((tmp_path / "rig.json").read_text())
    assert set(data["rig"]) == FIXED_RIG_KEYS
    assert set(data["params"]) == FIXED_PARAM_KEYS
    assert data["rig"]["fx_nam_path"] is None and data["rig"]["fx_nam"] == ""
    assert data["rig"]["amp_nam"] == "amp" and Path(data["rig"]["amp_nam_path"]).is_absolute()
    assert data["schema_version"] == 1 and data["loss"] == 0.5


def test_round_trip_keeps_params_paths_and_extra_keys(tmp_path: Path) -> None:
    params = RigParams(3.0, -2.5, 1200.0, 0.3, 0.7, 250.0, 0.2, -1.0)
    alternative = Rig(amp_path=tmp_path / "b.nam", loss=2.0).to_dict()
    del alternative["schema_version"]  # a document has one; its alternatives have none
    rig = Rig(amp_path=tmp_path / "a.nam", ir_path=tmp_path / "c.wav", fx_path=tmp_path / "p.nam",
              params=params, loss=1.25,
              extra={"alternatives": [alternative], "analysis": {"budget": "fast", "seed": 3}})
    write_rig(tmp_path / "rig.json", rig)
    back = read_rig(tmp_path / "rig.json")
    assert back.params == params
    assert (back.amp_path, back.ir_path, back.fx_path) == (rig.amp_path, rig.ir_path, rig.fx_path)
    assert back.loss == 1.25 and back.extra["alternatives"] == [alternative]
    assert back.extra["analysis"] == {"budget": "fast", "seed": 3}


def test_a_bad_alternative_is_dropped_with_a_warning_and_the_rig_still_loads(
        tmp_path: Path) -> None:
    # The plugin reads the same way (one codec): a user keeps the best rig and the good choices.
    (tmp_path / "r.json").write_text(json.dumps(
        {"rig": {"amp_nam_path": "/a.nam"},
         "alternatives": [{"rig": {"amp_nam_path": 7}}, {"rig": {"amp_nam_path": "/b.nam"}}]}))
    with pytest.warns(UserWarning, match=r"alternative 1: rig.amp_nam_path must be a path"):
        rig = read_rig(tmp_path / "r.json")
    assert rig.amp_path == Path("/a.nam")
    assert [alt["rig"]["amp_nam"] for alt in rig.extra["alternatives"]] == ["b"]


def test_a_slot_is_named_by_the_file_it_loads(tmp_path: Path) -> None:
    # A stale "amp_nam" (a preset whose path was edited) must not name a file that is not loaded.
    (tmp_path / "r.json").write_text(json.dumps(
        {"rig": {"amp_nam": "old_amp", "amp_nam_path": "/models/new_amp.nam"}}))
    rig = read_rig(tmp_path / "r.json")
    assert rig.amp_name == "new_amp"
    assert rig.to_dict()["rig"]["amp_nam"] == "new_amp"


def test_preset_paths_resolve_relative_to_the_preset(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text(json.dumps(
        {"name": "Mine", "rig": {"amp_nam_path": "models/a.nam", "ir_path": None}, "params": {}}))
    rig = read_rig(tmp_path / "p.json")
    assert rig.amp_path == tmp_path / "models" / "a.nam" and rig.ir_path is None
    assert rig.name == "Mine" and rig.params == RigParams()


def test_out_of_range_params_are_clamped_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text(json.dumps(
        {"rig": {}, "params": {"reverb_wet": 2.0, "delay_time_ms": 10}}))
    with pytest.warns(UserWarning) as caught:
        rig = read_rig(tmp_path / "r.json")
    messages = [str(w.message) for w in caught]
    assert any("reverb_wet=2 is outside" in m for m in messages)
    assert any("delay_time_ms=10 is outside" in m for m in messages)
    assert rig.params.reverb_wet == 0.7 and rig.params.delay_time_ms == 50.0


def test_keys_the_reader_does_not_know_inside_rig_and_params_are_named(tmp_path: Path) -> None:
    # A misspelt key leaves its slot or parameter at the default: the reader says so.
    (tmp_path / "r.json").write_text(json.dumps(
        {"rig": {"amp_nam_path": "/models/a.nam", "cab_path": "/irs/c.wav"},
         "params": {"input_gain": 6.0, "delay_mix": 0.2}, "my_note": "kept"}))
    with pytest.warns(UserWarning) as caught:
        rig = read_rig(tmp_path / "r.json")
    messages = [str(w.message) for w in caught]
    assert any("rig.cab_path is not a rig key" in m and "r.json" in m for m in messages)
    assert any("params.input_gain is not a parameter" in m for m in messages)
    assert len(messages) == 2  # a top-level key of its own is carried, not warned about
    assert rig.ir_path is None and rig.params.input_gain_db == 0.0
    assert rig.params.delay_mix == 0.2 and rig.extra["my_note"] == "kept"


def test_a_slot_left_empty_by_name_and_path_reads_as_no_gear(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text(json.dumps(
        {"rig": {"fx_nam": "", "fx_nam_path": None, "amp_nam": "a",
                 "amp_nam_path": "/models/a.nam", "ir": "", "ir_path": None}}))
    rig = read_rig(tmp_path / "r.json")
    assert rig.fx_path is None and rig.ir_path is None and rig.amp_name == "a"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"params": {}}', "missing the 'rig' object"),
        ('{"rig": {}, "params": {"delay_mix": "lots"}}', "params.delay_mix must be a finite"),
        ('{"rig": {"amp_nam_path": 5}}', "rig.amp_nam_path must be a path"),
        # A path typed into the name key would otherwise play the DI through no amp.
        ('{"rig": {"amp_nam": "/models/amp.nam"}}',
         'rig.amp_nam names "/models/amp.nam" but rig.amp_nam_path is missing'),
        ('{"rig": {"ir": "cab_4x12", "ir_path": null}}',
         'rig.ir names "cab_4x12" but rig.ir_path is missing'),
        ('{"rig": {}, "loss": "low"}', "'loss' must be a finite number or null"),
        ('{"rig": {}, "warnings": [1]}', "'warnings' must be a list of strings"),
        ('{"rig": {}, "params": {"delay_mix": 1' + "0" * 400 + '}}', "number too large"),
        ("[" * 65 + "]" * 65, "nested deeper than 64"),
    ],
)
def test_bad_rig_files_name_the_file_and_the_problem(tmp_path: Path, text: str,
                                                    problem: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(RigError, match=problem) as err:
        read_rig(path)
    assert str(path) in str(err.value)


def test_missing_rig_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RigError, match="file not found"):
        read_rig(tmp_path / "nope.json")


def test_the_matchers_warnings_are_kept_as_written(tmp_path: Path) -> None:
    # An empty list says "checked, nothing to report"; a preset without the key stays without.
    for warnings_in in ([], ["the reference looks like a full mix"]):
        (tmp_path / "r.json").write_text(json.dumps({"rig": {}, "warnings": warnings_in}))
        write_rig(tmp_path / "back.json", read_rig(tmp_path / "r.json"))
        assert json.loads((tmp_path / "back.json").read_text())["warnings"] == warnings_in
    write_rig(tmp_path / "preset.json", Rig(name="Mine"))
    assert "warnings" not in json.loads((tmp_path / "preset.json").read_text())
