"""Writes the probe phrase every model is fingerprinted with: `tonematch/data/probe.wav`.

The phrase is 4 s of the DI synthesiser (seed 1234, peak 0.5), stored as 32-bit float so that
reading it back gives exactly the samples rendered here. The matcher reads the stored file and
never runs the synthesiser; `tests/package/test_probe_asset.py` checks that this script still
renders the same samples.

Usage: `python -m tonematch.library.probe [--out PATH]`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from tonematch.library import di_synth

SECONDS = 4.0
SEED = 1234
PEAK = 0.5
OUT = Path(__file__).resolve().parents[1] / "data" / "probe.wav"


def render_probe() -> np.ndarray:
    """The probe phrase (mono float32 at 48 kHz)."""
    plucks = di_synth.riff(SECONDS, seed=SEED)
    x = di_synth.render(plucks, SECONDS, seed=SEED, peak=PEAK)
    return np.asarray(x, dtype=np.float32)


def write_probe(path: Path) -> None:
    """Renders the probe and writes it as a 32-bit float WAV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, render_probe(), di_synth.SAMPLE_RATE, subtype="FLOAT", format="WAV")


def main(argv: list[str] | None = None) -> int:
    """Writes the probe file; returns an exit code."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT})")
    args = parser.parse_args(argv)
    write_probe(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
