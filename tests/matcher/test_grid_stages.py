"""The grid hears what the chain plays: its renders of the chain's front (input gain → pedal →
amp) are the engine Chain's own samples, bit for bit, with every later stage neutral.

The grid renders each pedal once per gain and feeds every amp from it (models cached per
thread), which a whole Chain per combination could not do as cheaply; this test is what keeps
that shortcut honest. The cabinet half is in test_ir_rates.py (the grid convolves the chain's
own resampled taps)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tonematch import grid_search as grid
from tonematch.audio_io import load_audio
from tonematch.library_index import ModelEntry
from tonematch.render import render_rig
from tonematch.rig import RANGES, Rig, RigParams

ASSETS = Path(__file__).resolve().parents[2] / "assets"
MODELS = ASSETS / "nam_models"
AMP = ModelEntry(MODELS / "amp_british_crunch_g5.nam", "amp_british_crunch_g5", "amp")
PEDAL = ModelEntry(MODELS / "pedal_ts_mid.nam", "pedal_ts_mid", "pedal")
GAIN = RANGES["input_gain_db"]


@pytest.fixture(scope="module")
def di() -> np.ndarray:
    return load_audio(ASSETS / "examples" / "di_riff_a.wav").samples[: 3 * 48000]


@pytest.mark.parametrize("pedal", [None, PEDAL], ids=["no pedal", "pedal"])
@pytest.mark.parametrize("gain_db", [GAIN.low, -7.5, 0.0, 6.0, GAIN.high])
def test_the_grid_front_is_the_chains_front(di, pedal, gain_db) -> None:
    combo = grid.Combo(pedal, AMP, gain_db)
    ours = grid.render_combo(grid.ModelPool(), combo, di)
    rig = Rig(amp_path=AMP.path, fx_path=pedal.path if pedal else None,
              params=RigParams(input_gain_db=gain_db))
    chain = render_rig(rig, di)  # delay and reverb off: both outputs are the mono signal
    np.testing.assert_array_equal(ours, chain[0])


def test_the_pedal_output_shared_by_the_amps_is_the_chains_too(di) -> None:
    # The grid renders the pedal once per gain and feeds every amp from it.
    pool = grid.ModelPool()
    shared = grid.render_pedal(pool, PEDAL, 6.0, di)
    combo = grid.Combo(PEDAL, AMP, 6.0)
    chain = render_rig(Rig(amp_path=AMP.path, fx_path=PEDAL.path,
                           params=RigParams(input_gain_db=6.0)), di)
    np.testing.assert_array_equal(grid.render_combo(pool, combo, di, shared), chain[0])


def test_a_render_does_not_depend_on_the_one_before(di) -> None:
    # Cached models are reset before each render, as the chain is for each rig.
    pool = grid.ModelPool()
    loud = grid.Combo(PEDAL, AMP, 12.0)
    quiet = grid.Combo(None, AMP, -6.0)
    first = grid.render_combo(pool, quiet, di)
    grid.render_combo(pool, loud, di)
    np.testing.assert_array_equal(grid.render_combo(pool, quiet, di), first)
