"""The rig: which pedal, amp and cabinet, the chain's parameters and the match EQ.

The parameter table (keys, ranges, defaults) and the rig JSON reader and writer live once, in the
engine (tonematch/engine/rig_params.h, rig_json.h), shared with the plugin; this module wraps
them for Python (docs/formats.md, rig JSON). Readers ignore keys they do not know and carry them
through. Values outside a parameter's range are clamped with a warning (never silently). The
match EQ's 24 band gains are not one of the "params": they travel in a top-level "match_eq"
object ({"centres_hz": [...], "gains_db": [...]}), written only when a gain is not zero.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from dataclasses import dataclass, field, make_dataclass
from pathlib import Path
from typing import Any

from tonematch import _native
from tonematch.safe_io import InputError, check_regular_file, read_regular_bytes, replace_atomic

SCHEMA_VERSION: int = _native.RIG_SCHEMA_VERSION
MAX_RIG_BYTES: int = _native.RIG_MAX_FILE_BYTES  # the engine's limit for every rig reader
# Rigs nest three levels; deeper documents are hostile or broken (the engine's limit, used for
# every JSON document this package reads).
MAX_JSON_DEPTH: int = _native.RIG_MAX_JSON_DEPTH
# Keys the codec interprets; the rest of a document is Rig.extra (alternatives, warnings,
# schema_version, the matcher's analysis …), carried through unchanged.
_RIG_KEYS = ("name", "rig", "params", "match_eq", "loss")


class RigError(InputError):
    """A rig or preset file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class ParamSpec:
    """One parameter as the engine's table defines it: JSON key, plugin id, name, range."""

    key: str
    apvts_id: str
    name: str
    unit: str
    low: float
    high: float
    default: float
    skew: str  # "linear" or "log"


PARAM_RANGES: tuple[ParamSpec, ...] = tuple(ParamSpec(**d) for d in _native.param_table())
RANGES = {r.key: r for r in PARAM_RANGES}

MATCH_EQ_BANDS = len(_native.Chain.match_eq_centres_hz)
MATCH_EQ_LIMIT_DB: float = _native.MATCH_EQ_LIMIT_DB
MATCH_EQ_Q: float = _native.Chain.match_eq_q
MATCH_EQ_CENTRES_HZ: tuple[float, ...] = tuple(_native.Chain.match_eq_centres_hz)


def _flat_eq() -> list[float]:
    return [0.0] * MATCH_EQ_BANDS


class _RigParamsMethods:
    """What RigParams does; its fields come from the engine's parameter table."""

    match_eq_db: list[float]

    def clamped(self, source: str = "params") -> RigParams:
        """A copy with every value inside its range; warns for each value it moves."""
        values: dict[str, Any] = {}
        for r in PARAM_RANGES:
            value = getattr(self, r.key)
            v = min(max(float(value), r.low), r.high)
            if v != value:
                warnings.warn(
                    f"{source}: {r.key}={value:g} is outside {r.low:g}…{r.high:g}; using {v:g}",
                    stacklevel=2,
                )
            values[r.key] = v
        values["match_eq_db"] = clamp_match_eq(self.match_eq_db, source)
        return RigParams(**values)

    def to_dict(self) -> dict[str, float]:
        """The JSON `params` object: one key per table row (the match EQ is not one of them)."""
        return {r.key: float(getattr(self, r.key)) for r in PARAM_RANGES}

    @property
    def match_eq_flat(self) -> bool:
        return all(g == 0.0 for g in self.match_eq_db)


# The chain's parameters (one float field per table row, named by its JSON key, with the
# table's default) and the match EQ's band gains (dB on MATCH_EQ_CENTRES_HZ; all zero = flat).
RigParams = make_dataclass(
    "RigParams",
    [(r.key, float, field(default=r.default)) for r in PARAM_RANGES]
    + [("match_eq_db", list[float], field(default_factory=_flat_eq))],
    bases=(_RigParamsMethods,),
    namespace={"__module__": __name__},  # so pickles (worker processes) find it here
)
RigParams.__doc__ = ("The chain's parameters (fields named by the rig JSON keys of the engine's "
                     "table) and the match EQ's band gains (dB; all zero = flat).")


def clamp_match_eq(gains: Any, source: str = "match_eq") -> list[float]:
    """24 match EQ gains within ±12 dB; warns for each gain it moves. ValueError on anything
    that is not 24 finite numbers."""
    values = list(gains)
    if len(values) != MATCH_EQ_BANDS:
        raise ValueError(f"{source}: match_eq needs {MATCH_EQ_BANDS} gains, got {len(values)}")
    out = []
    for k, g in enumerate(values):
        if isinstance(g, bool) or not isinstance(g, (int, float)) or not math.isfinite(g):
            raise ValueError(f"{source}: match_eq gain {k} must be a finite number, got {g!r}")
        v = min(max(float(g), -MATCH_EQ_LIMIT_DB), MATCH_EQ_LIMIT_DB)
        if v != g:
            warnings.warn(
                f"{source}: match_eq gain {k} ({MATCH_EQ_CENTRES_HZ[k]:.0f} Hz)={g:g} is outside "
                f"{-MATCH_EQ_LIMIT_DB:g}…{MATCH_EQ_LIMIT_DB:g}; using {v:g}",
                stacklevel=3,
            )
        out.append(v)
    return out


@dataclass
class Rig:
    """Pedal (optional), amp (optional), cabinet IR (optional) and parameters."""

    amp_path: Path | None = None
    ir_path: Path | None = None
    fx_path: Path | None = None
    params: RigParams = field(default_factory=RigParams)
    loss: float | None = None
    name: str | None = None  # set for presets
    extra: dict[str, Any] = field(default_factory=dict)  # schema_version, alternatives, …

    @property
    def amp_name(self) -> str:
        return _stem(self.amp_path)

    @property
    def ir_name(self) -> str:
        return _stem(self.ir_path)

    @property
    def fx_name(self) -> str:
        return _stem(self.fx_path)

    def describe(self) -> str:
        """One line for people: 'pedal → amp → cab'."""
        parts = [self.fx_name or "no pedal", self.amp_name or "no amp", self.ir_name or "no cab"]
        return " → ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The rig JSON object as the engine's writer lays it out, with absolute paths; values
        outside a range are clamped with a warning."""
        doc: dict[str, Any] = {}
        if self.name is not None:
            doc["name"] = self.name
        doc["rig"] = {"fx_nam_path": _abs(self.fx_path), "amp_nam_path": _abs(self.amp_path),
                      "ir_path": _abs(self.ir_path)}
        doc["params"] = self.params.to_dict()
        if not self.params.match_eq_flat:
            doc["match_eq"] = {"gains_db": [float(g) for g in self.params.match_eq_db]}
        doc["loss"] = None if self.loss is None else float(self.loss)
        doc.update({k: v for k, v in self.extra.items() if k not in doc})
        return _normalise(json_safe(doc), str(self.name or "rig"), None)

    @classmethod
    def from_dict(cls, data: Any, source: str = "rig", base_dir: Path | None = None) -> Rig:
        """Parses a rig JSON object with the engine's reader; relative paths resolve against
        base_dir. A bad alternative is dropped with a warning, so the best rig still loads."""
        return _from_normalised(_normalise(_non_finite_named(data), source, base_dir))

    def missing_files(self) -> list[Path]:
        """Files the rig names that do not exist."""
        out = []
        for p in (self.fx_path, self.amp_path, self.ir_path):
            try:
                if p and not p.is_file():
                    out.append(p)
            except OSError:  # e.g. a name too long for the file system
                out.append(p)
        return out

    def check_files(self, source: str) -> None:
        """RigError naming the rig and the file when a model or IR it names is not a regular
        file (missing, a folder, a FIFO or device that would block or never end)."""
        for role, p in (("pedal", self.fx_path), ("amp", self.amp_path), ("IR", self.ir_path)):
            if p is None:
                continue
            try:
                check_regular_file(p, f"{role} file")
            except InputError as err:
                raise RigError(f"{source}: {err}") from None


def _normalise(data: Any, source: str, base_dir: Path | None, text: str | None = None
               ) -> dict[str, Any]:
    """The document as the engine reads and rewrites it (clamped, paths resolved, bad
    alternatives dropped); each note the reader makes becomes a warning."""
    if text is None:
        try:
            text = json.dumps(data, allow_nan=False)
        except (TypeError, ValueError) as err:  # NaN, or an object JSON cannot hold
            raise RigError(f"{source}: not valid JSON ({err})") from None
    try:
        out, notes = _native.normalise_rig_json(text, source, "" if base_dir is None
                                                else str(base_dir))
    except ValueError as err:
        raise RigError(str(err)) from None
    for note in notes:
        warnings.warn(note, stacklevel=4)
    return json.loads(out)


def _non_finite_named(value: Any) -> Any:
    """A copy with NaN and infinities as the strings 'nan'/'inf', which JSON can hold: the
    reader then names the value that is not a finite number instead of refusing the document."""
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, dict):
        return {k: _non_finite_named(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_non_finite_named(v) for v in value]
    return value


def _from_normalised(doc: dict[str, Any]) -> Rig:
    rig = doc["rig"]
    gains = doc.get("match_eq", {}).get("gains_db")
    params = RigParams(**doc["params"], match_eq_db=list(gains) if gains else _flat_eq())
    return Rig(
        fx_path=_path(rig["fx_nam_path"]),
        amp_path=_path(rig["amp_nam_path"]),
        ir_path=_path(rig["ir_path"]),
        params=params,
        loss=doc["loss"],
        name=doc.get("name"),
        extra={k: v for k, v in doc.items() if k not in _RIG_KEYS},
    )


def read_rig(path: str | Path) -> Rig:
    """Reads a rig or preset JSON file; RigError (an InputError) naming it when unusable."""
    path = Path(path)
    try:
        raw = read_regular_bytes(path, "rig file", MAX_RIG_BYTES)
    except RigError:
        raise
    except InputError as err:
        raise RigError(str(err)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RigError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    # The engine's reader names a NaN, Infinity or number beyond a double by where it stands.
    return _from_normalised(_normalise(None, str(path), path.parent, text=text))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_JSON_STRUCTURE = re.compile(r'[\[\]{}"\\]')


def _json_depth_ok(text: str, limit: int) -> bool:
    """False when brackets nest deeper than limit (strings skipped). A linear scan, so a hostile
    document never reaches the recursive parser (or its RecursionError)."""
    depth = 0
    in_string = False
    skip_at = -1  # the character after a backslash inside a string
    for m in _JSON_STRUCTURE.finditer(text):
        i = m.start()
        if i == skip_at:
            continue
        ch = text[i]
        if in_string:
            if ch == "\\":
                skip_at = i + 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return False
        else:
            depth -= 1
    return True


def parse_json(text: str, source: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Strict JSON (no NaN/Infinity, bounded nesting); RigError naming `source` otherwise."""
    if not _json_depth_ok(text, max_depth):
        raise RigError(f"{source}: not a usable JSON document (nested deeper than "
                       f"{max_depth} levels)")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise RigError(f"{source}: not valid JSON ({err.msg} at line {err.lineno})") from None
    except (ValueError, RecursionError, OverflowError) as err:
        # ValueError: NaN/Infinity, or an integer with more digits than Python converts.
        raise RigError(f"{source}: not valid JSON ({err})") from None


def json_safe(value: Any) -> Any:
    """A copy with non-finite floats as null: JSON has no NaN, and a file with one is refused by
    every strict reader (the plugin's included)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def write_json_atomic(path: str | Path, data: Any) -> None:
    """Writes JSON so that readers see the old file or the whole new one, never a part; the
    file's mode follows the umask like any other file the user creates."""
    text = json.dumps(data, indent=2, allow_nan=False) + "\n"
    replace_atomic(path, text.encode("utf-8"))


def rig_json_text(rig: Rig) -> str:
    """The JSON text write_rig writes (with schema_version; never NaN)."""
    return json.dumps(rig.to_dict(), indent=2, allow_nan=False) + "\n"


def write_rig(path: str | Path, rig: Rig) -> None:
    """Writes a rig JSON file atomically, with schema_version."""
    replace_atomic(path, rig_json_text(rig).encode("utf-8"))


def _stem(path: Path | None) -> str:
    return path.stem if path else ""


def _abs(path: Path | None) -> str | None:
    return str(path.resolve()) if path else None


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None
