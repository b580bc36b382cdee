"""The rig: which pedal, amp and cabinet, the eight chain parameters (DESIGN §3–§4) and the
match EQ.

The JSON keys are fixed by the design; readers ignore keys they do not know. Values outside a
parameter's range are clamped with a warning (never silently). The match EQ's 24 band gains are
not one of the eight "params": they travel in a top-level "match_eq" object
({"centres_hz": [...], "gains_db": [...]}), written only when a gain is not zero.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from tonematch.safe_io import InputError, check_regular_file, read_regular_bytes, replace_atomic

SCHEMA_VERSION = 1
MAX_RIG_BYTES = 16 << 20  # a rig is a few kB; this refuses whole disks given by mistake
MAX_JSON_DEPTH = 64  # rigs nest three levels; deeper documents are hostile or broken


class RigError(InputError):
    """A rig or preset file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class ParamRange:
    """One parameter's JSON key, range and default."""

    key: str
    low: float
    high: float
    default: float


PARAM_RANGES: tuple[ParamRange, ...] = (
    ParamRange("input_gain_db", -24.0, 24.0, 0.0),
    ParamRange("pre_eq_gain_db", -12.0, 12.0, 0.0),
    ParamRange("pre_eq_freq_hz", 400.0, 3000.0, 800.0),
    ParamRange("reverb_wet", 0.0, 0.7, 0.0),
    ParamRange("reverb_room_size", 0.0, 1.0, 0.5),
    ParamRange("delay_time_ms", 50.0, 500.0, 100.0),
    ParamRange("delay_mix", 0.0, 0.5, 0.0),
    ParamRange("final_eq_gain_db", -3.0, 3.0, 0.0),
)
RANGES = {r.key: r for r in PARAM_RANGES}

MATCH_EQ_BANDS = 24
MATCH_EQ_LIMIT_DB = 12.0
MATCH_EQ_Q = 4.318  # 1/3-octave bandwidth; the engine's Chain::kMatchEqQ
MATCH_EQ_CENTRES_HZ: tuple[float, ...] = tuple(10.0 ** (k / 10.0) for k in range(18, 42))


def _flat_eq() -> list[float]:
    return [0.0] * MATCH_EQ_BANDS


@dataclass
class RigParams:
    """The eight chain parameters, in the units of DESIGN §3, and the match EQ's band gains
    (dB on MATCH_EQ_CENTRES_HZ; all zero = flat)."""

    input_gain_db: float = 0.0
    pre_eq_gain_db: float = 0.0
    pre_eq_freq_hz: float = 800.0
    reverb_wet: float = 0.0
    reverb_room_size: float = 0.5
    delay_time_ms: float = 100.0
    delay_mix: float = 0.0
    final_eq_gain_db: float = 0.0
    match_eq_db: list[float] = field(default_factory=_flat_eq)

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
        """The JSON `params` object: the eight fixed keys (the match EQ is not one of them)."""
        return {r.key: float(getattr(self, r.key)) for r in PARAM_RANGES}

    @property
    def match_eq_flat(self) -> bool:
        return all(g == 0.0 for g in self.match_eq_db)


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
        """The rig JSON object (DESIGN §4), with absolute paths."""
        out: dict[str, Any] = {}
        if self.name is not None:
            out["name"] = self.name
        out["rig"] = {
            "fx_nam": self.fx_name,
            "amp_nam": self.amp_name,
            "ir": self.ir_name,
            "fx_nam_path": _abs(self.fx_path),
            "amp_nam_path": _abs(self.amp_path),
            "ir_path": _abs(self.ir_path),
        }
        out["params"] = self.params.to_dict()
        if not self.params.match_eq_flat:
            out["match_eq"] = {
                "centres_hz": [round(f, 3) for f in MATCH_EQ_CENTRES_HZ],
                "gains_db": [float(g) for g in self.params.match_eq_db],
            }
        out["loss"] = None if self.loss is None else float(self.loss)
        out.update({k: v for k, v in self.extra.items() if k not in out})
        return out

    @classmethod
    def from_dict(cls, data: Any, source: str = "rig", base_dir: Path | None = None) -> Rig:
        """Parses a rig JSON object; relative paths resolve against base_dir."""
        if not isinstance(data, dict):
            raise RigError(f"{source}: expected a JSON object, got {type(data).__name__}")
        rig = data.get("rig")
        if not isinstance(rig, dict):
            raise RigError(f"{source}: missing the 'rig' object")
        params_in = data.get("params", {})
        if not isinstance(params_in, dict):
            raise RigError(f"{source}: 'params' must be an object")
        values: dict[str, float] = {}
        for f in fields(RigParams):
            if f.name not in params_in or f.name not in RANGES:
                continue
            v = params_in[f.name]
            if not _is_finite_number(v):
                raise RigError(f"{source}: params.{f.name} must be a finite number, "
                               f"got {_short(v)}")
            values[f.name] = float(v)
        params = RigParams(**values, match_eq_db=_read_match_eq(data.get("match_eq"), source))
        params = params.clamped(source)
        loss = data.get("loss")
        if loss is not None and not _is_finite_number(loss):
            raise RigError(f"{source}: 'loss' must be a finite number or null")
        name = data.get("name")
        known = {"rig", "params", "loss", "name", "match_eq"}
        return cls(
            fx_path=_path(rig, "fx_nam_path", source, base_dir),
            amp_path=_path(rig, "amp_nam_path", source, base_dir),
            ir_path=_path(rig, "ir_path", source, base_dir),
            params=params,
            loss=None if loss is None else float(loss),
            name=name if isinstance(name, str) else None,
            extra={k: v for k, v in data.items() if k not in known},
        )

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
    data = parse_json(text, str(path))
    return Rig.from_dict(data, str(path), base_dir=path.parent)


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
    data = json_safe(rig.to_dict())
    data.setdefault("schema_version", SCHEMA_VERSION)
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def write_rig(path: str | Path, rig: Rig) -> None:
    """Writes a rig JSON file atomically, with schema_version."""
    replace_atomic(path, rig_json_text(rig).encode("utf-8"))


def _read_match_eq(value: Any, source: str) -> list[float]:
    """The gains of a "match_eq" object; absent or null = flat. Not clamped here."""
    if value is None:
        return _flat_eq()
    if not isinstance(value, dict):
        raise RigError(f"{source}: 'match_eq' must be an object")
    gains = value.get("gains_db")
    if not isinstance(gains, list) or len(gains) != MATCH_EQ_BANDS:
        raise RigError(f"{source}: match_eq.gains_db must be a list of {MATCH_EQ_BANDS} numbers")
    for k, g in enumerate(gains):
        if not _is_finite_number(g):
            raise RigError(f"{source}: match_eq.gains_db[{k}] must be a finite number, "
                           f"got {_short(g)}")
    return [float(g) for g in gains]


def _is_finite_number(v: Any) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:  # an integer too large for a float
        return False


def _short(v: Any) -> str:
    if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > 100:
        return f"an integer of {v.bit_length()} bits"  # str() of it may itself be refused
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _stem(path: Path | None) -> str:
    return path.stem if path else ""


def _abs(path: Path | None) -> str | None:
    return str(path.resolve()) if path else None


def _path(rig: dict[str, Any], key: str, source: str, base_dir: Path | None) -> Path | None:
    value = rig.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RigError(f"{source}: rig.{key} must be a path string or null")
    if "\x00" in value:
        raise RigError(f"{source}: rig.{key} contains a NUL character")
    try:
        p = Path(value).expanduser()
    except RuntimeError:  # "~someone" for a user this system does not know
        raise RigError(f"{source}: rig.{key}: cannot expand {value[:60]!r}") from None
    if not p.is_absolute() and base_dir is not None:
        p = base_dir / p
    return p
