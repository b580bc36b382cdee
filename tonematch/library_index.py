"""Finding the models and IRs of a library and caching their fingerprints.

A fingerprint is what the sommelier needs to rank a model without rendering the user's DI: the
distortion features of a fixed probe phrase played through the model at several input levels.
Fingerprints are cached per library folder and recomputed for files whose size or time changed.

A folder's ``manifest.json`` (the bundled library has one) catalogues each file's kind and gain
class. A file it does not list, or any file of a folder without one (a user's NAM folder), gets
a complete inferred entry: kind from the file's NAM metadata or name, gain class from its
metadata or from how much its fingerprint compresses; in a catalogued folder that is reported.
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

INDEX_VERSION = 3
PROBE_LEVELS_DB = (-12.0, -6.0, 0.0, 6.0, 12.0)
PEDAL_WORDS = ("pedal", "fx", "drive", "boost", "fuzz", "dist", "comp", "ts9", "ts808", "klon")
GAIN_CLASSES = ("clean", "crunch", "high_gain")
# NAM metadata "tone_type" values → gain class.
TONE_TYPES = {"clean": "clean", "overdrive": "crunch", "crunch": "crunch", "hi_gain": "high_gain",
              "fuzz": "high_gain"}
# Output level change (dB) over the 24 dB of probe levels above which a model is clean and
# below which it is high gain. On the bundled catalogue this reproduces the gain class of all 31
# amps and 12 of 16 pedals (a compressor and a gated fuzz read as crunch, a low-gain blues drive
# as clean, a low-gain distortion as high gain).
CLEAN_MIN_SWING_DB = 12.0
HIGH_GAIN_MAX_SWING_DB = 2.0


class LibraryError(ValueError):
    """A library that cannot be used at all (no readable models)."""


@dataclass
class ModelEntry:
    """One .nam file of a library."""

    path: Path
    name: str
    kind: str  # "amp" or "pedal"
    gain_class: str = ""  # one of GAIN_CLASSES
    fingerprint: dict[str, Any] = field(default_factory=dict)
    catalogued: bool = True  # False: kind and gain class were inferred (no manifest entry)


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


def catalogue(folder: Path) -> dict[str, dict[str, Any]] | None:
    """Manifest entries of a folder by file name; None when the folder has no manifest."""
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return None
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        return {e["file"]: e for e in data.get("entries", []) if "file" in e}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def _guess_kind(path: Path, meta: dict[str, Any]) -> str:
    gear = str(meta.get("gear_type", "")).lower()
    if gear in ("pedal", "pedal_amp"):
        return "pedal"
    if gear in ("amp", "amp_cab", "amp_pedal_cab", "preamp"):
        return "amp"
    lower = path.stem.lower()
    return "pedal" if any(w in lower for w in PEDAL_WORDS) else "amp"


def infer_gain_class(meta: dict[str, Any], fingerprint: dict[str, Any]) -> str:
    """Gain class from NAM metadata's tone_type, else from how much the model compresses."""
    tone = TONE_TYPES.get(str(meta.get("tone_type", "")).lower())
    if tone:
        return tone
    # A clean model follows the probe's level; a saturated one holds its output level.
    levels = [row["out_level_db"] for row in fingerprint["levels"]]
    swing = max(levels) - min(levels)
    if swing > CLEAN_MIN_SWING_DB:
        return "clean"
    return "high_gain" if swing < HIGH_GAIN_MAX_SWING_DB else "crunch"


def model_files(folder: Path) -> list[Path]:
    """The .nam files of a library folder, as the indexer scans them."""
    return sorted(folder.rglob("*.nam"))


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


def _index_file(path: Path, probe: np.ndarray) -> dict[str, Any]:
    """The index record of one model: its fingerprint and inferred kind and gain class, or why
    it is skipped. (A manifest entry overrides the inferred values when entries are built.)"""
    record: dict[str, Any] = {"stamp": _stamp(path)}
    try:
        model = NamModel(str(path))
        rate = model.sample_rate
        if rate and abs(rate - RATE) > 1:
            record["skip"] = f"{path}: model is for {rate:g} Hz, the matcher needs 48 kHz"
            return record
        meta = _nam_metadata(path)
        record["fingerprint"] = fingerprint_model(path, probe)
        record["kind"] = _guess_kind(path, meta)
        record["gain_class"] = infer_gain_class(meta, record["fingerprint"])
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
    files = model_files(folder)
    manifest = catalogue(folder)
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
            futures = {pool.submit(_index_file, p, probe): p for p in stale}
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
        # The manifest is read on every load, so editing it takes effect without re-indexing.
        entry = (manifest or {}).get(path.name)
        kind = str((entry or record).get("kind", "amp"))
        gain_class = str((entry or record).get("gain_class", ""))
        if manifest is not None and entry is None:
            notes.append(f"{path}: not in {folder / 'manifest.json'}; treated as {kind}, "
                         f"{gain_class} (inferred from its metadata, name and fingerprint)")
        entries.append(ModelEntry(path, path.stem, "pedal" if kind == "pedal" else "amp",
                                  gain_class, record["fingerprint"], entry is not None))
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
