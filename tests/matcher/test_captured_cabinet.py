"""A capture that includes its cabinet (a "full rig") plays without an IR, and NAM's gear types
say what each capture holds."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import soundfile as sf

from tonematch.library_index import CAPTURED_CABINET, index_models, load_library
from tonematch.matcher import MatchOptions, match
from tonematch.render import render_rig
from tonematch.rig import Rig, RigParams

ASSETS = Path(__file__).resolve().parents[2] / "assets"
EXAMPLES = ASSETS / "examples"


def _capture(folder: Path, source: str, name: str, gear_type: str | None) -> Path:
    """A bundled model saved under another name with its metadata's gear_type set."""
    doc = json.loads((ASSETS / "nam_models" / f"{source}.nam").read_text())
    if gear_type is not None:
        doc.setdefault("metadata", {})["gear_type"] = gear_type
    path = folder / f"{name}.nam"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize(("gear_type", "kind", "cabinet"), [
    ("amp", "amp", False),
    ("preamp", "amp", False),
    ("pedal_amp", "amp", False),  # pedal and amp together: a pedal slot would add an amp
    ("amp_cab", "amp", True),
    ("amp_pedal_cab", "amp", True),
    ("pedal", "pedal", False),
    ("studio", "pedal", False),  # a compressor or a preamp channel goes before the amp
])
def test_the_gear_type_says_what_a_capture_holds(tmp_path: Path, gear_type: str, kind: str,
                                                 cabinet: bool) -> None:
    _capture(tmp_path, "amp_brown_g5", "my_capture", gear_type)
    (entry,), _ = index_models(tmp_path)
    assert (entry.kind, entry.cabinet) == (kind, cabinet)


def test_an_index_made_before_cabinets_were_read_learns_them_from_the_metadata(
        tmp_path: Path) -> None:
    _capture(tmp_path, "amp_brown_g5", "full_rig", "amp_cab")
    index_models(tmp_path)
    cache = next(Path(os.environ["TONEMATCH_CACHE"]).rglob("index-v*.json"))
    doc = json.loads(cache.read_text())
    for record in doc["files"].values():
        record.pop("cabinet")
    cache.write_text(json.dumps(doc))
    (entry,), _ = index_models(tmp_path)
    assert entry.cabinet
    assert all("cabinet" in r for r in json.loads(cache.read_text())["files"].values())


@pytest.mark.parametrize("di", ["di_riff_a.wav", "di_riff_b.wav"])  # another riff; the same part
def test_a_full_rig_capture_plays_without_a_cabinet(tmp_path: Path, di: str) -> None:
    models = tmp_path / "models"
    models.mkdir()
    full_rig = _capture(models, "amp_brown_g5", "brown_full_rig", "amp_cab")
    _capture(models, "amp_clean_american_g4", "ts_into_clean", "pedal_amp")
    shutil.copy(ASSETS / "nam_models" / "amp_chime_british_g6.nam", models)
    library = load_library([models], [ASSETS / "impulse_responses"])
    amp = next(a for a in library.amps if a.path == full_rig)
    assert library.irs_for(amp) == [CAPTURED_CABINET]
    assert all(len(library.irs_for(a)) == len(library.irs) > 1 for a in library.amps
               if a is not amp)
    # The reference: another riff through the full rig alone, as its owner plays it.
    reference = tmp_path / "ref.wav"
    sf.write(reference, render_rig(Rig(amp_path=full_rig, params=RigParams(input_gain_db=3.0)),
                                   sf.read(EXAMPLES / "di_riff_b.wav", dtype="float32")[0]).T,
             48000, subtype="FLOAT")
    rig, _ = match(EXAMPLES / di, reference,
                   MatchOptions([models], [ASSETS / "impulse_responses"], budget="fast", jobs=2))
    assert rig.extra["analysis"]["same_part"]["detected"] == (di == "di_riff_b.wav")
    assert rig.amp_path == full_rig and rig.ir_path is None
    for alt in rig.extra["alternatives"]:
        has_cab = alt["rig"]["amp_nam_path"] == str(full_rig)
        assert (alt["rig"]["ir_path"] is None) == has_cab


def test_a_library_of_full_rigs_needs_no_ir_folder(tmp_path: Path) -> None:
    models, irs = tmp_path / "models", tmp_path / "irs"
    models.mkdir()
    irs.mkdir()
    _capture(models, "amp_brown_g5", "brown_full_rig", "amp_cab")
    _capture(models, "amp_chime_british_g6", "chime_full_rig", "amp_pedal_cab")
    rig, _ = match(EXAMPLES / "di_riff_a.wav", EXAMPLES / "ref_library_rig.wav",
                   MatchOptions([models], [irs], budget="fast", jobs=2))
    assert rig.ir_path is None and rig.amp_path is not None
    # An amp without its cabinet still needs an IR: the error says so.
    shutil.copy(ASSETS / "nam_models" / "amp_clean_american_g4.nam", models)
    with pytest.raises(ValueError, match="no usable cabinet IR"):
        load_library([models], [irs])


def test_info_says_how_the_library_uses_a_capture(tmp_path: Path, capsys) -> None:
    from tonematch.cli import main

    path = _capture(tmp_path, "amp_brown_g5", "full_rig", "amp_cab")
    assert main(["info", str(path)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["gear_type"], info["slot"], info["cabinet_in_capture"]) == ("amp_cab", "amp", True)
