"""Library manifests: one JSON file per folder listing every asset with its provenance."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"
SCHEMA_VERSION = 1


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read(folder: Path) -> dict[str, dict[str, Any]]:
    """Entries by name; empty when the folder has no manifest."""
    path = folder / MANIFEST_NAME
    if not path.exists():
        return {}
    doc = json.loads(path.read_text(encoding="utf-8"))
    return {e["name"]: e for e in doc.get("entries", [])}


def write(folder: Path, entries: dict[str, dict[str, Any]], description: str) -> Path:
    """Writes the manifest atomically, entries sorted by name."""
    folder.mkdir(parents=True, exist_ok=True)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "description": description,
        "entries": [entries[k] for k in sorted(entries)],
    }
    path = folder / MANIFEST_NAME
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def write_float_wav(path: Path, audio: Any, sample_rate: int) -> Path:
    """32-bit float WAV whose bytes depend only on the audio, so hashes are reproducible.

    libsndfile stamps float WAVs with the time of writing (in the PEAK chunk); it is zeroed.
    """
    import soundfile as sf

    sf.write(path, audio, sample_rate, subtype="FLOAT", format="WAV")
    data = bytearray(path.read_bytes())
    at = data.find(b"PEAK", 12)
    if at >= 0:
        data[at + 12 : at + 16] = b"\0\0\0\0"  # after id, size and version
        path.write_bytes(bytes(data))
    return path
