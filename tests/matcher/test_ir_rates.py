"""Cabinet IRs recorded at other rates than 48 kHz: the grid scores them as the chain plays them.

A user's IR folder mixes 44.1, 48 and 96 kHz files. The chain resamples each IR to its own rate
(keeping the cabinet's frequency response and gain), so the grid must hear the same cabinet
whatever the file's rate: the same band gains, the same scores, and the same convolution as
``tonematch.render``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import resample_poly

from tonematch import grid_search as grid
from tonematch._native import NamModel
from tonematch.analysis import Features, analyse
from tonematch.audio_io import load_audio
from tonematch.library_index import IrEntry, ModelEntry
from tonematch.render import chain_ir, render_rig
from tonematch.rig import Rig

ASSETS = Path(__file__).resolve().parents[2] / "assets"
EXAMPLES = ASSETS / "examples"
CABS = ("cab_4x12_closed_cap", "cab_1x15_closed_cap")
# (rate, up, down): resample_poly factors from 48 kHz.
RATES = ((44100, 147, 160), (96000, 2, 1))
LEAD_IN = 64  # samples of silence before the cabinet (why: see other_rate_ir)


def bundled_ir(cab: str) -> Path:
    return ASSETS / "impulse_responses" / f"{cab}.wav"


def other_rate_ir(cab: str, rate: int, up: int, down: int, folder: Path) -> Path:
    """The bundled cabinet as a float WAV file at `rate`, resampled independently of the engine.

    Same cabinet means the same frequency response, so taps scale by 48000/rate (a filter's
    taps are its impulse response times the sample period). The lead-in keeps the resampling
    filter's pre-ringing inside the file, so nothing of the cabinet is cut off and the
    comparison measures the grid, not the truncated onset.
    """
    ir, rate_48 = sf.read(bundled_ir(cab), dtype="float64")
    assert rate_48 == 48000
    padded = np.concatenate([np.zeros(LEAD_IN), ir])
    path = folder / f"{cab}_{rate}.wav"
    sf.write(path, resample_poly(padded, up, down) * (48000 / rate), rate, subtype="FLOAT")
    assert sf.info(str(path)).samplerate == rate
    return path


def band_gains_db(path: Path) -> np.ndarray:
    return 10 * np.log10(grid.ir_band_gains(path))


@pytest.fixture(scope="module")
def amp_out() -> np.ndarray:
    """4 s of the bundled DI through a bundled amp: what the grid convolves with every IR."""
    di = load_audio(EXAMPLES / "di_riff_a.wav").samples[: 4 * 48000]
    model = NamModel(str(ASSETS / "nam_models" / "amp_british_crunch_g5.nam"))
    return model.process(di.astype(np.float32))


@pytest.fixture(scope="module")
def ref() -> Features:
    return analyse(load_audio(EXAMPLES / "ref_library_rig.wav").samples[: 8 * 48000])


@pytest.mark.parametrize("cab", CABS)
@pytest.mark.parametrize(("rate", "up", "down"), RATES)
def test_the_same_cabinet_at_another_rate_has_the_same_band_gains(cab, rate, up, down, tmp_path):
    """Every 1/3-octave band within 0.05 dB of the 48 kHz file (it was off by 5–35 dB)."""
    path = other_rate_ir(cab, rate, up, down, tmp_path)
    diff = band_gains_db(path) - band_gains_db(bundled_ir(cab))
    assert np.max(np.abs(diff)) < 0.05, np.round(diff, 3)


@pytest.mark.parametrize(("rate", "up", "down"), RATES)
def test_grid_scores_do_not_depend_on_the_ir_file_rate(rate, up, down, tmp_path, amp_out, ref):
    """Approximate (band-domain) and exact (convolved) scores agree with the 48 kHz file's."""
    cab = CABS[0]
    amp = ModelEntry(ASSETS / "nam_models" / "amp_british_crunch_g5.nam", "amp", "amp")
    combo = grid.Combo(None, amp, 0.0)
    # The 48 kHz file gets the same lead-in: the envelope and crest features see a 1.3 ms shift.
    irs = [IrEntry(other_rate_ir(cab, r, u, d, tmp_path), f"{cab}_{r}")
           for r, u, d in ((48000, 1, 1), (rate, up, down))]
    approx = grid.approx_scores(amp_out, combo, irs, ref)
    exact = [grid.exact_score(amp_out, s, ref) for s in approx]
    for at_48k, at_rate in (approx, exact):
        want, got = at_48k.loss.to_dict(), at_rate.loss.to_dict()
        assert got == pytest.approx(want, rel=2e-3, abs=0.01), (want, got)


@pytest.mark.parametrize(("rate", "up", "down"), RATES)
def test_grid_convolution_is_what_the_chain_plays(rate, up, down, tmp_path, amp_out):
    """The grid's cabinet render of an IR at another rate equals tonematch.render's Chain."""
    path = other_rate_ir(CABS[0], rate, up, down, tmp_path)
    ours = grid.cab_render(amp_out, IrEntry(path, path.stem))
    chain = render_rig(Rig(ir_path=path), amp_out)  # no pedal, no amp, flat post stages
    assert chain.shape == (2, len(amp_out))
    peak = np.max(np.abs(chain[0]))
    assert np.max(np.abs(ours - chain[0])) < 5e-6 * peak
    assert np.max(np.abs(ours - chain[1])) < 5e-6 * peak


def test_an_ir_at_48k_reaches_the_grid_unchanged():
    """At the grid's own rate the chain takes the samples as they are."""
    samples, rate = sf.read(bundled_ir(CABS[0]), dtype="float32")
    assert rate == 48000
    np.testing.assert_array_equal(grid.ir_samples(bundled_ir(CABS[0])), samples)


def test_an_ir_the_chain_refuses_names_its_file(tmp_path):
    """The engine's checks (here: longer than 10 s) come back as a ValueError with the path."""
    path = tmp_path / "hall.wav"
    sf.write(path, np.full(8000 * 11, 1e-3, dtype=np.float32), 8000, subtype="FLOAT")
    with pytest.raises(ValueError, match=r"hall\.wav.*longer than 10 s"):
        chain_ir(path)
