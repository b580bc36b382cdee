"""The page's logic with Streamlit's headless AppTest (the real script, matcher and engine, no
browser): example inputs, a match on a folder library, the sliders, Tune and an alternative."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tonematch.rig import PARAM_RANGES, Rig

PAGE = Path(__file__).resolve().parents[2] / "tonematch" / "app" / "page.py"


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("TONEMATCH_APP_ROOT", str(tmp_path / "root"))
    at = AppTest.from_file(str(PAGE), default_timeout=180)
    at.run()
    assert not at.exception
    yield at
    at.session_state["tonematch"].workspace.close()


def _downloads(at: AppTest) -> dict[str, object]:
    return {d.key: d for d in at.get("download_button")}


def test_match_tweak_tune_and_alternative(app: AppTest, small_library):
    at = app
    assert at.button(key="match_button").disabled  # nothing uploaded yet
    at.sidebar.button[1].click().run()  # the bundled example
    assert "**di_riff_a.wav** · 15.0 s" in [c.value for c in at.caption]
    at.sidebar.radio(key="budget").set_value("fast")
    at.sidebar.radio(key="library_kind").set_value("A folder on this machine").run()
    at.sidebar.text_input(key="library_models").input(str(small_library[0]))
    at.sidebar.text_input(key="library_irs").input(str(small_library[1])).run()
    at.button(key="match_button").click().run()
    assert not at.exception

    state = at.session_state["tonematch"]
    assert state.job is None and state.result is not None, state.job_note
    rig = state.result.rig
    assert f"### {rig.describe()}" in [m.value for m in at.markdown]
    assert rig.amp_path.parent == small_library[0]
    assert len(state.result.alternatives) == 2
    assert len(at.slider) == 1 + len(PARAM_RANGES)  # the region and every setting
    assert {k: d for k, d in _downloads(at).items()}.keys() == {
        "download_rig", "download_preset", "download_wav", "download_report"}

    # A slider changes the rig that is rendered and downloaded; the loss becomes unknown.
    renders = len(state.derived.items)
    at.slider(key=f"set_reverb_wet_{state.revision}").set_value(0.3).run()
    assert not at.exception
    assert len(state.derived.items) > renders  # a new render for the new settings
    assert any(k[0] == "render" and 0.3 in k for k in state.derived.items)

    # Tune refits the settings of this gear (a real `tonematch tune` child process).
    revision = state.revision
    at.button(key="tune_button").click().run()
    assert not at.exception and state.job is None, state.job_note
    assert state.revision == revision + 1
    tuned = state.base
    assert tuned.amp_path == rig.amp_path and tuned.loss is not None
    assert at.slider(key=f"set_reverb_wet_{state.revision}").value == pytest.approx(
        tuned.params.reverb_wet)

    # An alternative can become the rig the sliders and downloads start from.
    alternative = state.result.alternatives[1]
    at.button(key=f"use_alt_1_{state.revision}").click().run()
    assert state.base is alternative
    assert f"### {alternative.describe()}" in [m.value for m in at.markdown]


def test_bad_library_folder_is_reported(app: AppTest, tmp_path):
    at = app
    at.sidebar.radio(key="library_kind").set_value("A folder on this machine").run()
    at.sidebar.text_input(key="library_models").input(str(tmp_path / "nowhere")).run()
    at.sidebar.button[0].click().run()  # Index library
    assert any("nowhere: folder not found" in c.value for c in at.sidebar.caption)
    empty = tmp_path / "empty"
    empty.mkdir()
    at.sidebar.text_input(key="library_models").input(str(empty)).run()
    at.sidebar.button[0].click().run()
    assert any("no usable amp model" in c.value for c in at.sidebar.caption)


def test_rig_json_of_alternatives_is_readable(small_library, tmp_path):
    """The alternatives the page offers are read from the matcher's JSON with the rig
    reader; an alternative is a complete rig."""
    from tonematch.app.results import MatchResult
    from tonematch.rig import write_rig

    models, irs = small_library
    alt = Rig(amp_path=models / "amp_clean_american_g2.nam", ir_path=irs / "cab_1x12_open_cap.wav")
    main = Rig(amp_path=models / "amp_british_crunch_g5.nam",
               ir_path=irs / "cab_4x12_closed_cap.wav", loss=1.5,
               extra={"alternatives": [alt.to_dict()], "loss_components": {
                   "spectral": 1.0, "gear": 1.2, "embedding": 0.1, "total": 1.5}})
    write_rig(tmp_path / "rig.json", main)
    result = MatchResult.load(tmp_path / "rig.json", 3.0)
    assert result.alternatives[0].amp_path == alt.amp_path
    # the parts that weigh in the loss, not those kept for the record at weight 0
    assert result.loss_parts() == {"gear": 1.2, "embedding": 0.1, "total": 1.5}
    assert result.report is None
    assert json.loads((tmp_path / "rig.json").read_text())["schema_version"] == 1
