"""Every unusable input ends in one line naming the file and the problem, exit code 2, no
traceback, and an untouched output file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from audio_files import write_wav

from tonematch.audio_io import load_audio
from tonematch.cli import EXIT_BAD_INPUT, main

RATE = 48000


def _match(capsys: pytest.CaptureFixture[str], di: Path, ref: Path, out: Path,
           library: tuple[Path, Path], *extra: str) -> tuple[int, str]:
    models, irs = library
    code = main(["match", "--di", str(di), "--ref", str(ref), "--out", str(out),
                 "--library", str(models), "--irs", str(irs), "--budget", "fast",
                 "--progress", "none", *extra])
    err = capsys.readouterr().err
    return code, err


def _tone(seconds: float, rate: int = RATE, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * 196 * t) * np.exp(-3 * (t % 0.5))).astype(np.float32)


def _bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    garbage = tmp / "garbage.wav"
    garbage.write_bytes(b"RIFF\x00\x00not really a wave file" * 10)
    empty = tmp / "empty.wav"
    empty.write_bytes(b"")
    nan = _tone(3.0)
    nan[1000] = np.nan
    inf = _tone(3.0)
    inf[5] = np.inf
    return {
        "missing": (tmp / "does_not_exist.wav", "not found"),
        "folder": (tmp, "is a folder"),
        "unreadable": (garbage, "cannot read"),
        "empty": (empty, "is empty"),
        "no samples": (write_wav(tmp / "zero_len.wav", np.zeros(0, np.float32)), "no samples"),
        "silent": (write_wav(tmp / "silent.wav", np.zeros(RATE * 3, np.float32)), "silent"),
        "too short": (write_wav(tmp / "short.wav", _tone(1.5)), "at least 2 s"),
        "nan": (write_wav(tmp / "nan.wav", nan), "NaN or infinite"),
        "inf": (write_wav(tmp / "inf.wav", inf), "NaN or infinite"),
    }


@pytest.mark.parametrize("role", ["di", "ref"])
@pytest.mark.parametrize("case", ["missing", "folder", "unreadable", "empty", "no samples",
                                  "silent", "too short", "nan", "inf"])
def test_bad_audio_is_refused_and_output_untouched(tmp_path: Path, capsys, small_library,
                                                   di_path: Path, ref_path: Path, role: str,
                                                   case: str) -> None:
    bad, problem = _bad_files(tmp_path)[case]
    out = tmp_path / "rig.json"
    out.write_text("my old rig")
    di, ref = (bad, ref_path) if role == "di" else (di_path, bad)
    code, err = _match(capsys, di, ref, out, small_library)
    assert code == EXIT_BAD_INPUT
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and str(bad) in lines[0] and problem in lines[0]
    assert "Traceback" not in err
    assert out.read_text() == "my old rig"


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"])
def test_integer_and_float_formats_read_the_same(tmp_path: Path, subtype: str) -> None:
    x = _tone(2.5)
    got = load_audio(write_wav(tmp_path / f"{subtype}.wav", x, subtype=subtype)).samples
    assert np.max(np.abs(got - x)) < 1e-3


def test_other_rates_and_stereo_become_mono_48k(tmp_path: Path) -> None:
    x = _tone(3.0, rate=44100)
    stereo = np.stack([x, 0.5 * x], axis=1)
    audio = load_audio(write_wav(tmp_path / "s.wav", stereo, rate=44100))
    assert audio.source_rate == 44100 and audio.source_channels == 2
    assert abs(len(audio.samples) - 3 * RATE) <= 1
    assert np.max(np.abs(audio.samples)) == pytest.approx(0.75 * 0.3, rel=0.05)
    assert any("resampled" in n for n in audio.notes) and any("mono" in n for n in audio.notes)


@pytest.mark.parametrize("other_db", [None, -60.0])
def test_a_silent_channel_is_left_out_not_mixed_in_at_half_level(
        tmp_path: Path, other_db: float | None) -> None:
    # An interface's second input left open beside the guitar's: averaged in, the DI would
    # reach the rig 6 dB softer than the guitar plays into the plugin's mono input.
    x = _tone(3.0)
    rng = np.random.default_rng(1)
    other = (np.zeros_like(x) if other_db is None
             else rng.normal(0.0, 10 ** (other_db / 20), len(x)).astype(np.float32))
    audio = load_audio(write_wav(tmp_path / "one.wav", np.stack([other, x], axis=1)))
    assert np.max(np.abs(audio.samples - x)) < 1e-3
    assert any("channel 1 silent" in n and "channel 2 used" in n for n in audio.notes)


def test_two_live_channels_are_still_averaged(tmp_path: Path) -> None:
    x = _tone(3.0)
    audio = load_audio(write_wav(tmp_path / "two.wav", np.stack([x, 0.1 * x], axis=1)))
    assert np.max(np.abs(audio.samples - 0.55 * x)) < 1e-3  # 20 dB apart: both are playing
    assert any("2 channels mixed to mono" in n for n in audio.notes)


def test_a_long_file_leaves_its_silent_channel_out_too(tmp_path: Path) -> None:
    x = np.tile(_tone(1.0), 6)
    x[3 * RATE : 4 * RATE] *= 2.0  # the loudest second
    audio = load_audio(write_wav(tmp_path / "long.wav", np.stack([x, 0 * x], axis=1)),
                       max_seconds=2.0)
    assert audio.seconds == pytest.approx(2.0)
    assert np.max(np.abs(audio.samples)) == pytest.approx(np.max(np.abs(x)), rel=1e-3)
    assert any("channel 2 silent" in n for n in audio.notes)


def test_a_reference_keeps_its_channels_for_its_level(tmp_path: Path) -> None:
    x = _tone(3.0, rate=44100)
    y = np.roll(x, 5000)
    path = write_wav(tmp_path / "st.wav", np.stack([x, y], axis=1), rate=44100)
    kept = load_audio(path, keep_channels=True)
    assert kept.channels is not None and kept.channels.shape == (2, len(kept.samples))
    assert np.max(np.abs(kept.channels.mean(axis=0) - kept.samples)) < 1e-5
    assert load_audio(path).channels is None  # only when asked: a DI needs none
    silent_right = write_wav(tmp_path / "one.wav", np.stack([x, 0 * x], axis=1), rate=44100)
    assert load_audio(silent_right, keep_channels=True).channels is None  # one channel plays


def test_clipped_input_is_used_with_a_warning(tmp_path: Path) -> None:
    x = np.clip(_tone(3.0, level=3.0), -1, 1)
    audio = load_audio(write_wav(tmp_path / "clip.wav", x))
    assert any("clipped" in n for n in audio.notes)


def test_very_long_input_is_analysed_over_a_window(tmp_path: Path) -> None:
    rate = 8000  # keeps the 10.5-minute file small
    x = np.tile(_tone(1.0, rate=rate, level=0.05), 630)
    x[300 * rate : 301 * rate] *= 10  # the loudest second lies inside the chosen window
    audio = load_audio(write_wav(tmp_path / "long.wav", x, rate=rate, subtype="PCM_16"))
    assert audio.seconds == pytest.approx(600.0, abs=0.01)
    assert any("analysing the loudest" in n for n in audio.notes)
    assert np.max(np.abs(audio.samples)) > 0.3


def _library_with(tmp: Path, small_library: tuple[Path, Path], extra: dict[str, bytes]) -> Path:
    models = tmp / "models"
    shutil.copytree(small_library[0], models)
    for name, data in extra.items():
        (models / name).write_bytes(data)
    return models


def test_corrupt_and_wrong_rate_models_are_skipped_with_a_warning(
        tmp_path: Path, capsys, small_library, di_path: Path, ref_path: Path) -> None:
    doc = json.loads((small_library[0] / "amp_clean_american_g2.nam").read_text())
    doc["sample_rate"] = 44100
    models = _library_with(tmp_path, small_library, {
        "broken_amp.nam": b'{"version": "0.5.4", "architecture": "WaveNet", "con',
        "amp_at_44k.nam": json.dumps(doc).encode(),
    })
    out = tmp_path / "rig.json"
    code, err = _match(capsys, di_path, ref_path, out, (models, small_library[1]))
    assert code == 0, err
    assert "broken_amp.nam" in err and "amp_at_44k.nam" in err and "44100 Hz" in err
    saved = json.loads(out.read_text())
    # Skipped: in no rig, and named in the rig's warnings (as on stderr).
    used = json.dumps([saved["rig"], *[a["rig"] for a in saved["alternatives"]]])
    assert "broken_amp" not in used and "amp_at_44k" not in used
    assert any("broken_amp.nam" in w for w in saved["warnings"])
    assert any("amp_at_44k.nam" in w for w in saved["warnings"])


def test_a_library_without_a_usable_model_is_an_error(tmp_path: Path, capsys, small_library,
                                                     di_path: Path, ref_path: Path) -> None:
    models = tmp_path / "only_junk"
    models.mkdir()
    (models / "junk.nam").write_text("not json")
    code, err = _match(capsys, di_path, ref_path, tmp_path / "rig.json",
                       (models, small_library[1]))
    assert code == EXIT_BAD_INPUT
    assert "no usable amp model" in err and str(models) in err
    assert not (tmp_path / "rig.json").exists()


def test_a_missing_library_folder_is_an_error(tmp_path: Path, capsys, small_library,
                                              di_path: Path, ref_path: Path) -> None:
    code, err = _match(capsys, di_path, ref_path, tmp_path / "rig.json",
                       (tmp_path / "nowhere", small_library[1]))
    assert code == EXIT_BAD_INPUT and "library folder not found" in err
