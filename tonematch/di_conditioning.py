"""The rig metric conditioned on the user's DI: how this playing differs from other playing.

A reference is another performance, and what it plays shapes its features as much as the rig
does. The shipped rig metric discounts the ways performances differ in general. The DI is
known exactly, so the matcher also measures how *this* DI differs from other performances: it
plays the DI excerpt through a few bundled probe rigs, as the grid renders candidates, and
compares it with stock performances through the same rigs (rendered once, when the metric was
built, and shipped with it). See `RigMetric` and `Conditioning.conditioned`.
"""

from __future__ import annotations

import numpy as np

from tonematch import grid_search as grid
from tonematch.analysis import frame_levels_db
from tonematch.audio_io import spread_excerpt
from tonematch.library_index import assets_root
from tonematch.rig_metric import (
    PLAYING_LEVEL_DB,
    Conditioning,
    Metrics,
    Probe,
    load_conditioning,
    load_metrics,
)

MIN_PROBES = 4  # fewer usable probe rigs than this: the shipped metric alone
# DI seconds played through each probe rig, in pieces spread across the DI: the covariance
# needs the DI's note content, not a long render (16 probes × 4 s take about 1.2 s on 2 cores;
# 8 s took 2.4 s of a 30 s match budget).
SECONDS = 4.0


def _usable(probe: Probe) -> bool:
    root = assets_root()
    files = [root / "nam_models" / probe.amp, root / "impulse_responses" / probe.ir]
    if probe.pedal:
        files.append(root / "nam_models" / probe.pedal)
    return all(f.is_file() for f in files)


def di_descriptor(probe: Probe, di: np.ndarray, pool: grid.ModelPool) -> np.ndarray:
    """The DI through one probe rig, described as the grid describes a candidate for the
    cabinet metric (CABINET_DIMS values; the rig metric's are their head)."""
    root = assets_root()
    x = np.asarray(di, dtype=np.float32)
    if probe.pedal:
        x = pool.get(root / "nam_models" / probe.pedal).process(x)
    out = pool.get(root / "nam_models" / probe.amp).process(x)
    return grid.approx_cabs(out, [root / "impulse_responses" / probe.ir]).cabinet_descriptors[0]


def metric_for_di(excerpt: np.ndarray, jobs: int,
                  conditioning: Conditioning | None = None) -> tuple[Metrics, list[str]]:
    """The rig and cabinet metrics for this DI (SECONDS of it are played), and notes for the
    user (empty when all went well).

    Falls back to the shipped metrics, with a note, when the bundled probe rigs are missing or
    the DI is silent.
    """
    conditioning = conditioning or load_conditioning()
    probes = [p for p in conditioning.probes if _usable(p)]
    # The playing level as the training performances define it: the loud 10 ms frames.
    level = float(np.percentile(frame_levels_db(excerpt), 95)) if len(excerpt) else -np.inf
    if len(probes) < MIN_PROBES or not np.isfinite(level) or level < -90.0:
        why = ("the DI is silent" if len(probes) >= MIN_PROBES
               else f"the bundled library's probe rigs are missing under {assets_root()}")
        return load_metrics(), [f"the rig comparison is not fitted to your playing: {why}"]
    di = spread_excerpt(np.asarray(excerpt, dtype=np.float64), SECONDS)
    di = di * 10 ** ((PLAYING_LEVEL_DB - level) / 20)
    pool = grid.ModelPool()
    rows = grid.run_parallel(lambda p: di_descriptor(p, di, pool), probes, jobs)
    if not np.all(np.isfinite(rows)):
        return load_metrics(), ["the rig comparison is not fitted to your playing: a probe "
                               "rig gave a non-finite output"]
    used = Conditioning(conditioning.within, conditioning.shrink, tuple(probes))
    return used.conditioned(np.array(rows)), []
