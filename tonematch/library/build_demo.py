"""Rebuilds the demo assets: a DI clip and one captured crunch amp.

Usage: `python -m tonematch.library.build_demo [--steps N]`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import soundfile as sf

from tonematch.library import amp_sim, capture, di_synth

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def main(argv: list[str] | None = None) -> int:
    """Writes assets/examples/demo_di.wav and assets/examples/demo_crunch.nam."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=500, help="training steps (default 500)")
    parser.add_argument("--assets", type=Path, default=ASSETS, help="assets folder to write into")
    args = parser.parse_args(argv)

    di = di_synth.render(di_synth.riff(12.0, seed=11), 12.0, seed=11, peak=0.5)
    di_path = args.assets / "examples" / "demo_di.wav"
    di_path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(di_path, di, di_synth.SAMPLE_RATE, subtype="PCM_24")

    settings = amp_sim.AmpSettings(drive=6.0, stages=2, bass_db=3.0, mid_db=-1.0, treble_db=2.0)
    started = time.time()

    def report(step: int, loss: float) -> None:
        if step % 100 == 0:
            print(f"step {step}/{args.steps} loss {loss:.4f}", file=sys.stderr)

    result = capture.train_capture(
        lambda x: amp_sim.amp(x, settings),
        # Not in nam_models/: the matcher's library holds catalogued gear only.
        args.assets / "examples" / "demo_crunch.nam",
        name="Demo Crunch",
        steps=args.steps,
        progress=report,
    )
    print(
        f"wrote {di_path} and {result.path}: ESR {result.esr:.4f}, "
        f"{result.parameter_count} weights, {time.time() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
