"""The plugin's bad-input corpus, part two (tests/plugin/cpp/bad_input_test.cpp), in one process:

* 96 hostile presets through LOAD PRESET (PresetManager::load on the real processor): 70 refused
  with the preset named and nothing changed (malformed, truncated or concatenated JSON, NaN,
  Infinity, numbers beyond a double, wrong types, 100 000-deep or unclosed nesting, an object
  with 100 000 keys, a 17 MiB file, invalid UTF-8, a lone surrogate, UTF-16, control characters,
  comments; the preset being a folder, FIFO, socket, device link, dangling link or link loop, or
  vanished; a NaN, Infinity or number beyond a double is named by its place, e.g.
  "params.input_gain_db is NaN"), 17 that load and name the model or IR that cannot be read
  (missing, folder, FIFO, socket, device, text, wrong kind, relative, Windows path, newline in
  the name), 9 odd but valid ones that load (BOM, CRLF, clamped 1e300, denormals, 4000 unknown
  keys, 1 MB name, …);
* 2 presets through LOAD PRESET as the editor runs it (PresetManager::loadAsync): the same rig
  as the synchronous load, and of two loads in a row only the later applied and reported;
* 5 preset saves: the presets folder is a file, cannot be created, is not writable, the name is
  taken by a folder (and, when not root, a read-only folder holding the preset), plus a replace;
* 32 hostile outputs of the matcher child (a real fake interpreter found via TONEMATCH_PYTHON):
  garbage, 20 MB lines, partial lines, NaN and backwards progress, no, invalid, oversized, FIFO
  or device rig files, hanging (timeout, Cancel), closing its output and running on, leaving a
  process that holds the pipe open, killed by SIGKILL or SIGSEGV, binary junk and 30 MB on stderr.

With a FUSE mount available (root), one more preset lies on a mount that never answers a
read: refused after 10 s ("no answer from the disk"), and its asynchronous load returns at once,
a message posted meanwhile is handled within 100 ms, a processor destroyed while its read is
stuck is not held up or called back, and once the mount answers the load is refused with the
preset named. Every case must end within 30 s, leave the preset (and the reference) unmodified,
keep audio flowing; a refusal must change no parameter, slot, match EQ or A/B/C rig; no child
may outlive its match and the bar must stay within 0…1 and never go back. The same corpus runs
again under AddressSanitizer (slow).
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import time

import pytest
import stalled_mount

EXPECTED = {"preset": 96, "async preset": 2, "preset save": 5, "matcher output": 33}


def test_bad_presets_and_matcher_output(plugin_build, tmp_home, tmp_path):
    _run_corpus(plugin_build, tmp_home, tmp_path, {})


@pytest.mark.slow
def test_bad_input_under_address_sanitizer(asan_build, tmp_home, tmp_path):
    # Hostile input is where out-of-bounds reads and leaks hide: the same corpus, every case.
    _run_corpus(asan_build, tmp_home, tmp_path,
                {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=1:halt_on_error=1"})


def _run_corpus(build, tmp_home, tmp_path, extra_env):
    program = build.program("plugin_bad_input_test")
    if not program.exists():  # a build folder made before this program existed
        subprocess.run(["cmake", "--build", str(build.folder), "-j", "2", "--target",
                        program.name], check=True, stdout=subprocess.DEVNULL)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "HOME": str(tmp_home), "TMPDIR": str(temp), **extra_env}
    expected = dict(EXPECTED)
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with contextlib.ExitStack() as stack:
        mount = None
        if stalled_mount.available(tmp_path / "probe"):  # a preset whose read never returns
            mount = stack.enter_context(stalled_mount.stalled_mount(tmp_path / "mnt"))
            env["TONEMATCH_STALLED_FILE"] = str(mount.file)
            expected["preset"] += 1
            expected["async preset"] += 1
        with out.open("w") as stdout, err.open("w") as stderr:
            proc = subprocess.Popen([str(program)], env=env, stdout=stdout, stderr=stderr)
        deadline = time.monotonic() + 600
        while proc.poll() is None and time.monotonic() < deadline:
            # The plugin gave up on the stalled read after 10 s, but its helper thread is still
            # blocked in the kernel, and a process cannot finish exiting until it returns. The
            # asynchronous load then stalls too, checks the message thread, and says it waits:
            # the mount answers (with an error) only then, which is what ends that load.
            if mount is not None and "async preset | on a stalled mount | waiting" in out.read_text(
                    errors="replace"):
                mount.release()
            time.sleep(0.2)
        if proc.poll() is None:
            proc.kill()
        returncode = proc.wait()
    run = subprocess.CompletedProcess(proc.args, returncode, out.read_text(errors="replace"),
                                      err.read_text(errors="replace"))
    print(run.stdout[-20000:])
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert "all checks passed" in run.stdout
    counts = dict(re.findall(r"\s([a-z ]+) (\d+),", run.stdout.split("corpus:")[1]))
    counts = {kind.strip(): int(n) for kind, n in counts.items()}
    if os.geteuid() != 0:  # the unreadable preset and the read-only folder run only then
        expected["preset"] += 1
        expected["preset save"] += 1
    assert counts == expected
    # Each case printed one line with its time: none came near the limit.
    case = re.compile(r"  (preset save|preset|async preset|matcher output) \| .*? ([0-9.]+) s: ")
    cases = [case.match(line) for line in run.stdout.splitlines()]
    times = [float(m.group(2)) for m in cases if m]
    assert len(times) == sum(expected.values()) and max(times) < 30.0
    # Nothing left behind: the matcher's work folders, the fake interpreters, the presets.
    assert list(temp.iterdir()) == []
