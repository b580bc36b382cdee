"""Post-FX optimisation: peak EQ, delay, reverb and output gain for a fixed pedal/amp/cabinet.

The post-cabinet stages are rendered with the engine's own chain (the plugin's code), fed the
cabinet output, so what is scored is what the plugin plays. The search is staged so it stays
cheap and deterministic: the EQ is fitted in the 1/3-octave domain (its response is known in
closed form); a delay and a reverb are fitted only when the reference shows them
(`ref.time_effects`, from `tonematch.time_fx`) — the delay's time is the detected one and its mix
gives the candidate the reference's echo strength, the reverb is chosen on a small grid — then a
Nelder–Mead pass refines the EQ (and the reverb) together; the output gain finally matches the
reference level within its ±3 dB range.
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
from tonematch.rig_metric import describe, metric_for
from tonematch.time_fx import TimeEffects, echo_strength

PRE_EQ_Q = 0.707  # engine::Chain::kPreEqQ
EQ_KEYS = ("pre_eq_gain_db", "pre_eq_freq_hz")
REVERB_KEYS = ("reverb_wet", "reverb_room_size")
LOG_SCALED = {"pre_eq_freq_hz", "delay_time_ms"}
EFFECT_PRIOR = 1.0  # loss units per unit of delay mix or reverb wet
DELAY_MIX_STEPS = 7  # bisection steps for the delay mix: 0.5 / 2⁷ ≈ 0.004


@dataclass
class PostFxResult:
    """Tuned parameters and the loss they reach on the excerpt."""

    params: RigParams
    loss: LossParts
    evaluations: int


def peak_coefficients(f0: float, gain_db: float, q: float = PRE_EQ_Q
                      ) -> tuple[np.ndarray, np.ndarray]:
    """The RBJ peaking biquad at RATE: numerator and denominator, not normalised."""
    a = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * f0 / RATE
    alpha = np.sin(w0) / (2 * q)
    b = np.array([1 + alpha * a, -2 * np.cos(w0), 1 - alpha * a])
    den = np.array([1 + alpha / a, -2 * np.cos(w0), 1 - alpha / a])
    return b, den


def peak_gain_db(freqs: np.ndarray, f0: float, gain_db: float, q: float = PRE_EQ_Q) -> np.ndarray:
    """Magnitude (dB) of the RBJ peaking biquad at the given frequencies."""
    b, den = peak_coefficients(f0, gain_db, q)
    z = np.exp(-1j * 2 * np.pi * np.asarray(freqs) / RATE)
    h = (b[0] + b[1] * z + b[2] * z**2) / (den[0] + den[1] * z + den[2] * z**2)
    return 20 * np.log10(np.abs(h))


def fit_eq(cand: Features, ref: Features) -> tuple[float, float]:
    """Peak EQ (freq, gain) that brings the candidate closest to the reference in rig distance."""
    fc = third_octave_centres()
    # The grid spans both parameters' whole ranges, so there is nothing to widen: an optimum on
    # its edge is at a range limit, and the rig JSON's `at_limit` says so (`trust.at_limit`).
    freqs = np.geomspace(RANGES["pre_eq_freq_hz"].low, RANGES["pre_eq_freq_hz"].high, 25)
    gains = np.arange(RANGES["pre_eq_gain_db"].low, RANGES["pre_eq_gain_db"].high + 0.01, 0.5)
    shapes = np.array([[peak_gain_db(fc, f0, g) for g in gains] for f0 in freqs])
    shaped = cand.bands_db[None, None, :] + shapes
    flat = np.broadcast_to(cand.flatness, (*shaped.shape[:2], len(cand.flatness)))
    crest = np.broadcast_to(cand.crest_db, (*shaped.shape[:2], len(cand.crest_db)))
    desc = np.concatenate([shaped - shaped.mean(axis=2, keepdims=True), flat, crest], axis=2)
    dist = metric_for(ref).distances(desc.reshape(-1, desc.shape[2]), describe(ref)[None, :])
    # Ties (a flat region of the distance) go to the smallest boost, then to 800 Hz.
    order = np.lexsort((np.abs(np.log(np.repeat(freqs, len(gains)) / 800.0)),
                        np.abs(np.tile(gains, len(freqs))), np.round(dist, 9)))
    k = int(order[0])
    return float(freqs[k // len(gains)]), float(gains[k % len(gains)])


class PostFxRenderer:
    """Renders cabinet output through the chain's post-cabinet stages only (empty slots),
    aligned with it (the chain's latency, the output limiter's lookahead, removed)."""

    def __init__(self, cab_out: np.ndarray) -> None:
        self.chain = Chain(sample_rate=RATE, max_block=4096)
        self.latency = self.chain.latency_samples
        self.cab_out = np.concatenate([np.asarray(cab_out, dtype=np.float32),
                                       np.zeros(self.latency, np.float32)])

    def render(self, params: RigParams) -> np.ndarray:
        values = params.to_dict()
        values["input_gain_db"] = 0.0  # already applied before the pedal
        self.chain.set_params(**values, immediate=True)
        self.chain.reset()
        return self.chain.process(self.cab_out)[:, self.latency:].mean(axis=0)


def tuned_keys(effects: TimeEffects | None) -> tuple[str, ...]:
    """What the Nelder–Mead pass moves: the peak EQ, and the reverb when the reference has one.
    The delay is set from the detection (the loss cannot hear an echo's time)."""
    return EQ_KEYS + (REVERB_KEYS if effects is not None and effects.reverb else ())


def _to_unit(params: RigParams, keys: tuple[str, ...]) -> np.ndarray:
    out = []
    for key in keys:
        r, v = RANGES[key], getattr(params, key)
        if key in LOG_SCALED:
            out.append(np.log(v / r.low) / np.log(r.high / r.low))
        else:
            out.append((v - r.low) / (r.high - r.low))
    return np.array(out)


def _from_unit(u: np.ndarray, base: RigParams, keys: tuple[str, ...]) -> RigParams:
    values = {}
    for key, x in zip(keys, np.clip(u, 0.0, 1.0), strict=True):
        r = RANGES[key]
        values[key] = float(r.low * (r.high / r.low) ** x if key in LOG_SCALED
                            else r.low + x * (r.high - r.low))
    return replace(base, **values)


def fit_delay_mix(renderer: PostFxRenderer, base: RigParams, time_ms: float,
                  target: float) -> float:
    """The delay mix at which the candidate's echo at time_ms is as strong as the reference's
    (the same measure on both, so the engine's fixed feedback and the whitening cancel out)."""
    lo, hi = 0.0, RANGES["delay_mix"].high
    for _ in range(DELAY_MIX_STEPS):
        mid = (lo + hi) / 2
        out = renderer.render(replace(base, delay_time_ms=time_ms, delay_mix=mid))
        if echo_strength(out, time_ms) < target:
            lo = mid
        else:
            hi = mid
    return round((lo + hi) / 2, 3)


def optimise(cab_out: np.ndarray, ref: Features, base: RigParams, refine_evals: int,
             seed: int = 0) -> PostFxResult:
    """Tunes the post-FX parameters of one rig against the reference features; a delay or a
    reverb only where `ref.time_effects` found one."""
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

    effects = ref.time_effects
    keys = tuned_keys(effects)
    freq, gain = fit_eq(analyse(cab_out, embedding=False), ref)
    best = replace(base, pre_eq_freq_hz=freq, pre_eq_gain_db=gain, reverb_wet=0.0, delay_mix=0.0,
                   final_eq_gain_db=0.0)
    if effects is not None and effects.delay:
        r = RANGES["delay_time_ms"]
        time_ms = float(np.clip(effects.delay_time_ms, r.low, r.high))
        mix = fit_delay_mix(renderer, best, time_ms, effects.delay_strength)
        best = replace(best, delay_time_ms=time_ms, delay_mix=mix)
    best_loss = score(best)
    if effects is not None and effects.reverb:
        for wet in (0.08, 0.16, 0.3, 0.5):
            for room in (0.3, 0.6, 0.9):
                trial = replace(best, reverb_wet=wet, reverb_room_size=room)
                loss = score(trial)
                if cost(trial, loss) < cost(best, best_loss):
                    best, best_loss = trial, loss
    if refine_evals > 0:
        rng = np.random.default_rng(seed)
        start = _to_unit(best, keys)
        simplex = [start] + [np.clip(start + np.eye(len(keys))[i] * 0.12 * rng.choice([-1, 1]),
                                     0, 1) for i in range(len(keys))]

        def objective(u: np.ndarray) -> float:
            p = _from_unit(u, best, keys)
            return cost(p, score(p))

        result = minimize(objective, start, method="Nelder-Mead",
                          options={"maxfev": refine_evals, "initial_simplex": np.array(simplex),
                                   "xatol": 1e-3, "fatol": 1e-4})
        trial = _from_unit(result.x, best, keys)
        loss = score(trial)
        if cost(trial, loss) < cost(best, best_loss):
            best, best_loss = trial, loss
    # The level is set afterwards on the exact render (tonematch.level); the final gain stays
    # at 0 dB, a trim for the player.
    return PostFxResult(best, best_loss, evals)
