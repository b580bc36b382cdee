"""Ctrl-C at every stage of `tonematch match` and during `tonematch render` and `process`.

A real `python -m tonematch` child gets SIGINT as soon as it reports the stage (JSON lines) or,
for the commands without progress, while it renders a long DI. Each must end within 2 s with
exit code 130 ("error: interrupted"), write no output and leave the outputs of an earlier run
byte for byte as they were (outputs are staged and moved into place only at the end).
Ctrl-C while indexing and in the middle of the grid is in test_faults.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tonematch.cli import EXIT_INTERRUPTED

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "assets"
EXAMPLES = ASSETS / "examples"
AMP = ASSETS / "nam_models" / "amp_brown_g7.nam"
CAB = ASSETS / "impulse_responses" / "cab_4x12_closed_cap.wav"
LIMIT_S = 2.0


def _child(args: list[str], cache: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "TONEMATCH_CACHE": str(cache), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "tonematch", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _interrupt(proc: subprocess.Popen[str]) -> tuple[float, str, str]:
    """Sends Ctrl-C; returns the seconds until the process exited, its stdout and stderr."""
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    return time.monotonic() - started, out, err


def _earlier_outputs(folder: Path, names: list[str]) -> dict[Path, bytes]:
    """Outputs of an earlier run, which an interrupted run must not touch."""
    made = {}
    for name in names:
        path = folder / name
        path.write_bytes(f"earlier {name}\n".encode())
        made[path] = path.read_bytes()
    return made


def _assert_nothing_written(folder: Path, earlier: dict[Path, bytes], inputs: set[str]) -> None:
    for path, content in earlier.items():
        assert path.read_bytes() == content, f"{path.name} was changed"
    left = {p.name for p in folder.iterdir()} - {p.name for p in earlier} - inputs
    assert not left, f"left behind: {sorted(left)}"  # no staged or partial files


# "report": after the last verify step the rig is final and the render and report are written.
STAGES = ["load", "index", "analyse", "pedals", "grid", "exact", "post_fx", "verify", "report"]


@pytest.mark.parametrize("stage", STAGES)
def test_ctrl_c_at_each_match_stage(tmp_path: Path, small_library, stage: str) -> None:
    models, irs = small_library
    out = tmp_path / "out"
    out.mkdir()
    earlier = _earlier_outputs(out, ["rig.json", "matched.wav", "report.png"])
    proc = _child(["match", "--di", str(EXAMPLES / "di_riff_a.wav"), "--ref",
                   str(EXAMPLES / "ref_library_rig.wav"), "--out", str(out / "rig.json"),
                   "--render", str(out / "matched.wav"), "--report", str(out / "report.png"),
                   "--library", str(models), "--irs", str(irs), "--budget", "fast",
                   "--progress", "jsonl"], tmp_path / "cache")
    assert proc.stdout is not None
    want = "verify" if stage == "report" else stage
    for line in proc.stdout:
        progress = json.loads(line)
        if progress.get("stage") == want and (
                stage != "report" or progress["done"] == progress["total"]):
            break
    else:
        raise AssertionError(f"no {stage} stage: {proc.stderr.read() if proc.stderr else ''}")
    seconds, stdout, stderr = _interrupt(proc)
    assert proc.returncode == EXIT_INTERRUPTED, stderr[-2000:]
    assert seconds < LIMIT_S, f"Ctrl-C at {stage} took {seconds:.1f} s"
    assert "error: interrupted" in stderr
    last = [json.loads(x) for x in stdout.splitlines() if x.strip()][-1:]
    assert last == [{"stage": "error", "message": "interrupted"}], stdout[-500:]
    _assert_nothing_written(out, earlier, set())


def _long_di(folder: Path, minutes: float) -> Path:
    """A DI long enough that rendering it takes many seconds."""
    path = folder / "long_di.wav"
    riff, rate = sf.read(str(EXAMPLES / "di_riff_a.wav"), dtype="float32")
    reps = int(np.ceil(minutes * 60 * rate / len(riff)))
    sf.write(path, np.tile(riff, reps), rate, subtype="PCM_16")
    return path


def _ctrl_c_after_start(tmp_path: Path, args: list[str], out_name: str) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    earlier = _earlier_outputs(folder, [out_name])
    inputs = {p.name for p in folder.iterdir()} - {out_name}
    proc = _child(args, tmp_path / "cache")
    time.sleep(3.0)  # imports done, the DI read and rendering under way
    assert proc.poll() is None, "finished before Ctrl-C: make the DI longer"
    seconds, _, stderr = _interrupt(proc)
    assert proc.returncode == EXIT_INTERRUPTED, stderr[-2000:]
    assert seconds < LIMIT_S, f"Ctrl-C took {seconds:.1f} s"
    assert "error: interrupted" in stderr
    _assert_nothing_written(folder, earlier, inputs)


def test_ctrl_c_during_render(tmp_path: Path) -> None:
    di = _long_di(tmp_path, 20)
    rig = tmp_path / "rig.json"
    rig.write_text(json.dumps({"rig": {"amp_nam_path": str(AMP), "ir_path": str(CAB)},
                               "params": {"reverb_wet": 0.3, "delay_mix": 0.2}}))
    work = tmp_path / "work"
    _ctrl_c_after_start(tmp_path, ["render", "--rig", str(rig), "--di", str(di), "--out",
                                   str(work / "out.wav"), "--tail", "5"], "out.wav")


def test_ctrl_c_during_process(tmp_path: Path) -> None:
    di = _long_di(tmp_path, 20)
    work = tmp_path / "work"
    _ctrl_c_after_start(tmp_path, ["process", "--model", str(AMP), "--in", str(di), "--out",
                                   str(work / "out.wav")], "out.wav")


def test_process_in_chunks_gives_the_samples_of_one_call(tmp_path: Path) -> None:
    # `process` feeds the model in chunks so Ctrl-C is seen between them; the model keeps its
    # state across calls, so the file is what one call over the whole DI gives.
    from tonematch._native import NamModel

    riff, rate = sf.read(str(EXAMPLES / "di_riff_a.wav"), dtype="float32")
    di = np.tile(riff, 3)  # 30 s: several chunks
    sf.write(tmp_path / "di.wav", di, rate, subtype="FLOAT")
    run = subprocess.run([sys.executable, "-m", "tonematch", "process", "--model", str(AMP),
                          "--in", str(tmp_path / "di.wav"), "--out", str(tmp_path / "out.wav")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    out, _ = sf.read(str(tmp_path / "out.wav"), dtype="float32")
    assert np.array_equal(out, NamModel(str(AMP)).process(di))
