"""Fast grid search: pedal (or none) × amp × input gain rendered with the C++ engine, × every IR.

Each (pedal, amp, gain) render of the DI excerpt is scored against every cabinet at once in the
1/3-octave domain (convolution multiplies band powers by the IR's band gains), then the best
(render, IR) pairs are convolved for real and scored with the full loss.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.signal import fftconvolve, sosfilt

from tonematch._native import NamModel
from tonematch.aligned import ir_power
from tonematch.analysis import (
    Features,
    analyse,
    band_matrix,
    level_free_db,
    long_term_band_power,
    narrow_band_matrix,
    third_octave_centres,
)
from tonematch.audio_io import RATE
from tonematch.library_index import _CAB_LIKE, IrEntry, ModelEntry
from tonematch.loss import LossParts, spectral_loss, tone_loss
from tonematch.render import chain_ir
from tonematch.rig_embedding import distance as embedding_distance
from tonematch.rig_embedding import load_embedder, signal_frames
from tonematch.rig_metric import (
    cabinet_metric_for,
    describe,
    describe_cabinet,
    descriptor,
    metric_for,
)

# A grid point's name: (pedal file name or "", amp file name, input gain dB).
Key = tuple[str, str, float]

# How many cabinets per render the rig embedding hears: those the rig metric ranks best. The
# network costs a pass per cabinet (hearing all 13 bundled ones took the held-out median match
# from 27.9 to 30.3 s, past its 30 s target); the cabinets left unheard are those the rig
# metric already ranks below these.
EMBEDDED_CABINETS = 4


@dataclass(frozen=True)
class Combo:
    """One grid point before the cabinet."""

    pedal: ModelEntry | None
    amp: ModelEntry
    input_gain_db: float

    @property
    def key(self) -> Key:
        """The combo's name, for tables of its renders."""
        return (self.pedal.name if self.pedal else "", self.amp.name, self.input_gain_db)


@dataclass
class Scored:
    """A combo with a cabinet and its loss."""

    combo: Combo
    ir: IrEntry
    loss: LossParts
    features: Features | None = None


class ModelPool:
    """One NamModel per (thread, file): native models are single-threaded objects."""

    def __init__(self) -> None:
        self._local = threading.local()

    def get(self, path: Path) -> NamModel:
        cache = getattr(self._local, "models", None)
        if cache is None:
            cache = self._local.models = {}
        model = cache.get(path)
        if model is None:
            model = cache[path] = NamModel(str(path))
        model.reset()
        return model


def run_parallel(fn: Callable, items: Iterable, jobs: int,
                 tick: Callable[[], None] | None = None) -> list:
    """Maps fn over items on `jobs` threads (the engine releases the GIL); keeps order.

    On Ctrl-C (or any error) the tasks still queued are cancelled rather than run: the exception
    surfaces at once and only the renders already running finish (a fraction of a second each),
    where the pool's own exit would have waited for the whole grid.
    """
    items = list(items)
    if jobs <= 1:
        out = []
        for item in items:
            out.append(fn(item))
            if tick:
                tick()
        return out
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = [pool.submit(fn, item) for item in items]
        out = []
        for f in futures:
            out.append(f.result())
            if tick:
                tick()
        return out
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def ir_band_gains(path: Path) -> np.ndarray:
    """Power gain of an IR in each 1/3-octave band (mean |H|² over the band's bins)."""
    return _ir_gains(path)[0]


def ir_narrow_gains(path: Path) -> np.ndarray:
    """Power gain of an IR in each narrow band (`analysis.narrow_band_matrix`)."""
    return _ir_gains(path)[1]


@lru_cache(maxsize=256)
def _ir_gains(path: Path) -> tuple[np.ndarray, np.ndarray]:
    ir = ir_samples(path)
    n = 1 << int(np.ceil(np.log2(max(len(ir), 4096) * 2)))
    h = np.fft.rfft(ir, n)
    power = h.real**2 + h.imag**2
    bands, narrow = ((m @ power) / np.maximum(m.sum(axis=1), 1.0)
                     for m in (band_matrix(n, RATE), narrow_band_matrix(n, RATE)))
    return bands, narrow


@lru_cache(maxsize=256)
def ir_frame_power(path: Path) -> np.ndarray:
    """An IR's power response on the embedding frames' bins."""
    return ir_power(ir_samples(path))


@lru_cache(maxsize=256)
def ir_samples(path: Path) -> np.ndarray:
    """The IR as float64 taps at the grid's rate, exactly as the chain convolves it."""
    # The grid renders at 48 kHz, so an IR recorded at another rate must be resampled the way
    # the chain does it; scoring its raw samples would warp the cabinet's frequency response.
    return chain_ir(path, RATE).astype(np.float64)


def band_brightness(band_power: np.ndarray) -> tuple[float, float]:
    """Centroid and high-band share (dB) estimated from band powers."""
    fc = third_octave_centres()
    total = band_power.sum() + 1e-30
    return float((fc * band_power).sum() / total), float(
        10 * np.log10(band_power[fc >= 2500].sum() / total + 1e-12))


def render_pedal(pool: ModelPool, pedal: ModelEntry | None, gain_db: float,
                 di: np.ndarray) -> np.ndarray:
    """DI → input gain → pedal (or no pedal), with the engine."""
    x = (di * np.float32(10 ** (gain_db / 20))).astype(np.float32)
    return x if pedal is None else pool.get(pedal.path).process(x)


def render_combo(pool: ModelPool, combo: Combo, di: np.ndarray,
                 pedal_out: np.ndarray | None = None) -> np.ndarray:
    """DI → input gain → pedal → amp; pedal_out skips the first stages when already rendered."""
    if pedal_out is None:
        pedal_out = render_pedal(pool, combo.pedal, combo.input_gain_db, di)
    return pool.get(combo.amp.path).process(pedal_out)


@dataclass(frozen=True)
class ApproxCabs:
    """An amp output as each cabinet would shape it, without convolving: band powers from
    the amp's long-term spectrum × the IR's band gains; distortion features from a generic
    cabinet-like filter (they barely depend on which cabinet)."""

    cab_like: Features
    powers: np.ndarray  # cabinets × bands, linear
    bands_db: np.ndarray  # cabinets × bands, level-free dB
    narrow_db: np.ndarray  # cabinets × narrow bands, level-free dB
    frames: np.ndarray  # the amp output's frames as the rig embedding samples them
    frame_gains: np.ndarray  # cabinets × the frames' bins, each IR's power response

    @property
    def descriptors(self) -> np.ndarray:
        """Rig-metric descriptors, one row per cabinet."""
        return np.array([descriptor(b, self.cab_like.flatness, self.cab_like.crest_db)
                         for b in self.bands_db])

    @property
    def cabinet_descriptors(self) -> np.ndarray:
        """Cabinet-metric descriptors, one row per cabinet."""
        return np.array([descriptor(b, self.cab_like.flatness, self.cab_like.crest_db, n)
                         for b, n in zip(self.bands_db, self.narrow_db, strict=True)])

    def embeddings(self, which: np.ndarray | None = None) -> np.ndarray:
        """The learned rig embedding through each cabinet, or through the cabinets `which`
        indexes (cabinets × dims)."""
        # A cabinet is a linear filter shorter than a frame: each IR scales the frames' power.
        gains = self.frame_gains if which is None else self.frame_gains[which]
        return load_embedder().through_cabinets(self.frames, gains)


def approx_cabs(amp_out: np.ndarray, ir_paths: list[Path]) -> ApproxCabs:
    """The amp output through each IR, in the band domain."""
    raw, raw_narrow = long_term_band_power(amp_out)
    powers = np.array([raw * ir_band_gains(p) for p in ir_paths])
    bands = 10 * np.log10(powers / powers.sum(axis=1, keepdims=True))
    narrow = level_free_db(np.array([raw_narrow * ir_narrow_gains(p) for p in ir_paths]))
    return ApproxCabs(analyse(sosfilt(_CAB_LIKE, amp_out), embedding=False), powers, bands,
                      narrow, signal_frames(amp_out),
                      np.array([ir_frame_power(p) for p in ir_paths]))


def approx_scores(amp_out: np.ndarray, combo: Combo, irs: list[IrEntry], ref: Features,
                  chosen_cabinet: bool = False) -> list[Scored]:
    """Scores the combo with every IR, using band-domain convolution for the spectral parts;
    with `chosen_cabinet`, only with the IR the cabinet metric chooses for this render
    (`rig_metric.cabinet_metric_for`: the loss still decides between renders)."""
    cabs = approx_cabs(amp_out, [ir.path for ir in irs])
    if chosen_cabinet and len(irs) > 1:
        fit = cabinet_metric_for(ref).distances(cabs.cabinet_descriptors,
                                                describe_cabinet(ref)[None, :])
        i = int(np.argmin(fit))
        irs = [irs[i]]
        cabs = replace(cabs, powers=cabs.powers[i:i + 1], bands_db=cabs.bands_db[i:i + 1],
                       narrow_db=cabs.narrow_db[i:i + 1], frame_gains=cabs.frame_gains[i:i + 1])
    cab_like, powers, bands = cabs.cab_like, cabs.powers, cabs.bands_db
    ref_centroid, ref_high = band_brightness(ref.band_power)
    shared = tone_loss(cab_like, ref)  # the parts that do not depend on the cabinet
    rig = metric_for(ref).distances(cabs.descriptors, describe(ref)[None, :])
    heard = _embedding_distances(cabs, rig, ref)
    out = []
    for ir, bp, bands_db, rig_part, emb in zip(irs, powers, bands, rig, heard, strict=True):
        centroid, high = band_brightness(bp)
        bright = 0.5 * abs(12 * np.log2((centroid + 1) / (ref_centroid + 1))) + 0.5 * abs(
            high - ref_high)
        parts = replace(shared, spectral=spectral_loss(bands_db, ref.bands_db),
                        brightness=bright, rig=float(rig_part), embedding=float(emb))
        out.append(Scored(combo, ir, parts))
    return out


def _embedding_distances(cabs: ApproxCabs, rig: np.ndarray, ref: Features) -> np.ndarray:
    """Each cabinet's embedding distance to the reference: heard for the EMBEDDED_CABINETS
    the rig metric ranks best; the others get the worst of those, so none of them can outrank
    a heard one (0 everywhere when the reference has none)."""
    if ref.embedding is None:
        return np.zeros(len(rig))
    which = np.argsort(rig, kind="stable")[:EMBEDDED_CABINETS]
    heard = np.array([embedding_distance(e, ref.embedding) for e in cabs.embeddings(which)])
    out = np.full(len(rig), heard.max())
    out[which] = heard
    return out


def cab_render(amp_out: np.ndarray, ir: IrEntry) -> np.ndarray:
    """Amp output through the cabinet (same length as the input)."""
    return fftconvolve(amp_out.astype(np.float64), ir_samples(ir.path))[: len(amp_out)]


def exact_score(amp_out: np.ndarray, scored: Scored, ref: Features) -> Scored:
    """Full loss of a (combo, IR) pair with a real convolution."""
    feats = analyse(cab_render(amp_out, scored.ir))
    return Scored(scored.combo, scored.ir, tone_loss(feats, ref), feats)
