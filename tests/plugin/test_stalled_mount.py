"""A model on a network mount that stops answering, in the real VST3 (docs/architecture.md,
"Stalled reads").

The loader reads models and IRs on a helper thread and gives up after 10 s; the helper stays
blocked in read() until the mount answers. The host must not notice: the status names the file
within the limit, audio keeps flowing, and unloading the plugin while the read is stuck — then
letting the read return into the plugin's code — must not crash the host, neither in pedalboard
(which keeps the module loaded) nor in a bare host that calls ModuleExit and dlclose
(vst3_unload_host.py): the module stays mapped. The mount is a real FUSE file system served by
this test (stalled_mount.py); each host runs in a child process.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import stalled_mount

HOST_SCRIPT = """
import gc, sys, time
sys.path.insert(0, sys.argv[1])
import hosting, numpy as np
from plugin_env import ASSETS
plugin = hosting.load(sys.argv[2])
started = time.monotonic()
status = hosting.set_rig(plugin, {"inputGain": 3.0}, None, sys.argv[3],
                         ASSETS / "impulse_responses" / "cab_4x12_closed_cap.wav")
print(f"status after {time.monotonic() - started:.1f} s: {status}", flush=True)
x = np.sin(np.arange(48000) / 20.0).astype(np.float32)[None, :] * 0.3
y = hosting.process(plugin, x, 48000)
print("rms", float(np.sqrt(np.mean(y ** 2))), "finite", bool(np.isfinite(y).all()), flush=True)
del plugin
gc.collect()
print("unloaded", flush=True)
sys.stdin.readline()  # the test lets the stuck read return now
time.sleep(1.0)
print("survived", flush=True)
"""


def test_a_stalled_mount_never_blocks_or_crashes_the_host(plugin_build, tmp_path: Path) -> None:
    if not stalled_mount.available(tmp_path / "probe"):
        pytest.skip("mounting a FUSE file system needs /dev/fuse and CAP_SYS_ADMIN")
    with stalled_mount.stalled_mount(tmp_path / "mnt") as mount:
        host = subprocess.Popen([sys.executable, "-c", HOST_SCRIPT, str(Path(__file__).parent),
                                 str(plugin_build.vst3), str(mount.file)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        assert host.stdout is not None and host.stdin is not None
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = host.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
            if line.startswith("unloaded"):
                break
        assert lines and lines[-1] == "unloaded", lines + [host.stderr.read()[-2000:]]
        status, levels = lines[0], lines[1].split()
        assert "no answer from the disk after 10 s" in status and "stalled.nam" in status
        seconds = float(status.split()[2])
        assert 10.0 <= seconds < 30.0
        assert levels[3] == "True" and float(levels[1]) > 1e-3  # audio flowed all along
        assert mount.stalled_reads() == 1  # the helper thread is still blocked in read()
        assert mount.release() == 1  # … and returns now, after the plugin was unloaded
        host.stdin.write("go\n")
        host.stdin.flush()
        out, err = host.communicate(timeout=30)
    assert host.returncode == 0, f"host ended with {host.returncode}: {err[-2000:]}"
    assert "survived" in out


def test_unloading_the_module_during_a_stalled_read_does_not_crash(plugin_build,
                                                                   tmp_path: Path) -> None:
    if not stalled_mount.available(tmp_path / "probe"):
        pytest.skip("mounting a FUSE file system needs /dev/fuse and CAP_SYS_ADMIN")
    library = next((plugin_build.vst3 / "Contents").glob("*-linux/*.so"))
    with stalled_mount.stalled_mount(tmp_path / "mnt") as mount:
        host = subprocess.Popen([sys.executable, str(Path(__file__).parent / "vst3_unload_host.py"),
                                 str(library), str(mount.file)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert host.stdout is not None and host.stdin is not None
        line = host.stdout.readline().strip()  # after ModuleExit and dlclose
        assert line == "unloaded; module still mapped: True", line + host.stderr.read()[-2000:]
        assert mount.release() == 1  # the helper thread returns into the plugin's code now
        out, err = host.communicate("go\n", timeout=30)
    assert host.returncode == 0, f"host ended with {host.returncode}: {err[-2000:]}"
    assert "survived" in out
