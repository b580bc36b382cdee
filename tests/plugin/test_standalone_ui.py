"""The Standalone app under a virtual X server: it starts, restores a session, draws the editor
with its input and output meters, and screenshots of it show what they should.
TONEMATCH_UI_SCREENSHOT=path also writes the screenshot of a session with a rig there (that is
how docs/plugin_ui.png is made), and TONEMATCH_MATCHED_SCREENSHOT=path the one after a match
with long rig names and A/B/C (docs/plugin_matched.png)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import juce_state
import numpy as np
from matplotlib.image import imread
from plugin_env import ASSETS
from scipy import ndimage

PEDAL = ASSETS / "nam_models" / "pedal_ts_mid.nam"
AMP = ASSETS / "nam_models" / "amp_british_crunch_g5.nam"
CAB = ASSETS / "impulse_responses" / "cab_4x12_closed_cap.wav"
PARAMS_XML = (
    '<PARAMETERS>'
    '<PARAM id="delayMix" value="0.15"/><PARAM id="delayTimeMs" value="320.0"/>'
    '<PARAM id="finalEqGainDb" value="-1.0"/><PARAM id="inputGain" value="4.0"/>'
    '<PARAM id="preEqFreqHz" value="1400.0"/><PARAM id="preEqGainDb" value="2.5"/>'
    '<PARAM id="reverbRoomSize" value="0.6"/><PARAM id="reverbWet" value="0.2"/></PARAMETERS>'
)
ARROW = " \u2192 "
LONG_NAMES = ("pedal_klon_centaur_clone_treble_at_two_oclock_full_gain_v3",
              "amp_dual_rectifier_revision_g_modern_red_channel_high_gain_capture",
              "cab_4x12_vintage_30_sm57_cap_edge_one_inch_plus_room_r121_blend")


def _session(last_rig: str, loss: float, matched: str | None = None) -> str:
    match = f'<Match active="0">{escape(matched)}</Match>' if matched else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<ToneMatchAI version="0.1.0">' + PARAMS_XML
            + f'<Rig pedal="{PEDAL}" amp="{AMP}" ir="{CAB}" lastRig={quoteattr(last_rig)} '
            f'loss="{loss}"/>{match}</ToneMatchAI>')


def _matched_rigs() -> str:
    """A best rig and two alternatives, as the session keeps the matcher's result for A/B/C."""
    def rig(gain: float, loss: float) -> dict:
        return {"rig": {"fx_nam": PEDAL.stem, "amp_nam": AMP.stem, "ir": CAB.stem,
                        "fx_nam_path": str(PEDAL), "amp_nam_path": str(AMP), "ir_path": str(CAB)},
                "params": {"input_gain_db": gain, "pre_eq_gain_db": 2.5, "pre_eq_freq_hz": 1400.0,
                           "reverb_wet": 0.2, "reverb_room_size": 0.6, "delay_time_ms": 320.0,
                           "delay_mix": 0.15, "final_eq_gain_db": -1.0},
                "loss": loss}
    best = rig(4.0, 0.0812)
    best["alternatives"] = [rig(2.0, 0.093), rig(6.0, 0.11)]
    return json.dumps(best)


def _free_display() -> int:
    for n in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")


def _screenshot(standalone: Path, home: Path, shot: Path, session_xml: str) -> np.ndarray:
    """Starts the Standalone with `session_xml` as its saved state and screenshots the screen."""
    for tool in ("Xvfb", "import"):
        assert shutil.which(tool), f"{tool} is missing: run scripts/setup.sh"
    # The Standalone restores the processor state it saved last time from its settings file.
    settings = home / ".config" / "ToneMatch AI.settings"
    settings.parent.mkdir(parents=True, exist_ok=True)
    blob = juce_state.juce_b64encode(juce_state.xml_to_binary(session_xml))
    settings.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<PROPERTIES>'
                        f'<VALUE name="filterState" val="{blob}"/></PROPERTIES>\n')

    display = f":{_free_display()}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "960x640x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    app = None
    try:
        time.sleep(1.0)
        env = {**os.environ, "DISPLAY": display, "HOME": str(home)}
        app = subprocess.Popen([str(standalone)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
    return imread(str(shot))[..., :3]


def _check_theme(image: np.ndarray) -> None:
    assert image.shape[0] >= 560 and image.shape[1] >= 900
    # Not blank: the dark theme's background dominates, with text and amber accents on it.
    assert image.std() > 0.05
    dark = (image.max(axis=2) < 0.2).mean()
    light = (image.min(axis=2) > 0.8).mean()
    assert dark > 0.4, f"only {dark:.0%} of the screen is the dark theme"
    assert _amber(image).mean() > 0.001, "no amber accents (knob arcs, slot titles) drawn"
    assert light > 0.002, "no text drawn"


def _amber(image: np.ndarray) -> np.ndarray:
    return ((image[..., 0] > 0.85) & (image[..., 1] > 0.5) & (image[..., 1] < 0.75)
            & (image[..., 2] < 0.35))


def _solid_amber_buttons(image: np.ndarray) -> list[tuple[int, int]]:
    """(width, height) of the filled amber rectangles: MATCH TONE! and the lit A/B/C button."""
    labels, _ = ndimage.label(_amber(image))
    sizes = []
    for sl in ndimage.find_objects(labels):
        h, w = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        area = (_amber(image)[sl]).sum()
        if h >= 14 and w >= 20 and area > 0.6 * h * w:
            sizes.append((w, h))
    return sizes


def test_standalone_draws_its_editor(plugin_build, tmp_home, tmp_path):
    image = _screenshot(plugin_build.standalone, tmp_home, tmp_path / "ui.png",
                        _session(ARROW.join((PEDAL.stem, AMP.stem, CAB.stem)), 0.0812))
    _check_theme(image)
    # Without a match result only MATCH TONE! is a filled amber button (no A/B/C).
    assert len(_solid_amber_buttons(image)) == 1, _solid_amber_buttons(image)
    if os.environ.get("TONEMATCH_UI_SCREENSHOT"):
        shutil.copyfile(tmp_path / "ui.png", os.environ["TONEMATCH_UI_SCREENSHOT"])


def test_standalone_draws_a_match_result_with_long_names(plugin_build, tmp_home, tmp_path):
    image = _screenshot(plugin_build.standalone, tmp_home, tmp_path / "matched.png",
                        _session(ARROW.join(LONG_NAMES), 0.0812, _matched_rigs()))
    _check_theme(image)
    # A/B/C are shown with A lit: a second, small filled amber button beside MATCH TONE!.
    buttons = sorted(_solid_amber_buttons(image))
    assert len(buttons) == 2, buttons
    assert buttons[0][0] < 40 and buttons[1][0] > 150  # A (30 px wide), MATCH TONE! (wide)
    # The long names' layout (every line inside the zone, the loss shown) is checked line by line
    # in test_editor.py.
    if os.environ.get("TONEMATCH_MATCHED_SCREENSHOT"):
        shutil.copyfile(tmp_path / "matched.png", os.environ["TONEMATCH_MATCHED_SCREENSHOT"])


def _meter_bars(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(x, y, width, height) of the meters' empty bars: tall, narrow, solid rectangles in the
    theme's track colour (the knobs' tracks are arcs, never solid)."""
    track = np.array([0x3A, 0x3F, 0x48]) / 255.0
    mask = np.abs(image - track).max(axis=2) < 4 / 255.0
    labels, _ = ndimage.label(mask)
    bars = []
    for sl in ndimage.find_objects(labels):
        h, w = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        if h >= 80 and 10 <= w <= 16 and mask[sl].mean() > 0.95:
            bars.append((sl[1].start, sl[0].start, w, h))
    return sorted(bars)


def test_standalone_draws_the_meters(plugin_build, tmp_home, tmp_path):
    # Under Xvfb the Standalone has no audio device, so the meters show silence: two empty bars,
    # IN at the left of the input zone (bottom right) and OUT at the right of the output zone
    # (top right), each with a dark clip lamp above it. That the bars follow a signal and the lamp
    # lights at 0 dBFS is checked in test_editor.py, which plays audio through the processor.
    image = _screenshot(plugin_build.standalone, tmp_home, tmp_path / "meters.png",
                        _session(ARROW.join((PEDAL.stem, AMP.stem, CAB.stem)), 0.0812))
    _check_theme(image)
    bars = _meter_bars(image)
    assert len(bars) == 2, bars
    (in_x, in_y, _, _), (out_x, out_y, _, _) = bars
    assert in_x < out_x and out_y < in_y  # OUT at the right edge, top row; IN in the bottom row
    for x, y, w, _ in bars:  # above each bar its clip lamp, dark: no red up to the zone's title
        above = image[max(0, y - 40) : y, x : x + w]
        red = (above[..., 0] > 0.9) & (above[..., 1] < 0.5) & (above[..., 2] < 0.45)
        assert not red.any()
