"""The editor without a matcher run (tests/plugin/cpp/editor_test.cpp): the named program, the
NAM and IR folders from Settings becoming `--library`/`--irs` (and a vanished folder refused by
name), the reference region written as a WAV and, through a fake interpreter that records its
arguments, both reaching the matcher's command line, LAST RIG FOUND with very long rig names at the
smallest, default and largest editor sizes (every line inside the zone, the loss always shown),
the note while the library is indexed, the reference region dialog with its waveform, and the
input and output meters following a signal played through the processor.
TONEMATCH_EDITOR_SCREENSHOT, TONEMATCH_INDEX_SCREENSHOT and TONEMATCH_REGION_SCREENSHOT=path keep
the images (that is how docs/plugin_long_names.png, docs/plugin_indexing.png and
docs/plugin_reference_region.png are made)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import numpy as np
from PIL import Image


def _amber(image: np.ndarray) -> np.ndarray:
    red, green, blue = image[..., 0], image[..., 1], image[..., 2]
    return (red > 200) & (green > 130) & (green < 190) & (blue < 90)


def test_editor_layout_library_folders_and_region(plugin_build, tmp_home, tmp_path):
    program = plugin_build.program("plugin_editor_test")
    if not program.exists():  # a build folder made before this program existed
        subprocess.run(["cmake", "--build", str(program.parents[2]), "-j", "2", "--target",
                        program.name], check=True, stdout=subprocess.DEVNULL)
    temp = tmp_path / "tmp"
    temp.mkdir()
    editor_png, region_png = tmp_path / "editor.png", tmp_path / "region.png"
    index_png = tmp_path / "index.png"
    env = {**os.environ, "HOME": str(tmp_home), "TMPDIR": str(temp),
           "TONEMATCH_EDITOR_SCREENSHOT": str(editor_png),
           "TONEMATCH_REGION_SCREENSHOT": str(region_png),
           "TONEMATCH_INDEX_SCREENSHOT": str(index_png)}
    run = subprocess.run([str(program)], env=env, capture_output=True, text=True, timeout=300)
    print(run.stdout)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert "all checks passed" in run.stdout
    out = run.stdout

    # The fake matcher was given the folders and a 3 s WAV of the region, not the whole file.
    assert re.search(r"its arguments: .*--ref \S+/ToneMatchAI-match\S*/reference\.wav .*"
                     r"--library \S+/nam --irs \S+/irs2", out), out
    assert "index stage shown: yes, note shown inside the panel: yes" in out
    # Long names: three elided name lines from the default size up, the loss at every size.
    for size in ("760x480", "900x530", "900x560", "1600x1000"):
        line = re.search(rf"{size}: (\d) name line\(s\), (\d) elided, loss shown: (\w+)", out)
        assert line and line.group(3) == "yes", out
    assert re.search(r"900x560: 3 name line\(s\), [1-3] elided", out)
    # The settings folder went through the settings file in the test's HOME.
    assert (tmp_home / ".config" / "ToneMatchAI" / "settings.xml").exists()
    assert list(temp.iterdir()) == []  # the program's own work folder was removed
    # Both meters: empty at silence; with a +1 dBFS sine the RMS (−2 dB) and peak bars drawn in
    # amber and the clip lamp lit (it stays lit until clicked).
    assert out.count("meter at silence: 0 amber pixels") == 2, out
    lit = re.findall(r"meter with a \+1 dBFS sine: RMS (-?[\d.]+) dB, peak (-?[\d.]+) dB, "
                     r"clip lit, (\d+) amber pixels", out)
    assert len(lit) == 2 and all(int(px) > 100 for _, _, px in lit), out

    editor = np.asarray(Image.open(editor_png).convert("RGB")).astype(int)
    assert editor.shape[:2] == (560, 900)
    assert _amber(editor).mean() > 0.01 and editor.std() > 20
    indexing = np.asarray(Image.open(index_png).convert("RGB")).astype(int)
    assert indexing.shape[:2] == (560, 900) and _amber(indexing).mean() > 0.01
    region = np.asarray(Image.open(region_png).convert("RGB")).astype(int)
    assert region.shape[:2] == (300, 720)
    # The amber handles, light waveform samples and the dimmed outside of the region.
    assert _amber(region).sum() > 400
    assert (region.min(axis=2) > 140).mean() > 0.02
    for name, shot in (("TONEMATCH_EDITOR_SCREENSHOT", editor_png),
                       ("TONEMATCH_INDEX_SCREENSHOT", index_png),
                       ("TONEMATCH_REGION_SCREENSHOT", region_png)):
        if os.environ.get(name):
            shutil.copyfile(shot, os.environ[name])
