"""The plugin's bad-input corpus, part two (tests/plugin/cpp/bad_input_test.cpp), in one process:

* 96 hostile presets through LOAD PRESET (PresetManager::load on the real processor): 70 refused
  with the preset named and nothing changed (malformed, truncated or concatenated JSON, NaN,
  Infinity, numbers beyond a double, wrong types, 100 000-deep or unclosed nesting, an object
  with 100 000 keys, a 17 MiB file, invalid UTF-8, a lone surrogate, UTF-16, control characters,
  comments; the preset being a folder, FIFO, socket, device link, dangling link or link loop, or
  vanished), 17 that load and name the model or IR that cannot be read (missing, folder, FIFO,
  socket, device, text, wrong kind, relative, Windows path, newline in the name), 9 odd but
  valid ones that load (BOM, CRLF, clamped 1e300, denormals, 4000 unknown keys, 1 MB name, …);
* 5 preset saves: the presets folder is a file, cannot be created, is not writable, the name is
  taken by a folder (and, when not root, a read-only folder holding the preset), plus a replace;
* 32 hostile outputs of the matcher child (a real fake interpreter found via TONEMATCH_PYTHON):
  garbage, 20 MB lines, partial lines, NaN and backwards progress, no, invalid, oversized, FIFO
  or device rig files, hanging (timeout, Cancel), closing its output and running on, leaving a
  process that holds the pipe open, killed by SIGKILL or SIGSEGV, binary junk and 30 MB on stderr.

Every case must end within 30 s, leave the preset (and the reference) unmodified, keep audio
flowing; a refusal must change no parameter, slot, match EQ or A/B/C rig; no child may outlive
its match and the bar must stay within 0…1 and never go back.
"""

from __future__ import annotations

import os
import re
import subprocess

EXPECTED = {"preset": 96, "preset save": 5, "matcher output": 32}


def test_bad_presets_and_matcher_output(plugin_build, tmp_home, tmp_path):
    program = plugin_build.program("plugin_bad_input_test")
    if not program.exists():  # a build folder made before this program existed
        subprocess.run(["cmake", "--build", str(plugin_build.folder), "-j", "2", "--target",
                        program.name], check=True, stdout=subprocess.DEVNULL)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "HOME": str(tmp_home), "TMPDIR": str(temp)}
    run = subprocess.run([str(program)], env=env, capture_output=True, text=True,
                         errors="replace", timeout=600)
    print(run.stdout[-20000:])
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert "all checks passed" in run.stdout
    counts = dict(re.findall(r"\s([a-z ]+) (\d+),", run.stdout.split("corpus:")[1]))
    counts = {kind.strip(): int(n) for kind, n in counts.items()}
    expected = dict(EXPECTED)
    if os.geteuid() != 0:  # the unreadable preset and the read-only folder run only then
        expected["preset"] += 1
        expected["preset save"] += 1
    assert counts == expected
    # Each case printed one line with its time: none came near the limit.
    cases = [re.match(r"  (preset save|preset|matcher output) \| .*? ([0-9.]+) s: ", line)
             for line in run.stdout.splitlines()]
    times = [float(m.group(2)) for m in cases if m]
    assert len(times) == sum(expected.values()) and max(times) < 30.0
    # Nothing left behind: the matcher's work folders, the fake interpreters, the presets.
    assert list(temp.iterdir()) == []
