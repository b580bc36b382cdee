"""Opening the user's files and writing outputs without ever hurting an input.

Inputs: a path is opened only when it is a regular file, so a FIFO, a device (``/dev/zero``) or
a socket given as a DI, model, IR or rig is refused at once instead of blocking or streaming
forever. The check is made on the opened descriptor (opened non-blocking, then ``fstat``), so it
also holds when the path is swapped between a check and the open.

Outputs: every output path is checked before any work (not a folder, not one of the inputs by
identity, its folder writable), staged in a private folder next to it and moved into place only
when every output of the command is complete. Files get the mode the user's umask asks for.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path


class InputError(ValueError):
    """A file or argument the user gave that cannot be used; the message names it.

    The command line maps exactly this type to exit code 2; any other error is ours (exit 1).
    """


def _describe_mode(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "is a FIFO (named pipe), not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    return "is not a regular file"


def check_regular_file(path: str | Path, role: str = "file") -> Path:
    """The path when it names an existing regular file (symlinks followed); InputError if not.

    Only ``stat`` is called, which never blocks on a FIFO.
    """
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: {role} not found") from None
    except OSError as err:
        raise InputError(f"{path}: cannot access the {role} ({err.strerror or err})") from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path}: {role} {_describe_mode(st.st_mode)}")
    return path


def open_regular(path: str | Path, role: str = "file") -> io.BufferedReader:
    """Opens a regular file for binary reading; InputError for anything else.

    O_NONBLOCK makes the open itself return at once for a FIFO with no writer; the type is
    then checked on the descriptor, so what is read is what was checked.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(f"{path}: {role} not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: {role} is a folder, not a file") from None
    except OSError as err:
        try:  # a socket cannot be opened at all (ENXIO): say what it is
            mode = os.stat(path).st_mode
        except OSError:
            mode = stat.S_IFREG
        if not stat.S_ISREG(mode):
            raise InputError(f"{path}: {role} {_describe_mode(mode)}") from None
        raise InputError(f"{path}: cannot open the {role} ({err.strerror or err})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{path}: {role} {_describe_mode(st.st_mode)}")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


@contextmanager
def interruptible_read() -> Iterator[None]:
    """Lets Ctrl-C through a read that soundfile makes from a Python file object.

    soundfile reads such a file through cffi callbacks, and a KeyboardInterrupt raised inside a
    callback is printed and dropped: the read, and the command, would carry on. Here Ctrl-C is
    only noted while the read runs and raised as soon as it returns (on the main thread, where
    Python runs signal handlers; elsewhere nothing changes).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if pressed and previous is signal.default_int_handler:
            raise KeyboardInterrupt
        if pressed and callable(previous):  # someone else's handler (or an outer read)
            previous(signal.SIGINT, None)


def read_regular_bytes(path: str | Path, role: str = "file", limit: int = 64 << 20) -> bytes:
    """The whole content of a regular file of at most `limit` bytes; InputError otherwise."""
    with open_regular(path, role) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > limit:
            raise InputError(f"{path}: {role} is {size / 2**20:.0f} MB; at most "
                             f"{limit / 2**20:.0f} MB is accepted")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{path}: {role} is larger than {limit / 2**20:.0f} MB")
    return data


def audio_error_reason(err: BaseException) -> str:
    """libsndfile's reason without its "Error opening <file object>:" prefix."""
    return str(err).split(":")[-1].strip().rstrip(".") or "unknown format"


def umask() -> int:
    """The process umask, read without changing it where the system allows (read each time:
    a host program may change it while running)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    current = os.umask(0o022)  # no /proc: set and restore
    os.umask(current)
    return current


def file_mode() -> int:
    """The mode a plain open() would give a new file: 0666 less the umask."""
    return 0o666 & ~umask()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): compare where they would be
        return os.path.realpath(a) == os.path.realpath(b)


def _nearest_existing(path: Path) -> Path:
    p = path.absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def check_output(path: str | Path, inputs: Iterable[str | Path | None] = (),
                 role: str = "output") -> Path:
    """Checks, before any work, that `path` can be written and is none of `inputs`.

    Inputs are compared by identity (same device and inode, or the same resolved path), so a
    hard link, a symlink or another spelling of an input is caught too. The folder is proven
    writable by creating and removing a file in it (permission bits alone miss read-only mounts
    and root). Raises InputError naming the path.
    """
    path = Path(path)
    for other in inputs:
        if other is not None and _same_file(path, Path(other)):
            raise InputError(f"{path}: {role} is the same file as the input {other}; "
                             "choose another output name (inputs are never overwritten)")
    if path.is_dir():
        raise InputError(f"{path}: {role} is a folder; give a file name")
    if path.exists() or path.is_symlink():
        try:
            st = path.stat()
        except OSError as err:
            raise InputError(f"{path}: cannot access the {role} ({err.strerror})") from None
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{path}: {role} exists and {_describe_mode(st.st_mode)}")
    folder = _nearest_existing(path.parent)
    if not folder.is_dir():
        raise InputError(f"{path}: cannot create the {role}: {folder} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".tonematch-probe-", dir=folder)
    except OSError as err:
        raise InputError(f"{path}: cannot write the {role} in {folder} "
                         f"({err.strerror or err})") from None
    os.close(fd)
    os.unlink(probe)
    return path


def check_outputs(outputs: dict[str, str | Path | None],
                  inputs: Iterable[str | Path | None]) -> None:
    """check_output for each named output; two outputs may not be the same file either."""
    inputs = list(inputs)
    given = [(role, Path(p)) for role, p in outputs.items() if p is not None]
    for i, (role, path) in enumerate(given):
        check_output(path, inputs, role)
        for other_role, other in given[:i]:
            if _same_file(path, other):
                raise InputError(f"{path}: {role} and {other_role} are the same file")


class StagedOutputs:
    """Outputs written into private folders beside their targets, moved into place together.

    ``path(target)`` gives where to write a target's content; ``commit()`` renames every staged
    file over its target; leaving the ``with`` block without a commit (an error, Ctrl-C) removes
    everything staged, so no partial or temporary file is ever left behind. Files are created
    with plain open() calls inside the staging folder, so their modes follow the umask.
    """

    def __init__(self) -> None:
        self._dirs: dict[Path, Path] = {}
        self._staged: list[tuple[Path, Path]] = []

    def path(self, target: str | Path) -> Path:
        target = Path(target)
        parent = target.absolute().parent
        parent.mkdir(parents=True, exist_ok=True)
        folder = self._dirs.get(parent)
        if folder is None:
            folder = self._dirs[parent] = Path(tempfile.mkdtemp(prefix=".tonematch-", dir=parent))
        staged = folder / target.name
        self._staged.append((staged, target))
        return staged

    def commit(self) -> None:
        for staged, target in self._staged:
            if not staged.is_file():
                raise RuntimeError(f"{target}: nothing was written")
        for staged, target in self._staged:
            os.replace(staged, target)
        self._staged.clear()

    def discard(self) -> None:
        for folder in self._dirs.values():
            shutil.rmtree(folder, ignore_errors=True)
        self._dirs.clear()
        self._staged.clear()

    def __enter__(self) -> StagedOutputs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


def replace_atomic(path: str | Path, data: bytes) -> None:
    """Writes bytes so readers see the old file or the whole new one; mode from the umask."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        # mkstemp creates 0600 files; an output should have the mode the user's umask asks for.
        os.fchmod(fd, file_mode())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
