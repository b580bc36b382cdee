"""The plugin in a host plays the same samples as `tonematch render` for the same rig and DI.

Tolerance: max |plugin − render| < 1e-5 over the whole clip (float32 output, peak ≈ 1). Both run
the engine's one Chain; what differs is the host (block sizes, parameter values passing through
the host's normalised 0…1 form) and the WAV round trip. Measured: ≤ 2e-7 (see the printout).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import hosting
import numpy as np
import pytest
import soundfile as sf
from plugin_env import ASSETS, ROOT

TOLERANCE = 1e-5

RIGS = {
    "full": dict(
        pedal=ASSETS / "nam_models" / "pedal_ts_mid.nam",
        amp=ASSETS / "nam_models" / "amp_british_crunch_g5.nam",
        ir=ASSETS / "impulse_responses" / "cab_4x12_closed_cap.wav",
        params={"inputGain": 3.0, "preEqGainDb": 4.5, "preEqFreqHz": 1500.0, "reverbWet": 0.3,
                "reverbRoomSize": 0.7, "delayTimeMs": 250.0, "delayMix": 0.2,
                "finalEqGainDb": -1.5},
    ),
    "no_pedal_standard_amp": dict(
        pedal=None,
        amp=ASSETS / "nam_models" / "amp_brown_g9.nam",
        ir=ASSETS / "impulse_responses" / "cab_2x12_open_cap.wav",
        params={"inputGain": -6.0, "preEqGainDb": -3.0, "preEqFreqHz": 640.0, "reverbWet": 0.0,
                "reverbRoomSize": 0.2, "delayTimeMs": 75.0, "delayMix": 0.05,
                "finalEqGainDb": 2.0},
    ),
    "gate": dict(  # the noise gate acting on more than half of the riff's samples, output level up
        pedal=None,
        amp=ASSETS / "nam_models" / "amp_brown_g9.nam",
        ir=ASSETS / "impulse_responses" / "cab_4x12_closed_cap.wav",
        params={"inputGain": -12.0, "gateThresholdDb": -25.0, "outputLevelDb": 12.0},
    ),
    "match_eq": dict(  # the 24-band match EQ after the cabinet, gains 6·sin(k) dB
        pedal=None,
        amp=ASSETS / "nam_models" / "amp_british_crunch_g5.nam",
        ir=ASSETS / "impulse_responses" / "cab_4x12_closed_cap.wav",
        params={"inputGain": 0.0, "preEqGainDb": 2.0, "preEqFreqHz": 900.0, "reverbWet": 0.1,
                "reverbRoomSize": 0.5, "delayTimeMs": 120.0, "delayMix": 0.1,
                "finalEqGainDb": 0.0},
        match_eq=[6.0 * math.sin(k) for k in range(24)],
    ),
}


def _rig_json(rig: dict) -> dict:
    return {
        "rig": {"fx_nam": rig["pedal"].stem if rig["pedal"] else "",
                "amp_nam": rig["amp"].stem, "ir": rig["ir"].stem,
                "fx_nam_path": str(rig["pedal"]) if rig["pedal"] else None,
                "amp_nam_path": str(rig["amp"]), "ir_path": str(rig["ir"])},
        "params": {hosting.JSON_KEYS[k]: v for k, v in rig["params"].items()},
        "loss": None,
        **({"match_eq": {"gains_db": rig["match_eq"]}} if rig.get("match_eq") else {}),
    }


@pytest.mark.parametrize("name", sorted(RIGS))
@pytest.mark.parametrize("block", [128, 512])
def test_plugin_output_equals_tonematch_render(plugin_build, di, tmp_path, name, block):
    rig = RIGS[name]
    clip = di[: 48000 * 6]
    di_path, rig_path, out_path = tmp_path / "di.wav", tmp_path / "rig.json", tmp_path / "out.wav"
    sf.write(di_path, clip, 48000, subtype="FLOAT")
    rig_path.write_text(json.dumps(_rig_json(rig)))
    subprocess.run([sys.executable, "-m", "tonematch", "render", "--rig", str(rig_path),
                    "--di", str(di_path), "--out", str(out_path)],
                   check=True, cwd=ROOT, capture_output=True)
    rendered, rate = sf.read(out_path, dtype="float32", always_2d=True)
    assert rate == 48000 and rendered.shape == (len(clip), 2)

    plugin = hosting.load(plugin_build.vst3)
    assert hosting.set_rig(plugin, rig["params"], rig["pedal"], rig["amp"], rig["ir"],
                           rig.get("match_eq")) == "Ready"
    if rig.get("match_eq"):  # the gains went in exactly and were saved back with the session
        assert hosting.juce_state.match_eq(hosting.plugin_xml(plugin)) == pytest.approx(
            rig["match_eq"], abs=1e-6)
    played = hosting.process(plugin, np.stack([clip, clip]), 48000, block=block)

    diff = np.abs(played - rendered.T)
    print(f"{name}, block {block}: max |plugin - render| = {diff.max():.3g} "
          f"(output peak {np.abs(rendered).max():.3f})")
    assert np.abs(rendered).max() > 0.05  # a real signal, not two silences
    assert diff.max() < TOLERANCE
