"""The LV2 bundle: its TTL as lilv reads it (lv2info), and audio through it in a lilv host."""

from __future__ import annotations

import os
import subprocess

import numpy as np
import pytest

URI = "https://tonematch.ai/plugins/tonematch"


@pytest.fixture
def lv2_env(plugin_build):
    return {**os.environ, "LV2_PATH": str(plugin_build.lv2.parent)}


def test_ttl_describes_the_plugin(plugin_build, lv2_env):
    listed = subprocess.run(["lv2ls"], env=lv2_env, capture_output=True, text=True, check=True)
    assert URI in listed.stdout.split()
    info = subprocess.run(["lv2info", URI], env=lv2_env, capture_output=True, text=True,
                          check=True).stdout
    assert "Name:              ToneMatch AI" in info
    assert "Has latency:       yes" in info
    assert info.count("lv2core#AudioPort") == 3  # mono in, stereo out
    dsp = (plugin_build.lv2 / "dsp.ttl").read_text(encoding="utf-8")
    for pid, low, high, default in [("inputGain", -24, 24, 0), ("preEqFreqHz", 400, 3000, 800),
                                    ("reverbWet", 0, 0.7, 0), ("delayTimeMs", 50, 500, 100),
                                    ("finalEqGainDb", -3, 3, 0),
                                    ("gateThresholdDb", -100, 0, -100),
                                    ("limiterCeilingDb", -24, 0, 0),
                                    ("matchEqAmount", 0, 100, 100)]:
        block = dsp[dsp.index(f"plug:{pid}\n"):]
        block = block[: block.index(" .\n")]
        assert f"lv2:minimum {low}" in block and f"lv2:maximum {high}" in block
        assert f"lv2:default {default}" in block


def test_ttl_names_the_program_and_the_maintainer(plugin_build, lv2_env):
    # As lilv reads the bundle: the maintainer, and the one program as a preset named "Default".
    info = subprocess.run(["lv2info", URI], env=lv2_env, capture_output=True, text=True,
                          check=True).stdout
    assert "Author:            ToneMatch" in info
    assert "Author Email:      mailto:support@tonematch.ai" in info
    assert "Author Homepage:   https://tonematch.ai" in info
    presets = info[info.index("Presets:"):].splitlines()
    assert presets[1].strip() == "Default"
    # The one program the host sees is an LV2 preset with a label, not an empty one.
    manifest = (plugin_build.lv2 / "manifest.ttl").read_text(encoding="utf-8")
    assert "a pset:Preset" in manifest
    assert 'rdfs:label "Default"' in manifest
    assert 'rdfs:label ""' not in manifest
    dsp = (plugin_build.lv2 / "dsp.ttl").read_text(encoding="utf-8")
    maintainer = dsp[dsp.index("doap:maintainer ["):]
    maintainer = maintainer[: maintainer.index("] ;")]
    assert 'foaf:name "ToneMatch"' in maintainer
    assert "foaf:homepage <https://tonematch.ai>" in maintainer
    assert "foaf:mbox <mailto:support@tonematch.ai>" in maintainer


@pytest.mark.parametrize("rate", [48000, 44100])
def test_audio_through_the_lv2(plugin_build, lv2_env, tmp_path, rate):
    host = plugin_build.program("plugin_lv2_render")
    assert host.exists(), f"{host} was not built (liblilv-dev missing? run scripts/setup.sh)"
    x = (0.1 * np.sin(np.arange(rate // 2) * 2 * np.pi * 440 / rate)).astype(np.float32)
    x.tofile(tmp_path / "in.f32")
    run = subprocess.run([str(host), URI, str(tmp_path / "in.f32"), str(tmp_path / "out.f32"),
                          str(rate), "256"], env=lv2_env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    report = dict(line.split() for line in run.stdout.splitlines())
    latency = int(report["latency"])
    assert report["outputs"] == "2"
    y = np.fromfile(tmp_path / "out.f32", np.float32).reshape(-1, 2)
    assert y.shape == (len(x), 2)
    # Empty rig: the input comes out on both channels, delayed by the latency the port reports.
    # The output limiter's 2 ms lookahead, and resampling around the models below 48 kHz.
    assert (latency == 95) == (rate == 48000) and latency >= round(0.002 * rate) - 1
    np.testing.assert_allclose(y[latency:, 0], x[: len(x) - latency], atol=1e-4)
    np.testing.assert_array_equal(y[:, 0], y[:, 1])
