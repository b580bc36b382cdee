"""A minimal LADSPA host (ctypes), to run third-party effects as outside rigs.

LADSPA is a plain C ABI (`ladspa.h`, version 1.1): a shared library exports
`ladspa_descriptor(index)`, each descriptor names its ports and gives function pointers to
instantiate, connect ports, activate and run. That is all a mono offline render needs, so the
benchmarks host Debian's plugin packages (C* Audio Plugin Suite, LSP, SWH, TAP) directly instead
of through sox, and can set every control exactly and report the values it used.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

LADSPA_DIRS = (Path("/usr/lib/ladspa"), Path("/usr/local/lib/ladspa"))

PORT_INPUT, PORT_OUTPUT, PORT_CONTROL, PORT_AUDIO = 0x1, 0x2, 0x4, 0x8
HINT_BELOW, HINT_ABOVE, HINT_TOGGLED, HINT_SAMPLE_RATE = 0x1, 0x2, 0x4, 0x8
HINT_LOG, HINT_INTEGER, HINT_DEFAULT_MASK = 0x10, 0x20, 0x3C0
BLOCK = 4096  # samples per run() call; plugins must accept any count, small blocks are safest


class _RangeHint(ctypes.Structure):
    _fields_ = [("hint", ctypes.c_int), ("lower", ctypes.c_float), ("upper", ctypes.c_float)]


_Handle = ctypes.c_void_p


class _Descriptor(ctypes.Structure):
    pass


_Descriptor._fields_ = [
    ("unique_id", ctypes.c_ulong),
    ("label", ctypes.c_char_p),
    ("properties", ctypes.c_int),
    ("name", ctypes.c_char_p),
    ("maker", ctypes.c_char_p),
    ("copyright", ctypes.c_char_p),
    ("port_count", ctypes.c_ulong),
    ("port_descriptors", ctypes.POINTER(ctypes.c_int)),
    ("port_names", ctypes.POINTER(ctypes.c_char_p)),
    ("port_range_hints", ctypes.POINTER(_RangeHint)),
    ("implementation_data", ctypes.c_void_p),
    ("instantiate", ctypes.CFUNCTYPE(_Handle, ctypes.POINTER(_Descriptor), ctypes.c_ulong)),
    ("connect_port", ctypes.CFUNCTYPE(None, _Handle, ctypes.c_ulong,
                                      ctypes.POINTER(ctypes.c_float))),
    ("activate", ctypes.c_void_p),  # optional (may be NULL): cast when called
    ("run", ctypes.CFUNCTYPE(None, _Handle, ctypes.c_ulong)),
    ("run_adding", ctypes.c_void_p),
    ("set_run_adding_gain", ctypes.c_void_p),
    ("deactivate", ctypes.c_void_p),
    ("cleanup", ctypes.c_void_p),
]
_VoidFn = ctypes.CFUNCTYPE(None, _Handle)


@dataclass(frozen=True)
class Port:
    """One port of a plugin, with its range hints."""

    index: int
    name: str
    is_input: bool
    is_audio: bool
    hint: int
    lower: float
    upper: float

    def bounds(self, sample_rate: int) -> tuple[float, float]:
        """The control's range (scaled by the rate where the plugin asks for that)."""
        scale = sample_rate if self.hint & HINT_SAMPLE_RATE else 1.0
        lo = self.lower * scale if self.hint & HINT_BELOW else -np.inf
        hi = self.upper * scale if self.hint & HINT_ABOVE else np.inf
        return float(lo), float(hi)

    def default(self, sample_rate: int) -> float:
        """The default value the plugin declares (ladspa.h's rules), 0 where it declares none."""
        lo, hi = self.bounds(sample_rate)
        d = self.hint & HINT_DEFAULT_MASK
        fixed = {0x200: 0.0, 0x240: 1.0, 0x280: 100.0, 0x2C0: 440.0}
        if d in fixed:
            return fixed[d]
        if d == 0x40:
            return lo
        if d == 0x140:
            return hi
        weights = {0x80: 0.25, 0xC0: 0.5, 0x100: 0.75}
        if d in weights and np.isfinite(lo) and np.isfinite(hi):
            w = weights[d]
            if self.hint & HINT_LOG and lo > 0 and hi > 0:
                v = float(np.exp(np.log(lo) * (1 - w) + np.log(hi) * w))
            else:
                v = lo * (1 - w) + hi * w
            return float(round(v)) if self.hint & HINT_INTEGER else v
        return 0.0 if not np.isfinite(lo) else lo


@dataclass(frozen=True)
class PluginInfo:
    """A plugin in a library file."""

    library: Path
    index: int
    label: str
    name: str
    unique_id: int
    ports: tuple[Port, ...]

    def controls(self) -> list[Port]:
        return [p for p in self.ports if p.is_input and not p.is_audio]


@cache
def _load(path: str) -> ctypes.CDLL:
    lib = ctypes.CDLL(path)
    lib.ladspa_descriptor.restype = ctypes.POINTER(_Descriptor)
    lib.ladspa_descriptor.argtypes = [ctypes.c_ulong]
    return lib


def _descriptors(path: Path) -> list[ctypes._Pointer]:
    lib = _load(str(path))
    out = []
    i = 0
    while True:
        d = lib.ladspa_descriptor(i)
        if not d:
            return out
        out.append(d)
        i += 1


def _info(path: Path, index: int, d: ctypes._Pointer) -> PluginInfo:
    desc = d.contents
    ports = []
    for k in range(desc.port_count):
        pd = desc.port_descriptors[k]
        h = desc.port_range_hints[k]
        ports.append(Port(k, desc.port_names[k].decode(), bool(pd & PORT_INPUT),
                          bool(pd & PORT_AUDIO), int(h.hint), float(h.lower), float(h.upper)))
    return PluginInfo(path, index, desc.label.decode(), desc.name.decode(), int(desc.unique_id),
                      tuple(ports))


def find_library(filename: str) -> Path:
    """A LADSPA library by file name, from the standard folders (FileNotFoundError if absent)."""
    for folder in LADSPA_DIRS:
        if (folder / filename).exists():
            return folder / filename
    raise FileNotFoundError(f"LADSPA library {filename} not found in "
                            f"{', '.join(map(str, LADSPA_DIRS))} (run scripts/setup_benchmarks.sh)")


@cache
def plugin(filename: str, label: str) -> PluginInfo:
    """The plugin with this label in the library file."""
    path = find_library(filename)
    for i, d in enumerate(_descriptors(path)):
        if d.contents.label.decode() == label:
            return _info(path, i, d)
    raise KeyError(f"{path}: no LADSPA plugin labelled {label!r}")


def list_plugins(filename: str) -> list[PluginInfo]:
    """Every plugin in a library file."""
    path = find_library(filename)
    return [_info(path, i, d) for i, d in enumerate(_descriptors(path))]


def process(info: PluginInfo, x: np.ndarray, sample_rate: int,
            controls: dict[str, float]) -> np.ndarray:
    """x (mono) through a fresh instance with the given controls (others at their defaults).

    Controls are named by port name; unknown names raise KeyError, so a typo cannot silently
    leave a knob at its default. Values are clamped to the declared bounds. A plugin with two
    audio outputs (stereo) is mixed to mono; with two inputs, both get x.
    """
    known = {p.name for p in info.controls()}
    unknown = set(controls) - known
    if unknown:
        raise KeyError(f"{info.label}: no control ports {sorted(unknown)}; has {sorted(known)}")
    d = _descriptors(info.library)[info.index]
    desc = d.contents
    handle = desc.instantiate(d, sample_rate)
    if not handle:
        raise RuntimeError(f"{info.label}: instantiate failed")
    keep: list[object] = []  # ctypes buffers must outlive every run() call
    audio_in: list[np.ndarray] = []
    audio_out: list[np.ndarray] = []
    try:
        for p in info.ports:
            if p.is_audio:
                buf = np.zeros(BLOCK, dtype=np.float32)
                (audio_in if p.is_input else audio_out).append(buf)
                ptr = buf.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
            else:
                value = controls.get(p.name, p.default(sample_rate)) if p.is_input else 0.0
                lo, hi = p.bounds(sample_rate)
                cell = ctypes.c_float(float(np.clip(value, lo, hi)))
                keep.append(cell)
                ptr = ctypes.pointer(cell)
            keep.append(ptr)
            desc.connect_port(handle, p.index, ptr)
        if desc.activate:
            _VoidFn(desc.activate)(handle)
        src = np.asarray(x, dtype=np.float32)
        out = np.zeros(len(src), dtype=np.float64)
        for start in range(0, len(src), BLOCK):
            n = min(BLOCK, len(src) - start)
            for buf in audio_in:
                buf[:n] = src[start:start + n]
            desc.run(handle, n)
            out[start:start + n] = np.mean([buf[:n] for buf in audio_out], axis=0)
        if desc.deactivate:
            _VoidFn(desc.deactivate)(handle)
    finally:
        if desc.cleanup:
            _VoidFn(desc.cleanup)(handle)
    return out


def describe(filename: str) -> str:
    """Every plugin of a library with its controls, ranges and defaults (for choosing ranges)."""
    lines = []
    for info in list_plugins(filename):
        lines.append(f"{info.label} ({info.name}, id {info.unique_id})")
        for p in info.ports:
            kind = ("in " if p.is_input else "out") + (" audio" if p.is_audio else " ctl  ")
            extra = "" if p.is_audio else (f" [{p.bounds(48000)[0]:g}, {p.bounds(48000)[1]:g}]"
                                           f" default {p.default(48000):g}"
                                           + (" int" if p.hint & HINT_INTEGER else "")
                                           + (" toggle" if p.hint & HINT_TOGGLED else ""))
            lines.append(f"  {kind} {p.name}{extra}")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    for name in sys.argv[1:]:
        print(describe(name))
