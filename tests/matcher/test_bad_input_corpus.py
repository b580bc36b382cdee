"""The bad-input corpus: hundreds of malformed or hostile inputs a user can give the CLI.

Every case is generated here from real files (the bundled models, IRs and clips), run through
the real command line in-process (``cli.main``), and must end with the exact exit code, a
message naming the offending file, no input or earlier output changed (every file under the
case's folder is hashed before and after, so a stray partial file fails too), and within 30 s.
A FIFO must never block: several cases hand one to every reader.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tonematch.cli import EXIT_BAD_INPUT, EXIT_OK, main
from tonematch.library_index import _index_path, _journal_path

ASSETS = Path(__file__).resolve().parents[2] / "assets"
EXAMPLES = ASSETS / "examples"
GOOD_AMP = ASSETS / "nam_models" / "amp_brown_g7.nam"  # a small (feather) capture: fast
GOOD_IR = ASSETS / "impulse_responses" / "cab_4x12_closed_cap.wav"
RATE = 48000
CASE_SECONDS = 30.0
SMALL_LIB: list[Path] = []  # a one-amp model folder, made once (see shared_cache)


def _tone(seconds: float, rate: int = RATE, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * 196 * t) * np.exp(-3 * (t % 0.5))).astype(np.float32)


@dataclass
class Case:
    """One hostile input: how to make it, the command to run, what must come out."""

    name: str
    make: Callable[[Path], list[str]]  # builds the files in a folder; returns argv
    code: int = EXIT_BAD_INPUT
    names: str | None = "bad"  # the file a message must name (relative to the folder; None:
    # the command succeeds silently, e.g. a journal line cut short is simply indexed again)
    says: str = ""  # words the message must contain
    changes: tuple[str, ...] = ()  # files under the folder allowed to change (outputs, caches)
    cache_under_case: bool = False  # the index cache lives in the case folder (cache cases)
    extra: dict[str, object] = field(default_factory=dict)


# ---------------------------------------------------------------- file makers (all real files)

def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def _wav(path: Path, audio: np.ndarray, rate: int = RATE, subtype: str = "FLOAT") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, audio, rate, subtype=subtype)
    return path


def _fifo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


def _socket(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    s.close()  # the socket file stays
    return path


def _wav_header(rate: int, channels: int, bits: int = 16, frames: int = 100,
                fmt: int = 1) -> bytes:
    block = channels * bits // 8
    data = bytes(frames * max(block, 1))
    fmt_chunk = struct.pack("<HHIIHH", fmt, channels, rate, rate * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt_chunk + b"data" + \
        struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _bad_audio(kind: str, path: Path) -> Path:
    """A malformed or hostile audio file of the given kind at path (or a special file)."""
    makers: dict[str, Callable[[], Path]] = {
        "missing": lambda: path,
        "folder": lambda: (path.mkdir(parents=True), path)[1],
        "fifo": lambda: _fifo(path),
        "socket": lambda: _socket(path),
        "empty": lambda: _write(path, b""),
        "garbage": lambda: _write(path, b"RIFF\x00\x00not really a wave file" * 10),
        "text": lambda: _write(path, "this is a text file, not audio\n" * 50),
        "json": lambda: _write(path, json.dumps({"rig": {}})),
        "png": lambda: _write(path, b"\x89PNG\r\n\x1a\n" + bytes(400)),
        "truncated": lambda: _write(path, _wav_path_bytes(_tone(3.0))[:60]),
        "zero frames": lambda: _wav(path, np.zeros(0, np.float32)),
        "one sample": lambda: _wav(path, np.full(1, 0.5, np.float32)),
        "silent": lambda: _wav(path, np.zeros(RATE * 3, np.float32)),
        "too short": lambda: _wav(path, _tone(1.5)),
        "nan": lambda: _wav(path, _with(_tone(3.0), 1000, np.nan)),
        "inf": lambda: _wav(path, _with(_tone(3.0), 5, np.inf)),
        "-inf stereo": lambda: _wav(path, np.stack([_tone(3.0), _with(_tone(3.0), 7, -np.inf)],
                                                   axis=1)),
        "rate 1 Hz": lambda: _write(path, _wav_header(1, 1, frames=2000)),
        "rate 2 GHz": lambda: _write(path, _wav_header(2_000_000_000, 1, frames=2000)),
        "0 channels": lambda: _write(path, _wav_header(RATE, 0, frames=2000)),
        "dangling link": lambda: (path.parent.mkdir(parents=True, exist_ok=True),
                                  path.symlink_to(path.parent / "nowhere.wav"), path)[2],
        "link loop": lambda: (path.parent.mkdir(parents=True, exist_ok=True),
                              path.symlink_to(path), path)[2],
        "device": lambda: _link(path, Path("/dev/zero")),
    }
    return makers[kind]()


AUDIO_KINDS = {  # kind → words the error must contain
    "missing": "not found", "folder": "folder", "fifo": "FIFO", "socket": "socket",
    "empty": "empty", "garbage": "cannot read", "text": "cannot read", "json": "cannot read",
    "png": "cannot read", "truncated": "", "zero frames": "no samples",
    "one sample": "at least 2 s", "silent": "silent", "too short": "at least 2 s",
    "nan": "NaN or infinite", "inf": "NaN or infinite", "-inf stereo": "NaN or infinite",
    "rate 1 Hz": "", "rate 2 GHz": "", "0 channels": "", "dangling link": "not found",
    "link loop": "", "device": "device",
}


def _wav_path_bytes(audio: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    sf.write(buf, audio, RATE, subtype="FLOAT", format="WAV")
    return buf.getvalue()


def _with(x: np.ndarray, i: int, v: float) -> np.ndarray:
    x = x.copy()
    x[i] = v
    return x


def _link(path: Path, target: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)
    return path


def _good_rig(folder: Path, **rig: object) -> Path:
    data = {"rig": {"amp_nam_path": str(GOOD_AMP), "ir_path": str(GOOD_IR), **rig},
            "params": {}}
    return _write(folder / "rig.json", json.dumps(data))


def _copy(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(src, dst)
    return dst


# ------------------------------------------------------------------------------ the cases

FAST = ["--budget", "fast", "--progress", "none"]


def _audio_cases() -> list[Case]:
    """Every bad audio kind in every place audio is read."""
    cases = []
    for kind, says in AUDIO_KINDS.items():
        def di_match(d: Path, kind: str = kind) -> list[str]:
            bad = _bad_audio(kind, d / "bad.wav")
            return ["match", "--di", str(bad), "--ref", str(_copy(EXAMPLES / "ref_library_rig.wav",
                    d / "ref.wav")), "--out", str(d / "rig.json"), *FAST]

        def ref_match(d: Path, kind: str = kind) -> list[str]:
            bad = _bad_audio(kind, d / "bad.wav")
            return ["match", "--di", str(_copy(EXAMPLES / "di_riff_a.wav", d / "di.wav")),
                    "--ref", str(bad), "--out", str(d / "rig.json"), *FAST]

        def di_render(d: Path, kind: str = kind) -> list[str]:
            bad = _bad_audio(kind, d / "bad.wav")
            return ["render", "--rig", str(_good_rig(d)), "--di", str(bad),
                    "--out", str(d / "out.wav")]

        def di_tune(d: Path, kind: str = kind) -> list[str]:
            bad = _bad_audio(kind, d / "bad.wav")
            return ["tune", "--rig", str(_good_rig(d)), "--di", str(bad), "--ref",
                    str(_copy(EXAMPLES / "ref_library_rig.wav", d / "ref.wav")),
                    "--out", str(d / "tuned.json"), *FAST]

        def ref_tune(d: Path, kind: str = kind) -> list[str]:
            bad = _bad_audio(kind, d / "bad.wav")
            return ["tune", "--rig", str(_good_rig(d)), "--di",
                    str(_copy(EXAMPLES / "di_riff_a.wav", d / "di.wav")), "--ref", str(bad),
                    "--out", str(d / "tuned.json"), *FAST]

        def process_in(d: Path, kind: str = kind) -> list[str]:
            bad = _bad_audio(kind, d / "bad.wav")
            return ["process", "--model", str(GOOD_AMP), "--in", str(bad),
                    "--out", str(d / "out.wav")]

        for where, make in (("match DI", di_match), ("match ref", ref_match),
                            ("render DI", di_render), ("tune DI", di_tune),
                            ("tune ref", ref_tune)):
            cases.append(Case(f"audio/{where}/{kind}", make, says=says))
        # `process` runs any audio through a model: short, quiet or one-sample input is fine.
        if kind not in ("one sample", "silent", "too short"):
            cases.append(Case(f"audio/process input/{kind}", process_in,
                              says="" if kind == "zero frames" else says))
    return cases


def _nam_doc() -> dict:
    return json.loads(GOOD_AMP.read_text())


def _nam_variant(kind: str) -> bytes | None:
    """Malformed .nam content (None: a special file made by _bad_nam)."""
    doc = _nam_doc()
    if kind == "empty":
        return b""
    if kind == "garbage":
        return b"\x00\xff" * 500
    if kind == "truncated":
        return json.dumps(doc).encode()[:500]
    if kind == "not an object":
        return b"[1, 2, 3]"
    if kind == "deep nesting":
        return b"[" * 100_000 + b"]" * 100_000
    if kind == "huge integer":
        return ('{"version": "0.5.4", "architecture": "WaveNet", "config": {}, "weights": [1'
                + "0" * 5000 + "]}").encode()
    if kind == "1e400":
        doc["weights"][0] = "__BIG__"
        return json.dumps(doc).replace('"__BIG__"', "1e400").encode()
    if kind == "nan weight":
        doc["weights"][0] = float("nan")
        return json.dumps(doc).encode()
    if kind == "unknown architecture":
        doc["architecture"] = "Transformer9000"
        return json.dumps(doc).encode()
    if kind == "bad version":
        doc["version"] = "99.0.0"
        return json.dumps(doc).encode()
    if kind == "weights too short":
        doc["weights"] = doc["weights"][:10]
        return json.dumps(doc).encode()
    if kind == "weights too long":
        doc["weights"] = doc["weights"] + [0.0] * 100
        return json.dumps(doc).encode()
    if kind == "weights not numbers":
        doc["weights"] = ["a"] * len(doc["weights"])
        return json.dumps(doc).encode()
    if kind == "config missing":
        del doc["config"]
        return json.dumps(doc).encode()
    if kind == "utf-16":
        return json.dumps(doc).encode("utf-16")
    return None


NAM_KINDS = ["missing", "folder", "fifo", "device", "empty", "garbage", "truncated",
             "not an object", "deep nesting", "huge integer", "1e400", "nan weight",
             "unknown architecture", "bad version", "weights too short", "weights too long",
             "weights not numbers", "config missing", "utf-16"]


def _bad_nam(kind: str, path: Path) -> Path:
    content = _nam_variant(kind)
    if content is not None:
        return _write(path, content)
    if kind == "missing":
        return path
    if kind == "folder":
        path.mkdir(parents=True)
        return path
    if kind == "fifo":
        return _fifo(path)
    if kind == "device":
        return _link(path, Path("/dev/zero"))
    raise AssertionError(kind)


def _nam_cases() -> list[Case]:
    cases = []
    says = {"missing": "not found", "folder": "folder", "fifo": "FIFO", "device": "device"}
    for kind in NAM_KINDS:
        def info(d: Path, kind: str = kind) -> list[str]:
            return ["info", str(_bad_nam(kind, d / "bad.nam"))]

        def process(d: Path, kind: str = kind) -> list[str]:
            x = _wav(d / "in.wav", _tone(2.5))
            return ["process", "--model", str(_bad_nam(kind, d / "bad.nam")), "--in", str(x),
                    "--out", str(d / "out.wav")]

        def render_amp(d: Path, kind: str = kind) -> list[str]:
            bad = _bad_nam(kind, d / "bad.nam")
            di = _copy(EXAMPLES / "di_riff_a.wav", d / "di.wav")
            return ["render", "--rig", str(_good_rig(d, amp_nam_path=str(bad))), "--di", str(di),
                    "--out", str(d / "out.wav")]

        def library(d: Path, kind: str = kind) -> list[str]:
            # A folder holding only the bad model: skipped with a warning naming it, then no
            # usable amp (exit 2, naming the folder). A FIFO or device must not block the scan.
            _bad_nam(kind, d / "lib" / "bad.nam")
            return ["library", "list", "--library", str(d / "lib"), "--irs",
                    str(GOOD_IR.parent)]

        s = says.get(kind, "")
        cases += [Case(f"nam/info/{kind}", info, names="bad.nam", says=s),
                  Case(f"nam/process/{kind}", process, names="bad.nam", says=s),
                  Case(f"nam/render rig amp/{kind}", render_amp, names="bad.nam", says=s)]
        if kind not in ("missing", "folder"):  # those are not .nam files in a folder
            cases.append(Case(f"nam/library folder/{kind}", library, names="lib/bad.nam",
                              says=s, changes=("cache",)))
    # Models that load but cannot be described: skipped by name, never a crash in analysis.
    for kind, scale in (("outputs NaN", 1e20), ("outputs silence", 0.0)):
        def library_out(d: Path, scale: float = scale) -> list[str]:
            doc = _nam_doc()
            doc["weights"] = [w * scale for w in doc["weights"]]
            _write(d / "lib" / "bad.nam", json.dumps(doc))
            return ["library", "list", "--library", str(d / "lib"), "--irs",
                    str(GOOD_IR.parent)]
        cases.append(Case(f"nam/library folder/{kind}", library_out, names="lib/bad.nam",
                          says=kind.replace("outputs ", ""), changes=("cache",)))
    return cases


IR_KINDS = {  # kind → (maker, words)
    "folder": "folder", "fifo": "FIFO", "device": "device", "socket": "socket", "empty": "",
    "garbage": "cannot read", "text": "cannot read", "png": "cannot read", "zero frames": "",
    "silent": "silent", "nan": "non-finite", "inf": "non-finite", "11 s": "longer than 10 s",
    "5 min": "longer than 10 s", "rate 1 Hz": "", "0 channels": "", "link loop": "",
    "dangling link": "not found",
}


def _bad_ir(kind: str, path: Path) -> Path:
    if kind == "silent":
        return _wav(path, np.zeros(2048, np.float32))
    if kind == "nan":
        return _wav(path, _with(np.r_[1.0, np.zeros(999)].astype(np.float32), 3, np.nan))
    if kind == "inf":
        return _wav(path, _with(np.r_[1.0, np.zeros(999)].astype(np.float32), 3, np.inf))
    if kind == "11 s":
        return _wav(path, np.r_[1.0, np.zeros(11 * RATE)].astype(np.float32), subtype="PCM_16")
    if kind == "5 min":  # 8 kHz keeps the file small; its header says 300 s
        return _wav(path, np.r_[0.5, np.zeros(300 * 8000)].astype(np.float32), 8000, "PCM_16")
    return _bad_audio(kind, path)


def _ir_cases() -> list[Case]:
    cases = []
    for kind, says in IR_KINDS.items():
        def render_ir(d: Path, kind: str = kind) -> list[str]:
            bad = _bad_ir(kind, d / "bad.wav")
            di = _copy(EXAMPLES / "di_riff_a.wav", d / "di.wav")
            return ["render", "--rig", str(_good_rig(d, ir_path=str(bad))), "--di", str(di),
                    "--out", str(d / "out.wav")]

        def ir_folder(d: Path, kind: str = kind) -> list[str]:
            _bad_ir(kind, d / "irs" / "bad.wav")
            return ["library", "list", "--library", str(SMALL_LIB[0]), "--irs", str(d / "irs")]

        def ir_folder_with_good(d: Path, kind: str = kind) -> list[str]:
            _bad_ir(kind, d / "irs" / "bad.wav")
            _copy(GOOD_IR, d / "irs" / "good.wav")
            return ["library", "list", "--library", str(SMALL_LIB[0]), "--irs", str(d / "irs")]

        cases.append(Case(f"ir/render rig/{kind}", render_ir, names="bad.wav", says=says))
        if kind != "folder":  # a folder named .wav is a subfolder, scanned like any other
            cases.append(Case(f"ir/folder only/{kind}", ir_folder, names="irs/bad.wav",
                              says=says, changes=("cache",)))
            cases.append(Case(f"ir/folder with a good IR/{kind}", ir_folder_with_good,
                              code=EXIT_OK, names="irs/bad.wav", says=says, changes=("cache",)))
    return cases


RIG_TEXTS: dict[str, tuple[str | bytes, str]] = {  # name → (content, words)
    "empty": ("", "not valid JSON"),
    "not json": ("{", "not valid JSON"),
    "array root": ("[1, 2]", "expected a JSON object"),
    "string root": ('"rig"', "expected a JSON object"),
    "null root": ("null", "expected a JSON object"),
    "no rig": ('{"params": {}}', "missing the 'rig' object"),
    "rig is a list": ('{"rig": []}', "missing the 'rig' object"),
    "params a list": ('{"rig": {}, "params": [1]}', "'params' must be an object"),
    "param string": ('{"rig": {}, "params": {"delay_mix": "lots"}}', "params.delay_mix"),
    "param bool": ('{"rig": {}, "params": {"reverb_wet": true}}', "params.reverb_wet"),
    "param null": ('{"rig": {}, "params": {"input_gain_db": null}}', "params.input_gain_db"),
    "param NaN": ('{"rig": {}, "params": {"input_gain_db": NaN}}', "NaN"),
    "param Infinity": ('{"rig": {}, "params": {"input_gain_db": Infinity}}', "Infinity"),
    "param 1e400": ('{"rig": {}, "params": {"input_gain_db": 1e400}}', "params.input_gain_db"),
    "param 10^400": ('{"rig": {}, "params": {"input_gain_db": 1' + "0" * 400 + "}}",
                     "params.input_gain_db"),
    "5000 digits": ('{"rig": {}, "params": {"input_gain_db": 1' + "0" * 5000 + "}}",
                    "not valid JSON"),
    "deep nesting": ('{"rig": {}, "x": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested"),
    "deep objects": ('{"rig": {}, "x": ' + '{"a": ' * 50_000 + "1" + "}" * 50_000 + "}",
                     "nested"),
    # The engine's ordered parser looks each key up linearly: 100 000 keys took 20 s.
    "100 000 keys": ('{"rig": {}, "x": {' + ", ".join(f'"k{i}": {i}' for i in range(100_000))
                     + "}}", "more than 4096 keys"),
    "loss string": ('{"rig": {}, "loss": "low"}', "'loss'"),
    "loss 1e400": ('{"rig": {}, "loss": 1e400}', "'loss'"),
    "match_eq list": ('{"rig": {}, "match_eq": [1, 2]}', "'match_eq' must be an object"),
    "match_eq short": ('{"rig": {}, "match_eq": {"gains_db": [1, 2]}}', "match_eq.gains_db"),
    "match_eq strings": ('{"rig": {}, "match_eq": {"gains_db": ' + json.dumps(["x"] * 24) + "}}",
                         "match_eq.gains_db[0]"),
    "match_eq huge int": ('{"rig": {}, "match_eq": {"gains_db": [1' + "0" * 400 + ", "
                          + ", ".join(["0"] * 23) + "]}}", "match_eq.gains_db[0]"),
    "path a number": ('{"rig": {"amp_nam_path": 5}}', "rig.amp_nam_path must be a path"),
    "path a list": ('{"rig": {"ir_path": ["a"]}}', "rig.ir_path must be a path"),
    "path NUL": ('{"rig": {"amp_nam_path": "a\\u0000b.nam"}}', "NUL"),
    "path unknown user": ('{"rig": {"amp_nam_path": "~no_such_user_xyz/amp.nam"}}', "expand"),
    "path too long": ('{"rig": {"amp_nam_path": "/' + "a" * 5000 + '.nam"}}', "amp file"),
    "amp missing": ('{"rig": {"amp_nam_path": "/nonexistent/amp.nam"}}', "not found"),
    "ir missing": ('{"rig": {"ir_path": "/nonexistent/cab.wav"}}', "not found"),
    "amp is a folder": ('{"rig": {"amp_nam_path": "/tmp"}}', "folder"),
    "amp is /dev/zero": ('{"rig": {"amp_nam_path": "/dev/zero"}}', "device"),
    "ir is /dev/urandom": ('{"rig": {"ir_path": "/dev/urandom"}}', "device"),
    "not utf-8": (b'{"rig": {}, "name": "\xff\xfe\xfa"}', "UTF-8"),
    "utf-16": ('{"rig": {}}'.encode("utf-16"), "UTF-8"),
    "binary": (bytes(range(256)) * 4, "UTF-8"),
}


def _rig_cases() -> list[Case]:
    cases = []
    for kind, (text, says) in RIG_TEXTS.items():
        def render(d: Path, text: str | bytes = text) -> list[str]:
            rig = _write(d / "bad.json", text)
            di = _copy(EXAMPLES / "di_riff_a.wav", d / "di.wav")
            return ["render", "--rig", str(rig), "--di", str(di), "--out", str(d / "out.wav")]

        def tune(d: Path, text: str | bytes = text) -> list[str]:
            rig = _write(d / "bad.json", text)
            di = _copy(EXAMPLES / "di_riff_a.wav", d / "di.wav")
            ref = _copy(EXAMPLES / "ref_library_rig.wav", d / "ref.wav")
            return ["tune", "--rig", str(rig), "--di", str(di), "--ref", str(ref),
                    "--out", str(d / "tuned.json"), *FAST]

        cases += [Case(f"rig/render/{kind}", render, names="bad.json", says=says),
                  Case(f"rig/tune/{kind}", tune, names="bad.json", says=says)]
    for kind in ("missing", "folder", "fifo", "device", "socket"):
        def special(d: Path, kind: str = kind) -> list[str]:
            rig = _bad_audio(kind, d / "bad.json")
            di = _copy(EXAMPLES / "di_riff_a.wav", d / "di.wav")
            return ["render", "--rig", str(rig), "--di", str(di), "--out", str(d / "out.wav")]
        cases.append(Case(f"rig/render/{kind}", special, names="bad.json",
                          says=AUDIO_KINDS[kind]))
    # A large file: refused by its size before it is read.
    cases.append(Case("rig/render/20 MB", lambda d: [
        "render", "--rig", str(_write(d / "bad.json", b" " * (20 << 20))), "--di",
        str(_copy(EXAMPLES / "di_riff_a.wav", d / "di.wav")), "--out", str(d / "out.wav")],
        names="bad.json", says="MB"))
    return cases


def _cache_cases() -> list[Case]:
    """Index caches of the wrong shape (valid JSON or not, or not files): ignored, named,
    rebuilt; the command still works (exit 0)."""
    def shapes(real: dict) -> dict[str, bytes | None]:
        files = real["files"]
        key, record = next(iter(files.items()))

        def with_record(rec: object) -> bytes:
            return json.dumps({**real, "files": {key: rec}}).encode()

        levels = record["fingerprint"]["levels"]
        return {
            "not json": b"{",
            "empty": b"",
            "array root": b"[]",
            "wrong version": json.dumps({**real, "version": 1}).encode(),
            "files a list": json.dumps({**real, "files": [1]}).encode(),
            "record a string": with_record("x"),
            "stamp a string": with_record({**record, "stamp": "now"}),
            "levels missing": with_record({**record, "fingerprint": {}}),
            "levels short": with_record({**record, "fingerprint": {"levels": levels[:2]}}),
            "flatness strings": with_record({**record, "fingerprint": {"levels": [
                {**row, "flatness": ["a"] * len(row["flatness"])} for row in levels]}}),
            "response short": with_record({**record, "fingerprint": {"levels": [
                {**row, "response_db": row["response_db"][:3]} for row in levels]}}),
            "kind unknown": with_record({**record, "kind": "synth"}),
            "NaN level": with_record({**record, "fingerprint": {"levels": [
                {**row, "out_level_db": float("nan")} for row in levels]}}),
            "deep nesting": b'{"version": 3, "files": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            "huge integer": b'{"version": 1' + b"0" * 5000 + b', "files": {}}',
            "journal garbage": None,
            "fifo": None,
            "folder": None,
        }

    cases = []
    for kind in ("not json", "empty", "array root", "wrong version", "files a list",
                 "record a string", "stamp a string", "levels missing", "levels short",
                 "flatness strings", "response short", "kind unknown", "NaN level",
                 "deep nesting", "huge integer", "journal garbage", "fifo", "folder"):
        def make(d: Path, kind: str = kind) -> list[str]:
            lib = d / "lib"
            _copy(GOOD_AMP, lib / "amp.nam")
            argv = ["library", "list", "--library", str(lib), "--irs", str(GOOD_IR.parent)]
            assert main(argv) == EXIT_OK  # a real index to corrupt
            index = _index_path(lib)
            real = json.loads(index.read_text())
            content = shapes(real)[kind]
            index.unlink()
            if kind == "journal garbage":
                _write(_journal_path(index), b'{"path": 1}\n\x00\xff\n{"path": "x", "rec')
            elif kind == "fifo":
                os.mkfifo(index)
            elif kind == "folder":
                index.mkdir()
            else:
                assert content is not None
                _write(index, content)
            return argv

        says = "" if kind in ("journal garbage", "folder") else "ignored"
        names = None if kind == "journal garbage" else "cache/"
        cases.append(Case(f"cache/{kind}", make, code=EXIT_OK, names=names, says=says,
                          changes=("cache",), cache_under_case=True))
    return cases


def _output_cases() -> list[Case]:
    """Outputs that would overwrite an input, or cannot be written: refused before any work."""
    def di(d: Path) -> Path:
        return _copy(EXAMPLES / "di_riff_a.wav", d / "di.wav")

    def ref(d: Path) -> Path:
        return _copy(EXAMPLES / "ref_library_rig.wav", d / "ref.wav")

    def match(d: Path, out: str, render: str | None = None, report: str | None = None,
              di_name: str = "di.wav") -> list[str]:
        argv = ["match", "--di", str(d / di_name), "--ref", str(d / "ref.wav"), "--out", out]
        argv += ["--render", render] if render else []
        argv += ["--report", report] if report else []
        return argv + FAST

    def hardlink(d: Path) -> Path:
        os.link(di(d), d / "hard.json")
        return d / "hard.json"

    def symlink(d: Path) -> Path:
        (d / "sym.json").symlink_to(di(d))
        return d / "sym.json"

    def setup(d: Path) -> None:
        di(d)
        ref(d)

    cases = [
        Case("output/match --out = DI", lambda d: (setup(d), match(d, str(d / "di.wav")))[1],
             names="di.wav", says="same file"),
        Case("output/match --out = ref", lambda d: (setup(d), match(d, str(d / "ref.wav")))[1],
             names="ref.wav", says="same file"),
        Case("output/match --out = DI spelled differently",
             lambda d: (setup(d), match(d, str(d / "." / "sub" / ".." / "di.wav")))[1],
             names="di.wav", says="same file"),
        Case("output/match --out hard link to DI",
             lambda d: (setup(d), match(d, str(hardlink(d))))[1], names="hard.json",
             says="same file"),
        Case("output/match --out symlink to DI",
             lambda d: (setup(d), match(d, str(symlink(d))))[1], names="sym.json",
             says="same file"),
        Case("output/match --render = ref",
             lambda d: (setup(d), match(d, str(d / "rig.json"), render=str(d / "ref.wav")))[1],
             names="ref.wav", says="same file"),
        Case("output/match --report = DI",
             lambda d: (setup(d), match(d, str(d / "rig.json"), report=str(d / "di.wav")))[1],
             names="di.wav", says="same file"),
        Case("output/match --render = --out",
             lambda d: (setup(d), match(d, str(d / "x"), render=str(d / "x")))[1],
             names="x", says="same file"),
        Case("output/match --out is a folder",
             lambda d: (setup(d), (d / "outdir").mkdir(), match(d, str(d / "outdir")))[2],
             names="outdir", says="folder"),
        Case("output/match --out under a file",
             lambda d: (setup(d), match(d, str(d / "di.wav" / "rig.json")))[1],
             names="di.wav", says="not a folder"),
        Case("output/match --out unwritable (/proc)",
             lambda d: (setup(d), match(d, "/proc/tonematch-rig.json"))[1],
             names="", says="cannot write", extra={"name": "/proc/tonematch-rig.json"}),
        Case("output/match --out an existing FIFO",
             lambda d: (setup(d), _fifo(d / "fifo.json"), match(d, str(d / "fifo.json")))[2],
             names="fifo.json", says="FIFO"),
        Case("output/match --report a device",
             lambda d: (setup(d), match(d, str(d / "rig.json"), report="/dev/null"))[1],
             names="", says="device", extra={"name": "/dev/null"}),
        Case("output/render --out = DI", lambda d: [
            "render", "--rig", str(_good_rig(d)), "--di", str(di(d)), "--out", str(d / "di.wav")],
             names="di.wav", says="same file"),
        Case("output/render --out = rig", lambda d: [
            "render", "--rig", str(_good_rig(d)), "--di", str(di(d)), "--out", str(d / "rig.json")],
             names="rig.json", says="same file"),
        Case("output/render --out = the rig's IR", lambda d: [
            "render", "--rig", str(_good_rig(d, ir_path=str(_copy(GOOD_IR, d / "cab.wav")))),
            "--di", str(di(d)), "--out", str(d / "cab.wav")], names="cab.wav", says="same file"),
        Case("output/render --out = the rig's amp", lambda d: [
            "render", "--rig", str(_good_rig(d, amp_nam_path=str(_copy(GOOD_AMP, d / "a.nam")))),
            "--di", str(di(d)), "--out", str(d / "a.nam")], names="a.nam", says="same file"),
        Case("output/tune --out = rig", lambda d: [
            "tune", "--rig", str(_good_rig(d)), "--di", str(di(d)), "--ref", str(ref(d)),
            "--out", str(d / "rig.json"), *FAST], names="rig.json", says="same file"),
        Case("output/tune --out = ref", lambda d: [
            "tune", "--rig", str(_good_rig(d)), "--di", str(di(d)), "--ref", str(ref(d)),
            "--out", str(d / "ref.wav"), *FAST], names="ref.wav", says="same file"),
        Case("output/process --out = input", lambda d: [
            "process", "--model", str(GOOD_AMP), "--in", str(di(d)), "--out", str(d / "di.wav")],
             names="di.wav", says="same file"),
        Case("output/process --out = model", lambda d: [
            "process", "--model", str(_copy(GOOD_AMP, d / "m.nam")), "--in", str(di(d)),
            "--out", str(d / "m.nam")], names="m.nam", says="same file"),
        Case("output/process --out is a folder", lambda d: [
            "process", "--model", str(GOOD_AMP), "--in", str(di(d)), "--out", str(d)],
             names=".", says="folder"),
    ]
    for tail in ("1e6", "-1", "nan", "inf", "61"):
        cases.append(Case(f"argument/render --tail {tail}", lambda d, tail=tail: [
            "render", "--rig", str(_good_rig(d)), "--di", str(di(d)), "--out", str(d / "o.wav"),
            "--tail", tail], names="", says="--tail", extra={"name": "--tail"}))
    return cases


CASES = _audio_cases() + _nam_cases() + _ir_cases() + _rig_cases() + _cache_cases() + \
    _output_cases()


def test_the_corpus_is_large():
    """The issue's floor: at least 200 malformed or hostile inputs."""
    assert len(CASES) >= 200
    assert len({c.name for c in CASES}) == len(CASES)


def _snapshot(folder: Path, skip: tuple[str, ...]) -> dict[str, str]:
    """sha256 of every regular file under folder (special files by type), links not followed."""
    out: dict[str, str] = {}
    for root, dirs, files in os.walk(folder):
        rel_root = Path(root).relative_to(folder)
        if any(str(rel_root).startswith(s) for s in skip):
            continue
        for name in dirs + files:
            p = Path(root) / name
            rel = str(p.relative_to(folder))
            if any(rel.startswith(s) for s in skip):
                continue
            st = p.lstat()
            if p.is_symlink():
                out[rel] = "link:" + os.readlink(p)
            elif os.path.isfile(p) and not p.is_symlink():
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() + f":{st.st_mode:o}"
            else:
                out[rel] = f"special:{st.st_mode:o}"
    return out


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One index cache for the corpus: the bundled library is fingerprinted once, not per case."""
    cache = tmp_path_factory.mktemp("corpus-cache")
    lib = tmp_path_factory.mktemp("corpus-lib")
    _copy(GOOD_AMP, lib / GOOD_AMP.name)
    SMALL_LIB[:] = [lib]
    return cache


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, shared_cache: Path, capsys,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    cache = folder / "cache" if case.cache_under_case else shared_cache
    monkeypatch.setenv("TONEMATCH_CACHE", str(cache))
    argv = case.make(folder)
    capsys.readouterr()
    # An earlier output must survive a refused run unchanged: give every output a previous life.
    for flag in ("--out", "--render", "--report"):
        if flag in argv and case.code != EXIT_OK:
            target = Path(argv[argv.index(flag) + 1])
            if (target.parent == folder and not target.exists() and not target.is_symlink()):
                target.write_text("an earlier output")
    before = _snapshot(folder, case.changes)
    started = time.monotonic()
    code = main(argv)
    elapsed = time.monotonic() - started
    out, err = capsys.readouterr()
    assert code == case.code, f"exit {code}, stderr: {err}"
    assert elapsed < CASE_SECONDS
    assert "Traceback" not in err and "internal error" not in err, err
    if case.names is None:
        assert _snapshot(folder, case.changes) == before
        return
    message = [line for line in err.splitlines() if line.startswith(("error:", "warning:"))]
    named = str(case.extra.get("name", folder / case.names if case.names else ""))
    relevant = [line for line in message if named in line]
    assert relevant, f"no message names {named}: {err}"
    if case.says:
        assert any(case.says in line for line in relevant), f"'{case.says}' not in {relevant}"
    if case.code == EXIT_BAD_INPUT:
        errors = [line for line in err.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, err
    after = _snapshot(folder, case.changes)
    assert after == before, "an input or earlier output changed (or a file was left behind)"
    assert not math.isnan(elapsed)
