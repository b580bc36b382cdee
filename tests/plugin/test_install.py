"""`cmake --install` of the built plugin: the layout under a prefix, the per-user install, and
the installed VST3 loading and playing in a host (pedalboard)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from plugin_env import PRODUCT, ROOT


def _cmake() -> str:
    cmake = shutil.which("cmake")
    if cmake is None:
        pytest.fail("cmake is not installed: run scripts/setup.sh")
    return cmake


def _install(folder: Path, *args: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([_cmake(), "--install", str(folder), *args], capture_output=True,
                            text=True, env=env, check=False, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.fixture(scope="module")
def build_folder(plugin_build) -> Path:
    folder = plugin_build.folder
    rules = folder / "plugin" / "cmake_install.cmake"
    if not rules.is_file() or "lib/vst3" not in rules.read_text(encoding="utf-8"):
        # A build folder configured before the install rules existed: generate it again (its
        # cache is kept; nothing is compiled).
        subprocess.run([_cmake(), "-S", str(ROOT), "-B", str(folder)], check=True,
                       stdout=subprocess.DEVNULL)
    return folder


def _check_layout(vst3_dir: Path, lv2_dir: Path, bin_dir: Path) -> Path:
    vst3 = vst3_dir / f"{PRODUCT}.vst3"
    assert (vst3 / "Contents" / "x86_64-linux" / f"{PRODUCT}.so").is_file()
    lv2 = lv2_dir / f"{PRODUCT}.lv2"
    for name in ("manifest.ttl", "dsp.ttl", f"lib{PRODUCT}.so"):
        assert (lv2 / name).is_file(), f"{lv2} lacks {name}"
    standalone = bin_dir / PRODUCT
    assert standalone.is_file() and os.access(standalone, os.X_OK)
    return vst3


@pytest.mark.skipif(sys.platform != "linux", reason="the install layout is checked on Linux")
def test_install_under_a_prefix(build_folder: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    _install(build_folder, "--prefix", str(prefix))
    vst3 = _check_layout(prefix / "lib" / "vst3", prefix / "lib" / "lv2", prefix / "bin")
    # Only the plugin: nothing of the engine, the test programs or the per-user install.
    files = sorted(p.relative_to(prefix).parts[:2] for p in prefix.rglob("*") if p.is_file())
    assert {f[:2] for f in files} == {("lib", "vst3"), ("lib", "lv2"), ("bin", PRODUCT)}

    # The installed VST3 loads and plays in a host (in a child: one copy of the plugin in a
    # process at a time).
    code = (
        "import sys, numpy as np, pedalboard\n"
        "p = pedalboard.load_plugin(sys.argv[1])\n"
        "assert p.name == 'ToneMatch AI', p.name\n"
        "x = (0.05 * np.sin(np.arange(9600) * 0.03)).astype(np.float32)[None, :]\n"
        "k = p.parameters['input_gain_db']\n"
        "k.raw_value = (6.0 - k.range[0]) / (k.range[1] - k.range[0])\n"
        # The first call prepares the plugin (its latency reaches the host late, see hosting.py).
        "p.process(np.zeros((1, 512), np.float32), 48000, buffer_size=512)\n"
        "y = p.process(x, 48000, buffer_size=512)\n"
        "np.testing.assert_allclose(y, x * 10 ** (6 / 20), rtol=1e-4, atol=1e-7)\n"
        "print('played')\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(vst3)], capture_output=True,
                            text=True, check=False, timeout=120)
    assert result.returncode == 0 and "played" in result.stdout, result.stderr[-3000:]


@pytest.mark.skipif(sys.platform != "linux", reason="the per-user install is for Linux")
def test_install_for_the_current_user(build_folder: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    _install(build_folder, "--component", "user", env={**os.environ, "HOME": str(home)})
    _check_layout(home / ".vst3", home / ".lv2", home / ".local" / "bin")
    assert sorted(p.name for p in home.iterdir()) == [".local", ".lv2", ".vst3"]
