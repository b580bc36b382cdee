"""The wheel is a complete product: built with `pip wheel`, installed into a fresh virtual
environment, `tonematch demo` runs from an empty folder and writes a rig.

The wheel is built without build isolation (scikit-build-core and pybind11 come from the test
environment, see the `test` extra) into build/wheel-test/, which is kept, so a second run only
relinks. The new environment installs the wheel with --no-deps --no-index; its dependencies
(numpy, scipy, soundfile, matplotlib) are the test environment's, reached through a .pth file of
plain paths. Nothing is downloaded and torch is not installed again.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = ROOT / "build" / "wheel-test"

pytestmark = pytest.mark.slow


def _run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    assert result.returncode == 0, (
        f"{' '.join(map(str, cmd))} failed ({result.returncode}):\n"
        f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = [m for m in ("scikit_build_core", "pybind11")
               if importlib.util.find_spec(m) is None]
    if missing or shutil.which("cmake") is None:
        pytest.fail(f"building the wheel needs cmake, scikit-build-core and pybind11 "
                    f"(missing: {missing or 'cmake'}): run scripts/setup.sh")
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
          "--no-index", "-w", str(out), "-C", f"build-dir={BUILD_DIR}"])
    wheels = sorted(out.glob("tonematch-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_the_wheel_carries_the_engine_the_library_and_the_probe(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert any(n.startswith("tonematch/_native") and n.endswith(".so") for n in names)
    for name in ("tonematch/data/probe.wav", "tonematch/data/rig_metric.json",
                 "tonematch/data/no_cabinet.wav",
                 "tonematch/assets/nam_models/manifest.json",
                 "tonematch/assets/impulse_responses/manifest.json",
                 "tonematch/assets/examples/di_riff_a.wav",
                 "tonematch/assets/examples/ref_library_rig.wav"):
        assert name in names, f"{wheel.name} lacks {name}"
    assets = ROOT / "assets"
    bundled = {f"tonematch/assets/{p.relative_to(assets).as_posix()}"
               for p in assets.rglob("*")
               if p.is_file() and not any(part.startswith(".") for part in
                                          p.relative_to(assets).parts)}
    assert bundled <= names, f"missing from the wheel: {sorted(bundled - names)[:5]}"
    assert not any("__pycache__" in n for n in names)


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    env_dir = tmp_path_factory.mktemp("venv") / "env"
    _run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)])
    python = env_dir / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                      "['purelib'])"]).stdout.strip())
    # Plain paths, no `import` lines: the test environment's packages are visible, its .pth
    # files (an editable tonematch's import hook among them) are not run, and the new
    # environment's own site-packages comes first, so `tonematch` is the wheel's.
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_test_environment.pth").write_text("\n".join(sorted(ours)) + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
          "--no-index", str(wheel)])
    return env_dir


def test_tonematch_demo_runs_from_an_empty_folder(venv: Path, tmp_path: Path) -> None:
    python = venv / "bin" / "python"
    package = Path(_run([str(python), "-c", "import tonematch, os; "
                         "print(os.path.dirname(tonematch.__file__))"],
                        cwd=tmp_path).stdout.strip()).resolve()
    assert package.is_relative_to(venv), f"tonematch imported from {package}, not the wheel"
    # The matcher must not need the asset builder at run time: without it the demo still runs.
    shutil.rmtree(package / "library")

    work = tmp_path / "empty"
    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("TONEMATCH_ASSETS", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["TONEMATCH_CACHE"] = str(tmp_path / "cache")
    result = _run([str(venv / "bin" / "tonematch"), "demo", "--budget", "fast",
                   "--progress", "none", "--out-dir", "out"], cwd=work, env=env, timeout=900)
    assert "rig:" in result.stdout

    out = work / "out"
    rig = json.loads((out / "rig.json").read_text(encoding="utf-8"))
    assert rig["rig"]["amp_nam"] and rig["rig"]["ir"]
    assert Path(rig["rig"]["amp_nam_path"]).resolve().is_relative_to(package / "assets")
    assert Path(rig["rig"]["ir_path"]).resolve().is_relative_to(package / "assets")
    assert (out / "matched.wav").stat().st_size > 100_000
    assert (out / "report.png").stat().st_size > 10_000
    assert sorted(p.name for p in work.iterdir()) == ["out"]
