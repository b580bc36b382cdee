"""Finding the models and IRs of a library and caching their fingerprints.

A fingerprint is what the sommelier needs to rank a model without rendering the user's DI: the
distortion features of a fixed probe phrase played through the model at several input levels.
Fingerprints are cached per library folder and recomputed for files whose size or time changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.signal import butter, sosfilt

from tonematch._native import NamModel
from tonematch.analysis import analyse, frame_levels_db
from tonematch.audio_io import RATE
from tonematch.rig import write_json_atomic

INDEX_VERSION = 2
PROBE_LEVELS_DB = (-12.0, -6.0, 0.0, 6.0, 12.0)
PEDAL_WORDS = ("pedal", "fx", "drive", "boost", "fuzz", "dist", "comp", "ts9", "ts808", "klon")


class LibraryError(ValueError):
    """A library that cannot be used at all (no readable models)."""


@dataclass
class ModelEntry:
    """One .nam file of a library."""

    path: Path
    name: str
    kind: str  # "amp" or "pedal"
    gain_class: str = ""
    fingerprint: dict[str, Any] = field(default_factory=dict)


@dataclass
class IrEntry:
    """One cabinet impulse response."""

    path: Path
    name: str


@dataclass
class Library:
    """The usable models and IRs, plus warnings about files that were skipped."""

    amps: list[ModelEntry]
    pedals: list[ModelEntry]
    irs: list[IrEntry]
    warnings: list[str]


def default_library_dirs() -> tuple[list[Path], list[Path]]:
    """The bundled model and IR folders (next to the package in a source checkout)."""
    root = Path(os.environ.get("TONEMATCH_ASSETS", Path(__file__).resolve().parents[1] / "assets"))
    return [root / "nam_models"], [root / "impulse_responses"]


def cache_dir() -> Path:
    """Where fingerprint indexes live ($TONEMATCH_CACHE or ~/.cache/tonematch)."""
    base = os.environ.get("TONEMATCH_CACHE") or os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "tonematch" if base else Path.home() / ".cache" / "tonematch"


def probe_signal() -> np.ndarray:
    """The fixed phrase every model is fingerprinted with (deterministic, 4 s)."""
    from tonematch.library import di_synth

    return di_synth.render(di_synth.riff(4.0, seed=1234), 4.0, seed=1234, peak=0.5)


def probe_level_db() -> float:
    """Level of the probe's loud frames (dBFS), the reference for input-level matching."""
    return float(np.percentile(frame_levels_db(probe_signal()), 95))


_CAB_LIKE = butter(4, [80.0, 5000.0], btype="bandpass", fs=RATE, output="sos")


def fingerprint_model(path: Path, probe: np.ndarray) -> dict[str, Any]:
    """Distortion features of the probe through the model at each probe level."""
    model = NamModel(str(path))
    probe_bands = analyse(probe).bands_db
    rows = []
    for level in PROBE_LEVELS_DB:
        model.reset()
        y = model.process((probe * 10 ** (level / 20)).astype(np.float32))
        # A generic cabinet band keeps fizz the real cab would remove out of the features.
        f = analyse(sosfilt(_CAB_LIKE, y))
        response = analyse(y).bands_db - probe_bands
        rows.append({"level_db": level, "flatness": f.flatness.tolist(),
                     "crest_db": f.crest_db.tolist(), "out_level_db": f.level_db,
                     "response_db": np.round(response, 3).tolist()})
    return {"levels": rows}


def _manifest_kinds(folder: Path) -> dict[str, dict[str, Any]]:
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return {}
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        return {e["file"]: e for e in data.get("entries", []) if "file" in e}
    except (OSError, ValueError, TypeError, KeyError):
        return {}


def _guess_kind(path: Path, meta: dict[str, Any]) -> str:
    gear = str(meta.get("gear_type", "")).lower()
    if gear in ("pedal", "pedal_amp"):
        return "pedal"
    if gear in ("amp", "amp_cab", "amp_pedal_cab", "preamp"):
        return "amp"
    lower = path.stem.lower()
    return "pedal" if any(w in lower for w in PEDAL_WORDS) else "amp"


def _nam_metadata(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            head = json.load(fh)
        meta = head.get("metadata") if isinstance(head, dict) else None
        return meta if isinstance(meta, dict) else {}
    except (OSError, ValueError):
        return {}


def _index_path(folder: Path) -> Path:
    key = hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:16]
    return cache_dir() / f"index-v{INDEX_VERSION}-{key}.json"


def _read_index(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data.get("files", {}) if data.get("version") == INDEX_VERSION else {}
    except (OSError, ValueError, AttributeError):
        return {}


def _stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


Progress = Callable[[int, int, str], None]


def _index_file(path: Path, manifest: dict[str, dict[str, Any]],
                probe: np.ndarray) -> dict[str, Any]:
    """The index record of one model: its kind and fingerprint, or why it is skipped."""
    record: dict[str, Any] = {"stamp": _stamp(path)}
    try:
        model = NamModel(str(path))
        rate = model.sample_rate
        if rate and abs(rate - RATE) > 1:
            record["skip"] = f"{path}: model is for {rate:g} Hz, the matcher needs 48 kHz"
            return record
        entry = manifest.get(path.name, {})
        record["kind"] = entry.get("kind") or _guess_kind(path, _nam_metadata(path))
        record["gain_class"] = entry.get("gain_class", "")
        record["fingerprint"] = fingerprint_model(path, probe)
    except ValueError as err:
        message = str(err)
        record["skip"] = message if message.startswith(str(path)) else f"{path}: {message}"
    return record


def index_models(
    folder: Path, progress: Progress | None = None, jobs: int = 0
) -> tuple[list[ModelEntry], list[str]]:
    """Validates every .nam under folder and returns entries with fingerprints (cached).

    Files whose size and time match the cached index are not opened again; the others are
    fingerprinted on `jobs` threads (default: all cores).
    """
    files = sorted(folder.rglob("*.nam"))
    manifest = _manifest_kinds(folder)
    cache_file = _index_path(folder)
    cached = _read_index(cache_file)
    fresh: dict[str, Any] = {}
    stale: list[Path] = []
    for path in files:
        hit = cached.get(str(path.resolve()))
        if hit and hit.get("stamp") == _stamp(path):
            fresh[str(path.resolve())] = hit
        else:
            stale.append(path)
    done = len(files) - len(stale)
    if progress:
        progress(0, len(files), "")
        if done:
            progress(done, len(files), "cached")
    if stale:
        probe = probe_signal()
        with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
            futures = {pool.submit(_index_file, p, manifest, probe): p for p in stale}
            for future in as_completed(futures):
                fresh[str(futures[future].resolve())] = future.result()
                done += 1
                if progress:
                    progress(done, len(files), futures[future].name)
    entries: list[ModelEntry] = []
    notes: list[str] = []
    for path in files:
        record = fresh[str(path.resolve())]
        if "skip" in record:
            notes.append(f"skipped {record['skip']}")
            continue
        kind = "pedal" if record["kind"] == "pedal" else "amp"
        entries.append(ModelEntry(path, path.stem, kind, record.get("gain_class", ""),
                                  record["fingerprint"]))
    if fresh != cached:
        try:
            write_json_atomic(cache_file, {"version": INDEX_VERSION, "folder": str(folder),
                                           "files": fresh})
        except OSError as err:
            notes.append(f"could not write the library index {cache_file}: {err}")
    return entries, notes


def find_irs(folder: Path) -> list[IrEntry]:
    """Every .wav under folder (validated when loaded)."""
    return [IrEntry(p, p.stem) for p in sorted(folder.rglob("*.wav"))]


def load_library(model_dirs: list[Path], ir_dirs: list[Path],
                 progress: Progress | None = None) -> Library:
    """Indexes all folders; raises LibraryError when no amp or no IR is usable."""
    amps: list[ModelEntry] = []
    pedals: list[ModelEntry] = []
    irs: list[IrEntry] = []
    notes: list[str] = []
    for folder in model_dirs:
        if not folder.is_dir():
            raise LibraryError(f"{folder}: library folder not found")
        entries, skipped = index_models(folder, progress)
        notes += skipped
        amps += [e for e in entries if e.kind == "amp"]
        pedals += [e for e in entries if e.kind == "pedal"]
    for folder in ir_dirs:
        if not folder.is_dir():
            raise LibraryError(f"{folder}: IR folder not found")
        irs += find_irs(folder)
    if not amps:
        where = ", ".join(str(d) for d in model_dirs)
        raise LibraryError(f"{where}: no usable amp model (.nam at 48 kHz) found")
    if not irs:
        where = ", ".join(str(d) for d in ir_dirs)
        raise LibraryError(f"{where}: no cabinet IR (.wav) found")
    return Library(amps, pedals, irs, notes)


def main_list(library: Library, out: Any = sys.stdout) -> None:
    """Prints the library as a table."""
    for e in library.amps + library.pedals:
        print(f"{e.kind:6} {e.gain_class or '-':10} {e.name}  ({e.path})", file=out)
    for ir in library.irs:
        print(f"{'ir':6} {'-':10} {ir.name}  ({ir.path})", file=out)
