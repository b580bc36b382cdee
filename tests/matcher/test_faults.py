"""Faults a user can cause besides a bad file: Ctrl-C, very long recordings, the umask, links.

Ctrl-C is sent to a real `python -m tonematch` child; memory is measured in a child too.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from tonematch.cli import EXIT_INTERRUPTED, EXIT_OK, main
from tonematch.library_index import _index_path, _read_index, model_files

ASSETS = Path(__file__).resolve().parents[2] / "assets"
EXAMPLES = ASSETS / "examples"
AMP = ASSETS / "nam_models" / "amp_brown_g7.nam"
ROOT = Path(__file__).resolve().parents[2]


def _child(args: list[str], cache: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "TONEMATCH_CACHE": str(cache), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "tonematch", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _interrupt(proc: subprocess.Popen[str]) -> float:
    """Sends Ctrl-C; returns the seconds until the process has exited."""
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)  # also closes the pipes
    return time.monotonic() - started


def test_ctrl_c_during_indexing_ends_at_once_and_keeps_finished_models(
        tmp_path: Path, monkeypatch) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(40):
        shutil.copy(AMP, lib / f"amp_{i:02d}.nam")
    cache = tmp_path / "cache"
    proc = _child(["library", "index", "--library", str(lib), "--irs",
                   str(ASSETS / "impulse_responses")], cache)
    journal = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = list((cache / "tonematch").glob("*.journal"))
        if found and len(found[0].read_text().splitlines()) >= 3:
            journal = found[0]
            break
        time.sleep(0.05)
    assert journal is not None, "indexing never started"
    seconds = _interrupt(proc)
    assert proc.returncode == EXIT_INTERRUPTED
    assert seconds < 2.0, f"Ctrl-C took {seconds:.1f} s"
    monkeypatch.setenv("TONEMATCH_CACHE", str(cache))
    kept = _read_index(_index_path(lib))
    assert 3 <= len(kept) < 40  # every model finished before Ctrl-C, and not the rest
    assert all("fingerprint" in record for record in kept.values())


def test_ctrl_c_during_the_grid_ends_at_once(tmp_path: Path, small_library) -> None:
    models, irs = small_library
    proc = _child(["match", "--di", str(EXAMPLES / "di_riff_a.wav"), "--ref",
                   str(EXAMPLES / "ref_library_rig.wav"), "--out", str(tmp_path / "rig.json"),
                   "--library", str(models), "--irs", str(irs), "--budget", "thorough",
                   "--progress", "jsonl"], tmp_path / "cache")
    assert proc.stdout is not None
    for line in proc.stdout:
        if json.loads(line).get("stage") == "grid":
            break
    else:
        raise AssertionError(f"no grid stage: {proc.stderr.read() if proc.stderr else ''}")
    seconds = _interrupt(proc)
    assert proc.returncode == EXIT_INTERRUPTED
    assert seconds < 2.0, f"Ctrl-C took {seconds:.1f} s"
    assert not (tmp_path / "rig.json").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tonematch-")]


# VmHWM is the peak of this process's own memory since exec; getrusage's ru_maxrss would also
# count the parent's peak at fork time (Linux keeps it across exec), i.e. pytest's.
MEMORY_SCRIPT = """
import sys
from tonematch.audio_io import load_audio
audio = load_audio(sys.argv[1], "reference", max_seconds=120.0)
hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")][0]
print(len(audio.samples), int(hwm.split()[1]))
"""


def test_a_45_minute_reference_is_read_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    rng = np.random.default_rng(0)
    with sf.SoundFile(path, "w", 48000, 1, subtype="PCM_16") as out:
        for _ in range(45 * 6):  # 45 minutes in 10 s blocks
            out.write((0.1 * rng.standard_normal(480000)).astype(np.float32))
    done = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=True)
    samples, peak_kb = map(int, done.stdout.split())
    assert samples == 120 * 48000
    assert peak_kb < 500 * 1024, f"peak {peak_kb / 1024:.0f} MB"


def test_a_long_di_is_rendered_whole(tmp_path: Path) -> None:
    di = tmp_path / "long_di.wav"
    x = np.tile(np.sin(np.arange(8000) / 8.0).astype(np.float32) * 0.2, 601)
    sf.write(di, x, 8000, subtype="PCM_16")
    rig = tmp_path / "rig.json"
    rig.write_text(json.dumps({"rig": {}, "params": {}}))
    out = tmp_path / "out.wav"
    assert main(["render", "--rig", str(rig), "--di", str(di), "--out", str(out)]) == EXIT_OK
    assert sf.info(str(out)).frames == 601 * 48000  # not cut to a 10-minute window


def test_outputs_follow_the_umask(tmp_path: Path) -> None:
    rig = tmp_path / "rig.json"
    rig.write_text(json.dumps({"rig": {"amp_nam_path": str(AMP)}, "params": {}}))
    old = os.umask(0o027)
    try:
        assert main(["render", "--rig", str(rig), "--di", str(EXAMPLES / "di_riff_a.wav"),
                     "--out", str(tmp_path / "a.wav")]) == EXIT_OK
        assert main(["process", "--model", str(AMP), "--in", str(EXAMPLES / "di_riff_a.wav"),
                     "--out", str(tmp_path / "b.wav")]) == EXIT_OK
        from tonematch.rig import read_rig, write_rig
        write_rig(tmp_path / "c.json", read_rig(rig))
    finally:
        os.umask(old)
    for name in ("a.wav", "b.wav", "c.json"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o640, name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.wav", "b.wav", "c.json",
                                                          "rig.json"]


def test_symlinked_library_subfolders_are_followed_once(tmp_path: Path) -> None:
    real = tmp_path / "collection"
    real.mkdir()
    shutil.copy(AMP, real / "amp.nam")
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "linked").symlink_to(real)
    (real / "back").symlink_to(lib)  # a loop: lib/linked/back/linked/...
    found = model_files(lib)
    assert [p.name for p in found] == ["amp.nam"]


def test_tune_writes_no_stale_match_data_and_strict_json(tmp_path: Path, capsys) -> None:
    rig = tmp_path / "rig.json"
    rig.write_text(json.dumps({
        "rig": {"amp_nam_path": str(AMP),
                "ir_path": str(ASSETS / "impulse_responses" / "cab_4x12_closed_cap.wav")},
        "params": {}, "loss": 1.0, "alternatives": [{"rig": {}}],
        "analysis": {"reference": {}}, "timings_s": {"total": 1}, "my_note": "keep me"}))
    out = tmp_path / "tuned.json"
    code = main(["tune", "--rig", str(rig), "--di", str(EXAMPLES / "di_riff_a.wav"), "--ref",
                 str(EXAMPLES / "ref_library_rig.wav"), "--out", str(out), "--budget", "fast",
                 "--progress", "none"])
    assert code == EXIT_OK, capsys.readouterr().err

    def no_constants(name: str) -> None:
        raise AssertionError(f"{name} in the output")

    data = json.loads(out.read_text(), parse_constant=no_constants)
    assert not {"alternatives", "analysis", "timings_s"} & data.keys()
    assert data["my_note"] == "keep me" and "loss_components" in data
