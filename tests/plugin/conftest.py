"""Fixtures for the plugin tests: the built plugin (VST3, LV2, Standalone, C++ test programs).

scripts/test.sh builds the plugin and passes the build folder in TONEMATCH_PLUGIN_BUILD (and the
AddressSanitizer build in TONEMATCH_PLUGIN_ASAN_BUILD). Without them the tests build what they
need here with CMake (a few minutes the first time) instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from plugin_env import ASSETS, ROOT, PluginBuild


def _build(kind: str, folder: Path) -> None:
    """Builds the plugin as scripts/test.sh does (scripts/build_plugin.sh, the one definition)."""
    if shutil.which("cmake") is None:
        pytest.fail("cmake is not installed: run scripts/setup.sh")
    subprocess.run(["bash", str(ROOT / "scripts" / "build_plugin.sh"), kind, str(folder)],
                   check=True, env={**os.environ, "PYTHON": sys.executable})


@pytest.fixture(scope="session")
def plugin_build() -> PluginBuild:
    env = os.environ.get("TONEMATCH_PLUGIN_BUILD")
    build = PluginBuild(Path(env).resolve() if env else ROOT / "build" / "plugin")
    if not env:
        _build("release", build.folder)
    for path in (build.vst3, build.lv2, build.standalone):
        assert path.exists(), f"{path} was not built"
    return build


@pytest.fixture(scope="session")
def asan_build() -> PluginBuild:
    env = os.environ.get("TONEMATCH_PLUGIN_ASAN_BUILD")
    build = PluginBuild(Path(env).resolve() if env else ROOT / "build" / "plugin-asan")
    if not env:
        _build("asan", build.folder)
    return build


@pytest.fixture(scope="session")
def di() -> np.ndarray:
    import soundfile as sf

    samples, rate = sf.read(str(ASSETS / "examples" / "di_riff_a.wav"), dtype="float32")
    assert rate == 48000 and samples.ndim == 1
    return samples


@pytest.fixture
def tmp_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME (and so ~/Documents/ToneMatchAI/Presets) in a temporary folder."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home
