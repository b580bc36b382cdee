"""The PNG report a guitarist reads after a match: spectra, per-band error and dynamics."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tonematch.analysis import analyse, frame_levels_db, third_octave_centres
from tonematch.rig import Rig


def _band_label(f: float) -> str:
    return f"{f / 1000:.3g}k" if f >= 1000 else f"{f:.0f}"


def write_report(path: Path, ref: np.ndarray, di: np.ndarray, matched: np.ndarray,
                 rig: Rig) -> None:
    """Writes the report PNG atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fc = third_octave_centres()
    fr, fd, fm = analyse(ref), analyse(di), analyse(matched)
    fig, axes = plt.subplots(3, 1, figsize=(10, 10), constrained_layout=True)
    fig.suptitle(f"ToneMatch AI — {rig.describe()}", fontsize=13, fontweight="bold")

    ax = axes[0]
    ax.semilogx(fc, fr.bands_db, "-o", ms=3, color="#d62728", label="reference")
    ax.semilogx(fc, fd.bands_db, "-", color="#7f7f7f", label="your DI")
    ax.semilogx(fc, fm.bands_db, "-o", ms=3, color="#1f77b4", label="matched")
    ax.set_title("Long-term spectrum (1/3 octave, loudness-normalised)")
    ax.set_ylabel("dB")
    ax.legend(loc="lower left")

    ax = axes[1]
    err = (fm.bands_db - fr.bands_db) - np.mean(fm.bands_db - fr.bands_db)
    colors = ["#1f77b4" if e >= 0 else "#ff7f0e" for e in err]
    ax.bar(range(len(fc)), err, color=colors)
    ax.set_xticks(range(len(fc)), [_band_label(f) for f in fc], rotation=60, fontsize=8)
    ax.axhline(0, color="black", lw=0.8)
    rms = float(np.sqrt(np.mean(err**2)))
    ax.set_title(f"Matched minus reference per band (RMS {rms:.2f} dB; above 0 = too loud)")
    ax.set_ylabel("dB")

    ax = axes[2]
    bins = np.linspace(-60, 0, 61)
    for x, label, color in ((ref, "reference", "#d62728"), (di, "your DI", "#7f7f7f"),
                            (matched, "matched", "#1f77b4")):
        level = frame_levels_db(x)
        rel = np.maximum(level - np.percentile(level, 95), -60)
        ax.hist(rel, bins=bins, histtype="step", density=True, lw=1.6, label=label, color=color)
    ax.set_title("Dynamics: how often each level occurs (10 ms frames, 0 dB = loud playing)")
    ax.set_xlabel("dB below the loud frames")
    ax.legend(loc="upper left")
    p = rig.params
    fig.text(0.01, 0.002, f"input {p.input_gain_db:+.1f} dB · EQ {p.pre_eq_gain_db:+.1f} dB @ "
             f"{p.pre_eq_freq_hz:.0f} Hz · delay {p.delay_mix:.2f} @ {p.delay_time_ms:.0f} ms · "
             f"reverb {p.reverb_wet:.2f} (size {p.reverb_room_size:.2f}) · "
             f"output {p.final_eq_gain_db:+.1f} dB", fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial.png")
    fig.savefig(tmp, dpi=90)
    plt.close(fig)
    tmp.replace(path)
