"""process() and reset() never allocate: checked by a C++ program with a counting allocator.

The program (tests/engine/cpp/no_alloc_test.cpp) replaces the global operator new, prepares each
model for several block sizes, and counts heap allocations while it runs three seconds of noise
in random block sizes (wrapping every history buffer) with resets in between.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nam_files
import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def no_alloc_program() -> Path:
    """The compiled checker, built here with CMake when the test run has not built it yet."""
    build = REPO / os.environ.get("TONEMATCH_TEST_BUILD", "build/tests")
    program = build / "tests" / "engine" / "cpp" / "engine_no_alloc_test"
    if not program.exists():
        subprocess.run(["cmake", "-S", str(REPO), "-B", str(build), "-DTONEMATCH_BUILD_TESTS=ON",
                        f"-DPython_EXECUTABLE={sys.executable}"],
                       check=True, capture_output=True)
        subprocess.run(["cmake", "--build", str(build), "--target", "engine_no_alloc_test"],
                       check=True, capture_output=True)
    return program


def test_the_counter_sees_allocations(no_alloc_program: Path):
    """A checker that cannot see allocations would pass anything."""
    run = subprocess.run([str(no_alloc_program), "--self-check"], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("name", sorted(nam_files.VALID_DOCUMENTS))
def test_processing_never_allocates(no_alloc_program: Path, tmp_path: Path, name: str):
    """Every architecture and layout runs without touching the heap after prepare()."""
    path = nam_files.write_document(tmp_path / f"{name}.nam", nam_files.make(name))
    run = subprocess.run([str(no_alloc_program), str(path)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "allocations=0" in run.stdout


def test_exported_models_never_allocate(no_alloc_program: Path, zoo):
    """Every file of the exporter zoo (FiLM, gating, heads, groups, LSTM, containers) too."""
    paths = [str(m.path) for m in zoo.values()]
    run = subprocess.run([str(no_alloc_program), *paths], capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("allocations=0") == 4 * len(paths)
