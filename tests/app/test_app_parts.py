"""The web app's parts on real files and real child processes: upload checks, loudness,
presets, the matcher job (progress, failure, Cancel) and session folders."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from webapp_browser import EXAMPLES

from tonematch.app.audio import (
    Limits,
    check_upload,
    equal_loudness,
    loudness_lufs,
    overview,
    region,
    wav_bytes,
)
from tonematch.app.jobs import MatcherJob
from tonematch.app.results import preset_bytes, preset_filename, rig_json_bytes, with_settings
from tonematch.app.workspace import Workspace
from tonematch.audio_io import InputError
from tonematch.rig import Rig, RigParams, read_rig

RATE = 48000


def _tone(seconds: float, amp: float = 0.3, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * 997 * t)).astype(np.float32)


@pytest.mark.parametrize("fmt, suffix", [("WAV", "wav"), ("FLAC", "flac"), ("AIFF", "aiff"),
                                         ("OGG", "ogg"), ("MP3", "mp3")])
def test_every_accepted_format_loads(tmp_path, fmt, suffix):
    src = tmp_path / f"in.{suffix}"
    sf.write(src, np.stack([_tone(3.0, rate=44100)] * 2, axis=1), 44100, format=fmt)
    clip = check_upload(src.read_bytes(), f"My Take.{suffix}", "DI", tmp_path / "up" / "di",
                        Limits())
    assert clip.name == f"My Take.{suffix}" and clip.path.suffix == f".{suffix}"
    assert abs(clip.seconds - 3.0) < 0.1 and clip.samples.dtype == np.float32
    assert any("mixed to mono" in n for n in clip.notes)
    assert any("resampled from 44100" in n for n in clip.notes)
    assert all(str(tmp_path) not in n for n in clip.notes)  # the user's name, not ours


def test_bad_uploads_get_clear_messages(tmp_path, bad_files):
    limits = Limits()

    def message(path: Path, role: str = "DI", name: str | None = None) -> str:
        with pytest.raises(InputError) as err:
            check_upload(path.read_bytes(), name or path.name, role, tmp_path / "x" / role,
                         limits)
        assert str(tmp_path) not in str(err.value)
        return str(err.value)

    assert message(bad_files.unreadable).startswith("notes.wav: cannot read DI as audio")
    assert message(bad_files.silent, "reference") == (
        "silent.wav: reference is silent (below -60 dBFS)")
    assert message(bad_files.short) == "short.flac: DI is 1.00 s long; at least 2 s is needed"
    assert message(bad_files.long, "reference").startswith(
        "long.wav: reference is 10.0 min long; the page takes up to 10 min")
    assert "not an audio file" in message(bad_files.unreadable, name="notes.txt")
    small = Limits(max_upload_mb=1)
    with pytest.raises(InputError, match="over the upload limit of 1 MB"):
        check_upload(bytes(2 * 1024 * 1024), "big.wav", "DI", tmp_path / "b", small)
    with pytest.raises(InputError, match="the file is empty"):
        check_upload(b"", "empty.wav", "DI", tmp_path / "e", limits)
    assert not list((tmp_path / "x").rglob("*.*"))  # refused files are not kept


def test_region_and_overview():
    x = np.concatenate([np.zeros(RATE * 3, np.float32), _tone(4.0)])
    with pytest.raises(InputError, match="is silent"):
        region(x, 0.0, 2.5, 2.0)
    with pytest.raises(InputError, match="1.0 s long; at least 2 s"):
        region(x, 3.0, 4.0, 2.0)
    assert len(region(x, 3.0, 6.0, 2.0)) == 3 * RATE
    ov = overview(x, 70)
    assert len(ov["t"]) == 70 and ov["hi"][:20].max() == 0 and ov["hi"][-10:].min() > 0.29


def test_loudness_follows_bs1770():
    # A full-scale 997 Hz sine in one channel reads -3.01 LUFS; 20 dB quieter reads 20 less.
    assert loudness_lufs(_tone(5.0, 1.0)) == pytest.approx(-3.01, abs=0.05)
    assert loudness_lufs(_tone(5.0, 0.1)) == pytest.approx(-23.01, abs=0.05)
    assert loudness_lufs(np.zeros(RATE)) == -math.inf
    loud = np.stack([_tone(5.0, 0.8), _tone(5.0, 0.8)])
    quiet = _tone(6.0, 0.05)
    pair = equal_loudness(loud, quiet)
    assert loudness_lufs(pair.a) == pytest.approx(loudness_lufs(pair.b), abs=0.05)
    assert loudness_lufs(pair.b) == pytest.approx(pair.lufs, abs=0.05)
    peaky = np.concatenate([_tone(5.0, 0.05), np.full(10, 0.99, np.float32)])
    pair = equal_loudness(peaky, _tone(5.0, 0.5))  # the quieter one must not clip
    assert max(np.abs(pair.a).max(), np.abs(pair.b).max()) <= 0.98 + 1e-6
    assert loudness_lufs(pair.a) == pytest.approx(loudness_lufs(pair.b), abs=0.05)
    data = wav_bytes(loud)
    assert data[:4] == b"RIFF" and sf.info(__import__("io").BytesIO(data)).channels == 2


def test_rig_and_preset_files_read_back(tmp_path):
    assets = EXAMPLES.parent
    rig = Rig(amp_path=assets / "nam_models" / "amp_british_crunch_g5.nam",
              ir_path=assets / "impulse_responses" / "cab_4x12_closed_cap.wav",
              params=RigParams(reverb_wet=0.2), loss=1.2,
              extra={"alternatives": [], "timings_s": {"total": 3.0}})
    same = with_settings(rig, {"reverb_wet": 0.2})
    assert same.loss == 1.2
    tweaked = with_settings(rig, {"delay_mix": 0.25})
    assert tweaked.loss is None and tweaked.params.delay_mix == 0.25
    assert tweaked.params.reverb_wet == 0.2 and rig.params.delay_mix == 0.0
    (tmp_path / "rig.json").write_bytes(rig_json_bytes(tweaked))
    back = read_rig(tmp_path / "rig.json")
    assert back.params == tweaked.params and back.amp_path == rig.amp_path
    assert json.loads((tmp_path / "rig.json").read_text())["schema_version"] == 1
    name = 'Crunch: lead/solo?'
    file = tmp_path / preset_filename(name)
    assert file.name == "Crunch leadsolo.json"  # no path or reserved characters
    file.write_bytes(preset_bytes(tweaked, name))
    preset = read_rig(file)
    assert preset.name == name and preset.params == tweaked.params
    assert set(json.loads(file.read_text())) == {"name", "rig", "params", "loss", "schema_version"}


def test_matcher_job_reports_failure_with_the_matchers_message(tmp_path):
    job = MatcherJob(["match", "--di", str(tmp_path / "missing.wav"), "--ref",
                      str(EXAMPLES / "ref_library_rig.wav"), "--out", str(tmp_path / "r.json")],
                     tmp_path / "r.json", tmp_path / "log.txt")
    status = job.wait(120)
    assert status.state == "failed"
    assert "missing.wav: DI file not found" in status.error


def test_matcher_job_progress_and_cancel(tmp_path, small_library):
    out = tmp_path / "rig.json"
    job = MatcherJob(["match", "--di", str(EXAMPLES / "di_riff_a.wav"), "--ref",
                      str(EXAMPLES / "ref_library_rig.wav"), "--out", str(out), "--library",
                      str(small_library[0]), "--irs", str(small_library[1]), "--budget",
                      "normal"], out, tmp_path / "log.txt")
    deadline = time.monotonic() + 120
    while job.status().stage in ("start", "load", "index") and time.monotonic() < deadline:
        time.sleep(0.1)
    seen = job.status()
    assert seen.running and seen.stage in ("analyse", "pedals", "grid", "exact", "post_fx")
    assert 0 < seen.fraction < 1
    pid = job._proc.pid
    job.cancel()
    status = job.status()
    assert status.state == "cancelled" and not out.exists()
    with pytest.raises(ProcessLookupError):
        import os

        os.kill(pid, 0)


def test_session_folder_is_removed_when_the_session_ends(tmp_path):
    ws = Workspace.create(tmp_path)
    (ws.new_folder("match") / "rig.json").write_text("{}")
    alive = {"value": True}
    ended = threading.Event()
    ws.watch(lambda: alive["value"], grace_s=0.5, on_end=ended.set, poll_s=0.1)
    time.sleep(0.4)
    assert ws.path.is_dir()  # connected: kept
    alive["value"] = False  # disconnected: kept for the grace time, then removed
    assert ended.wait(5)
    deadline = time.monotonic() + 5
    while ws.path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not ws.path.exists() and ws.closed


def test_app_command_refuses_bad_arguments():
    run = subprocess.run([sys.executable, "-m", "tonematch", "app", "--port", "70000"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "--port 70000: not a TCP port" in run.stderr
