"""The probe phrase is a packaged asset: the stored file is what its generator renders, and
fingerprinting a library does not import the asset builder (`tonematch.library`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from tonematch.library_index import PROBE_FILE, probe_signal

ROOT = Path(__file__).resolve().parents[2]


def test_the_stored_probe_is_what_the_generator_renders() -> None:
    from tonematch.library.probe import render_probe

    stored, rate = sf.read(PROBE_FILE, dtype="float32")
    assert rate == 48000 and stored.shape == (4 * 48000,)
    np.testing.assert_allclose(stored, render_probe(), rtol=0, atol=1e-6,
                               err_msg="rewrite it: python -m tonematch.library.probe")
    assert np.array_equal(probe_signal(), stored)


def test_fingerprinting_does_not_import_the_asset_builder(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "amp.nam").write_bytes((ROOT / "assets" / "examples" / "demo_crunch.nam")
                                     .read_bytes())
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "import tonematch.cli, tonematch.matcher\n"
        "from tonematch.library_index import index_models, probe_level_db\n"
        f"entries, notes = index_models(Path({str(folder)!r}), jobs=1)\n"
        "assert len(entries) == 1 and entries[0].fingerprint, notes\n"
        "probe_level_db()\n"
        "print(json.dumps(sorted(m for m in sys.modules if m == 'tonematch.library'\n"
        "                        or m.startswith('tonematch.library.'))))\n"
    )
    env = {**os.environ, "TONEMATCH_CACHE": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, cwd=tmp_path, check=False, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
