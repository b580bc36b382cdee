"""`tonematch match / render / tune / library` end to end on a small library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tonematch.cli import main
from tonematch.render import render_rig
from tonematch.rig import read_rig


def _run(*args: str, env_cache: Path) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "TONEMATCH_CACHE": str(env_cache)}
    return subprocess.run([sys.executable, "-m", "tonematch", *args], capture_output=True,
                          text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def matched(tmp_path_factory: pytest.TempPathFactory, small_library, di_path: Path,
            ref_path: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("match")
    models, irs = small_library
    proc = _run("match", "--di", str(di_path), "--ref", str(ref_path),
                "--out", str(out / "rig.json"), "--library", str(models), "--irs", str(irs),
                "--render", str(out / "matched.wav"), "--report", str(out / "report.png"),
                "--budget", "fast", "--seed", "3", "--progress", "jsonl",
                env_cache=out / "cache")
    return out, proc


def test_match_writes_a_complete_rig(matched, small_library) -> None:
    out, proc = matched
    assert proc.returncode == 0, proc.stderr
    data = json.loads((out / "rig.json").read_text())
    assert Path(data["rig"]["amp_nam_path"]).parent == small_library[0].resolve()
    assert Path(data["rig"]["ir_path"]).parent == small_library[1].resolve()
    assert set(data["loss_components"]) == {"rig", "embedding", "spectral", "harmonic",
                                            "envelope", "brightness", "gear", "total"}
    assert data["loss"] == pytest.approx(data["loss_components"]["total"], abs=1e-4)
    assert len(data["alternatives"]) == 2
    # the rigs are ranked by the gear distance (their delay and reverb are shared)
    gear = data["loss_components"]["gear"]
    assert all(a["loss_components"]["gear"] >= gear for a in data["alternatives"])
    assert data["timings_s"]["total"] > 0 and data["schema_version"] == 1
    assert len(data["match_eq"]["gains_db"]) == 24  # fitted after the post-FX
    assert max(abs(g) for g in data["match_eq"]["gains_db"]) > 0.1


def test_progress_is_json_lines_ending_in_done(matched) -> None:
    _, proc = matched
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    stages = [e["stage"] for e in events]
    assert stages[-1] == "done"
    for stage in ("load", "analyse", "grid", "post_fx", "verify"):
        assert stage in stages
    grid = [e for e in events if e["stage"] == "grid"]
    assert grid[-1]["done"] == grid[-1]["total"] > 0


def test_render_and_report_are_written(matched, di_path: Path) -> None:
    out, _ = matched
    audio, rate = sf.read(out / "matched.wav", always_2d=True)
    di, _ = sf.read(di_path)
    assert rate == 48000 and audio.shape == (len(di), 2)
    assert (out / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_render_command_equals_the_python_render(matched, di_path: Path, tmp_path: Path,
                                                 capsys) -> None:
    out, _ = matched
    assert main(["render", "--rig", str(out / "rig.json"), "--di", str(di_path),
                 "--out", str(tmp_path / "r.wav")]) == 0
    rendered, _ = sf.read(tmp_path / "r.wav", always_2d=True, dtype="float32")
    di, _ = sf.read(di_path, dtype="float32")
    expected = render_rig(read_rig(out / "rig.json"), di)
    assert np.array_equal(rendered.T, expected)
    assert np.array_equal(rendered, sf.read(out / "matched.wav", always_2d=True,
                                            dtype="float32")[0])


def test_same_seed_gives_the_same_rig(matched, small_library, di_path: Path, ref_path: Path,
                                      tmp_path: Path) -> None:
    out, _ = matched
    models, irs = small_library
    proc = _run("match", "--di", str(di_path), "--ref", str(ref_path),
                "--out", str(tmp_path / "again.json"), "--library", str(models), "--irs",
                str(irs), "--budget", "fast", "--seed", "3", "--progress", "none", "--jobs", "1",
                env_cache=tmp_path / "cache")
    assert proc.returncode == 0, proc.stderr
    first = json.loads((out / "rig.json").read_text())
    again = json.loads((tmp_path / "again.json").read_text())
    for doc in (first, again):
        doc.pop("timings_s")
    assert first == again


def test_tune_keeps_the_gear_and_does_not_get_worse(matched, di_path: Path, ref_path: Path,
                                                    tmp_path: Path) -> None:
    out, _ = matched
    proc = _run("tune", "--rig", str(out / "rig.json"), "--di", str(di_path), "--ref",
                str(ref_path), "--out", str(tmp_path / "tuned.json"), "--budget", "fast",
                "--progress", "none", env_cache=tmp_path / "cache")
    assert proc.returncode == 0, proc.stderr
    before = json.loads((out / "rig.json").read_text())
    after = json.loads((tmp_path / "tuned.json").read_text())
    assert after["rig"] == before["rig"]
    assert after["loss"] <= before["loss"] + 1e-6


def test_library_index_then_list(small_library, tmp_path: Path) -> None:
    models, irs = small_library
    index = _run("library", "index", "--library", str(models), "--irs", str(irs),
                 env_cache=tmp_path)
    assert index.returncode == 0, index.stderr
    assert "2 amps, 1 pedals, 2 IRs" in index.stdout
    assert list((tmp_path / "tonematch").glob("index-*.json"))
    listing = _run("library", "list", "--library", str(models), "--irs", str(irs),
                   env_cache=tmp_path)
    assert listing.returncode == 0
    assert "amp_british_crunch_g5" in listing.stdout and "pedal_ts_mid" in listing.stdout


def test_index_is_rebuilt_when_a_model_changes(small_library, tmp_path: Path) -> None:
    import shutil

    from tonematch.library_index import index_models

    models = tmp_path / "models"
    shutil.copytree(small_library[0], models)
    first, _ = index_models(models)
    target = models / "amp_british_crunch_g5.nam"
    shutil.copy(models / "amp_clean_american_g2.nam", target)
    second, _ = index_models(models)
    fp = {e.name: e.fingerprint for e in first}
    fp2 = {e.name: e.fingerprint for e in second}
    assert fp2["amp_british_crunch_g5"] == fp["amp_clean_american_g2"]
    assert fp2["amp_british_crunch_g5"] != fp["amp_british_crunch_g5"]


def test_help_lists_every_command(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for command in ("match", "render", "tune", "library", "demo"):
        assert command in text
