"""Settings every test shares."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

# Several tests press Ctrl+C on a real child process (SIGINT). A shell that starts a job in the
# background, as CI runners may, starts it with SIGINT ignored, and an ignored signal stays
# ignored in every child — Python then never turns Ctrl+C into KeyboardInterrupt and those
# children would not stop. A handler of our own is reset to the default in each child at exec,
# so children get the Ctrl+C a user's terminal gives them.
signal.signal(signal.SIGINT, signal.default_int_handler)

ASSETS = Path(__file__).resolve().parents[1] / "assets"
SMALL_AMPS = ("amp_british_crunch_g5", "amp_clean_american_g2")
SMALL_PEDALS = ("pedal_ts_mid",)
SMALL_IRS = ("cab_4x12_closed_cap", "cab_1x12_open_cap")


@pytest.fixture(scope="session")
def small_library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two amps, one pedal and two cabinets copied from the bundled library: a user's folder."""
    folder = tmp_path_factory.mktemp("library")
    models, irs = folder / "models", folder / "irs"
    models.mkdir()
    irs.mkdir()
    for name in SMALL_AMPS + SMALL_PEDALS:
        shutil.copy(ASSETS / "nam_models" / f"{name}.nam", models)
    for name in SMALL_IRS:
        shutil.copy(ASSETS / "impulse_responses" / f"{name}.wav", irs)
    return models, irs
