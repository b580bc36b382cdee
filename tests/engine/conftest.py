"""Session fixtures for the engine parity and streaming tests.

The model zoo (see ``model_zoo.py``) is built once per session into a temporary directory, and
torch reference outputs are computed at most once per model. Measured parity figures are
written to ``benchmarks/results/parity.json`` when the session ends.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

PARITY_RESULTS = Path("benchmarks") / "results" / "parity.json"


@pytest.fixture(scope="session")
def model_zoo_module():
    """The zoo module; the tests that need it are skipped only when the reference is absent."""
    pytest.importorskip("torch", reason="the torch reference implementation is not installed")
    pytest.importorskip("nam", reason="neural-amp-modeler (the reference) is not installed")
    import model_zoo

    return model_zoo


@pytest.fixture(scope="session")
def zoo(model_zoo_module, tmp_path_factory) -> dict[str, Any]:
    """Every zoo model, exported once per session: name -> ``model_zoo.ZooModel``."""
    return model_zoo_module.build_zoo(tmp_path_factory.mktemp("nam_zoo"))


@pytest.fixture(scope="session")
def NamModel():  # noqa: N802 - the fixture is the engine class
    """The engine class under test (an import failure is a test error, never a skip)."""
    from tonematch._native import NamModel

    return NamModel


@pytest.fixture(scope="session")
def signal(model_zoo_module) -> np.ndarray:
    """10 s of varied, deterministic input at 48 kHz."""
    return model_zoo_module.varied_input(seconds=10.0)


@pytest.fixture(scope="session")
def reference_output(zoo, signal) -> Callable[[str], np.ndarray]:
    """``reference_output(name)``: torch output for ``signal``, cached per torch model."""
    cache: dict[tuple[int, int | None], np.ndarray] = {}

    def get(name: str) -> np.ndarray:
        entry = zoo[name]
        key = (id(entry.reference_model), entry.reference_channel)
        if key not in cache:
            cache[key] = entry.reference(signal)
        return cache[key]

    return get


@pytest.fixture(scope="session")
def parity_record(request) -> dict[str, dict[str, float]]:
    """Figures measured per model; written as sorted JSON at the end of the session."""
    record: dict[str, dict[str, float]] = {}
    yield record
    if not record:
        return
    import model_zoo

    path = Path(request.config.rootpath) / PARITY_RESULTS
    merged: dict[str, dict[str, float]] = {}
    if path.exists():  # a partial run updates only the models it measured
        with open(path) as fp:
            merged = json.load(fp)
    names = set(model_zoo.zoo_names())
    merged = {name: figures for name, figures in merged.items() if name in names}
    for name, figures in record.items():
        merged.setdefault(name, {}).update(figures)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fp:
        json.dump(merged, fp, indent=2, sort_keys=True)
        fp.write("\n")
