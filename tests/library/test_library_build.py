"""The library builder: the smoke build runs end to end, and what is committed is consistent."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tonematch._native import NamModel
from tonematch.library import build, cab_sim, manifest

ASSETS = Path(__file__).resolve().parents[2] / "assets"


@pytest.fixture(scope="module")
def smoke_library(tmp_path_factory) -> Path:
    """One tiny capture, one IR and the example clips, built from scratch."""
    pytest.importorskip("nam")
    out = tmp_path_factory.mktemp("library")
    assert build.main(["--mode", "smoke", "--out", str(out)]) == 0
    return out


def test_smoke_build_writes_a_capture_the_engine_loads(smoke_library: Path):
    entries = manifest.read(smoke_library / "nam_models")
    assert len(entries) == 1
    entry = next(iter(entries.values()))
    path = smoke_library / "nam_models" / entry["file"]
    model = NamModel(path)
    assert model.sample_rate == 48000
    assert entry["sha256"] == manifest.sha256(path)
    assert entry["kind"] == "pedal" and entry["preset"] == "nano"
    assert np.isfinite(entry["esr"])


def test_smoke_capture_matches_the_reference_implementation(smoke_library: Path):
    torch = pytest.importorskip("torch")
    from nam.models._from_nam import init_from_nam

    entry = next(iter(manifest.read(smoke_library / "nam_models").values()))
    path = smoke_library / "nam_models" / entry["file"]
    x = (0.3 * np.random.default_rng(3).standard_normal(48000)).astype(np.float32)
    with torch.no_grad():
        ref = init_from_nam(json.loads(path.read_text()))(torch.from_numpy(x)[None],
                                                           pad_start=True)[0].numpy()
    y = NamModel(path).process(x)
    assert np.max(np.abs(y - ref)) <= 1e-4 * np.max(np.abs(ref))


def test_smoke_build_writes_a_normalised_ir(smoke_library: Path):
    entries = manifest.read(smoke_library / "impulse_responses")
    assert len(entries) == 1
    entry = next(iter(entries.values()))
    ir, rate = sf.read(smoke_library / "impulse_responses" / entry["file"], dtype="float32")
    assert rate == 48000 and ir.ndim == 1 and np.all(np.isfinite(ir))
    assert np.sum(ir.astype(np.float64) ** 2) == pytest.approx(1.0, rel=1e-4)


def test_every_cabinet_ir_is_short_finite_and_distinct():
    irs = {c.name: cab_sim.impulse_response(c.settings) for c in cab_sim.catalog()}
    assert len(irs) >= 12
    spectra = []
    for name, ir in irs.items():
        assert len(ir) <= 0.2 * 48000, name
        assert np.all(np.isfinite(ir)), name
        assert np.sum(ir.astype(np.float64) ** 2) == pytest.approx(1.0, rel=1e-4), name
        spectra.append(20 * np.log10(np.abs(np.fft.rfft(ir, 4096))[20:400] + 1e-9))
    # No two cabinets sound alike: their spectra differ by at least 1 dB on average.
    for i in range(len(spectra)):
        for j in range(i + 1, len(spectra)):
            assert np.mean(np.abs(spectra[i] - spectra[j])) > 1.0


@pytest.mark.parametrize("folder", ["nam_models", "impulse_responses"])
def test_committed_manifests_match_their_files(folder: str):
    """Every manifest entry has its file with the recorded hash, and every file is listed."""
    entries = manifest.read(ASSETS / folder)
    suffix = ".nam" if folder == "nam_models" else ".wav"
    listed = {e["file"] for e in entries.values()}
    on_disk = {p.name for p in (ASSETS / folder).glob(f"*{suffix}")}
    assert listed == on_disk
    for entry in entries.values():
        assert entry["sha256"] == manifest.sha256(ASSETS / folder / entry["file"]), entry["name"]


def test_committed_captures_load_and_match_the_reference_implementation():
    """Every committed capture: 48 kHz, ESR within the library's bar, engine == torch."""
    torch = pytest.importorskip("torch")
    from nam.models._from_nam import init_from_nam

    x = (0.3 * np.random.default_rng(5).standard_normal(12000)).astype(np.float32)
    for entry in manifest.read(ASSETS / "nam_models").values():
        path = ASSETS / "nam_models" / entry["file"]
        model = NamModel(path)
        assert model.sample_rate == 48000, entry["name"]
        assert entry["esr"] <= 0.05, entry["name"]
        with torch.no_grad():
            ref = init_from_nam(json.loads(path.read_text()))(torch.from_numpy(x)[None],
                                                               pad_start=True)[0].numpy()
        assert np.max(np.abs(model.process(x) - ref)) <= 1e-4 * np.max(np.abs(ref)), entry["name"]


def test_smoke_build_writes_di_clips_and_an_outside_reference(smoke_library: Path):
    examples = smoke_library / "examples"
    for name in ("di_riff_a", "di_riff_b", "di_riff_c", "ref_outside_rig"):
        audio, rate = sf.read(examples / f"{name}.wav", dtype="float32")
        assert rate == 48000 and len(audio) == 3 * 48000, name
        assert np.all(np.isfinite(audio)) and 0.01 < np.max(np.abs(audio)) < 1.0, name
    rigs = json.loads((examples / "references.json").read_text())
    assert "ref_outside_rig.wav" in rigs


def test_committed_irs_rebuild_bit_identically(tmp_path: Path):
    """The IR files are exactly what the builder makes from the recorded settings."""
    committed = manifest.read(ASSETS / "impulse_responses")
    rebuilt = build.build_irs(tmp_path, cab_sim.catalog())
    assert set(committed) == set(rebuilt)
    for name, entry in committed.items():
        assert rebuilt[name]["sha256"] == entry["sha256"], name
        assert rebuilt[name]["settings"] == entry["settings"], name
