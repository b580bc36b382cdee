"""tonematch.render: IR files, chains built from rigs, renders aligned with the DI."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from chain_helpers import AMP, IR, PEDAL, noise, played

from tonematch.render import build_chain, load_ir, render_rig
from tonematch.rig import Rig, RigParams


def test_load_ir_mixes_channels_to_mono(tmp_path):
    stereo = np.stack([np.linspace(0, 1, 100), np.linspace(1, 0, 100)], axis=1)
    sf.write(tmp_path / "st.wav", stereo, 44100, subtype="FLOAT")
    ir, rate = load_ir(tmp_path / "st.wav")
    assert rate == 44100 and ir.dtype == np.float32 and ir.shape == (100,)
    np.testing.assert_allclose(ir, 0.5, atol=1e-6)


def test_load_ir_names_the_file_in_errors(tmp_path):
    with pytest.raises(ValueError, match="missing.wav"):
        load_ir(tmp_path / "missing.wav")
    (tmp_path / "junk.wav").write_bytes(b"not audio at all")
    with pytest.raises(ValueError, match="junk.wav"):
        load_ir(tmp_path / "junk.wav")


def test_render_equals_the_chain_and_ignores_the_block_size():
    rig = Rig(fx_path=PEDAL, amp_path=AMP, ir_path=IR,
              params=RigParams(input_gain_db=3, delay_mix=0.2, reverb_wet=0.2))
    di = noise(20000, level=0.2)
    y = render_rig(rig, di, tail_s=0.5)
    assert y.shape == (2, 20000 + 24000) and y.dtype == np.float32
    chain = build_chain(rig)
    assert (chain.pedal_name, chain.amp_name, chain.ir_name) == (PEDAL.stem, AMP.stem, IR.stem)
    direct = played(chain, np.concatenate([di, np.zeros(24000, np.float32)]))
    np.testing.assert_array_equal(y, direct)
    np.testing.assert_array_equal(y, render_rig(rig, di, block=61, tail_s=0.5))
    assert np.abs(y[:, 20000:]).max() > 1e-3  # delay and reverb ring on in the tail


def test_render_removes_the_latency_at_other_rates():
    rig = Rig()  # empty: the resampler pair only
    t = np.arange(44100) / 44100.0
    di = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    y = render_rig(rig, di, sample_rate=44100.0)
    assert y.shape == (2, 44100)
    assert np.abs(y[0, 1000:-1000] - di[1000:-1000]).max() < 1e-3


def test_render_rejects_bad_input():
    with pytest.raises(ValueError, match="mono"):
        render_rig(Rig(), np.zeros((2, 100), np.float32))
    with pytest.raises(ValueError, match="tail_s"):
        render_rig(Rig(), np.zeros(100, np.float32), tail_s=-1)
