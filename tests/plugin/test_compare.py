"""Compare (tests/plugin/cpp/compare_test.cpp) on the real processor with a bundled rig (pedal,
amp, cabinet, match EQ, peak EQ, delay, reverb, output +6 dB) and the bundled DI: BYPASS is the
input times the level-matching gain, also delayed by the latency at 44.1 kHz; RIG and BYPASS come
out within 1 dB of MATCHED's loudness (BS.1770-4, measured here, independently of the plugin's
own K-weighting); no mode allocates on the audio thread or changes the latency; a switch
crossfades; MATCHED after a comparison is bit for bit what plays without one; the mode is not in
the session state."""

from __future__ import annotations

import os
import re
import subprocess

import numpy as np
import soundfile as sf

from tonematch.loudness import loudness_lufs


def test_compare_modes_are_level_matched(plugin_build, tmp_home, tmp_path):
    program = plugin_build.program("plugin_compare_test")
    if not program.exists():  # a build folder made before this program existed
        subprocess.run(["cmake", "--build", str(program.parents[2]), "-j", "2", "--target",
                        program.name], check=True, stdout=subprocess.DEVNULL)
    wavs = tmp_path / "wavs"
    env = {**os.environ, "HOME": str(tmp_home), "TONEMATCH_COMPARE_WAVS": str(wavs)}
    run = subprocess.run([str(program)], env=env, capture_output=True, text=True, timeout=600)
    print(run.stdout)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert "all checks passed" in run.stdout
    out = run.stdout
    assert "audio-thread allocations in all modes: 0" in out
    assert "MATCHED again: 0 samples differ" in out
    assert re.search(r"44\.1 kHz: latency [1-9]\d* samples in every mode", out)

    levels = {}
    for name in ("matched", "rig", "bypass", "di"):
        audio, rate = sf.read(str(wavs / f"{name}.wav"), dtype="float64")
        assert rate == 48000 and audio.shape[1] == 2
        levels[name] = loudness_lufs(audio.T)
    print({k: round(v, 2) for k, v in levels.items()})
    # The rig plays the DI far louder than it came in: without the matching, BYPASS would be
    # ~20 dB down, so the check below is not met by accident.
    assert levels["matched"] - levels["di"] > 10.0
    for mode in ("rig", "bypass"):
        assert abs(levels[mode] - levels["matched"]) < 1.0, (mode, levels)

    # BYPASS is the DI, unprocessed, at one gain: the gain the program printed.
    gain_db = float(re.search(r"BYPASS ([+-][\d.]+) dB", out).group(1))
    bypass, _ = sf.read(str(wavs / "bypass.wav"), dtype="float64")
    di, _ = sf.read(str(wavs / "di.wav"), dtype="float64")
    # Delayed by the latency the host is told (the output limiter's lookahead), as every mode.
    lat = int(re.search(r"latency at 48 kHz: (\d+) samples", out).group(1))
    assert lat > 0
    settled = slice(4800, None)  # after the 20 ms crossfade
    np.testing.assert_allclose(bypass[settled, 0],
                               di[4800 - lat : len(di) - lat, 0] * 10 ** (gain_db / 20),
                               rtol=2e-3, atol=1e-6)
    np.testing.assert_array_equal(bypass[:, 0], bypass[:, 1])
