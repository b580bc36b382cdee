"""The plugin's bad-input corpus: hostile session states and rig files, in the real VST3.

Each corrupt or crafted state must change nothing (rig, parameters and sound as before) and
each hostile file a state points at must end in a status line naming it, within seconds (a FIFO
never blocks the loader), while audio keeps flowing. Unloading afterwards must not abort the
host, which runs in a child process for that check.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import hosting
import juce_state
import numpy as np
import pytest
import soundfile as sf
from plugin_env import ASSETS

AMP = ASSETS / "nam_models" / "amp_brown_g7.nam"
CAB = ASSETS / "impulse_responses" / "cab_4x12_closed_cap.wav"
PARAMS = {"inputGain": 3.0, "delayTimeMs": 250.0, "delayMix": 0.2}
CASE_SECONDS = 30.0


def _nest(n: int, tag: str = "a", attrs: str = "") -> str:
    return f"<{tag}{attrs}>" * n + f"</{tag}>" * n


def _state_variants(xml: str) -> dict[str, str | bytes]:
    """Crafted plugin XMLs (str) or raw plugin blobs (bytes), made from the good XML."""
    root_open = xml.index(">", xml.index("<ToneMatchAI")) + 1
    head, tail = xml[:root_open], xml[root_open:]
    rig_at = xml.index("<Rig")
    good = juce_state.xml_to_binary(xml)
    return {
        "50,000 nested elements": head + _nest(50_000) + tail,
        "200,000 nested elements": head + _nest(200_000) + tail,
        "65 nested elements": head + _nest(65) + tail,
        "nested inside Rig": xml[:rig_at] + "<Rig>" + _nest(30_000) + "</Rig>" + xml[rig_at:],
        "nested with '>' in attributes": head + _nest(20_000, "b", ' x="a>b"') + tail,
        "nested unclosed": head + "<c>" * 100_000,
        "nested before the root": _nest(100_000, "d"),
        "nested self-closing look-alike": head + "<e x='/'>" * 50_000 + tail,
        "wrong root": "<OtherPlugin>" + tail,
        "no parameters": "<ToneMatchAI><Rig amp='x'/></ToneMatchAI>",
        "match EQ 23 gains": _set_rig_attr(xml, "matchEq", " ".join(["1"] * 23)),
        "match EQ NaN": _set_rig_attr(xml, "matchEq", " ".join(["nan"] * 24)),
        "match EQ 1e400": _set_rig_attr(xml, "matchEq", " ".join(["1e400"] * 24)),
        "match EQ 13 dB": _set_rig_attr(xml, "matchEq", " ".join(["13"] * 24)),
        "match EQ words": _set_rig_attr(xml, "matchEq", " ".join(["loud"] * 24)),
        "blob length beyond the data": struct.pack("<II", 0x21324356, 1 << 30) + good[8:],
        "blob length 0": struct.pack("<II", 0x21324356, 0) + good[8:],
        "blob length negative": struct.pack("<II", 0x21324356, 0xFFFFFFFF) + good[8:],
        "blob wrong magic": struct.pack("<II", 0x12345678, len(good) - 8) + good[8:],
        "blob truncated": good[: len(good) // 2],
        "blob of zeros": bytes(4096),
        "blob deep nesting, raw": juce_state.xml_to_binary(_nest(80_000)),
    }


def _set_rig_attr(xml: str, key: str, value: str) -> str:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml)
    rig = root.find("Rig")
    assert rig is not None
    rig.set(key, value)
    return ET.tostring(root, encoding="unicode")


def _b64encode(data: bytes) -> str:
    """juce_state.juce_b64encode in linear time (megabyte states): every 3 bytes are exactly
    four 6-bit characters, least significant first."""
    table = np.frombuffer(juce_state._TABLE.encode(), np.uint8)
    padded = np.frombuffer(data + bytes(-len(data) % 3), np.uint8).astype(np.uint32)
    v = padded[0::3] | (padded[1::3] << 8) | (padded[2::3] << 16)
    chars = np.stack([(v >> s) & 63 for s in (0, 6, 12, 18)], axis=1).reshape(-1)
    n = (len(data) * 8 + 5) // 6
    return f"{len(data)}." + table[chars[:n]].tobytes().decode()


def _with_blob(host_state: bytes, blob: bytes) -> bytes:
    """The host state with the plugin's own blob replaced by raw bytes."""
    outer, _ = juce_state.binary_to_xml(host_state)
    match = juce_state._ICOMPONENT.search(outer)
    assert match is not None
    _, private = juce_state.binary_to_xml(juce_state.juce_b64decode(match.group(1)))
    component = _b64encode(blob + private)
    return juce_state.xml_to_binary(outer[: match.start(1)] + component + outer[match.end(1):])


@pytest.fixture(scope="module")
def loaded(plugin_build, di):
    """The VST3 with a rig, its state and its sound, shared by the state cases."""
    plugin = hosting.load(plugin_build.vst3)
    hosting.set_rig(plugin, PARAMS, None, AMP, CAB)
    x = np.stack([di[:12000], di[:12000]])
    return plugin, plugin.raw_state, x, hosting.process(plugin, x, 48000)


STATE_CASES = list(_state_variants(
    "<ToneMatchAI version='1'><PARAMETERS/><Rig pedal='' amp='' ir=''/></ToneMatchAI>"))


@pytest.mark.parametrize("case", STATE_CASES)
def test_corrupt_state_changes_nothing(loaded, case: str) -> None:
    plugin, good, x, before = loaded
    xml = hosting.plugin_xml(plugin)
    variant = _state_variants(xml)[case]
    blob = variant if isinstance(variant, bytes) else juce_state.xml_to_binary(variant)
    state = _with_blob(good, blob)
    started = time.monotonic()
    try:
        plugin.raw_state = state
    except Exception:  # noqa: BLE001 - the host refusing the blob itself is also fine
        pass
    hosting.wait_loaded(plugin)
    assert time.monotonic() - started < CASE_SECONDS
    after = hosting.plugin_xml(plugin)
    assert juce_state.rig_paths(after) == juce_state.rig_paths(xml)
    assert juce_state.param_values(after) == juce_state.param_values(xml)
    assert juce_state.match_eq(after) == juce_state.match_eq(xml)
    np.testing.assert_array_equal(hosting.process(plugin, x, 48000), before)


def _hostile_file(kind: str, folder: Path, suffix: str) -> Path:
    path = folder / f"hostile_{kind.replace(' ', '_')}{suffix}"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "random device":
        path.symlink_to("/dev/urandom")
    elif kind == "folder":
        path.mkdir()
    elif kind == "socket":
        s = socket.socket(socket.AF_UNIX)
        s.bind(str(path))
        s.close()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "garbage":
        path.write_bytes(b"\x00\xff" * 4000)
    elif kind == "deep json":
        path.write_text("[" * 200_000 + "]" * 200_000)
    elif kind == "huge number":
        path.write_text('{"version": "0.5.4", "architecture": "WaveNet", "config": {}, '
                        '"weights": [1' + "0" * 5000 + "]}")
    elif kind == "nan weights":
        doc = json.loads(AMP.read_text())
        doc["weights"] = ["NaN"] * len(doc["weights"])
        path.write_text(json.dumps(doc).replace('"NaN"', "NaN"))
    elif kind == "11 s IR":
        sf.write(path, np.r_[1.0, np.zeros(11 * 48000)].astype(np.float32), 48000,
                 subtype="PCM_16")
    elif kind == "NaN IR":
        sf.write(path, np.r_[1.0, np.nan, np.zeros(100)].astype(np.float32), 48000,
                 subtype="FLOAT")
    elif kind == "dangling link":
        path.symlink_to(folder / "nowhere")
    else:
        raise AssertionError(kind)
    return path


FILE_CASES = [(slot, kind) for slot in ("amp", "ir") for kind in (
    "fifo", "device", "random device", "folder", "socket", "empty", "garbage", "deep json",
    "huge number", "dangling link")] + [("amp", "nan weights"), ("ir", "11 s IR"),
                                        ("ir", "NaN IR")]


@pytest.mark.parametrize(("slot", "kind"), FILE_CASES)
def test_hostile_files_are_refused_by_name_and_audio_flows(plugin_build, di, tmp_path: Path,
                                                           slot: str, kind: str) -> None:
    plugin = hosting.load(plugin_build.vst3)
    bad = _hostile_file(kind, tmp_path, ".nam" if slot == "amp" else ".wav")
    started = time.monotonic()
    status = hosting.set_rig(plugin, None, None, bad if slot == "amp" else AMP,
                             bad if slot == "ir" else CAB)
    assert time.monotonic() - started < CASE_SECONDS
    assert bad.name in status, status
    label = "AMP" if slot == "amp" else "IR"
    assert f"{label} failed" in status or f"{label} missing" in status, status
    y = hosting.process(plugin, di[None, :12000], 48000)
    assert np.isfinite(y).all() and np.sqrt(np.mean(y**2)) > 1e-4


UNLOAD_SCRIPT = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
import hosting, juce_state, numpy as np
plugin = hosting.load(sys.argv[2])
xml = juce_state.set_rig(hosting.plugin_xml(plugin), None, "", sys.argv[3], sys.argv[4])
plugin.raw_state = juce_state.with_plugin_xml(plugin.raw_state, xml)
time.sleep(0.2)  # unload while the loader may still be on the FIFOs
plugin.process(np.zeros((2, 512), np.float32), 48000)
del plugin
print("unloaded")
"""


def test_unloading_while_loading_fifos_does_not_abort_the_host(plugin_build, tmp_path: Path):
    amp, ir = tmp_path / "amp.nam", tmp_path / "cab.wav"
    os.mkfifo(amp)
    os.mkfifo(ir)
    done = subprocess.run([sys.executable, "-c", UNLOAD_SCRIPT, str(Path(__file__).parent),
                           str(plugin_build.vst3), str(amp), str(ir)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "unloaded" in done.stdout
    assert "killing thread by force" not in done.stdout + done.stderr
