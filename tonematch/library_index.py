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

import functools
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from scipy.signal import butter, sosfilt

from tonematch._native import NamModel
from tonematch.analysis import analyse, frame_levels_db, third_octave_centres
from tonematch.audio_io import RATE
from tonematch.rig import RigError, parse_json, write_json_atomic
from tonematch.safe_io import InputError, check_regular_file, read_regular_bytes

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
# The probe phrase (a packaged asset; the asset builder is never imported at run time).
PROBE_FILE = Path(__file__).resolve().parent / "data" / "probe.wav"


class LibraryError(InputError):
    """A library that cannot be used at all (no readable models); `notes` say which files were
    skipped and why, so the user sees what is wrong with each."""

    def __init__(self, message: str, notes: list[str] | None = None) -> None:
        super().__init__(message)
        self.notes = list(notes or [])


@dataclass
class ModelEntry:
    """One .nam file of a library."""

    path: Path
    name: str
    kind: str  # "amp" or "pedal"
    gain_class: str = ""  # one of GAIN_CLASSES
    fingerprint: dict[str, Any] = field(default_factory=dict)
    catalogued: bool = True  # False: kind and gain class were inferred (no manifest entry)
    # The capture includes its cabinet (a "full rig": NAM gear_type amp_cab or amp_pedal_cab):
    # it plays without an IR, as another cabinet after it would filter the sound twice.
    cabinet: bool = False


@dataclass
class IrEntry:
    """One cabinet impulse response."""

    path: Path
    name: str


# What an amp whose capture includes its cabinet plays through: a unit impulse, which the
# matcher scores like any IR and writes as an empty IR slot (the chain's bypass, the same sound).
CAPTURED_CABINET = IrEntry(Path(__file__).resolve().parent / "data" / "no_cabinet.wav",
                           "cabinet in the capture")


@dataclass
class Library:
    """The usable models and IRs, plus warnings about files that were skipped."""

    amps: list[ModelEntry]
    pedals: list[ModelEntry]
    irs: list[IrEntry]
    warnings: list[str]

    def irs_for(self, amp: ModelEntry) -> list[IrEntry]:
        """The cabinets an amp may play through: the library's IRs, or only its own cabinet
        where the capture includes one."""
        return [CAPTURED_CABINET] if amp.cabinet else self.irs


def assets_root() -> Path:
    """The bundled library's folder (nam_models/, impulse_responses/, examples/).

    `$TONEMATCH_ASSETS` when set; else `assets/` inside the installed package (a wheel carries
    the library there); else `assets/` of the source checkout the package runs from (an
    editable install).
    """
    env = os.environ.get("TONEMATCH_ASSETS")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    packaged = here / "assets"
    return packaged if packaged.is_dir() else here.parent / "assets"


def default_library_dirs() -> tuple[list[Path], list[Path]]:
    """The bundled model and IR folders (see `assets_root`)."""
    root = assets_root()
    return [root / "nam_models"], [root / "impulse_responses"]


def cache_dir() -> Path:
    """Where fingerprint indexes live ($TONEMATCH_CACHE or ~/.cache/tonematch)."""
    base = os.environ.get("TONEMATCH_CACHE") or os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "tonematch" if base else Path.home() / ".cache" / "tonematch"


@functools.cache
def _probe() -> np.ndarray:
    samples, rate = sf.read(PROBE_FILE, dtype="float32")
    if rate != RATE or samples.ndim != 1:
        raise RuntimeError(f"{PROBE_FILE}: the probe must be mono at {RATE} Hz "
                           "(rewrite it with python -m tonematch.library.probe)")
    samples.setflags(write=False)
    return samples


def probe_signal() -> np.ndarray:
    """The fixed phrase every model is fingerprinted with (4 s, `tonematch/data/probe.wav`,
    written by `python -m tonematch.library.probe`)."""
    return _probe().copy()


def probe_level_db() -> float:
    """Level of the probe's loud frames (dBFS), the reference for input-level matching."""
    return float(np.percentile(frame_levels_db(_probe()), 95))


_CAB_LIKE = butter(4, [80.0, 5000.0], btype="bandpass", fs=RATE, output="sos")


def fingerprint_model(path: Path, probe: np.ndarray) -> dict[str, Any]:
    """Distortion features of the probe through the model at each probe level."""
    model = NamModel(str(path))
    probe_bands = analyse(probe, embedding=False).bands_db
    rows = []
    for level in PROBE_LEVELS_DB:
        model.reset()
        y = model.process((probe * 10 ** (level / 20)).astype(np.float32))
        # A broken capture can output NaN or nothing at all; neither can be described (the
        # analysis needs finite, audible frames), so the model is skipped, named, not fatal.
        if not np.all(np.isfinite(y)):
            raise InputError(f"{path}: the model outputs NaN or infinite samples "
                             f"(at {level:+g} dB input)")
        if float(np.max(np.abs(y))) < 1e-7:
            raise InputError(f"{path}: the model outputs silence (at {level:+g} dB input)")
        # A generic cabinet band keeps fizz the real cab would remove out of the features.
        # Statistics only: a fingerprint never compares rigs, so the rig embedding is skipped.
        f = analyse(sosfilt(_CAB_LIKE, y), embedding=False)
        response = analyse(y, embedding=False).bands_db - probe_bands
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
        data = parse_json(read_regular_bytes(manifest, "manifest", 16 << 20).decode("utf-8"),
                          str(manifest))
        return {e["file"]: e for e in data.get("entries", [])
                if isinstance(e, dict) and isinstance(e.get("file"), str)}
    except (ValueError, TypeError, KeyError, AttributeError):  # InputError is a ValueError
        return None


# NAM metadata "gear_type" values: what each capture holds. A pedal and amp captured together
# is an amp (a pedal slot before it would add a second amp); an amp with its cabinet is a full
# rig, played without an IR. Studio gear (a compressor, a preamp channel, tape) goes before the
# amp, where the pedal check keeps it only if it helps; in the amp slot it would stand for an
# amp with a cabinet after it.
PEDAL_GEAR = ("pedal", "studio")
AMP_GEAR = ("amp", "pedal_amp", "preamp", "amp_cab", "amp_pedal_cab")
CABINET_GEAR = ("amp_cab", "amp_pedal_cab")


def _slot(path: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """The index record's `kind` (from the metadata's gear_type, else the file's name) and
    `cabinet` (an amp whose capture includes its cabinet)."""
    gear = str(meta.get("gear_type", "")).lower()
    if gear in PEDAL_GEAR:
        kind = "pedal"
    elif gear in AMP_GEAR:
        kind = "amp"
    else:
        lower = path.stem.lower()
        kind = "pedal" if any(w in lower for w in PEDAL_WORDS) else "amp"
    return {"kind": kind, "cabinet": kind == "amp" and gear in CABINET_GEAR}


def inferred_slot(path: Path) -> dict[str, Any]:
    """How a library without a manifest uses a capture: its NAM `gear_type`, the slot it goes
    in and whether it plays without an IR (its cabinet is in the capture)."""
    meta = _nam_metadata(path)
    slot = _slot(path, meta)
    return {"gear_type": meta.get("gear_type"), "slot": slot["kind"],
            "cabinet_in_capture": slot["cabinet"]}


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


def _walk(folder: Path, suffix: str) -> list[Path]:
    """Files ending in `suffix` under folder, following symlinked subfolders (a user's library
    is often a folder of links to their gear collections) and visiting each real folder once,
    so a link back to an ancestor cannot loop."""
    seen: set[tuple[int, int]] = set()
    found: list[Path] = []
    for root, dirs, files in os.walk(folder, followlinks=True):
        try:
            st = os.stat(root)
        except OSError:
            dirs[:] = []
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            dirs[:] = []
            continue
        seen.add(key)
        # Staging folders of an output being written are not part of the library.
        dirs[:] = [d for d in dirs if not d.startswith(".tonematch-")]
        found += [Path(root) / f for f in files if f.endswith(suffix)]
    return sorted(found)


def model_files(folder: Path) -> list[Path]:
    """The .nam files of a library folder, as the indexer scans them."""
    return _walk(folder, ".nam")


def _nam_metadata(path: Path) -> dict[str, Any]:
    try:
        head = parse_json(read_regular_bytes(path, "model").decode("utf-8"), str(path))
        meta = head.get("metadata") if isinstance(head, dict) else None
        return meta if isinstance(meta, dict) else {}
    except (OSError, ValueError):
        return {}


def _index_path(folder: Path) -> Path:
    key = hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:16]
    return cache_dir() / f"index-v{INDEX_VERSION}-{key}.json"


def _journal_path(index: Path) -> Path:
    return index.with_name(index.name + ".journal")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)


def _numbers(v: Any, n: int | None = None) -> bool:
    return (isinstance(v, list) and len(v) > 0 and (n is None or len(v) == n)
            and all(_is_number(x) for x in v))


def _valid_record(record: Any) -> bool:
    """Whether a cached record has exactly the shape the matcher reads: a stale or foreign
    cache of valid JSON must be rebuilt, not crash every run."""
    if not isinstance(record, dict):
        return False
    stamp = record.get("stamp")
    if not (isinstance(stamp, list) and len(stamp) == 2
            and all(isinstance(x, int) and not isinstance(x, bool) for x in stamp)):
        return False
    if "skip" in record:
        return isinstance(record["skip"], str)
    if record.get("kind") not in ("amp", "pedal") or record.get("gain_class") not in GAIN_CLASSES:
        return False
    fp = record.get("fingerprint")
    rows = fp.get("levels") if isinstance(fp, dict) else None
    if not isinstance(rows, list) or len(rows) != len(PROBE_LEVELS_DB):
        return False
    bands = len(third_octave_centres())
    shape: tuple[int, int] | None = None
    for row, level in zip(rows, PROBE_LEVELS_DB, strict=True):
        if not (isinstance(row, dict) and row.get("level_db") == level
                and _is_number(row.get("out_level_db"))
                and _numbers(row.get("flatness")) and _numbers(row.get("crest_db"))
                and _numbers(row.get("response_db"), bands)):
            return False
        lengths = (len(row["flatness"]), len(row["crest_db"]))
        if shape is not None and lengths != shape:
            return False
        shape = lengths
    return True


def _read_index(path: Path, notes: list[str] | None = None) -> dict[str, Any]:
    """The cached records by resolved model path: the index file, then its journal (one record
    per line, appended as each model finishes). Anything of the wrong shape is left out with a
    note naming the cache file, so it is rebuilt instead of breaking every run."""
    notes = notes if notes is not None else []
    files: dict[str, Any] = {}
    if path.exists():
        try:
            data = parse_json(read_regular_bytes(path, "library index", 256 << 20).decode(
                "utf-8"), str(path))
            if not isinstance(data, dict) or data.get("version") != INDEX_VERSION:
                raise RigError(f"{path}: not a library index of version {INDEX_VERSION}")
            if not isinstance(data.get("files"), dict):
                raise RigError(f"{path}: the index has no 'files' object")
            files = data["files"]
        except (ValueError, UnicodeDecodeError) as err:
            notes.append(f"{str(err) if str(path) in str(err) else f'{path}: {err}'}; "
                         "ignored, the library is indexed again")
            files = {}
    journal = _journal_path(path)
    if journal.exists():
        try:
            lines = read_regular_bytes(journal, "library index journal", 256 << 20).decode(
                "utf-8", errors="replace").splitlines()
        except InputError as err:
            notes.append(f"{err}; ignored")
            lines = []
        for line in lines:
            try:
                item = parse_json(line, str(journal))
                files[item["path"]] = item["record"]
            except (ValueError, TypeError, KeyError):
                continue  # a line cut short by kill -9: that model is indexed again
    bad = [k for k, v in files.items() if not isinstance(k, str) or not _valid_record(v)]
    if bad:
        notes.append(f"{path}: {len(bad)} cached record(s) of the wrong shape ignored; "
                     "those models are indexed again")
        for k in bad:
            del files[k]
    return files


def _stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


Progress = Callable[[int, int, str], None]


def _index_file(path: Path, probe: np.ndarray) -> dict[str, Any]:
    """The index record of one model: its fingerprint and inferred kind and gain class, or why
    it is skipped. (A manifest entry overrides the inferred values when entries are built.)"""
    record: dict[str, Any] = {"stamp": _stamp(path)}
    try:
        check_regular_file(path, "model")  # the engine would block on a FIFO
        model = NamModel(str(path))
        rate = model.sample_rate
        if rate and abs(rate - RATE) > 1:
            record["skip"] = f"{path}: model is for {rate:g} Hz, the matcher needs 48 kHz"
            return record
        meta = _nam_metadata(path)
        record["fingerprint"] = fingerprint_model(path, probe)
        record.update(_slot(path, meta))
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
    notes: list[str] = []
    cached = _read_index(cache_file, notes)
    fresh: dict[str, Any] = {}
    stale: list[Path] = []
    for path in files:
        key = str(path.resolve())
        try:
            stamp = _stamp(path)
        except OSError as err:  # a dangling link, a file removed while scanning
            fresh[key] = {"stamp": [0, 0], "skip": f"{path}: cannot access ({err.strerror})"}
            continue
        hit = cached.get(key)
        if hit and hit.get("stamp") == stamp:
            if "skip" not in hit and "cabinet" not in hit:
                # Indexed before captured cabinets were read: the metadata says, no probe needed.
                hit = {**hit, **_slot(path, _nam_metadata(path))}
            fresh[key] = hit
        else:
            stale.append(path)
    done = len(files) - len(stale)
    if progress:
        progress(0, len(files), "")
        if done:
            progress(done, len(files), "cached")
    if stale:
        journal = _Journal(_journal_path(cache_file), notes)
        try:
            probe = probe_signal()
            for path, record in _map_cancellable(lambda p: _index_file(p, probe), stale,
                                                 jobs or os.cpu_count() or 1):
                fresh[str(path.resolve())] = record
                # Each finished model is kept at once: kill -9, Ctrl-C or the plugin's Cancel
                # lose at most the models in progress.
                journal.append(str(path.resolve()), record)
                done += 1
                if progress:
                    progress(done, len(files), path.name)
        finally:
            journal.close()
    entries: list[ModelEntry] = []
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
        kind = "pedal" if kind == "pedal" else "amp"
        cabinet = kind == "amp" and bool((entry or record).get("cabinet", False))
        entries.append(ModelEntry(path, path.stem, kind, gain_class, record["fingerprint"],
                                  entry is not None, cabinet))
    if fresh != cached or _journal_path(cache_file).exists():
        try:
            # The compacted index replaces the journal atomically: readers see one or the other.
            write_json_atomic(cache_file, {"version": INDEX_VERSION, "folder": str(folder),
                                           "files": fresh})
            _journal_path(cache_file).unlink(missing_ok=True)
        except OSError as err:
            notes.append(f"could not write the library index {cache_file}: {err}")
    return entries, notes


class _Journal:
    """Appends one JSON line per finished model to the index's journal."""

    def __init__(self, path: Path, notes: list[str]) -> None:
        self.path = path
        self.notes = notes
        self.fd: int | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
        except OSError as err:
            notes.append(f"could not write the library index {path}: {err}")

    def append(self, key: str, record: dict[str, Any]) -> None:
        if self.fd is None:
            return
        line = json.dumps({"path": key, "record": record}, allow_nan=False) + "\n"
        try:
            os.write(self.fd, line.encode("utf-8"))  # one write: lines never interleave
        except OSError as err:
            self.notes.append(f"could not write the library index {self.path}: {err}")
            self.close()

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _map_cancellable(fn: Callable[[Path], dict[str, Any]], items: list[Path],
                     jobs: int) -> Iterator[tuple[Path, dict[str, Any]]]:
    """(item, fn(item)) as each finishes, on `jobs` threads. On Ctrl-C or any error the queued
    items are cancelled, so the caller's exception surfaces after the items already running
    (about a second), not after the whole queue."""
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = {pool.submit(fn, p): p for p in items}
        for future in as_completed(futures):
            yield futures[future], future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def find_irs(folder: Path) -> list[IrEntry]:
    """Every .wav under folder, symlinked subfolders included (see validate_irs)."""
    return [IrEntry(p, p.stem) for p in _walk(folder, ".wav")]


def validate_irs(irs: list[IrEntry]) -> tuple[list[IrEntry], list[str]]:
    """The IRs the chain can play, and a note naming each file that is skipped: not a regular
    file (a FIFO would hang the match), not audio, longer than the chain's 10 s (a song in the
    IR folder would cost gigabytes), non-finite or silent."""
    from tonematch.render import chain_ir

    usable: list[IrEntry] = []
    notes: list[str] = []
    for ir in irs:
        try:
            chain_ir(ir.path, RATE)
        except InputError as err:
            notes.append(f"skipped {err}")
            continue
        usable.append(ir)
    return usable, notes


def load_library(model_dirs: list[Path], ir_dirs: list[Path],
                 progress: Progress | None = None) -> Library:
    """Indexes all folders; raises LibraryError when no amp is usable, or no IR while some
    amp needs one (a capture that includes its cabinet does not)."""
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
        usable, skipped = validate_irs(find_irs(folder))
        irs += usable
        notes += skipped
    if not amps:
        where = ", ".join(str(d) for d in model_dirs)
        raise LibraryError(f"{where}: no usable amp model (.nam at 48 kHz) found", notes)
    if not irs and not all(a.cabinet for a in amps):
        where = ", ".join(str(d) for d in ir_dirs)
        raise LibraryError(f"{where}: no usable cabinet IR (.wav) found", notes)
    return Library(amps, pedals, irs, notes)


def main_list(library: Library, out: Any = sys.stdout) -> None:
    """Prints the library as a table."""
    for e in library.amps + library.pedals:
        held = "  [cabinet in the capture: played without an IR]" if e.cabinet else ""
        print(f"{e.kind:6} {e.gain_class or '-':10} {e.name}  ({e.path}){held}", file=out)
    for ir in library.irs:
        print(f"{'ir':6} {'-':10} {ir.name}  ({ir.path})", file=out)
