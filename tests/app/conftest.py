"""Fixtures for the web app tests: a private index cache, bad files and the real server
(`python -m tonematch app`); the small library is in tests/conftest.py."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from webapp_browser import SESSION_TTL_S


@pytest.fixture(scope="session")
def cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def private_cache(cache_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests index into their own cache, never the user's."""
    monkeypatch.setenv("TONEMATCH_CACHE", str(cache_folder))


@dataclass(frozen=True)
class BadFiles:
    unreadable: Path  # text with an audio file's name
    silent: Path
    short: Path
    long: Path  # over the page's 10 minutes (8 kHz keeps it small)


@pytest.fixture(scope="session")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> BadFiles:
    root = tmp_path_factory.mktemp("bad")
    unreadable = root / "notes.wav"
    unreadable.write_text("these are my notes, not audio\n" * 50)
    silent = root / "silent.wav"
    sf.write(silent, np.zeros(48000 * 3, dtype=np.float32), 48000)
    short = root / "short.flac"
    t = np.arange(48000) / 48000
    sf.write(short, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 48000)
    long = root / "long.wav"
    rng = np.random.default_rng(0)
    sf.write(long, (0.1 * rng.standard_normal(8000 * 601)).astype(np.float32), 8000,
             subtype="PCM_16")
    return BadFiles(unreadable, silent, short, long)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    tmp: Path  # the server's TMPDIR: its root folder (and every session folder) is in there
    proc: subprocess.Popen[str]
    output: list[str]

    def root(self) -> Path:
        roots = list(self.tmp.glob("tonematch-app-*"))
        assert len(roots) == 1, roots
        return roots[0]

    def sessions(self) -> list[Path]:
        return sorted(self.root().glob("session-*"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, cache_folder: Path) -> Iterator[Server]:
    """`python -m tonematch app` on a free port, as a user starts it."""
    tmp = tmp_path_factory.mktemp("server-tmp")
    port = _free_port()
    env = {**os.environ, "TMPDIR": str(tmp), "TONEMATCH_CACHE": str(cache_folder),
           "STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": str(SESSION_TTL_S)}
    # Its own process group, so that a server left behind by a failing stop can be ended with
    # everything it started (otherwise its children keep the output pipe open for ever).
    proc = subprocess.Popen([sys.executable, "-m", "tonematch", "app", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            start_new_session=True)
    output: list[str] = []
    url_seen = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            if line.startswith("ToneMatch AI web app: "):
                url_seen.set()

    threading.Thread(target=read, daemon=True).start()
    assert url_seen.wait(90), "".join(output)
    line = next(x for x in output if x.startswith("ToneMatch AI web app: "))
    url = re.search(r"http://\S+", line).group(0)
    assert url == f"http://127.0.0.1:{port}"
    server = Server(url, tmp, proc, output)
    root = server.root()
    yield server
    proc.send_signal(signal.SIGINT)  # Ctrl+C
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # anything of the server's still running
        assert proc.stdout is not None
        proc.stdout.close()
    # Stopping the server removes every session's files.
    assert not root.exists()

