"""MATCH TONE! end to end (tests/plugin/cpp/match_tone_test.cpp): the real processor captures
the DI it plays, runs the real `tonematch match` CLI as a child process with this interpreter
(TONEMATCH_PYTHON), and applies the rig it returns; too little signal, Cancel, the timeout, a
failing match, garbage or truncated rig JSON and a missing interpreter change nothing. It also
renders the editor while a match runs; TONEMATCH_MATCH_SCREENSHOT=path keeps that image (that is
how docs/plugin_matching.png is made)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest


def _run(program: Path, home: Path, tmp_path: Path, extra_env: dict[str, str] | None = None) -> str:
    if not program.exists():  # a build folder made before this program existed
        subprocess.run(["cmake", "--build", str(program.parents[2]), "-j", "2", "--target",
                        program.name], check=True, stdout=subprocess.DEVNULL)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(temp),
           "TONEMATCH_CACHE": str(tmp_path / "cache"), "TONEMATCH_PYTHON": sys.executable,
           **(extra_env or {})}
    run = subprocess.run([str(program)], env=env, capture_output=True, text=True, timeout=900)
    print(run.stdout)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert "all checks passed" in run.stdout
    # Every temporary folder (the captured DI, the rig JSON) was removed.
    assert list(temp.iterdir()) == []
    return run.stdout


def test_match_tone_end_to_end(plugin_build, tmp_home, tmp_path):
    shot = tmp_path / "matching.png"
    out = _run(plugin_build.program("plugin_match_test"), tmp_home, tmp_path,
               {"TONEMATCH_MATCH_SCREENSHOT": str(shot)})

    # The real CLI ran and its rig was applied; the matcher's own messages reached the UI.
    seconds = float(re.search(r"match finished in ([0-9.]+) s", out).group(1))
    assert seconds < 300
    assert "cannot read reference as audio" in out
    assert "not valid JSON" in out

    from PIL import Image

    image = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert image.shape[0] >= 400 and image.shape[1] >= 700
    red, green, blue = image[..., 0], image[..., 1], image[..., 2]
    amber = (red > 200) & (green > 130) & (green < 190) & (blue < 90)
    assert amber.mean() > 0.01 and image.std() > 20  # the dark theme with its accents, not blank
    if os.environ.get("TONEMATCH_MATCH_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["TONEMATCH_MATCH_SCREENSHOT"])


@pytest.mark.slow
def test_match_tone_address_sanitizer(asan_build, tmp_home, tmp_path):
    """The same run with AddressSanitizer: threads, the child's pipe and the callbacks that cross
    to the message thread have no memory errors or leaks."""
    _run(asan_build.program("plugin_match_test"), tmp_home, tmp_path,
         {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=1:halt_on_error=1"})
