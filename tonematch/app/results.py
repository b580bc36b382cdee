"""A finished match as the page holds it, and the files it offers for download."""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from tonematch.rig import PARAM_RANGES, SCHEMA_VERSION, Rig, RigParams, read_rig

# The loss parts that count, as the rig JSON's loss_components names them: the gear distance
# (rig metric + learned embedding; what chose pedal, amp and cabinet) with its two terms, and
# the envelope, which the whole loss adds for tuning the settings.
LOSS_PARTS = ("gear", "rig", "embedding", "envelope")
T = TypeVar("T")


@dataclass
class MatchResult:
    """The rig the matcher (or tune) wrote, its alternatives and where its files are."""

    rig: Rig
    alternatives: list[Rig]
    folder: Path
    report: Path | None  # the matcher's report PNG for the rig as found
    matcher_seconds: float  # wall time of the `tonematch` child process

    @classmethod
    def load(cls, rig_json: Path, matcher_seconds: float) -> MatchResult:
        """Reads a rig JSON the matcher wrote; the alternatives come from its "alternatives"."""
        rig = read_rig(rig_json)
        alternatives = []
        for i, alt in enumerate(rig.extra.get("alternatives") or []):
            alternatives.append(Rig.from_dict(alt, f"{rig_json} alternative {i + 1}"))
        report = rig_json.with_name("report.png")
        return cls(rig, alternatives, rig_json.parent, report if report.is_file() else None,
                   matcher_seconds)

    def loss_parts(self) -> dict[str, float]:
        """The rig's loss parts worth showing, and the total."""
        parts = self.rig.extra.get("loss_components") or {}
        return {k: float(parts[k]) for k in (*LOSS_PARTS, "total") if k in parts}


def params_dict(params: RigParams) -> dict[str, float]:
    """The eight settings by JSON key."""
    return params.to_dict()


def with_settings(rig: Rig, settings: dict[str, float]) -> Rig:
    """The rig with the eight settings replaced (the match EQ is kept). The matcher's loss
    belongs to its own settings, so a rig whose settings were changed has no loss (null)
    until it is measured again, e.g. by Tune."""
    values = {r.key: float(settings.get(r.key, getattr(rig.params, r.key))) for r in PARAM_RANGES}
    params = replace(rig.params, **values)
    changed = any(getattr(params, f.name) != getattr(rig.params, f.name)
                  for f in fields(RigParams) if f.name != "match_eq_db")
    return replace(rig, params=params, loss=None if changed else rig.loss)


def rig_json_bytes(rig: Rig) -> bytes:
    """The rig JSON the plugin applies and `tonematch render` reads (as `tonematch match`
    writes it, with schema_version)."""
    data = rig.to_dict()
    data.setdefault("schema_version", SCHEMA_VERSION)
    return (json.dumps(data, indent=2) + "\n").encode()


def preset_json(rig: Rig, name: str) -> dict[str, Any]:
    """A plugin preset: the rig JSON object with a "name", as SAVE AS PRESET writes it (the
    rig, its settings, match EQ and loss; no alternatives or matcher notes)."""
    preset = replace(rig, name=name.strip() or "ToneMatch preset", extra={})
    return preset.to_dict()


def preset_bytes(rig: Rig, name: str) -> bytes:
    return (json.dumps(preset_json(rig, name), indent=2) + "\n").encode()


def preset_filename(name: str) -> str:
    """A file name for a preset, made legal the way the plugin does (no path characters)."""
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "", name).strip().strip(".") or "Preset"
    return f"{stem[:120]}.json"


def mono(audio: np.ndarray) -> np.ndarray:
    """The chain's stereo output as one channel (for analysis)."""
    return audio.mean(axis=0) if audio.ndim == 2 else audio


# pyplot keeps one figure registry per process and sessions share the server's process; the
# report download runs on a thread of its own, so two sessions could draw at the same moment.
_PYPLOT = threading.Lock()


def report_png(folder: Path, ref: np.ndarray, di: np.ndarray, matched: np.ndarray,
               rig: Rig) -> bytes:
    """The match report PNG (as `tonematch match --report` draws it) for these signals."""
    from tonematch.report import write_report

    path = folder / f"report-{threading.get_ident()}.png"
    try:
        with _PYPLOT:
            write_report(path, ref, di, matched, rig)
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


@dataclass
class Memo:
    """A small least-recently-used store for what the page derives from audio (renders, WAV
    bytes, spectra): Streamlit reruns the whole page on every click, and these take time."""

    size: int = 24
    items: OrderedDict[tuple[object, ...], Any] = field(default_factory=OrderedDict)

    def get(self, key: tuple[object, ...], make: Callable[[], T]) -> T:
        if key in self.items:
            self.items.move_to_end(key)
            return self.items[key]  # type: ignore[no-any-return]
        value = make()
        self.items[key] = value
        while len(self.items) > self.size:
            self.items.popitem(last=False)
        return value

    def drop(self, keep: Callable[[tuple[object, ...]], bool]) -> None:
        for key in [k for k in self.items if not keep(k)]:
            del self.items[key]
