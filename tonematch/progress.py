"""Progress reporting: a terminal bar, JSON lines for the plugin (docs/formats.md), or nothing."""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import TextIO


class Progress:
    """Reports stages and steps; thread-safe. The base class reports nothing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.stage_name = ""
        self.done = 0
        self.total = 0

    def stage(self, name: str, total: int = 0, message: str = "") -> None:
        """Starts a stage of `total` steps (0 = a single step)."""
        with self._lock:
            self.stage_name, self.done, self.total = name, 0, total
            self._emit(message)

    def step(self, message: str = "", n: int = 1) -> None:
        """Marks n more steps of the current stage done."""
        with self._lock:
            self.done = min(self.done + n, self.total) if self.total else self.done + n
            self._emit(message)

    def update(self, done: int, message: str = "") -> None:
        """Sets how many steps of the current stage are done."""
        with self._lock:
            self.done = done
            self._emit(message)

    def finish(self) -> None:
        """The whole job succeeded."""

    def error(self, message: str) -> None:
        """The job failed with this one-line message."""

    def _emit(self, message: str) -> None:
        pass


class JsonLines(Progress):
    """One JSON object per line on stdout: {"stage", "done", "total", "message"}."""

    def __init__(self, out: TextIO | None = None) -> None:
        super().__init__()
        self.out = out or sys.stdout

    def _write(self, obj: dict[str, object]) -> None:
        self.out.write(json.dumps(obj) + "\n")
        self.out.flush()

    def _emit(self, message: str) -> None:
        self._write({"stage": self.stage_name, "done": self.done, "total": self.total,
                     "message": message})

    def finish(self) -> None:
        self._write({"stage": "done"})

    def error(self, message: str) -> None:
        self._write({"stage": "error", "message": message})


class Bar(Progress):
    """A one-line progress bar on stderr, redrawn at most 10 times a second."""

    WIDTH = 28

    def __init__(self, out: TextIO | None = None) -> None:
        super().__init__()
        self.out = out or sys.stderr
        self._last = 0.0
        self._started = time.monotonic()
        self._stage_drawn = ""

    def _emit(self, message: str) -> None:
        now = time.monotonic()
        new_stage = self.stage_name != self._stage_drawn
        if not new_stage and now - self._last < 0.1 and self.done < self.total:
            return
        self._last = now
        if new_stage and self._stage_drawn:
            self.out.write("\n")
        self._stage_drawn = self.stage_name
        frac = self.done / self.total if self.total else 0.0
        bar = "#" * int(frac * self.WIDTH)
        count = f"{self.done}/{self.total}" if self.total else ""
        elapsed = now - self._started
        self.out.write(f"\r{self.stage_name:10} [{bar:<{self.WIDTH}}] {count:>9} "
                       f"{elapsed:5.1f}s {message[:40]:<40}")
        self.out.flush()

    def finish(self) -> None:
        self.out.write("\n")
        self.out.flush()

    def error(self, message: str) -> None:
        if self._stage_drawn:
            self.out.write("\n")
            self.out.flush()


def make_progress(kind: str) -> Progress:
    """'bar', 'jsonl' or 'none'."""
    if kind == "jsonl":
        return JsonLines()
    if kind == "bar":
        return Bar()
    return Progress()
