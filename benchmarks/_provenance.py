"""Where a benchmark's numbers come from: the commit, the date and the machine.

Results are only written from a committed tree, so every number can be traced to code that
exists in the history.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


IGNORED_DIRTY = ("benchmarks/results/", "benchmarks/.cache/")


def _git(*args: str) -> str:
    # Not stripped: a porcelain status line starts with a space (" M path").
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout


def head_commit() -> str:
    """HEAD's full commit id."""
    return _git("rev-parse", "HEAD").strip()


def dirty_files() -> list[str]:
    """Tracked or untracked files that differ from HEAD (results and the case cache excepted)."""
    out = _git("status", "--porcelain", "--untracked-files=all")
    paths = [line[3:].split(" -> ")[-1] for line in out.splitlines() if line.strip()]
    return [p for p in paths if not p.startswith(IGNORED_DIRTY)]


def require_clean_tree() -> None:
    """Exits with 2 and names the files when the tree has uncommitted changes."""
    try:
        dirty = dirty_files()
    except (OSError, subprocess.CalledProcessError) as err:
        sys.exit(f"benchmark: cannot read the git state ({err}); results need a commit")
    if dirty:
        print("benchmark: refusing to write results from uncommitted code; commit or stash: "
              + ", ".join(dirty[:10]) + (" …" if len(dirty) > 10 else ""), file=sys.stderr)
        sys.exit(2)


def parse_guarded(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Adds `--allow-dirty` (print results, write none), parses, and exits with 2 on a tree
    with uncommitted changes unless it was given."""
    parser.add_argument("--allow-dirty", action="store_true",
                        help="print results without writing them (work in progress)")
    args = parser.parse_args(argv)
    if not args.allow_dirty:
        require_clean_tree()
    return args


def provenance() -> dict[str, Any]:
    """Commit, date and machine for a results JSON."""
    return {"commit": head_commit(),
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": {"cpu": platform.processor() or platform.machine(),
                        "cpus": os.cpu_count(), "python": platform.python_version()}}
