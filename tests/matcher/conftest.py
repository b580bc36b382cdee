"""Fixtures for the matcher tests: example clips and a private index cache (the small library
is in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

ASSETS = Path(__file__).resolve().parents[2] / "assets"
EXAMPLES = ASSETS / "examples"


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test indexes into its own cache, never the user's."""
    monkeypatch.setenv("TONEMATCH_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def di_path() -> Path:
    return EXAMPLES / "di_riff_a.wav"


@pytest.fixture(scope="session")
def ref_path() -> Path:
    return EXAMPLES / "ref_library_rig.wav"
