"""Reading and writing the plugin's state as hosts carry it.

A JUCE host stores a VST3's state as ``copyXmlToBinary`` of ``<VST3PluginState>``, whose
``<IComponent>`` text is JUCE's base64 of the component state; that component state starts with
the plugin's own ``getStateInformation`` blob (again ``copyXmlToBinary``: magic, size, XML, NUL)
followed by JUCE's private data. These helpers open both layers so tests can read the plugin's
``<ToneMatchAI>`` XML and write a modified one back.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET

_MAGIC = 0x21324356  # "VC2!"
_TABLE = ".ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+"
_INDEX = {c: i for i, c in enumerate(_TABLE)}


def juce_b64decode(text: str) -> bytes:
    """JUCE's MemoryBlock::fromBase64Encoding: '<size>.<6-bit chars, least significant first>'."""
    size_text, _, body = text.strip().partition(".")
    size = int(size_text)
    bits = 0
    for i, ch in enumerate(body):
        bits |= _INDEX[ch] << (6 * i)
    return bits.to_bytes((len(body) * 6 + 7) // 8, "little")[:size]


def juce_b64encode(data: bytes) -> str:
    bits = int.from_bytes(data, "little")
    chars = (len(data) * 8 + 5) // 6
    return f"{len(data)}." + "".join(_TABLE[(bits >> (6 * i)) & 63] for i in range(chars))


def xml_to_binary(xml: str) -> bytes:
    body = xml.encode("utf-8") + b"\0"
    return struct.pack("<II", _MAGIC, len(body)) + body


def binary_to_xml(blob: bytes) -> tuple[str, bytes]:
    """The XML text and whatever follows it in the blob."""
    magic, size = struct.unpack_from("<II", blob)
    if magic != _MAGIC:
        raise ValueError("not a JUCE XML state blob")
    body = blob[8 : 8 + size]
    return body.rstrip(b"\0").decode("utf-8"), blob[8 + size :]


_ICOMPONENT = re.compile(r"<IComponent>([^<]*)</IComponent>")


def plugin_xml(host_state: bytes) -> str:
    """The plugin's own <ToneMatchAI> XML inside a JUCE host's VST3 state."""
    outer, _ = binary_to_xml(host_state)
    match = _ICOMPONENT.search(outer)
    if match is None:
        raise ValueError("no <IComponent> in the VST3 state")
    inner, _ = binary_to_xml(juce_b64decode(match.group(1)))
    return inner


def with_plugin_xml(host_state: bytes, xml: str) -> bytes:
    """The host state with the plugin's XML replaced (JUCE's private data kept)."""
    outer, _ = binary_to_xml(host_state)
    match = _ICOMPONENT.search(outer)
    if match is None:
        raise ValueError("no <IComponent> in the VST3 state")
    _, private = binary_to_xml(juce_b64decode(match.group(1)))
    component = juce_b64encode(xml_to_binary(xml) + private)
    outer = outer[: match.start(1)] + component + outer[match.end(1) :]
    return xml_to_binary(outer)


def set_rig(xml: str, params: dict[str, float] | None = None, pedal: str = "", amp: str = "",
            ir: str = "", match_eq: list[float] | None = None) -> str:
    """The plugin XML with new parameter values (by APVTS id), rig paths and match EQ gains
    (None = flat)."""
    root = ET.fromstring(xml)
    for param in root.iter("PARAM"):
        if params and param.get("id") in params:
            param.set("value", repr(float(params[param.get("id")])))
    rig = root.find("Rig")
    if rig is None:
        rig = ET.SubElement(root, "Rig")
    rig.set("pedal", pedal)
    rig.set("amp", amp)
    rig.set("ir", ir)
    if match_eq is not None and any(g != 0.0 for g in match_eq):
        rig.set("matchEq", " ".join(repr(float(g)) for g in match_eq))
    elif "matchEq" in rig.attrib:
        del rig.attrib["matchEq"]
    return ET.tostring(root, encoding="unicode")


def status(xml: str) -> tuple[str, bool]:
    """The status line and whether files are still loading."""
    node = ET.fromstring(xml).find("Status")
    if node is None:
        raise ValueError("no <Status> in the plugin state")
    return node.get("line", ""), node.get("loading") == "1"


def param_values(xml: str) -> dict[str, float]:
    return {p.get("id"): float(p.get("value")) for p in ET.fromstring(xml).iter("PARAM")}


def match_eq(xml: str) -> list[float]:
    """The match EQ gains in the state (flat when absent)."""
    rig = ET.fromstring(xml).find("Rig")
    text = rig.get("matchEq", "") if rig is not None else ""
    return [float(g) for g in text.split()] if text else [0.0] * 24


def rig_paths(xml: str) -> dict[str, str]:
    rig = ET.fromstring(xml).find("Rig")
    return {k: (rig.get(k, "") if rig is not None else "") for k in ("pedal", "amp", "ir")}
