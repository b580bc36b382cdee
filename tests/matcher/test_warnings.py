"""Warnings when a match is not to be trusted, and parameters reported at their limits.

Each check has a case that produces it — made from the bundled demo files, so that only the
property under test differs — and the bundled demo itself (di_riff_a.wav against
ref_library_rig.wav), which must pass every check, in `trust` and through `match()`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import resample_poly

from tonematch.analysis import analyse
from tonematch.audio_io import load_audio
from tonematch.cli import main as cli_main
from tonematch.grid_search import (
    Combo,
    ModelPool,
    Scored,
    cab_render,
    exact_score,
    render_combo,
)
from tonematch.library_index import load_library
from tonematch.loss import tone_loss
from tonematch.matcher import BUDGETS, MatchOptions, _widen_gains, match
from tonematch.rig import RigParams
from tonematch.trust import (
    at_limit,
    di_warnings,
    reference_warnings,
    result_warnings,
    swap_warnings,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"


@pytest.fixture(scope="module")
def demo_di() -> np.ndarray:
    return load_audio(EXAMPLES / "di_riff_a.wav", "DI").samples.astype(np.float64)


@pytest.fixture(scope="module")
def demo_ref() -> np.ndarray:
    return load_audio(EXAMPLES / "ref_library_rig.wav", "reference").samples.astype(np.float64)


def test_the_demo_passes_every_input_check(demo_di: np.ndarray, demo_ref: np.ndarray) -> None:
    assert di_warnings(demo_di) == []
    assert reference_warnings(demo_ref) == []
    assert swap_warnings(analyse(demo_di), analyse(demo_ref)) == []


def test_a_reference_recorded_at_8_khz_has_no_content_above_5_khz(demo_ref: np.ndarray) -> None:
    narrow = resample_poly(resample_poly(demo_ref, 1, 6), 6, 1)  # 48 → 8 → 48 kHz
    found = reference_warnings(narrow)
    assert len(found) == 1 and "no content above 5 kHz" in found[0]


def test_a_di_of_noise_is_called_noise() -> None:
    noise = 0.1 * np.random.default_rng(1).standard_normal(48_000 * 8)
    found = di_warnings(noise)
    assert len(found) == 1 and "noise" in found[0]


def test_a_di_of_dc_is_called_dc() -> None:
    dc = 0.3 + 1e-4 * np.random.default_rng(2).standard_normal(48_000 * 8)
    found = di_warnings(dc)
    assert len(found) == 1 and "DC" in found[0]


def test_a_di_clipped_then_turned_down_is_called_clipped(demo_di: np.ndarray) -> None:
    # Full-scale clipping is the file reader's note; this one has flat tops at −6 dBFS.
    hot = 0.5 * np.clip(demo_di * 30 / np.max(np.abs(demo_di)), -1.0, 1.0)
    found = di_warnings(hot)
    assert len(found) == 1 and "clipped" in found[0]


def test_a_di_clipped_at_full_scale_is_reported_once(tmp_path: Path, demo_di: np.ndarray) -> None:
    path = tmp_path / "hot.wav"
    sf.write(path, np.clip(demo_di * 30 / np.max(np.abs(demo_di)), -1.0, 1.0), 48_000,
             subtype="FLOAT")
    audio = load_audio(path, "DI")
    assert [n for n in audio.notes if "clipped" in n]
    assert di_warnings(audio.samples.astype(np.float64)) == []


def test_swapped_files_are_noticed(demo_di: np.ndarray, demo_ref: np.ndarray) -> None:
    found = swap_warnings(analyse(demo_ref), analyse(demo_di))
    assert len(found) == 1 and "swapped" in found[0]


def _band(x: np.ndarray, rate: int = 48_000) -> np.ndarray:
    """A bass line (square waves, 37–55 Hz) and a drum kit (kick, snare, hi-hats) at 120 bpm."""
    rng = np.random.default_rng(3)
    out = np.zeros(len(x))
    beat = rate // 2
    for k in range(len(x) // beat):
        s = k * beat
        t = np.arange(min(beat, len(x) - s)) / rate
        f = (41.2, 55.0, 49.0, 36.7)[(k // 4) % 4]
        out[s: s + len(t)] += 0.3 * np.sign(np.sin(2 * np.pi * f * t)) * np.exp(-2 * t)
        hit = t[: rate // 4]
        if k % 2 == 0:
            out[s: s + len(hit)] += 0.8 * np.sin(
                2 * np.pi * (50 + 100 * np.exp(-30 * hit)) * hit) * np.exp(-12 * hit)
        else:
            out[s: s + len(hit)] += 0.4 * rng.standard_normal(len(hit)) * np.exp(-25 * hit)
        for h in (0, beat // 2):
            n = min(3000, len(x) - s - h)
            if n > 0:
                out[s + h: s + h + n] += 0.15 * np.diff(rng.standard_normal(n + 1)) * np.exp(
                    -60 * np.arange(n) / rate)
    return x + out * np.sqrt(np.mean(x**2) / np.mean(out**2))


def test_a_full_mix_is_noticed(demo_ref: np.ndarray) -> None:
    found = reference_warnings(_band(demo_ref))
    assert len(found) == 1 and "full mix" in found[0]


def test_a_poor_final_loss_is_noticed(demo_ref: np.ndarray) -> None:
    # A "match" that is hiss: rig distance about 5 from the reference.
    hiss = 0.1 * np.random.default_rng(4).standard_normal(48_000 * 8)
    found = result_warnings(tone_loss(analyse(hiss), analyse(demo_ref)))
    assert len(found) == 1 and "poor" in found[0]


def test_at_limit_names_pinned_parameters_but_not_effects_that_are_off() -> None:
    eq = [0.0] * 24
    eq[3] = -12.0
    limits = at_limit(RigParams(pre_eq_gain_db=12.0, final_eq_gain_db=-3.0, reverb_wet=0.0,
                                reverb_room_size=1.0, delay_mix=0.0, delay_time_ms=500.0,
                                match_eq_db=eq))
    assert [d["param"] for d in limits] == ["pre_eq_gain_db", "final_eq_gain_db",
                                             "match_eq 126 Hz"]
    assert at_limit(RigParams(delay_mix=0.5, delay_time_ms=80.0))[0]["param"] == "delay_mix"
    assert at_limit(RigParams()) == []


def test_the_input_gain_search_goes_on_past_the_grid(small_library: tuple[Path, Path],
                                                     demo_di: np.ndarray) -> None:
    """A reference driven 18 dB harder than the grid's top gain: the best gain found on the
    grid is its edge, and the widened search moves beyond it."""
    library = load_library([small_library[0]], [small_library[1]])
    amp = next(a for a in library.amps if a.name == "amp_british_crunch_g5")
    ir = library.irs[0]
    excerpt = demo_di[: 48_000 * 4].astype(np.float32)
    pool = ModelPool()
    hot = Combo(None, amp, 18.0)
    ref = analyse(cab_render(render_combo(pool, hot, excerpt), ir))
    budget = BUDGETS["fast"]
    edge = Combo(None, amp, max(budget.gains_db))
    edge_out = render_combo(pool, edge, excerpt)
    start = exact_score(edge_out, Scored(edge, ir, tone_loss(ref, ref)), ref)
    options = MatchOptions([small_library[0]], [small_library[1]], "fast", jobs=1)
    renders = {edge.key: edge_out}
    widened, tried = _widen_gains([start], renders, excerpt, ref, budget, options)
    assert tried and max(tried) > max(budget.gains_db)
    assert widened[0].combo.input_gain_db > max(budget.gains_db)
    assert widened[0].loss.rig < start.loss.rig
    # The widened rig's amp output is kept for the cabinet re-choice, as a fresh render plays.
    kept = renders[widened[0].combo.key]
    assert np.array_equal(kept, render_combo(pool, widened[0].combo, excerpt))


def test_the_demo_match_has_no_warnings_and_says_what_effects_it_found(
        small_library: tuple[Path, Path]) -> None:
    models, irs = small_library
    rig, notes = match(EXAMPLES / "di_riff_a.wav", EXAMPLES / "ref_library_rig.wav",
                       MatchOptions([models], [irs], "fast", jobs=2))
    assert notes == [] and rig.extra["warnings"] == []
    effects = rig.extra["analysis"]["time_effects"]
    assert effects["delay"] is False and effects["reverb"] is False
    assert rig.params.delay_mix == 0.0 and rig.params.reverb_wet == 0.0
    assert isinstance(rig.extra["at_limit"], list)


def test_a_silent_ir_and_swapped_files_reach_the_rig_and_stderr(
        small_library: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    models, irs = small_library
    ir_dir = tmp_path / "irs"
    shutil.copytree(irs, ir_dir)
    sf.write(ir_dir / "cab_silent.wav", np.zeros(4800, dtype=np.float32), 48_000)
    out = tmp_path / "rig.json"
    code = cli_main(["match", "--di", str(EXAMPLES / "ref_library_rig.wav"), "--ref",
                     str(EXAMPLES / "di_riff_a.wav"), "--out", str(out), "--library",
                     str(models), "--irs", str(ir_dir), "--budget", "fast", "--progress",
                     "none", "--jobs", "2"])
    assert code == 0
    saved = json.loads(out.read_text())
    warnings = saved["warnings"]
    assert any("cab_silent.wav" in w for w in warnings)
    assert any("swapped" in w for w in warnings)
    err = capsys.readouterr().err
    assert "cab_silent.wav" in err and "swapped" in err
    for item in saved["at_limit"]:
        assert f"at limit: {item['param']}" in err
