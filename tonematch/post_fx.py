"""Post-FX optimisation: peak EQ, delay, reverb and output gain for a fixed pedal/amp/cabinet.

The post-cabinet stages are rendered with the engine's own chain (the plugin's code), fed the
cabinet output, so what is scored is what the plugin plays. The search is staged so it stays
cheap and deterministic: the EQ is fitted in the 1/3-octave domain (its response is known in
closed form), reverb and delay are chosen on small grids, then a Nelder–Mead pass refines all
six together; the output gain finally matches the reference level within its ±3 dB range.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import minimize

from tonematch._native import Chain
from tonematch.analysis import Features, analyse, third_octave_centres
from tonematch.audio_io import RATE
from tonematch.loss import LossParts, tone_loss
from tonematch.rig import RANGES, RigParams
from tonematch.rig_metric import describe, load_metric

PRE_EQ_Q = 0.707  # engine::Chain::kPreEqQ
TUNED = ("pre_eq_gain_db", "pre_eq_freq_hz", "reverb_wet", "reverb_room_size",
         "delay_time_ms", "delay_mix")
LOG_SCALED = {"pre_eq_freq_hz", "delay_time_ms"}
EFFECT_PRIOR = 1.0  # loss units per unit of delay mix or reverb wet


@dataclass
class PostFxResult:
    """Tuned parameters and the loss they reach on the excerpt."""

    params: RigParams
    loss: LossParts
    evaluations: int


def peak_gain_db(freqs: np.ndarray, f0: float, gain_db: float, q: float = PRE_EQ_Q) -> np.ndarray:
    """Magnitude (dB) of the RBJ peaking biquad at the given frequencies."""
    a = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * f0 / RATE
    alpha = np.sin(w0) / (2 * q)
    b = np.array([1 + alpha * a, -2 * np.cos(w0), 1 - alpha * a])
    den = np.array([1 + alpha / a, -2 * np.cos(w0), 1 - alpha / a])
    z = np.exp(-1j * 2 * np.pi * np.asarray(freqs) / RATE)
    h = (b[0] + b[1] * z + b[2] * z**2) / (den[0] + den[1] * z + den[2] * z**2)
    return 20 * np.log10(np.abs(h))


def fit_eq(cand: Features, ref: Features) -> tuple[float, float]:
    """Peak EQ (freq, gain) that brings the candidate closest to the reference in rig distance."""
    fc = third_octave_centres()
    freqs = np.geomspace(400.0, 3000.0, 25)
    gains = np.arange(-12.0, 12.01, 0.5)
    shapes = np.array([[peak_gain_db(fc, f0, g) for g in gains] for f0 in freqs])
    shaped = cand.bands_db[None, None, :] + shapes
    flat = np.broadcast_to(cand.flatness, (*shaped.shape[:2], len(cand.flatness)))
    crest = np.broadcast_to(cand.crest_db, (*shaped.shape[:2], len(cand.crest_db)))
    desc = np.concatenate([shaped - shaped.mean(axis=2, keepdims=True), flat, crest], axis=2)
    dist = load_metric().distances(desc.reshape(-1, desc.shape[2]), describe(ref)[None, :])
    # Ties (a flat region of the distance) go to the smallest boost, then to 800 Hz.
    order = np.lexsort((np.abs(np.log(np.repeat(freqs, len(gains)) / 800.0)),
                        np.abs(np.tile(gains, len(freqs))), np.round(dist, 9)))
    k = int(order[0])
    return float(freqs[k // len(gains)]), float(gains[k % len(gains)])


class PostFxRenderer:
    """Renders cabinet output through the chain's post-cabinet stages only (empty slots)."""

    def __init__(self, cab_out: np.ndarray) -> None:
        self.cab_out = np.ascontiguousarray(cab_out, dtype=np.float32)
        self.chain = Chain(sample_rate=RATE, max_block=4096)

    def render(self, params: RigParams) -> np.ndarray:
        values = params.to_dict()
        values["input_gain_db"] = 0.0  # already applied before the pedal
        self.chain.set_params(**values, immediate=True)
        self.chain.reset()
        return self.chain.process(self.cab_out).mean(axis=0)


def _to_unit(params: RigParams) -> np.ndarray:
    out = []
    for key in TUNED:
        r, v = RANGES[key], getattr(params, key)
        if key in LOG_SCALED:
            out.append(np.log(v / r.low) / np.log(r.high / r.low))
        else:
            out.append((v - r.low) / (r.high - r.low))
    return np.array(out)


def _from_unit(u: np.ndarray, base: RigParams) -> RigParams:
    values = {}
    for key, x in zip(TUNED, np.clip(u, 0.0, 1.0), strict=True):
        r = RANGES[key]
        values[key] = float(r.low * (r.high / r.low) ** x if key in LOG_SCALED
                            else r.low + x * (r.high - r.low))
    return replace(base, **values)


def match_level(out: np.ndarray, ref: Features) -> float:
    """Output gain (dB, within its range) that brings the render to the reference level."""
    level = analyse(out).level_db
    r = RANGES["final_eq_gain_db"]
    return float(np.clip(ref.level_db - level, r.low, r.high))


def optimise(cab_out: np.ndarray, ref: Features, base: RigParams, refine_evals: int,
             seed: int = 0) -> PostFxResult:
    """Tunes the post-FX parameters of one rig against the reference features."""
    renderer = PostFxRenderer(cab_out)
    evals = 0

    def score(p: RigParams) -> LossParts:
        nonlocal evals
        evals += 1
        return tone_loss(analyse(renderer.render(p)), ref)

    def cost(p: RigParams, loss: LossParts) -> float:
        # Delay and reverb must earn their place: small feature differences between two
        # performances should not be "explained" with effects the reference does not have.
        return loss.total + EFFECT_PRIOR * (p.delay_mix + p.reverb_wet)

    freq, gain = fit_eq(analyse(cab_out), ref)
    best = replace(base, pre_eq_freq_hz=freq, pre_eq_gain_db=gain, reverb_wet=0.0, delay_mix=0.0,
                   final_eq_gain_db=0.0)
    best_loss = score(best)
    for wet in (0.08, 0.16, 0.3, 0.5):
        for room in (0.3, 0.6, 0.9):
            trial = replace(best, reverb_wet=wet, reverb_room_size=room)
            loss = score(trial)
            if cost(trial, loss) < cost(best, best_loss):
                best, best_loss = trial, loss
    base_delay = best
    for mix in (0.1, 0.2, 0.35):
        for time_ms in (120.0, 250.0, 400.0):
            trial = replace(base_delay, delay_mix=mix, delay_time_ms=time_ms)
            loss = score(trial)
            if cost(trial, loss) < cost(best, best_loss):
                best, best_loss = trial, loss
    if refine_evals > 0:
        rng = np.random.default_rng(seed)
        start = _to_unit(best)
        simplex = [start] + [np.clip(start + np.eye(len(TUNED))[i] * 0.12 * rng.choice([-1, 1]),
                                     0, 1) for i in range(len(TUNED))]
        def objective(u: np.ndarray) -> float:
            p = _from_unit(u, best)
            return cost(p, score(p))

        result = minimize(objective, start, method="Nelder-Mead",
                          options={"maxfev": refine_evals, "initial_simplex": np.array(simplex),
                                   "xatol": 1e-3, "fatol": 1e-4})
        trial = _from_unit(result.x, best)
        loss = score(trial)
        if cost(trial, loss) < cost(best, best_loss):
            best, best_loss = trial, loss
    best = replace(best, final_eq_gain_db=match_level(renderer.render(best), ref))
    return PostFxResult(best, best_loss, evals)
