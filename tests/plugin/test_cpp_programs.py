"""The C++ test programs that drive the real processor (tests/plugin/cpp): allocation counting on
the audio thread while models and IRs swap, the swap stress, NaN recovery, state and presets —
in the Release build and again under AddressSanitizer."""

from __future__ import annotations

import os
import subprocess

import pytest


def _run(program, tmp_home, extra_env=None):
    assert program.exists(), f"{program} was not built"
    env = {**os.environ, "HOME": str(tmp_home), **(extra_env or {})}
    run = subprocess.run([str(program)], env=env, capture_output=True, text=True, timeout=900)
    print(run.stdout)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert "all checks passed" in run.stdout
    return run.stdout


@pytest.mark.parametrize("name", ["plugin_realtime_test", "plugin_state_test"])
def test_release_build(plugin_build, tmp_home, name):
    out = _run(plugin_build.program(name), tmp_home)
    if name == "plugin_realtime_test":
        # The stress really ran: thousands of swaps, no allocation or free on the audio thread.
        assert "3000 swaps" in out and "audio-thread allocations 0, frees 0" in out


@pytest.mark.slow
@pytest.mark.parametrize("name", ["plugin_realtime_test", "plugin_state_test",
                                  "plugin_compare_test"])
def test_address_sanitizer_build(asan_build, tmp_home, name):
    out = _run(asan_build.program(name), tmp_home,
               {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=1:halt_on_error=1"})
    if name == "plugin_realtime_test":
        assert "3000 swaps" in out
