"""Fixtures for the matcher tests: a small library, example clips and a private index cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ASSETS = Path(__file__).resolve().parents[2] / "assets"
EXAMPLES = ASSETS / "examples"
SMALL_AMPS = ("amp_british_crunch_g5", "amp_clean_american_g2")
SMALL_PEDALS = ("pedal_ts_mid",)
SMALL_IRS = ("cab_4x12_closed_cap", "cab_1x12_open_cap")


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test indexes into its own cache, never the user's."""
    monkeypatch.setenv("TONEMATCH_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def small_library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two amps, one pedal and two cabinets copied from the bundled library."""
    root = tmp_path_factory.mktemp("library")
    models, irs = root / "models", root / "irs"
    models.mkdir()
    irs.mkdir()
    for name in SMALL_AMPS + SMALL_PEDALS:
        shutil.copy(ASSETS / "nam_models" / f"{name}.nam", models)
    for name in SMALL_IRS:
        shutil.copy(ASSETS / "impulse_responses" / f"{name}.wav", irs)
    return models, irs


@pytest.fixture(scope="session")
def di_path() -> Path:
    return EXAMPLES / "di_riff_a.wav"


@pytest.fixture(scope="session")
def ref_path() -> Path:
    return EXAMPLES / "ref_library_rig.wav"
