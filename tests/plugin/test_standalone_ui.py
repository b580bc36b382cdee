"""The Standalone app under a virtual X server: it starts, restores a session with a rig, draws
the editor, and a screenshot of it is not blank. TONEMATCH_UI_SCREENSHOT=path also writes the
screenshot there (that is how docs/plugin_ui.png is made)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import juce_state
from matplotlib.image import imread
from plugin_env import ASSETS

SESSION_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<ToneMatchAI version="0.1.0"><PARAMETERS>'
    '<PARAM id="delayMix" value="0.15"/><PARAM id="delayTimeMs" value="320.0"/>'
    '<PARAM id="finalEqGainDb" value="-1.0"/><PARAM id="inputGain" value="4.0"/>'
    '<PARAM id="preEqFreqHz" value="1400.0"/><PARAM id="preEqGainDb" value="2.5"/>'
    '<PARAM id="reverbRoomSize" value="0.6"/><PARAM id="reverbWet" value="0.2"/></PARAMETERS>'
    '<Rig pedal="{pedal}" amp="{amp}" ir="{ir}" '
    'lastRig="pedal_ts_mid \u2192 amp_british_crunch_g5 \u2192 cab_4x12_closed_cap" '
    'loss="0.0812"/></ToneMatchAI>'
)


def _free_display() -> int:
    for n in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")


def test_standalone_draws_its_editor(plugin_build, tmp_home, tmp_path):
    for tool in ("Xvfb", "import"):
        assert shutil.which(tool), f"{tool} is missing: run scripts/setup.sh"
    xml = SESSION_XML.format(pedal=ASSETS / "nam_models" / "pedal_ts_mid.nam",
                             amp=ASSETS / "nam_models" / "amp_british_crunch_g5.nam",
                             ir=ASSETS / "impulse_responses" / "cab_4x12_closed_cap.wav")
    # The Standalone restores the processor state it saved last time from its settings file.
    settings = tmp_home / ".config" / "ToneMatch AI.settings"
    settings.parent.mkdir(parents=True)
    blob = juce_state.juce_b64encode(juce_state.xml_to_binary(xml))
    settings.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<PROPERTIES>'
                        f'<VALUE name="filterState" val="{blob}"/></PROPERTIES>\n')

    display = f":{_free_display()}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "960x640x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    app = None
    try:
        time.sleep(1.0)
        env = {**os.environ, "DISPLAY": display, "HOME": str(tmp_home)}
        app = subprocess.Popen([str(plugin_build.standalone)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shot = tmp_path / "ui.png"
        time.sleep(6.0)  # start, restore the session, load the rig in the background, paint
        assert app.poll() is None, "the Standalone exited"
        subprocess.run(["import", "-display", display, "-window", "root", str(shot)], check=True,
                       timeout=60)
    finally:
        if app is not None:
            app.terminate()
            try:
                app.wait(timeout=10)
            except subprocess.TimeoutExpired:
                app.kill()
        xvfb.terminate()
        xvfb.wait(timeout=10)

    image = imread(str(shot))[..., :3]
    assert image.shape[0] >= 560 and image.shape[1] >= 900
    # Not blank: the dark theme's background dominates, with text and amber accents on it.
    assert image.std() > 0.05
    dark = (image.max(axis=2) < 0.2).mean()
    amber = ((image[..., 0] > 0.85) & (image[..., 1] > 0.5) & (image[..., 1] < 0.75)
             & (image[..., 2] < 0.35)).mean()
    light = (image.min(axis=2) > 0.8).mean()
    assert dark > 0.4, f"only {dark:.0%} of the screen is the dark theme"
    assert amber > 0.001, "no amber accents (knob arcs, slot titles) drawn"
    assert light > 0.002, "no text drawn"
    if os.environ.get("TONEMATCH_UI_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["TONEMATCH_UI_SCREENSHOT"])
