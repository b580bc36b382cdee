"""What the matcher's library holds: catalogued gear, or complete entries inferred for the rest.

The bundled folders are catalogued by their manifest.json, and nothing else in them may be
picked. A user's own folder has no manifest: every model still gets a kind and a gain class.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tonematch.library_index import (
    GAIN_CLASSES,
    catalogue,
    default_library_dirs,
    find_irs,
    index_models,
    model_files,
)

ASSETS = Path(__file__).resolve().parents[2] / "assets"
BUNDLED = ASSETS / "nam_models"


def test_the_bundled_library_holds_catalogued_gear_only():
    """Every model and IR the matcher scans by default has a manifest entry of its kind."""
    model_dirs, ir_dirs = default_library_dirs()
    assert model_dirs == [BUNDLED] and ir_dirs == [ASSETS / "impulse_responses"]
    models = catalogue(BUNDLED)
    assert models is not None
    scanned = model_files(BUNDLED)
    assert len(scanned) >= 40
    for path in scanned:
        entry = models.get(path.name)
        assert entry is not None, f"{path.name} is in the library but not in its manifest"
        assert entry["kind"] in ("amp", "pedal"), path.name
        assert entry["gain_class"] in GAIN_CLASSES, path.name
    irs = catalogue(ir_dirs[0])
    assert irs is not None
    for ir in find_irs(ir_dirs[0]):
        assert irs.get(ir.path.name, {}).get("kind") == "cab", ir.path.name


def test_the_demo_capture_is_an_example_not_library_gear():
    """The engine demo's uncatalogued capture lives with the examples, outside the library."""
    assert (ASSETS / "examples" / "demo_crunch.nam").is_file()
    assert not list(BUNDLED.rglob("demo_crunch*"))


def test_a_file_missing_from_a_manifest_gets_a_complete_entry_and_a_note(tmp_path):
    """In a catalogued folder an extra file is inferred, marked and reported: never silently."""
    shutil.copy(BUNDLED / "manifest.json", tmp_path)
    shutil.copy(BUNDLED / "pedal_ts_mid.nam", tmp_path)
    shutil.copy(ASSETS / "examples" / "demo_crunch.nam", tmp_path)
    entries, notes = index_models(tmp_path, jobs=1)
    by_name = {e.name: e for e in entries}
    pedal, extra = by_name["pedal_ts_mid"], by_name["demo_crunch"]
    assert (pedal.kind, pedal.gain_class, pedal.catalogued) == ("pedal", "crunch", True)
    # Two gain stages driven at 6: a crunch amp by name (no pedal word) and by compression.
    assert (extra.kind, extra.gain_class, extra.catalogued) == ("amp", "crunch", False)
    assert extra.fingerprint["levels"]
    assert len(notes) == 1
    assert "demo_crunch.nam: not in" in notes[0] and "treated as amp, crunch" in notes[0]


def test_a_folder_without_manifest_infers_what_the_catalogue_says(small_library):
    """Clean, crunch and pedal captures copied without the manifest come out as catalogued."""
    models, _ = small_library
    assert catalogue(models) is None
    entries, notes = index_models(models, jobs=1)
    assert notes == []
    bundled = catalogue(BUNDLED) or {}
    assert len(entries) == 3
    for e in entries:
        want = bundled[e.path.name]
        assert (e.kind, e.gain_class, e.catalogued) == (want["kind"], want["gain_class"], False)


def test_nam_metadata_decides_kind_and_gain_class(tmp_path):
    """A capture's own gear_type and tone_type win over its name and its fingerprint."""
    doc = json.loads((BUNDLED / "amp_clean_american_g2.nam").read_text())
    doc["metadata"] = {**doc.get("metadata", {}), "gear_type": "pedal", "tone_type": "hi_gain"}
    (tmp_path / "amp_named_clean.nam").write_text(json.dumps(doc))
    [entry], _ = index_models(tmp_path, jobs=1)
    assert (entry.kind, entry.gain_class) == ("pedal", "high_gain")


@pytest.mark.parametrize(("edit", "want"), [("kind", "amp"), ("gain_class", "clean")])
def test_manifest_edits_apply_without_reindexing(tmp_path, edit, want):
    """The catalogue is read on every load, so a corrected entry wins over the cached index."""
    shutil.copy(BUNDLED / "pedal_ts_mid.nam", tmp_path)
    entry = dict((catalogue(BUNDLED) or {})["pedal_ts_mid.nam"])
    doc = {"schema_version": 1, "description": "test", "entries": [entry]}
    (tmp_path / "manifest.json").write_text(json.dumps(doc))
    [before], _ = index_models(tmp_path, jobs=1)
    assert (before.kind, before.gain_class) == ("pedal", "crunch")
    entry[edit] = want
    (tmp_path / "manifest.json").write_text(json.dumps(doc))
    [after], _ = index_models(tmp_path, jobs=1)
    assert getattr(after, edit) == want
