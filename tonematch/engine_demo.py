"""Runs the bundled DI through the bundled NAM model with the C++ engine.

Usage: `python -m tonematch.engine_demo [--model M.nam] [--di DI.wav] [--out OUT.wav]`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from tonematch._native import NamModel

ASSETS = Path(__file__).resolve().parents[1] / "assets"


def main(argv: list[str] | None = None) -> int:
    """Renders the DI through the model and writes the result; returns an exit code."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=ASSETS / "examples" / "demo_crunch.nam")
    parser.add_argument("--di", type=Path, default=ASSETS / "examples" / "demo_di.wav")
    parser.add_argument("--out", type=Path, default=Path("out") / "engine_demo.wav")
    parser.add_argument("--plot", type=Path, help="also write a PNG of waveforms and spectra")
    args = parser.parse_args(argv)
    try:
        model = NamModel(args.model)
        di, rate = sf.read(args.di, dtype="float32", always_2d=True)
    except (ValueError, OSError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    mono = di.mean(axis=1).astype(np.float32)
    started = time.perf_counter()
    wet = model.process(mono)
    elapsed = time.perf_counter() - started
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sf.write(args.out, wet, int(rate), subtype="FLOAT")
    seconds = len(mono) / rate
    print(
        f"{args.di} -> {args.model.name} -> {args.out}\n"
        f"{seconds:.1f} s of audio in {elapsed * 1000:.0f} ms "
        f"({seconds / elapsed:.0f}x real time); "
        f"peak in {np.max(np.abs(mono)):.2f}, peak out {np.max(np.abs(wet)):.2f}"
    )
    if args.plot:
        _plot(mono, wet, int(rate), args.plot, args.model.name)
        print(f"wrote {args.plot}")
    return 0


def _plot(di: np.ndarray, wet: np.ndarray, rate: int, path: Path, model_name: str) -> None:
    """Waveform excerpt and long-term spectra of the DI and the processed signal."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_wave, ax_spec) = plt.subplots(1, 2, figsize=(11, 3.6))
    start = int(1.0 * rate)
    seg = slice(start, start + int(0.08 * rate))
    t_ms = np.arange(seg.stop - seg.start) / rate * 1000
    ax_wave.plot(t_ms, di[seg], label="DI", lw=1)
    ax_wave.plot(t_ms, wet[seg], label=model_name, lw=1)
    ax_wave.set(xlabel="time (ms)", ylabel="amplitude", title="80 ms of the clip")
    ax_wave.legend(loc="upper right")
    for sig, label in ((di, "DI"), (wet, model_name)):
        frames = np.lib.stride_tricks.sliding_window_view(sig, 4096)[::2048]
        spec = np.mean(np.abs(np.fft.rfft(frames * np.hanning(4096), axis=1)) ** 2, axis=0)
        freqs = np.fft.rfftfreq(4096, 1 / rate)
        ax_spec.semilogx(freqs[1:], 10 * np.log10(spec[1:] + 1e-12), label=label, lw=1)
    ax_spec.set(xlabel="frequency (Hz)", ylabel="power (dB)", title="long-term spectrum",
                xlim=(40, 20000))
    ax_spec.legend(loc="lower left")
    fig.suptitle("ToneMatch engine: the bundled DI through a captured crunch amp (.nam)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
