"""Each browser session's private folder, removed when the session ends.

Streamlit keeps a disconnected session for `server.disconnectedSessionTTL` seconds so that a
page that lost its connection for a moment can resume with its state. A session's folder (its
uploads, rig files and renders) is therefore removed once the session has been disconnected for
that long, or at once when Streamlit no longer knows it. A match still running then is stopped.
The launcher removes the whole root folder when the server stops, whatever is left in it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT_ENV = "TONEMATCH_APP_ROOT"  # set by the launcher: the server's folder for all sessions


def root_folder() -> Path:
    """Where session folders go: the launcher's folder, else the system temporary folder."""
    return Path(os.environ.get(ROOT_ENV) or tempfile.gettempdir())


@dataclass
class Workspace:
    """A session's folder. `new_folder` hands out fresh sub-folders (one per match), so a new
    match never overwrites the files of the result on screen until it has succeeded."""

    path: Path
    _count: int = 0
    _closed: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def create(cls, root: Path | None = None) -> Workspace:
        base = root or root_folder()
        base.mkdir(parents=True, exist_ok=True)
        return cls(Path(tempfile.mkdtemp(prefix="session-", dir=base)))

    def new_folder(self, prefix: str) -> Path:
        self._count += 1
        folder = self.path / f"{prefix}-{self._count}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def close(self) -> None:
        """Removes the folder and everything in it."""
        self._closed.set()
        shutil.rmtree(self.path, ignore_errors=True)

    def watch(self, session_alive: Callable[[], bool | None], grace_s: float,
              on_end: Callable[[], None], poll_s: float = 1.0) -> threading.Thread:
        """Starts a thread that calls `on_end` and removes the folder once `session_alive()`
        has been False for `grace_s` seconds, or at once when it returns None (the session
        is gone for good)."""

        def run() -> None:
            away = 0.0
            while not self._closed.wait(poll_s):
                alive = session_alive()
                away = 0.0 if alive else away + poll_s
                if alive is None or away >= grace_s:
                    try:
                        on_end()
                    finally:
                        self.close()
                    return

        thread = threading.Thread(target=run, name=f"workspace-{self.path.name}", daemon=True)
        thread.start()
        return thread
