"""A bare VST3 host that really unloads the plugin's module (dlclose), as hosts do when the last
instance goes; pedalboard keeps a module loaded for the life of the process, so it cannot show
what happens to code still running in an unloaded plugin.

    python vst3_unload_host.py PLUGIN.so STALLED_AMP_PATH

Loads the module, creates the component, gives it a session state whose amp is
STALLED_AMP_PATH, waits until the loader has given up on it (10 s), then terminates and releases
everything, calls ModuleExit and dlclose, and prints whether the module is still mapped. Then it
reads a line from stdin (the test lets the stuck read return) and prints "survived" a second
later: code returning into an unmapped plugin would have crashed the process by then.

Only the few VST3 calls needed, through ctypes (the VST3 ABI is COM-like: a pointer to a table
of function pointers; on Linux a TUID is the four longs of DECLARE_CLASS_IID, big-endian).
"""

from __future__ import annotations

import _ctypes
import ctypes
import struct
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import juce_state  # noqa: E402

K_RESULT_OK, K_NO_INTERFACE = 0, -1  # kResultOk, kNoInterface (the SDK's values off Windows)


def _tuid(*longs: int) -> bytes:
    return struct.pack(">IIII", *longs)


IID_FUNKNOWN = _tuid(0x00000000, 0x00000000, 0xC0000000, 0x00000046)
IID_IBSTREAM = _tuid(0xC3BF6EA2, 0x30994752, 0x9B6BF990, 0x1EE33E9B)
IID_ICOMPONENT = _tuid(0xE831FF31, 0xF2D54301, 0x928EBBEE, 0x25697802)


def _method(obj: ctypes.c_void_p, index: int, restype, *argtypes):
    vtable = ctypes.cast(obj, ctypes.POINTER(ctypes.POINTER(ctypes.c_void_p))).contents
    return ctypes.CFUNCTYPE(restype, ctypes.c_void_p, *argtypes)(vtable[index])


class MemoryStream:
    """An IBStream over bytes, implemented in Python for the plugin to read its state from."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0
        types = [
            ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_char_p,
                             ctypes.POINTER(ctypes.c_void_p))(self._query),
            ctypes.CFUNCTYPE(ctypes.c_uint32, ctypes.c_void_p)(lambda this: 1),
            ctypes.CFUNCTYPE(ctypes.c_uint32, ctypes.c_void_p)(lambda this: 1),
            ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int32,
                             ctypes.POINTER(ctypes.c_int32))(self._read),
            ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int32,
                             ctypes.POINTER(ctypes.c_int32))(lambda *a: K_NO_INTERFACE),
            ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int32,
                             ctypes.POINTER(ctypes.c_int64))(self._seek),
            ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p,
                             ctypes.POINTER(ctypes.c_int64))(self._tell),
        ]
        self._keep = types
        self.vtable = (ctypes.c_void_p * len(types))(*[ctypes.cast(f, ctypes.c_void_p)
                                                       for f in types])
        self.obj = ctypes.c_void_p(ctypes.addressof(self.vtable))
        self.ptr = ctypes.pointer(self.obj)  # what the plugin sees: a pointer to the vtable pointer

    def _query(self, this, iid, out):
        if ctypes.string_at(iid, 16) in (IID_IBSTREAM, IID_FUNKNOWN):
            out[0] = ctypes.cast(self.ptr, ctypes.c_void_p)
            return K_RESULT_OK
        out[0] = None
        return K_NO_INTERFACE

    def _read(self, this, buffer, count, read):
        chunk = self.data[self.pos:self.pos + count]
        ctypes.memmove(buffer, chunk, len(chunk))
        self.pos += len(chunk)
        if read:
            read[0] = len(chunk)
        return K_RESULT_OK

    def _seek(self, this, pos, mode, result):
        self.pos = max(0, min(len(self.data), [0, self.pos, len(self.data)][mode] + pos))
        if result:
            result[0] = self.pos
        return K_RESULT_OK

    def _tell(self, this, pos):
        pos[0] = self.pos
        return K_RESULT_OK


def mapped(path: str) -> bool:
    return any(path in line for line in open("/proc/self/maps"))


def main() -> None:
    so, amp = sys.argv[1], sys.argv[2]
    lib = ctypes.CDLL(so)
    assert lib.ModuleEntry(ctypes.c_void_p(lib._handle))
    lib.GetPluginFactory.restype = ctypes.c_void_p
    factory = ctypes.c_void_p(lib.GetPluginFactory())
    info = ctypes.create_string_buffer(116)  # PClassInfo: cid, cardinality, category, name
    cid = None
    for i in range(_method(factory, 4, ctypes.c_int32)(factory)):
        _method(factory, 5, ctypes.c_int32, ctypes.c_int32, ctypes.c_char_p)(factory, i, info)
        if info.raw[20:52].rstrip(b"\0") == b"Audio Module Class":
            cid = info.raw[:16]
    assert cid is not None, "no audio module class"
    component = ctypes.c_void_p()
    create = _method(factory, 6, ctypes.c_int32, ctypes.c_char_p, ctypes.c_char_p,
                     ctypes.POINTER(ctypes.c_void_p))
    assert create(factory, cid, IID_ICOMPONENT, ctypes.byref(component)) == K_RESULT_OK
    assert _method(component, 3, ctypes.c_int32, ctypes.c_void_p)(component, None) == K_RESULT_OK
    xml = juce_state.set_rig("<ToneMatchAI version='1'><PARAMETERS/>"
                             "<Rig pedal='' amp='' ir=''/></ToneMatchAI>", None, "", amp, "")
    stream = MemoryStream(juce_state.xml_to_binary(xml))
    set_state = _method(component, 12, ctypes.c_int32, ctypes.c_void_p)
    assert set_state(component, ctypes.cast(stream.ptr, ctypes.c_void_p)) == K_RESULT_OK
    time.sleep(11.0)  # the loader gives up on the stalled read after 10 s
    _method(component, 4, ctypes.c_int32)(component)  # terminate
    _method(component, 2, ctypes.c_uint32)(component)  # release
    _method(factory, 2, ctypes.c_uint32)(factory)
    lib.ModuleExit()
    _ctypes.dlclose(lib._handle)  # this host's one reference: the module goes unless pinned
    print("unloaded; module still mapped:", mapped(so), flush=True)
    sys.stdin.readline()
    time.sleep(1.0)
    print("survived", flush=True)


if __name__ == "__main__":
    main()
