"""A stalled network mount, for real: a minimal FUSE file system served from this process.

It holds one file, ``stalled.nam`` (a few kilobytes); looking it up, its attributes and opening
it are answered at once, but a read of it is not answered until ``release()`` — what a reader
sees when an NFS or SMB server stops answering. Written against the kernel's FUSE protocol
(/dev/fuse, no libfuse); mounting needs CAP_SYS_ADMIN (``available()`` says whether it works).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

_libc = ctypes.CDLL(None, use_errno=True)
_IN_HEADER = struct.Struct("<IIQQIIII")  # len, opcode, unique, nodeid, uid, gid, pid, padding
_OUT_HEADER = struct.Struct("<IiQ")  # len, error, unique
LOOKUP, GETATTR, OPEN, READ, RELEASE = 1, 3, 14, 15, 18  # the opcodes answered
FLUSH, INIT, INTERRUPT, DESTROY = 25, 26, 36, 38
FILE_NODE, FILE_SIZE, NAME = 2, 4096, "stalled.nam"


def _attr(node: int) -> bytes:
    """fuse_attr: ino, size, blocks, a/m/ctime, their nsec, mode, nlink, uid, gid, rdev, blksize,
    flags."""
    directory = node == 1
    mode = 0o040755 if directory else 0o100644
    size = 0 if directory else FILE_SIZE
    return struct.pack("<QQQQQQIIIIIIIIII", node, size, (size + 511) // 512, 0, 0, 0, 0, 0, 0,
                       mode, 2 if directory else 1, os.getuid(), os.getgid(), 0, 4096, 0)


class StalledMount:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.file = folder / NAME
        self._fd = -1
        self._stalled: list[int] = []  # unique ids of reads left unanswered
        self._lock = threading.Lock()
        self._released = False
        self._thread: threading.Thread | None = None

    def mount(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._fd = os.open("/dev/fuse", os.O_RDWR)
        options = f"fd={self._fd},rootmode=40000,user_id={os.getuid()},group_id={os.getgid()}"
        if _libc.mount(b"tonematch-stall", str(self.folder).encode(), b"fuse", 0,
                       options.encode()) != 0:
            err = ctypes.get_errno()
            os.close(self._fd)
            raise OSError(err, os.strerror(err), str(self.folder))
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def release(self) -> int:
        """Answers every stalled read with an I/O error (the server came back broken); returns
        how many there were. Later reads fail at once."""
        with self._lock:
            self._released = True
            stalled, self._stalled = self._stalled, []
        for unique in stalled:
            self._reply(unique, -errno.EIO)
        return len(stalled)

    def stalled_reads(self) -> int:
        with self._lock:
            return len(self._stalled)

    def unmount(self) -> None:
        self.release()
        _libc.umount2(str(self.folder).encode(), 2)  # MNT_DETACH
        with contextlib.suppress(OSError):
            os.close(self._fd)

    def _reply(self, unique: int, error: int = 0, payload: bytes = b"") -> None:
        with contextlib.suppress(OSError):  # the request may have been interrupted
            os.write(self._fd, _OUT_HEADER.pack(_OUT_HEADER.size + len(payload), error, unique)
                     + payload)

    def _serve(self) -> None:
        while True:
            try:
                request = os.read(self._fd, 1 << 20)
            except OSError:
                return  # unmounted
            length, opcode, unique, node, *_ = _IN_HEADER.unpack_from(request)
            body = request[_IN_HEADER.size:length]
            if opcode == INIT:
                major, minor, readahead, _flags = struct.unpack_from("<IIII", body)
                self._reply(unique, 0, struct.pack("<IIIIHHIIHHI", 7, min(minor, 31), readahead,
                                                   0, 0, 0, 1 << 16, 1, 0, 0, 0) + bytes(28))
            elif opcode == LOOKUP:
                if node == 1 and body.rstrip(b"\0") == NAME.encode():
                    self._reply(unique, 0, struct.pack("<QQQQII", FILE_NODE, 0, 1, 1, 0, 0)
                                + _attr(FILE_NODE))
                else:
                    self._reply(unique, -errno.ENOENT)
            elif opcode == GETATTR:
                self._reply(unique, 0, struct.pack("<QII", 1, 0, 0) + _attr(node))
            elif opcode == OPEN:
                self._reply(unique, 0, struct.pack("<QII", 1, 0, 0))
            elif opcode == READ:
                with self._lock:
                    if not self._released:
                        self._stalled.append(unique)
                        continue
                self._reply(unique, -errno.EIO)
            elif opcode in (RELEASE, FLUSH):
                self._reply(unique)
            elif opcode in (INTERRUPT, DESTROY):
                continue  # no answer expected
            else:
                self._reply(unique, -errno.ENOSYS)


def available(folder: Path) -> bool:
    """True when this process may mount a FUSE file system (root or CAP_SYS_ADMIN, /dev/fuse)."""
    if not os.path.exists("/dev/fuse"):
        return False
    probe = StalledMount(folder)
    try:
        probe.mount()
    except OSError:
        return False
    probe.unmount()
    return True


@contextlib.contextmanager
def stalled_mount(folder: Path) -> Iterator[StalledMount]:
    mount = StalledMount(folder)
    mount.mount()
    try:
        yield mount
    finally:
        mount.unmount()
