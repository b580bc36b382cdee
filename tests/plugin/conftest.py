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


def _cmake_build(folder: Path, targets: list[str], extra: list[str]) -> None:
    cmake = shutil.which("cmake")
    if cmake is None:
        pytest.fail("cmake is not installed: run scripts/setup.sh")
    jobs = str(min(2, os.cpu_count() or 1))
    subprocess.run([cmake, "-S", str(ROOT), "-B", str(folder), "-DTONEMATCH_BUILD_PLUGIN=ON",
                    f"-DPython_EXECUTABLE={sys.executable}", *extra],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run([cmake, "--build", str(folder), "-j", jobs, "--target", *targets], check=True,
                   stdout=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def plugin_build() -> PluginBuild:
    env = os.environ.get("TONEMATCH_PLUGIN_BUILD")
    build = PluginBuild(Path(env).resolve() if env else ROOT / "build" / "plugin")
    if not env:
        _cmake_build(build.folder, ["ToneMatchAI_VST3", "ToneMatchAI_LV2", "ToneMatchAI_Standalone",
                                    "plugin_realtime_test", "plugin_state_test",
                                    "plugin_match_test", "plugin_bad_input_test",
                                    "plugin_compare_test", "plugin_lv2_render"],
                     ["-DCMAKE_BUILD_TYPE=Release"])
    for path in (build.vst3, build.lv2, build.standalone):
        assert path.exists(), f"{path} was not built"
    return build


@pytest.fixture(scope="session")
def asan_build() -> PluginBuild:
    env = os.environ.get("TONEMATCH_PLUGIN_ASAN_BUILD")
    build = PluginBuild(Path(env).resolve() if env else ROOT / "build" / "plugin-asan")
    if not env:
        flags = "-fsanitize=address -fno-omit-frame-pointer -g"
        _cmake_build(build.folder,
                     ["plugin_realtime_test", "plugin_state_test", "plugin_match_test",
                      "plugin_compare_test", "plugin_bad_input_test"],
                     ["-DCMAKE_BUILD_TYPE=Release", f"-DCMAKE_CXX_FLAGS={flags}",
                      "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address",
                      "-DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=address",
                      "-DCMAKE_MODULE_LINKER_FLAGS=-fsanitize=address"])
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
