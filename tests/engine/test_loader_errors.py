"""The .nam loader refuses bad input with a one-line ValueError and never crashes.

Contract under test::

    NamModel(path, max_block=4096, slim=1.0)

either returns a runnable model or raises ``ValueError`` whose message is
``"<path>: <one-line reason>"``. No other exception, no crash, no hang, and no attempt to
allocate gigabytes for a file that only claims a huge network.

Cases that could take the whole interpreter down if the loader misbehaves (deep nesting, giant
sizes, special files) run in a child process with a memory cap and a timeout, so that a failure
is reported as a failed test naming the input. Everything else runs in this process; a crash
there ends the test run, which counts as a failure too. The property-based test leaves its
current input in ``<tempdir>/tonematch-loader-fuzz/current.nam``, so after a crash the offending
file is still on disk.
"""

from __future__ import annotations

import contextlib
import copy
import faulthandler
import json
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nam_files
import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

try:
    import resource
except ImportError:  # not POSIX: loads run without the address-space cap
    resource = None

MIB = 1024 * 1024
FILE_SIZE_CAP = 64 * MIB
#: A bad file must be refused well within this (the watchdog ends the run after LOAD_HANG_S).
LOAD_SECONDS = 5.0
LOAD_HANG_S = 30
#: Address space the loader may use on top of what the process already has.
MEMORY_HEADROOM = 4 * 1024**3
MAX_REASON_CHARS = 1000

Content = Any  # a JSON-ready document, or the raw text / bytes of a file
Builder = Callable[[], Content]


# ------------------------------------------------------------------------------------ harness


def native_model_class() -> type:
    return pytest.importorskip("tonematch._native").NamModel


def _serialise(content: Content) -> bytes:
    if isinstance(content, bytes):
        return content
    if isinstance(content, str):
        return content.encode("utf-8")
    return json.dumps(content).encode("utf-8")


def write(path: Path, content: Content) -> Path:
    path.write_bytes(_serialise(content))
    return path


def _address_space_in_use() -> int | None:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return None


@contextlib.contextmanager
def guarded(seconds: int = LOAD_HANG_S) -> Iterator[None]:
    """Caps extra address space (a runaway allocation becomes MemoryError instead of taking
    the machine down) and arms a watchdog that dumps tracebacks and ends the process if the
    loader hangs (a hang inside native code cannot be interrupted otherwise)."""
    in_use = _address_space_in_use()
    capped = in_use is not None and resource is not None
    if capped:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = in_use + MEMORY_HEADROOM
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    watchdog_file = sys.__stderr__
    if watchdog_file is not None:
        faulthandler.dump_traceback_later(seconds, exit=True, file=watchdog_file)
    try:
        yield
    finally:
        if watchdog_file is not None:
            faulthandler.cancel_dump_traceback_later()
        if capped:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def load(path: Path | str, **kwargs: Any) -> Any:
    nam_model = native_model_class()
    with guarded():
        return nam_model(str(path), **kwargs)


def run_noise(model: Any, samples: int = 256, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).uniform(-0.5, 0.5, samples).astype(np.float32)
    with guarded():
        out = np.asarray(model.process(noise))
    assert out.shape == (samples,)
    return out


def check_message(message: str, path: Path | str, concepts: tuple[str, ...] = ()) -> str:
    """``"<path>: <reason>"`` on one line, with a non-empty, bounded reason that mentions
    every concept (case-insensitive). Returns the reason."""
    prefix = f"{path}: "
    assert message.startswith(prefix), f"message does not start with {prefix!r}: {message!r}"
    reason = message[len(prefix) :]
    assert reason.strip(), f"empty reason: {message!r}"
    assert "\n" not in message and "\r" not in message, f"message is not one line: {message!r}"
    assert len(reason) <= MAX_REASON_CHARS, f"reason is {len(reason)} characters long"
    for concept in concepts:
        assert concept.lower() in reason.lower(), f"reason does not mention {concept!r}: {reason!r}"
    return reason


def assert_rejected(path: Path | str, *concepts: str, **kwargs: Any) -> str:
    """Loading ``path`` raises ValueError quickly, with a well-formed message."""
    started = time.monotonic()
    with pytest.raises(ValueError) as caught:
        load(path, **kwargs)
    elapsed = time.monotonic() - started
    assert not isinstance(caught.value, UnicodeError), (
        f"the error message is not valid UTF-8, so Python raised {caught.value!r}"
    )
    assert elapsed < LOAD_SECONDS, f"refusing {path} took {elapsed:.1f} s"
    return check_message(str(caught.value), path, concepts)


_ISOLATED_LOADER = textwrap.dedent(
    """
    import json, resource, sys
    sys.path[:] = json.loads(sys.argv[2])
    from tonematch._native import NamModel
    in_use = 0
    for line in open("/proc/self/status"):
        if line.startswith("VmSize:"):
            in_use = int(line.split()[1]) * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = in_use + int(sys.argv[3])
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        NamModel(sys.argv[1])
    except ValueError as error:
        outcome = ["ValueError", str(error)]
    except BaseException as error:
        outcome = [type(error).__name__, str(error)]
    else:
        outcome = ["loaded", ""]
    print(json.dumps(outcome))
    """
)


def load_isolated(path: Path | str, timeout: float = 20.0) -> tuple[str, str]:
    """Loads ``path`` in a child process with 2 GiB of extra address space; returns
    ``(outcome, message)`` where outcome is ``"loaded"`` or the exception's type name.
    A crash or hang of the child fails the test."""
    native_model_class()  # skip when the module is not there
    if resource is None or not Path("/proc/self/status").exists():
        pytest.skip("the isolated loader needs POSIX resource limits and /proc")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    command = [sys.executable, "-c", _ISOLATED_LOADER, str(path), json.dumps(sys.path)]
    command.append(str(2 * 1024**3))
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            timeout=timeout,
            env=env,
            cwd=tempfile.gettempdir(),
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"loading {path} did not finish within {timeout:.0f} s (hang)")
    stderr = done.stderr.decode("utf-8", "replace")[-2000:]
    assert done.returncode == 0, (
        f"the loader crashed on {path} (exit status {done.returncode}); stderr:\n{stderr}"
    )
    outcome, message = json.loads(done.stdout.decode("utf-8").strip().splitlines()[-1])
    return outcome, message


def assert_rejected_isolated(path: Path | str, *concepts: str) -> str:
    outcome, message = load_isolated(path)
    assert outcome == "ValueError", f"expected ValueError for {path}, got {outcome}: {message!r}"
    return check_message(message, path, concepts)


# -------------------------------------------------------------------------- document editing

_DELETE = object()


def _set(document: Any, path: tuple, value: Any) -> None:
    *parents, last = path
    node = document
    for key in parents:
        node = node[key]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = copy.deepcopy(value)


def edit(name: str, *changes: tuple[tuple, Any]) -> Builder:
    """The named valid document with ``(path, value)`` changes (``_DELETE`` removes)."""

    def build() -> Any:
        document = nam_files.make(name)
        for path, value in changes:
            _set(document, path, value)
        return document

    return build


def deleted(name: str, path: tuple) -> Builder:
    return edit(name, (path, _DELETE))


def weights_resized(name: str, delta: int, where: tuple = ()) -> Builder:
    """The named document with ``delta`` weights removed (negative) or appended."""

    def build() -> Any:
        document = nam_files.make(name)
        holder = document
        for key in where:
            holder = holder[key]
        weights = holder["weights"]
        if delta < 0:
            del weights[delta:]
        else:
            weights.extend([0.125] * delta)
        return document

    return build


def weight_set(name: str, index: int, value: Any) -> Builder:
    return edit(name, (("weights", index), value))


def text(value: Content) -> Builder:
    return lambda: value


def valid_text(name: str) -> str:
    return nam_files.dumps(nam_files.make(name))


LEGACY_ARRAY = ("config", "layers", 0)
ARRAY = ("config", "layers", 0)
SUBMODEL = ("config", "submodels", 0)


def _legacy(**overrides: Any) -> Builder:
    """A legacy WaveNet with consistent weights for one layer array built from ``overrides``."""
    return lambda: nam_files.legacy_wavenet_document([nam_files.legacy_layer_array(**overrides)])


def _unchained_inputs() -> Any:
    first = nam_files.legacy_layer_array(channels=4, head_size=2)
    second = nam_files.legacy_layer_array(input_size=3, channels=2, head_size=1)
    return nam_files.legacy_wavenet_document([first, second])


def _unchained_heads() -> Any:
    first = nam_files.legacy_layer_array(channels=4, head_size=3)
    second = nam_files.legacy_layer_array(input_size=4, channels=2, head_size=1)
    return nam_files.legacy_wavenet_document([first, second])


def _lstm_stereo_input() -> Any:
    return nam_files.lstm_document(input_size=2)


def _nested_containers(depth: int) -> str:
    inner = valid_text("wavenet")
    opening = (
        '{"version": "0.7.0", "architecture": "SlimmableContainer", "weights": [], '
        '"config": {"submodels": [{"max_value": 1.0, "model": '
    )
    return opening * depth + inner + "}]}}" * depth


def _doc_with_raw(key: str, raw_json: str) -> str:
    """A valid legacy WaveNet whose ``key`` holds ``raw_json`` verbatim."""
    document = nam_files.make("legacy_wavenet")
    document[key] = "@@RAW@@"
    return nam_files.dumps(document).replace('"@@RAW@@"', raw_json)


# ------------------------------------------------------------------------- positive controls


@pytest.mark.parametrize("name", sorted(nam_files.VALID_DOCUMENTS))
def test_every_valid_document_loads_and_runs(tmp_path, name):
    """The starting documents are valid: they load, and 256 samples of noise give finite
    output."""
    model = load(write(tmp_path / f"{name}.nam", nam_files.make(name)))
    assert np.all(np.isfinite(run_noise(model)))


def test_unknown_top_level_keys_are_ignored(tmp_path):
    """Real files carry extra keys (e.g. ``training``); they do not make a file invalid."""
    document = nam_files.make("legacy_wavenet")
    document["training"] = {"settings": {"epochs": 100}, "data": {"checks": [1, 2, 3]}}
    load(write(tmp_path / "extra.nam", document))


def test_a_slimmed_container_loads(tmp_path):
    """``slim`` picks a smaller submodel of a SlimmableContainer; that still loads."""
    path = write(tmp_path / "container.nam", nam_files.make("slimmable_container"))
    run_noise(load(path, slim=0.5))


def test_a_file_of_exactly_the_size_cap_loads(tmp_path):
    """The 64 MiB cap refuses files above it; a valid document padded with whitespace to
    exactly 64 MiB is still accepted."""
    body = valid_text("legacy_wavenet").encode()
    path = write(tmp_path / "at-cap.nam", body + b" " * (FILE_SIZE_CAP - len(body)))
    assert path.stat().st_size == FILE_SIZE_CAP
    load(path)


def test_a_valid_file_under_a_non_ascii_path_loads(tmp_path):
    folder = tmp_path / "Tönë — 模型 🎸"
    folder.mkdir()
    path = write(folder / "ámp ☃.nam", nam_files.make("wavenet"))
    run_noise(load(path))


# --------------------------------------------------------------------- the reference trainer


def _legacy_as_current(document: dict[str, Any]) -> dict[str, Any]:
    """The same network in the current layout (the reference only reads that one)."""
    current = copy.deepcopy(document)
    arrays = []
    for legacy in document["config"]["layers"]:
        array = nam_files.wavenet_layer_array(
            input_size=legacy["input_size"],
            condition_size=legacy["condition_size"],
            channels=legacy["channels"],
            head_out_channels=legacy["head_size"],
            kernel_size=legacy["kernel_size"],
            dilations=legacy["dilations"],
            activation=legacy["activation"],
            head_bias=legacy["head_bias"],
        )
        if legacy["gated"]:
            n = len(legacy["dilations"])
            array["gating_mode"] = ["gated"] * n
            array["secondary_activation"] = [{"type": "Sigmoid"}] * n
        arrays.append(array)
    current["config"]["layers"] = arrays
    current["version"] = nam_files.FORMAT_VERSION
    return current


def _check_against_reference(document: dict[str, Any]) -> None:
    from nam.models import ConvNet
    from nam.models._from_nam import init_from_nam

    architecture = document["architecture"]
    if architecture == "SlimmableContainer":
        for submodel in document["config"]["submodels"]:
            _check_against_reference(submodel["model"])
        return
    if architecture == "WaveNet" and document["version"] == nam_files.LEGACY_VERSION:
        document = _legacy_as_current(document)
    if architecture == "ConvNet":
        model = ConvNet.init_from_config(copy.deepcopy(document["config"]))
    else:
        model = init_from_nam(copy.deepcopy(document))
    exported = np.asarray(model._export_weights(), dtype=np.float32)
    weights = np.asarray(document["weights"], dtype=np.float32)
    assert exported.shape == weights.shape
    if architecture in ("Linear", "WaveNet"):
        # LSTM re-derives its initial state on export; ConvNet cannot import weights.
        np.testing.assert_allclose(exported, weights, atol=1e-6)


@pytest.mark.parametrize("name", sorted(nam_files.VALID_DOCUMENTS))
def test_hand_written_documents_match_the_reference_trainer(name):
    """Each hand-written document has exactly the weight count (and, where the reference can
    import weights, the layout) that the reference trainer expects for its config."""
    pytest.importorskip("nam")
    _check_against_reference(nam_files.make(name))


@pytest.fixture(scope="module")
def exported_documents() -> dict[str, dict[str, Any]]:
    """Tiny models written by the reference trainer's own exporter."""
    pytest.importorskip("nam")
    torch = pytest.importorskip("torch")
    from nam.models import LSTM, ConvNet, Linear, WaveNet
    from nam.models.base import BaseNet

    # The exporter measures loudness and gain on a 4 s recording, a dozen times per model;
    # a quarter of a second gives the same metadata fields in a fraction of the time.
    probe = BaseNet._metadata_loudness_x()[:12_000]
    torch.manual_seed(1234)
    array = {
        "input_size": 1,
        "condition_size": 1,
        "channels": 3,
        "head": {"out_channels": 1, "kernel_size": 1, "bias": True},
        "kernel_size": 3,
        "dilations": [1, 2],
        "activation": "Tanh",
    }
    wavenet_config = {"layers_configs": [array], "head": None, "head_scale": 0.02}
    models = {
        "wavenet": WaveNet.init_from_config({**wavenet_config, "sample_rate": 48000.0}),
        "lstm": LSTM.init_from_config(
            {"input_size": 1, "hidden_size": 4, "num_layers": 1, "sample_rate": 48000.0}
        ),
        "convnet": ConvNet.init_from_config(
            {"channels": 3, "dilations": [1, 2], "batchnorm": False, "activation": "Tanh"}
        ),
        "linear": Linear.init_from_config({"receptive_field": 8, "bias": True}),
    }
    with pytest.MonkeyPatch.context() as patch, torch.no_grad():
        patch.setattr(BaseNet, "_metadata_loudness_x", classmethod(lambda cls: probe))
        return {name: model._get_export_dict() for name, model in models.items()}


EXPORTED = ["wavenet", "lstm", "convnet", "linear"]


@pytest.mark.parametrize("name", EXPORTED)
def test_exported_documents_load(tmp_path, exported_documents, name):
    document = json.loads(json.dumps(exported_documents[name]))
    run_noise(load(write(tmp_path / f"{name}.nam", document)))


@pytest.mark.parametrize("delta", [-1, 1], ids=["one-weight-short", "one-weight-extra"])
@pytest.mark.parametrize("name", EXPORTED)
def test_exported_documents_with_a_wrong_weight_count_are_refused(
    tmp_path, exported_documents, name, delta
):
    document = json.loads(json.dumps(exported_documents[name]))
    if delta < 0:
        document["weights"].pop()
    else:
        document["weights"].append(0.0)
    assert_rejected(write(tmp_path / f"{name}.nam", document), "weight")


# ------------------------------------------------------------------------- files and paths


def test_a_missing_path_is_refused(tmp_path):
    assert_rejected(tmp_path / "does-not-exist.nam")


def test_an_empty_path_is_refused():
    with pytest.raises(ValueError):
        load("")


def test_a_directory_is_refused(tmp_path):
    folder = tmp_path / "model.nam"
    folder.mkdir()
    assert_rejected(folder)


def test_a_bad_file_under_a_non_ascii_path_is_named_in_the_message(tmp_path):
    folder = tmp_path / "Tönë — 模型 🎸"
    folder.mkdir()
    assert_rejected(write(folder / "ámp ☃.nam", "{"), "JSON")


def test_a_file_without_read_permission_is_refused(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("running as root: root can read a file without read permission")
    path = write(tmp_path / "locked.nam", nam_files.make("wavenet"))
    path.chmod(0)
    try:
        assert_rejected(path)
    finally:
        path.chmod(0o600)


def test_a_file_above_the_size_cap_is_refused_without_reading_it_all(tmp_path):
    """A sparse file of 64 MiB + 1 byte (valid prefix, then zeros) is refused quickly."""
    path = write(tmp_path / "huge.nam", valid_text("legacy_wavenet"))
    with path.open("r+b") as handle:
        handle.truncate(FILE_SIZE_CAP + 1)
    assert_rejected(path)


def test_a_valid_document_padded_above_the_size_cap_is_refused(tmp_path):
    """Valid JSON, but one byte over 64 MiB: the size alone is the reason."""
    body = valid_text("legacy_wavenet").encode()
    path = write(tmp_path / "padded.nam", body + b" " * (FILE_SIZE_CAP + 1 - len(body)))
    assert_rejected(path)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_character_device_is_refused(device):
    """Not a regular file: /dev/zero never ends, /dev/null is empty."""
    if not Path(device).exists():
        pytest.skip(f"{device} does not exist here")
    assert_rejected_isolated(device)


def test_a_fifo_is_refused_without_blocking(tmp_path):
    """Opening a FIFO with no writer blocks forever unless the loader checks the file type."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    path = tmp_path / "pipe.nam"
    os.mkfifo(path)
    assert_rejected_isolated(path)


# ---------------------------------------------------------------------------- not JSON at all

_GARBAGE = random.Random(20240611).randbytes(1024)

NOT_JSON: list[Any] = [
    pytest.param(b"", (), id="zero-bytes"),
    pytest.param(b"   \n\t\r\n  ", (), id="whitespace-only"),
    pytest.param(_GARBAGE, (), id="random-binary"),
    pytest.param(b"\x00" * 512, (), id="nul-bytes"),
    pytest.param(b"\x7fELF\x02\x01\x01" + bytes(100), (), id="executable-header"),
    pytest.param(b"{", ("JSON",), id="lone-brace"),
    pytest.param(b"version: 0.5.4\narchitecture: WaveNet\n", ("JSON",), id="yaml"),
    pytest.param(b"{'version': '0.5.4'}", ("JSON",), id="single-quotes"),
    pytest.param(valid_text("wavenet") + " trailing", ("JSON",), id="trailing-garbage"),
    pytest.param(valid_text("wavenet") + "{}", ("JSON",), id="two-documents"),
    pytest.param(valid_text("wavenet").replace(",", ",,", 1), ("JSON",), id="double-comma"),
    pytest.param(valid_text("legacy_wavenet").encode("utf-16"), (), id="valid-document-in-utf16"),
    pytest.param(
        valid_text("legacy_wavenet").encode().replace(b'"WaveNet"', b'"Wave\xff\xfeNet"'),
        (),
        id="invalid-utf8-in-a-string",
    ),
    pytest.param(
        valid_text("legacy_wavenet").encode().replace(b'"Tanh"', b'"Ta\xc3"'),
        (),
        id="truncated-utf8-sequence-in-a-string",
    ),
]


@pytest.mark.parametrize(("content", "concepts"), NOT_JSON)
def test_files_that_are_not_json_are_refused(tmp_path, content, concepts):
    assert_rejected(write(tmp_path / "model.nam", content), *concepts)


TRUNCATED_BASES = [
    "legacy_wavenet",
    "wavenet",
    "lstm",
    "convnet",
    "linear",
    "slimmable_container",
]


@pytest.mark.parametrize("name", TRUNCATED_BASES)
def test_truncated_files_are_refused(tmp_path, name):
    """A valid file cut at 10 random points (never at 0 or at the end) is not JSON."""
    body = valid_text(name).encode()
    cuts = sorted(random.Random(f"truncate {name}").sample(range(1, len(body)), 10))
    for cut in cuts:
        path = write(tmp_path / f"{name}-cut-{cut}.nam", body[:cut])
        assert_rejected(path, "JSON")


# ---------------------------------------------------------------------- JSON, but not .nam

NOT_A_DOCUMENT: list[Any] = [
    pytest.param(text("[]"), (), id="empty-array"),
    pytest.param(lambda: [nam_files.make("wavenet")], (), id="document-inside-an-array"),
    pytest.param(text("42"), (), id="number"),
    pytest.param(text('"WaveNet"'), (), id="string"),
    pytest.param(text("null"), (), id="null"),
    pytest.param(text("true"), (), id="boolean"),
    pytest.param(text("{}"), (), id="empty-object"),
]


@pytest.mark.parametrize(("build", "concepts"), NOT_A_DOCUMENT)
def test_json_that_is_not_a_nam_document_is_refused(tmp_path, build, concepts):
    assert_rejected(write(tmp_path / "model.nam", build()), *concepts)


# ---------------------------------------------------------------------------- top-level fields

TOP_LEVEL: list[Any] = [
    pytest.param(deleted("legacy_wavenet", ("version",)), ("version",), id="version-missing"),
    pytest.param(edit("wavenet", (("version",), "9.0.0")), ("version",), id="version-9.0.0"),
    pytest.param(edit("wavenet", (("version",), "1.0.0")), ("version",), id="version-1.0.0"),
    pytest.param(edit("wavenet", (("version",), "abc")), ("version",), id="version-abc"),
    pytest.param(edit("wavenet", (("version",), "")), ("version",), id="version-empty"),
    pytest.param(edit("wavenet", (("version",), 5)), ("version",), id="version-a-number"),
    pytest.param(edit("wavenet", (("version",), None)), ("version",), id="version-null"),
    pytest.param(
        edit("legacy_wavenet", (("version",), "0.5.4\nsecond line")),
        (),
        id="version-with-a-second-line",
    ),
    pytest.param(
        edit("legacy_wavenet", (("version",), "9.0.0\nsecond line")),
        ("version",),
        id="version-9.0.0-multiline",
    ),
    pytest.param(edit("wavenet", (("version",), "0.7.-1")), ("version",), id="version-0.7.-1"),
    pytest.param(
        deleted("legacy_wavenet", ("architecture",)), ("architecture",), id="architecture-missing"
    ),
    pytest.param(
        edit("wavenet", (("architecture",), "Transformer")),
        ("architecture",),
        id="architecture-unknown",
    ),
    pytest.param(
        edit("wavenet", (("architecture",), "wavenet")),
        ("architecture",),
        id="architecture-wrong-case",
    ),
    pytest.param(
        edit("wavenet", (("architecture",), "")), ("architecture",), id="architecture-empty"
    ),
    pytest.param(
        edit("wavenet", (("architecture",), 7)), ("architecture",), id="architecture-a-number"
    ),
    pytest.param(
        edit("wavenet", (("architecture",), "Bad\nArch\r\nitecture")),
        ("architecture",),
        id="architecture-multiline",
    ),
    pytest.param(edit("lstm", (("architecture",), "WaveNet")), (), id="lstm-config-called-wavenet"),
    pytest.param(edit("wavenet", (("architecture",), "LSTM")), (), id="wavenet-config-called-lstm"),
    pytest.param(deleted("legacy_wavenet", ("config",)), (), id="config-missing"),
    pytest.param(edit("legacy_wavenet", (("config",), [])), (), id="config-an-array"),
    pytest.param(edit("legacy_wavenet", (("config",), "x")), (), id="config-a-string"),
    pytest.param(edit("legacy_wavenet", (("config",), None)), (), id="config-null"),
    pytest.param(deleted("legacy_wavenet", ("weights",)), ("weight",), id="weights-missing"),
    pytest.param(edit("legacy_wavenet", (("weights",), {})), ("weight",), id="weights-object"),
    pytest.param(
        edit("legacy_wavenet", (("weights",), "0.1,0.2")), ("weight",), id="weights-a-string"
    ),
    pytest.param(
        edit("legacy_wavenet", (("sample_rate",), "48000")), (), id="sample-rate-a-string"
    ),
    pytest.param(
        edit("legacy_wavenet", (("config", "head_scale"), "loud")), (), id="head-scale-a-string"
    ),
]


@pytest.mark.parametrize(("build", "concepts"), TOP_LEVEL)
def test_bad_top_level_fields_are_refused(tmp_path, build, concepts):
    assert_rejected(write(tmp_path / "model.nam", build()), *concepts)


# ---------------------------------------------------------------------------------- weights

WEIGHT_BASES = sorted(set(nam_files.VALID_DOCUMENTS) - {"slimmable_container"})


@pytest.mark.parametrize("change", ["one-short", "one-extra", "empty"])
@pytest.mark.parametrize("name", WEIGHT_BASES)
def test_a_wrong_weight_count_is_refused(tmp_path, name, change):
    delta = {"one-short": -1, "one-extra": 1}.get(change)
    if delta is None:
        delta = -len(nam_files.make(name)["weights"])
    assert_rejected(write(tmp_path / "model.nam", weights_resized(name, delta)()), "weight")


BAD_WEIGHT_VALUES: list[Any] = [
    pytest.param(1e39, ("weight",), id="1e39-overflows-float32"),
    pytest.param(-1e39, ("weight",), id="minus-1e39"),
    pytest.param(3.5e38, ("weight",), id="just-above-float32-max"),
    pytest.param(1e308, ("weight",), id="1e308"),
    pytest.param(float("nan"), ("JSON",), id="NaN-literal"),
    pytest.param(float("inf"), ("JSON",), id="Infinity-literal"),
    pytest.param(float("-inf"), ("JSON",), id="minus-Infinity-literal"),
    pytest.param("0.5", ("weight",), id="a-string"),
    pytest.param(None, ("weight",), id="null"),
    pytest.param(True, ("weight",), id="a-boolean"),
    pytest.param([0.5], ("weight",), id="a-nested-array"),
    pytest.param({"w": 0.5}, ("weight",), id="an-object"),
]


@pytest.mark.parametrize(("value", "concepts"), BAD_WEIGHT_VALUES)
@pytest.mark.parametrize("name", ["legacy_wavenet", "lstm", "linear"])
def test_a_bad_weight_value_is_refused(tmp_path, name, value, concepts):
    assert_rejected(write(tmp_path / "model.nam", weight_set(name, 3, value)()), *concepts)


def test_1e400_in_the_weights_is_refused(tmp_path):
    """Out of range even for a double."""
    body = valid_text("legacy_wavenet").replace('"weights": [', '"weights": [1e400, ', 1)
    assert "1e400" in body
    assert_rejected(write(tmp_path / "model.nam", body))


# ------------------------------------------------------------------------------ legacy WaveNet


def _legacy_field(field: str, value: Any) -> Builder:
    return edit("legacy_wavenet", ((*LEGACY_ARRAY, field), value))


LEGACY_WAVENET: list[Any] = [
    pytest.param(deleted("legacy_wavenet", ("config", "layers")), (), id="layers-missing"),
    pytest.param(edit("legacy_wavenet", (("config", "layers"), [])), (), id="no-layer-arrays"),
    pytest.param(edit("legacy_wavenet", (("config", "layers"), {})), (), id="layers-object"),
    pytest.param(edit("legacy_wavenet", (("config", "layers"), [5])), (), id="layer-a-number"),
    pytest.param(edit("legacy_wavenet", (("config", "layers"), [[]])), (), id="layer-an-array"),
    pytest.param(_legacy_field("channels", "3"), (), id="channels-a-string"),
    pytest.param(_legacy_field("channels", 0), (), id="channels-zero"),
    pytest.param(_legacy_field("channels", -3), (), id="channels-negative"),
    pytest.param(_legacy_field("channels", 2.5), (), id="channels-fractional"),
    pytest.param(_legacy_field("channels", True), (), id="channels-a-boolean"),
    pytest.param(_legacy_field("channels", None), (), id="channels-null"),
    pytest.param(_legacy_field("channels", 2**32 + 3), (), id="channels-2**32+3"),
    pytest.param(_legacy_field("channels", 2**64 + 3), (), id="channels-2**64+3"),
    pytest.param(deleted("legacy_wavenet", (*LEGACY_ARRAY, "channels")), (), id="channels-missing"),
    pytest.param(_legacy_field("input_size", 0), (), id="input-size-zero"),
    pytest.param(_legacy_field("condition_size", 0), (), id="condition-size-zero"),
    pytest.param(_legacy_field("condition_size", -1), (), id="condition-size-negative"),
    pytest.param(_legacy_field("head_size", 0), (), id="head-size-zero"),
    pytest.param(_legacy_field("head_size", -1), (), id="head-size-negative"),
    pytest.param(_legacy_field("kernel_size", 0), (), id="kernel-size-zero"),
    pytest.param(_legacy_field("kernel_size", -3), (), id="kernel-size-negative"),
    pytest.param(_legacy_field("kernel_size", "3"), (), id="kernel-size-a-string"),
    pytest.param(_legacy_field("kernel_size", 3.5), (), id="kernel-size-fractional"),
    pytest.param(_legacy_field("dilations", []), (), id="dilations-empty"),
    pytest.param(_legacy_field("dilations", [0, 2]), (), id="dilation-zero"),
    pytest.param(_legacy_field("dilations", [1, -2]), (), id="dilation-negative"),
    pytest.param(_legacy_field("dilations", [1, "2"]), (), id="dilation-a-string"),
    pytest.param(_legacy_field("dilations", [1, 1.5]), (), id="dilation-fractional"),
    pytest.param(_legacy_field("dilations", [1, None]), (), id="dilation-null"),
    pytest.param(_legacy_field("dilations", "1,2"), (), id="dilations-a-string"),
    pytest.param(_legacy_field("dilations", 2), (), id="dilations-a-number"),
    pytest.param(_legacy_field("dilations", [1, 2**32 + 2]), (), id="dilation-2**32+2"),
    pytest.param(_legacy_field("activation", "Nope"), (), id="activation-unknown"),
    pytest.param(_legacy_field("activation", ""), (), id="activation-empty"),
    pytest.param(_legacy_field("activation", 5), (), id="activation-a-number"),
    pytest.param(_legacy_field("activation", None), (), id="activation-null"),
    pytest.param(_legacy_field("activation", "Tanh\nReLU"), (), id="activation-multiline"),
    pytest.param(_legacy_field("gated", "true"), (), id="gated-a-string"),
    pytest.param(_legacy_field("gated", 1), (), id="gated-a-number"),
    pytest.param(_legacy_field("gated", None), (), id="gated-null"),
    pytest.param(_legacy_field("gated", True), ("weight",), id="gated-without-gate-weights"),
    pytest.param(_legacy_field("head_bias", "no"), (), id="head-bias-a-string"),
    pytest.param(edit("legacy_wavenet", (("config", "head"), 5)), (), id="post-head-a-number"),
    pytest.param(
        edit("legacy_wavenet", (("config", "head"), {"bogus": True})), (), id="post-head-bogus"
    ),
    pytest.param(_legacy(input_size=2), (), id="first-array-reads-two-input-channels"),
    pytest.param(_legacy(condition_size=2), (), id="condition-has-two-channels"),
    pytest.param(_legacy(head_size=2), (), id="last-array-outputs-two-channels"),
    pytest.param(_unchained_inputs, (), id="array-input-size-does-not-chain"),
    pytest.param(_unchained_heads, (), id="array-head-size-does-not-chain"),
]


@pytest.mark.parametrize(("build", "concepts"), LEGACY_WAVENET)
def test_bad_legacy_wavenet_configs_are_refused(tmp_path, build, concepts):
    assert_rejected(write(tmp_path / "model.nam", build()), *concepts)


def test_legacy_arrays_that_chain_load(tmp_path):
    """Positive control for the chaining cases: the same shapes, consistently chained."""
    load(write(tmp_path / "model.nam", nam_files.legacy_two_array_wavenet_document()))


# ----------------------------------------------------------------------- WaveNet (0.7.0 layout)


def _array_field(field: str, value: Any) -> Builder:
    return edit("wavenet", ((*ARRAY, field), value))


WAVENET: list[Any] = [
    pytest.param(_array_field("kernel_sizes", [3]), (), id="fewer-kernel-sizes-than-dilations"),
    pytest.param(_array_field("kernel_sizes", [3, 0]), (), id="kernel-size-zero"),
    pytest.param(_array_field("kernel_sizes", 3.5), (), id="kernel-sizes-fractional"),
    pytest.param(deleted("wavenet", (*ARRAY, "kernel_sizes")), (), id="kernel-sizes-missing"),
    pytest.param(_array_field("dilations", []), (), id="dilations-empty"),
    pytest.param(_array_field("dilations", [1, 0]), (), id="dilation-zero"),
    pytest.param(_array_field("channels", 0), (), id="channels-zero"),
    pytest.param(_array_field("channels", "3"), (), id="channels-a-string"),
    pytest.param(_array_field("bottleneck", 0), (), id="bottleneck-zero"),
    pytest.param(
        _array_field("activation", [{"type": "Tanh"}]), (), id="fewer-activations-than-layers"
    ),
    pytest.param(
        _array_field("activation", [{"type": "Nope"}, {"type": "Tanh"}]),
        (),
        id="activation-unknown",
    ),
    pytest.param(_array_field("activation", [5, 5]), (), id="activation-a-number"),
    pytest.param(_array_field("gating_mode", ["bogus", "none"]), (), id="gating-mode-unknown"),
    pytest.param(_array_field("gating_mode", [True, False]), (), id="gating-mode-booleans"),
    pytest.param(
        _array_field("gating_mode", ["gated", "gated"]), (), id="gated-without-gate-weights"
    ),
    pytest.param(
        _array_field("head", {"out_channels": 0, "kernel_size": 1, "bias": True}),
        (),
        id="head-out-channels-zero",
    ),
    pytest.param(
        _array_field("head", {"out_channels": 1, "kernel_size": 0, "bias": True}),
        (),
        id="head-kernel-size-zero",
    ),
    pytest.param(_array_field("head", "x"), (), id="head-a-string"),
    pytest.param(_array_field("groups_input", 2), (), id="groups-do-not-divide-channels"),
    pytest.param(_array_field("groups_input", 0), (), id="groups-zero"),
    pytest.param(
        _array_field("layer1x1", {"active": False, "groups": 1}),
        (),
        id="layer1x1-off-with-its-weights-present",
    ),
    pytest.param(
        _array_field("head1x1", {"active": True, "out_channels": 0, "groups": 1}),
        (),
        id="head1x1-zero-channels",
    ),
    pytest.param(
        _array_field("conv_pre_film", {"active": True, "shift": True, "groups": 1}),
        (),
        id="film-on-without-its-weights",
    ),
]


@pytest.mark.parametrize(("build", "concepts"), WAVENET)
def test_bad_wavenet_configs_are_refused(tmp_path, build, concepts):
    assert_rejected(write(tmp_path / "model.nam", build()), *concepts)


# ------------------------------------------------------------------ LSTM, ConvNet and Linear


def _cfg(name: str, field: str, value: Any) -> Builder:
    return edit(name, (("config", field), value))


OTHER_ARCHITECTURES: list[Any] = [
    pytest.param(_cfg("lstm", "hidden_size", 0), (), id="lstm-hidden-size-zero"),
    pytest.param(_cfg("lstm", "hidden_size", -4), (), id="lstm-hidden-size-negative"),
    pytest.param(_cfg("lstm", "hidden_size", "4"), (), id="lstm-hidden-size-a-string"),
    pytest.param(_cfg("lstm", "hidden_size", 4.5), (), id="lstm-hidden-size-fractional"),
    pytest.param(_cfg("lstm", "hidden_size", 2**32 + 4), (), id="lstm-hidden-size-2**32+4"),
    pytest.param(_cfg("lstm", "num_layers", 0), (), id="lstm-no-layers"),
    pytest.param(_cfg("lstm", "num_layers", -1), (), id="lstm-num-layers-negative"),
    pytest.param(_cfg("lstm", "input_size", 0), (), id="lstm-input-size-zero"),
    pytest.param(_lstm_stereo_input, (), id="lstm-reads-two-input-channels"),
    pytest.param(deleted("lstm", ("config", "hidden_size")), (), id="lstm-hidden-size-missing"),
    pytest.param(_cfg("convnet", "dilations", [1, -2]), (), id="convnet-dilation-negative"),
    pytest.param(_cfg("convnet", "dilations", [0, 2]), (), id="convnet-dilation-zero"),
    pytest.param(_cfg("convnet", "dilations", []), (), id="convnet-dilations-empty"),
    pytest.param(_cfg("convnet", "dilations", [1, "2"]), (), id="convnet-dilation-a-string"),
    pytest.param(_cfg("convnet", "channels", 0), (), id="convnet-channels-zero"),
    pytest.param(_cfg("convnet", "channels", -3), (), id="convnet-channels-negative"),
    pytest.param(_cfg("convnet", "batchnorm", "no"), (), id="convnet-batchnorm-a-string"),
    pytest.param(_cfg("convnet", "activation", "Nope"), (), id="convnet-activation-unknown"),
    pytest.param(_cfg("convnet", "activation", 3), (), id="convnet-activation-a-number"),
    pytest.param(_cfg("convnet", "batchnorm", True), ("weight",), id="convnet-batchnorm-no-stats"),
    pytest.param(_cfg("linear", "receptive_field", 0), (), id="linear-receptive-field-zero"),
    pytest.param(_cfg("linear", "receptive_field", -8), (), id="linear-receptive-field-negative"),
    pytest.param(_cfg("linear", "receptive_field", "8"), (), id="linear-receptive-field-a-string"),
    pytest.param(
        _cfg("linear", "receptive_field", 2**32 + 8), (), id="linear-receptive-field-2**32+8"
    ),
    pytest.param(_cfg("linear", "bias", "yes"), (), id="linear-bias-a-string"),
    pytest.param(_cfg("linear", "bias", False), ("weight",), id="linear-bias-off-weight-left"),
]


@pytest.mark.parametrize(("build", "concepts"), OTHER_ARCHITECTURES)
def test_bad_lstm_convnet_and_linear_configs_are_refused(tmp_path, build, concepts):
    assert_rejected(write(tmp_path / "model.nam", build()), *concepts)


# ------------------------------------------------------------------------ SlimmableContainer


def _container_field(path: tuple, value: Any) -> Builder:
    return edit("slimmable_container", (path, value))


CONTAINER: list[Any] = [
    pytest.param(_container_field(("config", "submodels"), []), (), id="no-submodels"),
    pytest.param(deleted("slimmable_container", ("config", "submodels")), (), id="no-submodel-key"),
    pytest.param(_container_field(("config", "submodels"), {}), (), id="submodels-an-object"),
    pytest.param(_container_field(("config", "submodels", 0), 5), (), id="submodel-a-number"),
    pytest.param(deleted("slimmable_container", (*SUBMODEL, "model")), (), id="model-missing"),
    pytest.param(_container_field((*SUBMODEL, "model"), 5), (), id="model-a-number"),
    pytest.param(_container_field((*SUBMODEL, "model"), {}), (), id="model-empty"),
    pytest.param(_container_field((*SUBMODEL, "max_value"), "x"), (), id="max-value-a-string"),
    pytest.param(
        _container_field((*SUBMODEL, "max_value"), float("nan")), ("JSON",), id="max-value-NaN"
    ),
    pytest.param(
        weights_resized("slimmable_container", -1, (*SUBMODEL, "model")),
        ("weight",),
        id="submodel-one-weight-short",
    ),
    pytest.param(
        weights_resized("slimmable_container", 1, ("config", "submodels", 1, "model")),
        ("weight",),
        id="largest-submodel-one-weight-extra",
    ),
    pytest.param(
        _container_field((*SUBMODEL, "model", "architecture"), "Transformer"),
        ("architecture",),
        id="submodel-architecture-unknown",
    ),
    pytest.param(
        _container_field((*SUBMODEL, "model", "version"), "9.0.0"),
        ("version",),
        id="submodel-version-unknown",
    ),
    pytest.param(
        _container_field((*SUBMODEL, "model", "config", "layers", 0, "channels"), 0),
        (),
        id="submodel-channels-zero",
    ),
    pytest.param(
        _container_field((*SUBMODEL, "model", "weights", 0), 1e39),
        ("weight",),
        id="submodel-weight-overflows-float32",
    ),
]


@pytest.mark.parametrize(("build", "concepts"), CONTAINER)
def test_bad_slimmable_containers_are_refused(tmp_path, build, concepts):
    """Every submodel is validated, not only the one ``slim`` selects."""
    assert_rejected(write(tmp_path / "model.nam", build()), *concepts)


# ---------------------------------------------------- isolated: nesting and gigantic networks

_DEPTH = 100_000

ISOLATED: list[Any] = [
    pytest.param(text("[" * _DEPTH), ("JSON",), id="100000-open-brackets"),
    pytest.param(text("[" * _DEPTH + "]" * _DEPTH), (), id="100000-nested-arrays"),
    pytest.param(text('{"a":' * _DEPTH + "0" + "}" * _DEPTH), (), id="100000-nested-objects"),
    pytest.param(
        lambda: _doc_with_raw("config", "[" * _DEPTH + "]" * _DEPTH), (), id="deep-config"
    ),
    pytest.param(
        lambda: _doc_with_raw("weights", "[" * _DEPTH + "]" * _DEPTH), (), id="deep-weights"
    ),
    pytest.param(lambda: _nested_containers(5000), (), id="containers-nested-5000-deep"),
    pytest.param(_legacy_field("channels", 1_000_000), (), id="channels-1000000"),
    pytest.param(_legacy_field("channels", 1e6), (), id="channels-1e6"),
    pytest.param(_legacy_field("channels", 2**31 - 1), (), id="channels-2**31-1"),
    pytest.param(_legacy_field("channels", 2**63), (), id="channels-2**63"),
    pytest.param(_legacy_field("channels", 1e30), (), id="channels-1e30"),
    pytest.param(_legacy_field("kernel_size", 2**31 - 1), (), id="kernel-size-2**31-1"),
    pytest.param(_legacy_field("dilations", [1, 2**30]), (), id="dilation-2**30-valid-weights"),
    pytest.param(_legacy_field("dilations", [1] * 200_000), (), id="200000-layers"),
    pytest.param(_array_field("bottleneck", 1_000_000), (), id="bottleneck-1000000"),
    pytest.param(_cfg("lstm", "hidden_size", 1_000_000), (), id="lstm-hidden-size-1000000"),
    pytest.param(_cfg("lstm", "hidden_size", 2**31 - 1), (), id="lstm-hidden-size-2**31-1"),
    pytest.param(_cfg("lstm", "num_layers", 2**31 - 1), (), id="lstm-num-layers-2**31-1"),
    pytest.param(_cfg("convnet", "channels", 1_000_000), (), id="convnet-channels-1000000"),
    pytest.param(_cfg("convnet", "dilations", [1, 2**30]), (), id="convnet-dilation-2**30"),
    pytest.param(_cfg("linear", "receptive_field", 2**40), (), id="linear-receptive-field-2**40"),
]


@pytest.mark.parametrize(("build", "concepts"), ISOLATED)
def test_deep_or_gigantic_documents_are_refused_without_exhausting_resources(
    tmp_path, build, concepts
):
    """Run in a child with 2 GiB of headroom: a stack overflow, a hang or an attempt to
    allocate the claimed network fails the test instead of the machine."""
    assert_rejected_isolated(write(tmp_path / "model.nam", build()), *concepts)


def test_deep_nesting_in_an_unknown_key_does_not_crash(tmp_path):
    """An ignored key may hold anything; the loader may accept or refuse, but not crash."""
    path = write(tmp_path / "model.nam", _doc_with_raw("training", "[" * _DEPTH + "]" * _DEPTH))
    outcome, message = load_isolated(path)
    assert outcome in ("loaded", "ValueError"), f"{outcome}: {message!r}"
    if outcome == "ValueError":
        check_message(message, path)


# ------------------------------------------------------------------- property-based mutations

_NUMBERS = [
    0, 1, -1, 2, 3, 0.5, 2.5, -0.0, 1e6, 1_000_000, 2**31 - 1, 2**31, 2**32 + 3, 2**63,
    2**64, -(2**63), 1e39, -1e39, 3.5e38, 1e308, 1e-45, 1e-320,
]  # fmt: skip
_STRINGS = [
    "", "Tanh", "Sigmoid", "ReLU", "Hardtanh", "LeakyReLU", "Fasttanh", "Nope", "WaveNet",
    "LSTM", "ConvNet", "Linear", "SlimmableContainer", "0.5.4", "0.7.0", "9.0.0", "abc", "0.5",
    "none", "gated", "blended", "é模🎸", "x" * 300, "line\nbreak", "NaN",
]  # fmt: skip
_KEYS = [
    "version", "architecture", "config", "weights", "layers", "channels", "input_size",
    "condition_size", "head_size", "kernel_size", "dilations", "activation", "gated", "head",
    "head_scale", "hidden_size", "num_layers", "receptive_field", "bias", "submodels",
    "max_value", "model", "type",
]  # fmt: skip

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(_NUMBERS),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.sampled_from(_STRINGS),
    st.text(max_size=6),
)
_values = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=6,
)


def _slots(node: Any) -> list[tuple[Any, Any]]:
    """``(container, key)`` for every value below ``node``; long lists (weights) contribute
    only a few elements so that the structure is mutated as often as the numbers."""
    if isinstance(node, dict):
        keys: list[Any] = list(node)
    elif isinstance(node, list):
        n = len(node)
        keys = list(range(n)) if n <= 8 else sorted({0, 1, n // 2, n - 1})
    else:
        return []
    found = []
    for key in keys:
        found.append((node, key))
        found.extend(_slots(node[key]))
    return found


def _pick(draw: Callable, slots: list[tuple[Any, Any]]) -> tuple[Any, Any] | None:
    return draw(st.sampled_from(slots)) if slots else None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _mutate(draw: Callable, document: Any) -> Any:
    """One random edit; returns the (possibly new) root."""
    op = draw(
        st.sampled_from(
            ["delete", "replace", "number", "string", "resize", "duplicate", "shuffle", "root"]
        )
    )
    slots = _slots(document)
    if op == "root":
        return draw(_values)
    if op == "delete":
        slot = _pick(draw, slots)
        if slot is not None:
            container, key = slot
            del container[key]
    elif op == "replace":
        slot = _pick(draw, slots)
        if slot is not None:
            container, key = slot
            container[key] = draw(_values)
    elif op == "number":
        slot = _pick(draw, [s for s in slots if _is_number(s[0][s[1]])])
        if slot is not None:
            container, key = slot
            old = container[key]
            derived = [-old, old * 2 + 1, old + 0.5, old - 1]
            container[key] = draw(st.sampled_from(_NUMBERS + derived))
    elif op == "string":
        slot = _pick(draw, [s for s in slots if isinstance(s[0][s[1]], str)])
        if slot is not None:
            container, key = slot
            container[key] = draw(st.sampled_from(_STRINGS) | st.text(max_size=8))
    elif op == "resize":
        lists = [s for s in slots if isinstance(s[0][s[1]], list)]
        slot = _pick(draw, lists)
        if slot is not None:
            items = slot[0][slot[1]]
            length = draw(st.integers(min_value=0, max_value=len(items) + 3))
            if length <= len(items):
                del items[length:]
            else:
                items.extend(draw(st.lists(_scalars, min_size=length - len(items))))
    elif op == "duplicate":
        lists = [s for s in slots if isinstance(s[0][s[1]], list) and s[0][s[1]]]
        slot = _pick(draw, lists)
        if slot is not None:
            items = slot[0][slot[1]]
            source = draw(st.integers(min_value=0, max_value=len(items) - 1))
            target = draw(st.integers(min_value=0, max_value=len(items)))
            items.insert(target, copy.deepcopy(items[source]))
    elif op == "shuffle":
        dicts = [s for s in slots if isinstance(s[0][s[1]], dict)]
        holder = draw(st.sampled_from([None, *dicts])) if isinstance(document, dict) else None
        target = document if holder is None else holder[0][holder[1]]
        if isinstance(target, dict):
            order = draw(st.permutations(list(target)))
            reordered = {key: target[key] for key in order}
            target.clear()
            target.update(reordered)
    note(f"{op}")
    return document


@st.composite
def mutated_files(draw: Callable) -> bytes:
    """A valid document of some architecture after 1–3 structural edits, serialised, then
    possibly truncated, bit-flipped or spliced with random bytes."""
    name = draw(st.sampled_from(sorted(nam_files.VALID_DOCUMENTS)))
    note(f"base document: {name}")
    document: Any = nam_files.make(name)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        document = _mutate(draw, document)
    body = bytearray(json.dumps(document, ensure_ascii=draw(st.booleans())).encode("utf-8"))
    damage = draw(st.sampled_from(["none", "none", "none", "truncate", "flip", "splice"]))
    note(f"text damage: {damage}")
    if damage == "truncate" and body:
        del body[draw(st.integers(min_value=0, max_value=len(body) - 1)) :]
    elif damage == "flip" and body:
        positions = st.integers(min_value=0, max_value=len(body) - 1)
        for position in draw(st.lists(positions, min_size=1, max_size=4)):
            body[position] ^= draw(st.integers(min_value=1, max_value=255))
    elif damage == "splice":
        position = draw(st.integers(min_value=0, max_value=len(body)))
        body[position:position] = draw(st.binary(min_size=1, max_size=8))
    return bytes(body)


_FUZZ_FILE = Path(tempfile.gettempdir()) / "tonematch-loader-fuzz" / "current.nam"


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(blob=mutated_files())
def test_mutated_documents_either_load_and_run_or_raise_value_error(blob):
    """Whatever the edit, the loader either returns a model that processes 256 samples of
    noise (any output values) or raises a well-formed ValueError; nothing else."""
    native_model_class()
    _FUZZ_FILE.parent.mkdir(parents=True, exist_ok=True)
    _FUZZ_FILE.write_bytes(blob)
    try:
        model = load(_FUZZ_FILE)
    except ValueError as error:
        check_message(str(error), _FUZZ_FILE)
        return
    run_noise(model)


def test_the_isolated_harness_loads_a_valid_file(tmp_path):
    """Positive control for the child-process cases: a valid file loads there."""
    outcome, message = load_isolated(write(tmp_path / "ok.nam", nam_files.make("lstm")))
    assert (outcome, message) == ("loaded", "")
