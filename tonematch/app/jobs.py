"""The matcher as a child process, read through its JSON-lines progress.

The page runs `python -m tonematch match|tune ... --progress jsonl`, the same command and
protocol the plugin's MATCH TONE! uses, rather than calling the matcher in the server process:
Cancel must stop a search at once, and a child process can be killed mid-render where threads
inside the engine cannot; a crash or a runaway search cannot take the server (and every other
session) with it; and the matcher's cores are released the moment a session goes away.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

# Stages in the order the matcher reports them, with the share of a typical run's time each
# takes (from the match speed benchmark), so the bar moves evenly rather than by stage count.
# ("amps" only when the DI plays the reference's part.)
MATCH_STAGES: dict[str, float] = {"load": 0.02, "index": 0.06, "analyse": 0.02, "amps": 0.05,
                                  "pedals": 0.10, "grid": 0.40, "exact": 0.08, "post_fx": 0.22,
                                  "verify": 0.10}
TUNE_STAGES: dict[str, float] = {"load": 0.05, "post_fx": 0.75, "verify": 0.20}
STAGE_LABELS = {"start": "starting the matcher", "load": "reading audio",
                "index": "checking the library", "analyse": "describing the reference",
                "amps": "comparing amps note for note", "pedals": "auditioning pedals",
                "grid": "trying pedal × amp × gain",
                "exact": "scoring the best cabinets", "post_fx": "tuning EQ, delay and reverb",
                "verify": "rendering the exact chain"}


@dataclass(frozen=True)
class JobStatus:
    """A snapshot of a job: where it is and how it ended."""

    state: str = "running"  # running, done, failed, cancelled
    stage: str = "start"
    done: int = 0
    total: int = 0
    message: str = ""
    error: str = ""
    fraction: float = 0.0  # of the whole job, for a progress bar
    seconds: float = 0.0  # wall time of the child process so far (or in all)

    @property
    def running(self) -> bool:
        return self.state == "running"

    def describe(self) -> str:
        """One line for the progress bar."""
        label = STAGE_LABELS.get(self.stage, self.stage)
        count = f" {self.done}/{self.total}" if self.total else ""
        detail = f" — {self.message}" if self.message else ""
        return f"{label}{count}{detail} ({self.seconds:.0f} s)"


class MatcherJob:
    """One `tonematch` run in a child process; thread-safe to poll and cancel."""

    def __init__(self, args: list[str], out: Path, log: Path,
                 stages: dict[str, float] | None = None) -> None:
        self.out = out
        self._weights = stages or MATCH_STAGES
        self._lock = threading.Lock()
        self._status = JobStatus()
        self._cancelled = False
        self._started = time.monotonic()
        self._log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as err:
            # Its own process group, so Cancel stops everything the run started.
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "tonematch", *args, "--progress", "jsonl"],
                stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, text=True,
                start_new_session=True)
        self._reader = threading.Thread(target=self._read, name="matcher-progress", daemon=True)
        self._reader.start()

    def status(self) -> JobStatus:
        with self._lock:
            if self._status.running:
                return replace(self._status, seconds=time.monotonic() - self._started)
            return self._status

    def cancel(self) -> None:
        """Stops the run (SIGTERM, then SIGKILL if it lingers); the output file stays as it
        was, since the matcher writes it atomically at the end."""
        with self._lock:
            if not self._status.running:
                return
            self._cancelled = True
        _signal_group(self._proc, signal.SIGTERM)
        try:
            self._proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            _signal_group(self._proc, signal.SIGKILL)
            self._proc.wait()
        self._reader.join(timeout=5)

    def wait(self, timeout: float | None = None) -> JobStatus:
        """Blocks until the run ends (or the timeout passes); returns the status."""
        self._reader.join(timeout)
        return self.status()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        with self._proc.stdout:  # closed when the child is done: a server runs many jobs
            error = self._read_lines(self._proc.stdout)
        code = self._proc.wait()
        with self._lock:
            seconds = time.monotonic() - self._started
            if self._cancelled:
                self._status = replace(self._status, state="cancelled", seconds=seconds)
            elif code == 0 and self.out.is_file():
                self._status = replace(self._status, state="done", fraction=1.0,
                                       seconds=seconds)
            else:
                self._status = replace(self._status, state="failed", seconds=seconds,
                                       error=error or self._stderr_tail() or
                                       f"the matcher exited with code {code}")

    def _read_lines(self, lines: TextIO) -> str:
        """Follows the progress lines; returns the error message the run reported, if any."""
        error = ""
        for line in lines:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue  # only JSON lines are progress; anything else is not for the page
            if not isinstance(event, dict):
                continue
            stage = str(event.get("stage", ""))
            if stage == "error":
                error = str(event.get("message", "the matcher failed"))
                continue
            if stage == "done":
                continue
            with self._lock:
                self._status = replace(
                    self._status, stage=stage, done=int(event.get("done", 0) or 0),
                    total=int(event.get("total", 0) or 0),
                    message=str(event.get("message", "") or ""))
                self._status = replace(self._status, fraction=self._fraction(self._status))
        return error

    def _fraction(self, s: JobStatus) -> float:
        before = 0.0
        for name, weight in self._weights.items():
            if name == s.stage:
                part = s.done / s.total if s.total else 0.0
                return min(1.0, (before + weight * part) / sum(self._weights.values()))
            before += weight
        return min(1.0, before / sum(self._weights.values()))

    def _stderr_tail(self) -> str:
        try:
            lines = self._log.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return lines[-1].removeprefix("error: ") if lines else ""


def _signal_group(proc: subprocess.Popen[str], sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass  # already gone
