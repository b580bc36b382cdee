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

import numpy as np


def test_match_tone_end_to_end(plugin_build, tmp_home, tmp_path):
    program = plugin_build.program("plugin_match_test")
    assert program.exists(), f"{program} was not built"
    temp = tmp_path / "tmp"
    temp.mkdir()
    shot = tmp_path / "matching.png"
    env = {**os.environ, "HOME": str(tmp_home), "TMPDIR": str(temp),
           "TONEMATCH_CACHE": str(tmp_path / "cache"), "TONEMATCH_PYTHON": sys.executable,
           "TONEMATCH_MATCH_SCREENSHOT": str(shot)}
    run = subprocess.run([str(program)], env=env, capture_output=True, text=True, timeout=900)
    print(run.stdout)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert "all checks passed" in run.stdout

    # The real CLI ran and its rig was applied; the matcher's own messages reached the UI.
    seconds = float(re.search(r"match finished in ([0-9.]+) s", run.stdout).group(1))
    assert seconds < 300
    assert "cannot read reference as audio" in run.stdout
    assert "not valid JSON" in run.stdout
    # Every temporary folder (the captured DI, the rig JSON) was removed.
    assert list(temp.iterdir()) == []

    from PIL import Image

    image = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert image.shape[0] >= 400 and image.shape[1] >= 700
    red, green, blue = image[..., 0], image[..., 1], image[..., 2]
    amber = (red > 200) & (green > 130) & (green < 190) & (blue < 90)
    assert amber.mean() > 0.01 and image.std() > 20  # the dark theme with its accents, not blank
    if os.environ.get("TONEMATCH_MATCH_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["TONEMATCH_MATCH_SCREENSHOT"])
