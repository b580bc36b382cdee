"""The matcher: sommelier → grid search → post-FX optimisation → exact-render verification."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from tonematch import aligned, gate, pedal_check, same_part, trust
from tonematch import grid_search as grid
from tonematch._native import apply_output_stages
from tonematch.analysis import Features, analyse, frame_levels_db
from tonematch.audio_io import RATE, Audio, active_excerpt, load_audio, spread_excerpt
from tonematch.di_conditioning import metric_for_di
from tonematch.level import (
    LEVEL_REACHED_LU,
    LIMITER_OFF_DB,
    MAX_LIMITING_DB,
    LevelSetting,
    LevelTarget,
    level_miss_lu,
    level_setting,
)
from tonematch.library_index import (
    CAPTURED_CABINET,
    GAIN_CLASSES,
    IrEntry,
    Library,
    ModelEntry,
    load_library,
    probe_level_db,
)
from tonematch.loss import LossParts, tone_loss
from tonematch.match_eq import fit_after_post_fx, fit_same_part
from tonematch.pedal_check import reference_halves
from tonematch.post_fx import optimise
from tonematch.progress import Progress
from tonematch.render import render_rig
from tonematch.rig import RANGES, SCHEMA_VERSION, Rig, RigParams
from tonematch.sommelier import rank_models
from tonematch.time_fx import detect


@dataclass(frozen=True)
class Budget:
    """How much searching a budget buys."""

    excerpt_s: float  # DI seconds rendered per grid point
    amps: int  # amps the sommelier passes to the grid
    pedals: int  # pedals tried in front of them (besides "no pedal")
    gains_db: tuple[float, ...]  # input gains on the grid
    exact: int  # (render, IR) pairs scored with a real convolution
    tuned_rigs: int  # rigs whose post-FX are optimised
    refine_evals: int  # Nelder–Mead evaluations per tuned rig
    verify_s: float  # DI seconds of the final exact render


BUDGETS = {
    "fast": Budget(4.0, 4, 2, (-6.0, 0.0, 6.0), 6, 1, 0, 8.0),
    "normal": Budget(8.0, 12, 3, (-6.0, 0.0, 6.0), 12, 3, 30, 15.0),
    "thorough": Budget(12.0, 12, 5, (-12.0, -6.0, 0.0, 6.0, 12.0), 24, 3, 120, 30.0),
}
REF_ANALYSIS_S = 120.0  # features are statistics; two minutes describe a tone
PEDAL_AUDITIONS = 16  # pedals rendered in front of the best amp before the grid
# On the same part (`aligned`): how many of the sommelier's amps play the excerpt before the
# grid, and by how much (relative) a pedal must bring the frame distance down to be chosen over
# the best rig without one (a clean boost is an input gain by another name).
FRAME_AMPS = 32
# The input gain pedals are auditioned at on the same part: a pedal in front adds drive and
# level of its own, so the amp is heard at the grid's lower gain (a grid point in every budget).
PEDAL_GAIN_DB = -6.0
# Seconds of the aligned excerpt on which every amp, pedal and grid point is compared (the
# gain settling and everything after hear the whole excerpt), and how many of the screened
# amps go on to the grid.
SCREEN_S = 4.0
FRAME_GRID_AMPS = 6
PEDAL_MARGIN = 0.01
# Amp outputs of the excerpt by `grid.Combo.key` (pedal, amp, input gain): rendered once, then
# heard through every cabinet.
Renders = dict[grid.Key, np.ndarray]


@dataclass
class MatchOptions:
    """Everything `tonematch match` can be told."""

    library_dirs: list[Path]
    ir_dirs: list[Path]
    budget: str = "normal"
    seed: int = 0
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    match_eq: bool = True  # fit the 24-band match EQ after the post-FX


@dataclass
class Candidate:
    """A finished rig with its verified loss."""

    rig: Rig
    loss: LossParts
    search_rank: int = 0  # its place in the order it was given to `_verify` (breaks ties)
    noise_gate: gate.GateDecision = field(default_factory=lambda: gate.GateDecision(
        RANGES["gate_threshold_db"].low, reason="not verified yet"))  # set by `_verify`
    # `aligned` distance to the reference stretch that plays the same notes; None when the DI
    # does not play the reference's part. Where set, it ranks the rigs.
    frame_distance_db: float | None = None
    # How far its output stands under (+) the reference's loudness at the level it was given.
    level_miss_lu: float = 0.0

    @property
    def level_reached(self) -> bool:
        """Within LEVEL_REACHED_LU of the reference's loudness."""
        return abs(self.level_miss_lu) <= LEVEL_REACHED_LU


def _rig(scored: grid.Scored, params: RigParams) -> Rig:
    c = scored.combo
    # An amp whose capture includes its cabinet plays with the IR slot empty.
    ir = None if scored.ir.path == CAPTURED_CABINET.path else scored.ir.path
    return Rig(amp_path=c.amp.path, ir_path=ir, fx_path=c.pedal.path if c.pedal else None,
               params=params)


def _rig_json(c: Candidate) -> dict[str, object]:
    d = c.rig.to_dict()
    d["loss"] = round(c.loss.total, 6)
    d["loss_components"] = c.loss.to_dict()
    if c.frame_distance_db is not None:
        d["frame_distance_db"] = c.frame_distance_db
    return d


def match(di_path: Path, ref_path: Path, options: MatchOptions,
          progress: Progress | None = None) -> tuple[Rig, list[str]]:
    """Finds the rig that makes the DI sound like the reference; returns it and user notes."""
    # The matcher runs its own threads (`--jobs`); BLAS threads inside each of them (the rig
    # embedding's matrix products) would oversubscribe the cores: on 2 cores the grid took
    # 32 s instead of 22 s.
    with threadpool_limits(limits=1, user_api="blas"):
        return _match(di_path, ref_path, options, progress)


def _match(di_path: Path, ref_path: Path, options: MatchOptions,
           progress: Progress | None) -> tuple[Rig, list[str]]:
    progress = progress or Progress()
    budget = BUDGETS[options.budget]
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    progress.stage("load", message="reading audio")
    di = load_audio(di_path, "DI")
    # Only REF_ANALYSIS_S is analysed, so only that much is decoded (bounded memory).
    ref_audio = load_audio(ref_path, "reference", max_seconds=REF_ANALYSIS_S,
                           keep_channels=True)
    notes = di.notes + ref_audio.notes
    lap("load")

    def index_tick(done: int, total: int, name: str) -> None:
        if done == 0:
            progress.stage("index", total, "checking the library")
        else:
            progress.update(done, name)

    library = load_library(options.library_dirs, options.ir_dirs, index_tick)
    notes += library.warnings
    lap("index")

    progress.stage("analyse", message="describing the reference")
    ref_active = active_excerpt(ref_audio.samples, REF_ANALYSIS_S)
    ref = analyse(ref_active)
    # Delay and reverb are fitted only where the reference has them (post_fx.optimise).
    ref.time_effects = detect(ref_active)
    di_active = active_excerpt(di.samples, REF_ANALYSIS_S)
    part, same = _same_part_pair(di_active, ref_active)
    notes += part.notes()
    doubts = (trust.di_warnings(di_active) + trust.reference_warnings(ref_active)
              + trust.swap_warnings(analyse(di_active, embedding=False), ref))
    excerpt = spread_excerpt(di.samples, budget.excerpt_s)
    lined_up: aligned.AlignedReference | None = None
    screen: tuple[np.ndarray, aligned.AlignedReference] | None = None
    frame_distances: list[float] | None = None
    if same is not None:
        # The DI's notes and the reference's line up: the search hears a stretch of the DI
        # whose notes the reference plays, so every frame can be compared (`aligned`).
        excerpt, ref_window = same_part.loudest_common(*same, budget.excerpt_s)
        lined_up = aligned.AlignedReference.of(ref_window)
        # The gear is screened on a shorter stretch of it (each candidate is a render).
        screen_di, screen_ref = same_part.loudest_common(excerpt, ref_window, SCREEN_S)
        screen = (screen_di, aligned.AlignedReference.of(screen_ref))
    halves = reference_halves(ref_active)
    notes += _condition_on_di(excerpt, [ref, *halves], options.jobs)
    lap("analyse")

    top, pedal_checks, renders = _search(excerpt, ref, halves, library, budget, options,
                                         progress, lined_up, screen)
    if lined_up is None:
        top, widened = _widen_gains(top, renders, excerpt, ref, budget, options)
        top = _choose_cabinets(top, renders, library, ref, options)
    else:
        top, widened, frame_distances = _settle_gains_lined_up(top, excerpt, lined_up, library,
                                                               ref, budget, options)
    lap("grid")

    tuned = _share_time_effects(_tune(top, excerpt, ref, budget, options, progress, same,
                                      gains_settled=lined_up is not None), budget)
    lap("post_fx")

    level = _level_target(ref_audio)
    final = _verify(tuned, di, ref, ref_active, level, budget, progress, frame_distances)
    lap("verify")

    best = final[0]
    rig = best.rig
    rig.loss = best.loss.total
    notes += best.noise_gate.notes()
    # Everything the user should know travels in the rig as well as on stderr: the notes about
    # the files and the library (skipped models and IRs name the file), and the trust checks.
    notes += doubts + trust.result_warnings(best.loss) + level_warnings(best)
    rig.extra = {
        "schema_version": SCHEMA_VERSION,
        "loss_components": best.loss.to_dict(),
        "warnings": list(notes),
        "at_limit": trust.at_limit(rig.params),
        "alternatives": [_rig_json(c) for c in final[1:3]],
        "timings_s": {**timings, "total": round(sum(timings.values()), 3)},
        "analysis": {"reference": ref.to_dict(), "di_seconds": round(di.seconds, 2),
                     "reference_seconds": round(ref_audio.seconds, 2),
                     "budget": options.budget, "seed": options.seed,
                     "models": len(library.amps) + len(library.pedals),
                     "irs": len(library.irs),
                     "time_effects": ref.time_effects.to_dict(),
                     "same_part": {**part.to_dict(),
                                   "frame_distance_db": best.frame_distance_db},
                     "level": {**level.to_dict(),
                               "match_miss_lu": round(best.level_miss_lu, 2)},
                     "gate": best.noise_gate.to_dict(),
                     "pedal_checks": [v.to_dict() for v in pedal_checks],
                     "input_gain_grid_db": sorted({*budget.gains_db, *widened})},
    }
    return rig, notes


def _level_target(reference: Audio) -> LevelTarget:
    """The loudness and peaks the match aims at: the reference's, from its channels where it
    has several (`LevelTarget.of`)."""
    return LevelTarget.of(reference.samples if reference.channels is None
                          else reference.channels)


def _condition_on_di(excerpt: np.ndarray, references: list[Features], jobs: int) -> list[str]:
    """Every comparison with the reference uses the rig and cabinet metrics fitted to this
    DI's playing (`tonematch.di_conditioning`); returns notes for the user."""
    metrics, notes = metric_for_di(excerpt, jobs)
    for f in references:
        f.rig_metric, f.cabinet_metric = metrics.rig, metrics.cabinet
    return notes


TIME_EFFECT_KEYS = ("delay_time_ms", "delay_mix", "reverb_wet", "reverb_room_size")


def _share_time_effects(rigs: list[Rig], budget: Budget) -> list[Rig]:
    """Gives the rigs whose post-FX were not tuned the delay and reverb fitted on the tuned
    ones. The effects belong to the reference, not to the amp: without them an untuned rig
    would lose a detected delay (it can still win verification on tone)."""
    if not 0 < budget.tuned_rigs < len(rigs):
        return rigs
    fx = {k: getattr(rigs[0].params, k) for k in TIME_EFFECT_KEYS}
    return rigs[: budget.tuned_rigs] + [replace(r, params=replace(r.params, **fx))
                                       for r in rigs[budget.tuned_rigs:]]


def _widen_gains(top: list[grid.Scored], renders: Renders, excerpt: np.ndarray, ref: Features,
                 budget: Budget, options: MatchOptions) -> tuple[list[grid.Scored], list[float]]:
    """Searches on past the input-gain grid's end for the rigs whose best gain is on that end.

    A best gain on the grid's edge only says the optimum is there or beyond; the grid goes on
    in its own steps, with the same exact score, while the rig part keeps improving. It stays
    half a step inside the parameter's range, which `_tune`'s refinement may then reach.
    Returns the rigs (widened where it helped) and the gains added; `renders` gains the
    widened rigs' amp outputs.
    """
    gains = sorted(budget.gains_db)
    if len(gains) < 2:
        return top, []
    step = _gain_step(budget)
    limit = RANGES["input_gain_db"].high - step / 2
    pool = grid.ModelPool()

    def widen(s: grid.Scored) -> tuple[grid.Scored, np.ndarray, list[float]]:
        g = s.combo.input_gain_db
        if g not in (gains[0], gains[-1]):
            return s, renders[s.combo.key], []
        direction = -1.0 if g == gains[0] else 1.0
        best, best_out, tried = s, renders[s.combo.key], []
        while abs(best.combo.input_gain_db + direction * step) <= limit:
            combo = replace(s.combo, input_gain_db=best.combo.input_gain_db + direction * step)
            tried.append(combo.input_gain_db)
            out = grid.render_combo(pool, combo, excerpt)
            trial = grid.exact_score(out, grid.Scored(combo, s.ir, s.loss), ref)
            if trial.loss.identity >= best.loss.identity:
                break
            best, best_out = trial, out
        return best, best_out, tried

    results = grid.run_parallel(widen, top, options.jobs)
    renders.update({r[0].combo.key: r[1] for r in results})
    return [r[0] for r in results], sorted({g for r in results for g in r[2]})


def _choose_cabinets(top: list[grid.Scored], renders: Renders, library: Library,
                     ref: Features, options: MatchOptions) -> list[grid.Scored]:
    """Each rig's cabinet chosen again, for its pedal, amp and drive, by the cabinet metric
    (`rig_metric.cabinet_metric_for`), and scored exactly.

    The search chooses pedal, amp, drive and cabinet together with the loss. The cabinet
    metric's narrow bands tell cabinets apart much better, but ranking whole rigs with them
    drove the matches to their ranges' edges; once the rest of the rig is fixed they only
    compare linear filters of one render, where that cannot happen. The search's shortlist
    already has these cabinets, so this changes only rigs that changed after it: a widened
    input gain, or a pedal-free rig the pedal check took from outside the shortlist.
    """
    def choose(s: grid.Scored) -> grid.Scored:
        out = renders[s.combo.key]
        chosen = grid.approx_scores(out, s.combo, library.irs_for(s.combo.amp), ref,
                                    chosen_cabinet=True)[0]
        return s if chosen.ir.path == s.ir.path else grid.exact_score(out, chosen, ref)

    return grid.run_parallel(choose, top, options.jobs)


def _search(excerpt: np.ndarray, ref: Features, ref_halves: tuple[Features, Features],
            library: Library, budget: Budget, options: MatchOptions,
            progress: Progress, lined_up: aligned.AlignedReference | None = None,
            screen: tuple[np.ndarray, aligned.AlignedReference] | None = None,
            ) -> tuple[list[grid.Scored], list[pedal_check.PedalVerdict], Renders]:
    """Sommelier ranking, then the pedal × amp × gain × IR grid; the best rigs, distinct amps,
    each with a pedal only where the pedal earns its place (`tonematch.pedal_check`), and
    their amp outputs (the later stages choose cabinets for them without rendering again).
    With `lined_up` (the excerpt plays the reference stretch's notes) the frame-by-frame
    comparison chooses pedal, amp, gain and cabinet instead (`_search_lined_up`), the
    gear screened on `screen` (a shorter stretch of it and its reference)."""
    di_offset = float(np.percentile(frame_levels_db(excerpt), 95)) - probe_level_db()
    ir_gains = np.array([10 * np.log10(grid.ir_band_gains(ir.path) + 1e-20)
                         for ir in library.irs])
    di_bands = analyse(excerpt, embedding=False).bands_db
    ranked = rank_models(library.amps, ref, di_offset, budget.gains_db, di_bands, ir_gains)
    amps = [r.entry for r in ranked[: budget.amps]]
    pool = grid.ModelPool()
    candidates = library.pedals
    if len(candidates) > PEDAL_AUDITIONS:
        # Large libraries: the fingerprints choose which pedals are worth a render.
        pre = rank_models(candidates, ref, di_offset, budget.gains_db, di_bands, ir_gains)
        candidates = [r.entry for r in pre[:PEDAL_AUDITIONS]]
    if lined_up is not None and screen is not None:
        amps, pedals = _gear_by_frames([r.entry for r in ranked[:FRAME_AMPS]], candidates,
                                       *screen, library, budget, options, progress, pool)
        return _search_lined_up(amps, pedals, *screen, library, budget, options, progress,
                                pool)
    pedals = _pick_pedals(candidates, amps[0], excerpt, ref, library, budget, options,
                          progress, pool)
    combos = [grid.Combo(p, a, g) for a in amps for p in [None, *pedals] for g in budget.gains_db]
    fronts = [(p, g) for p in [None, *pedals] for g in budget.gains_db]
    progress.stage("grid", len(fronts) + len(combos), "rendering pedal × amp × gain")
    pedal_outs = _render_fronts(fronts, excerpt, pool, options, progress)

    def score_combo(combo: grid.Combo) -> tuple[np.ndarray, list[grid.Scored]]:
        out = grid.render_combo(pool, combo, excerpt, pedal_outs[combo.key[0], combo.key[2]])
        return out, grid.approx_scores(out, combo, library.irs_for(combo.amp), ref)

    results = grid.run_parallel(score_combo, combos, options.jobs, lambda: progress.step())
    renders = {c.key: r[0] for c, r in zip(combos, results, strict=True)}
    # Identification uses the rig part alone: every candidate is dry here, and the reference's
    # reverb and delay are fitted afterwards.
    approx = sorted((s for _, scores in results for s in scores),
                    key=lambda s: (s.loss.identity, s.combo.key, s.ir.name))
    shortlist = approx[: budget.exact]
    for amp in amps:  # every amp's best cabinet too, so three different amps can survive
        best = next((s for s in approx if s.combo.amp.name == amp.name), None)
        if best is not None and best not in shortlist:
            shortlist.append(best)
    # The cabinet metric chooses each shortlisted render's cabinet before the exact scores
    # rank them, so the three amps are chosen with the cabinets they will be heard through.
    chosen = grid.run_parallel(
        lambda s: grid.approx_scores(renders[s.combo.key], s.combo, library.irs_for(s.combo.amp),
                                     ref, chosen_cabinet=True)[0], shortlist, options.jobs)
    shortlist = list({(s.combo.key, s.ir.name): s for s in chosen}.values())
    progress.stage("exact", len(shortlist), "scoring the best cabinets exactly")
    exact = grid.run_parallel(lambda s: grid.exact_score(renders[s.combo.key], s, ref),
                              shortlist, options.jobs, lambda: progress.step())
    exact.sort(key=lambda s: (s.loss.identity, s.combo.key, s.ir.name))
    # Three different amps: the alternatives are worth auditioning and the amp is the biggest
    # decision, so the post-FX time goes to three amp choices rather than three cabinets.
    top: list[grid.Scored] = []
    for s in exact:
        if all(s.combo.amp.name != t.combo.amp.name for t in top):
            top.append(s)
        if len(top) == 3:
            break
    for s in exact:  # a library with fewer than three amps still yields three rigs
        if len(top) < 3 and s not in top:
            top.append(s)
    top, verdicts = _without_idle_pedals(top, approx, exact, combos, renders, library, ref,
                                         ref_halves, options)
    return top, verdicts, {s.combo.key: renders[s.combo.key] for s in top}


def _render_fronts(fronts: list[tuple[ModelEntry | None, float]], excerpt: np.ndarray,
                   pool: grid.ModelPool, options: MatchOptions, progress: Progress,
                   ) -> dict[tuple[str, float], np.ndarray]:
    """Each (pedal, input gain) of the grid rendered once, by (pedal name, gain): every amp
    then takes that output."""
    return dict(zip(
        [(p.name if p else "", g) for p, g in fronts],
        grid.run_parallel(lambda f: grid.render_pedal(pool, f[0], f[1], excerpt), fronts,
                          options.jobs, lambda: progress.step()),
        strict=True))


IrPowers = dict[Path, np.ndarray]


def _ir_powers(library: Library) -> IrPowers:
    """Every cabinet's power response on the frames' bins, by IR path (once per stage: a
    user's IR folder can hold more IRs than the per-file caches keep)."""
    held = [CAPTURED_CABINET] if any(a.cabinet for a in library.amps) else []
    return {ir.path: grid.ir_frame_power(ir.path) for ir in [*library.irs, *held]}


def _best_cabinet(amp_out: np.ndarray, lined_up: aligned.AlignedReference,
                  irs: list[IrEntry], powers: IrPowers) -> tuple[IrEntry, float]:
    """The cabinet of `irs` the frames prefer for this amp output, and its distance."""
    d = lined_up.distances(aligned.power_frames(amp_out), [powers[ir.path] for ir in irs])
    i = int(np.argmin(d))
    return irs[i], float(d[i])


def _gear_by_frames(amps: list[ModelEntry], pedals: list[ModelEntry], excerpt: np.ndarray,
                    lined_up: aligned.AlignedReference, library: Library, budget: Budget,
                    options: MatchOptions, progress: Progress, pool: grid.ModelPool,
                    ) -> tuple[list[ModelEntry], list[ModelEntry]]:
    """The grid's amps and pedals, chosen frame by frame on the screening stretch.

    The sommelier ranks amps by long-term statistics, which another voicing at another drive
    imitates; on the same part the frames tell them apart, so every amp it ranks in its first
    FRAME_AMPS plays the excerpt, at each grid gain. A drive pedal in front of a clean amp
    sounds like neither alone: its amp ranks low without it, and a pedal auditioned in front
    of the best pedal-free amp (usually a high-gain one) is judged on a rig nobody would play.
    So the pedals are auditioned in front of the best amp of each gain class, and the best
    `budget.pedals` of them then play in front of every amp; an amp's rank is its best
    distance with or without them. The frames have ranked every amp, so fewer of them than the
    long-term path's go on (`FRAME_GRID_AMPS`).
    """
    powers = _ir_powers(library)

    def score(c: grid.Combo) -> float:
        return _best_cabinet(grid.render_combo(pool, c, excerpt), lined_up,
                             library.irs_for(c.amp), powers)[1]

    combos = [grid.Combo(None, a, g) for a in amps for g in budget.gains_db]
    progress.stage("amps", len(combos), "comparing amps note for note")
    distance = dict(zip([c.key for c in combos],
                    grid.run_parallel(score, combos, options.jobs, lambda: progress.step()),
                    strict=True))
    best: dict[str, float] = {}
    for c in combos:
        best[c.amp.name] = min(distance[c.key], best.get(c.amp.name, np.inf))
    chosen_pedals: list[ModelEntry] = []
    if pedals and budget.pedals > 0:
        by_rank = sorted(amps, key=lambda a: (best[a.name], a.name))
        fronts = [next(a for a in by_rank if a.gain_class == g) for g in GAIN_CLASSES
                  if any(a.gain_class == g for a in by_rank)] or by_rank[:1]
        auditions = [grid.Combo(p, a, PEDAL_GAIN_DB) for p in pedals for a in fronts]
        # Every chosen pedal later plays in front of every amp (less those already heard).
        later = min(budget.pedals, len(pedals)) * (len(amps) - len(fronts))
        progress.stage("pedals", len(auditions) + later, "auditioning pedals note for note")
        distance.update(zip([c.key for c in auditions],
                        grid.run_parallel(score, auditions, options.jobs,
                                          lambda: progress.step()), strict=True))
        heard = {p.name: min(distance[p.name, a.name, PEDAL_GAIN_DB] for a in fronts)
                 for p in pedals}
        chosen_pedals = sorted(pedals, key=lambda p: (heard[p.name], p.name))[: budget.pedals]
        rest = [grid.Combo(p, a, PEDAL_GAIN_DB) for p in chosen_pedals for a in amps
                if (p.name, a.name, PEDAL_GAIN_DB) not in distance]
        distance.update(zip([c.key for c in rest],
                        grid.run_parallel(score, rest, options.jobs, lambda: progress.step()),
                        strict=True))
        for p in chosen_pedals:
            for a in amps:
                best[a.name] = min(best[a.name], distance[p.name, a.name, PEDAL_GAIN_DB])
    chosen = sorted(amps, key=lambda a: (best[a.name], a.name))
    return chosen[: min(budget.amps, FRAME_GRID_AMPS)], chosen_pedals


def _search_lined_up(amps: list[ModelEntry], pedals: list[ModelEntry], excerpt: np.ndarray,
                     lined_up: aligned.AlignedReference, library: Library, budget: Budget,
                     options: MatchOptions, progress: Progress, pool: grid.ModelPool,
                     ) -> tuple[list[grid.Scored], list[pedal_check.PedalVerdict], Renders]:
    """The pedal × amp × gain grid on the screening stretch, ranked frame by frame. No pedal
    verdicts (`_rank_lined_up` says why) and no renders: each rig's gain is settled, and the
    rig scored, on the whole excerpt afterwards (`_settle_gains_lined_up`)."""
    fronts = [(p, g) for p in [None, *pedals] for g in budget.gains_db]
    combos = [grid.Combo(p, a, g) for a in amps for p, g in fronts]
    progress.stage("grid", len(fronts) + len(combos), "rendering pedal × amp × gain")
    pedal_outs = _render_fronts(fronts, excerpt, pool, options, progress)
    outs = grid.run_parallel(
        lambda c: grid.render_combo(pool, c, excerpt, pedal_outs[c.key[0], c.key[2]]), combos,
        options.jobs, lambda: progress.step())
    renders = {c.key: out for c, out in zip(combos, outs, strict=True)}
    return _rank_lined_up(combos, renders, lined_up, library, options), [], {}


def _rank_lined_up(combos: list[grid.Combo], renders: Renders,
                   lined_up: aligned.AlignedReference, library: Library,
                   options: MatchOptions) -> list[grid.Scored]:
    """The three best rigs with different amps by the frame-by-frame distance, each through
    its best cabinet (not yet scored with the loss).

    No pedal check here: the check exists because long-term statistics let a pedal at another
    input gain imitate a rig without one, which the lined-up frames do not allow (a pedal
    changes every note's attack and decay), and it would judge the pedal with those
    statistics again.
    """
    powers = _ir_powers(library)
    best = grid.run_parallel(
        lambda c: _best_cabinet(renders[c.key], lined_up, library.irs_for(c.amp), powers),
        combos, options.jobs)
    def cost(i: int) -> float:  # a pedal must do better than the pedal-free rigs by a margin
        return best[i][1] * (1.0 + (PEDAL_MARGIN if combos[i].pedal is not None else 0.0))

    order = sorted(range(len(combos)), key=lambda i: (cost(i), combos[i].key))
    chosen: list[int] = []
    for i in order:
        if all(combos[i].amp.name != combos[j].amp.name for j in chosen):
            chosen.append(i)
        if len(chosen) == 3:
            break
    for i in order:  # a library with fewer than three amps still yields three rigs
        if len(chosen) < 3 and i not in chosen:
            chosen.append(i)
    empty = LossParts(0.0, 0.0, 0.0, 0.0)
    return [grid.Scored(combos[i], best[i][0], empty) for i in chosen]


def _settle_gains_lined_up(top: list[grid.Scored], excerpt: np.ndarray,
                           lined_up: aligned.AlignedReference, library: Library,
                           ref: Features, budget: Budget, options: MatchOptions,
                           ) -> tuple[list[grid.Scored], list[float], list[float]]:
    """Each rig's input gain settled by the frame-by-frame distance: half a grid step either
    side, then on in half steps while the distance improves (past the grid's edge too, half a
    step inside the parameter's range), the cabinet chosen again at each gain. Returns the
    rigs, scored exactly, and the gains tried beyond the grid."""
    step = _gain_step(budget) / 2
    limit = RANGES["input_gain_db"].high - step
    pool = grid.ModelPool()
    powers = _ir_powers(library)

    def settle(s: grid.Scored) -> tuple[grid.Scored, list[float], float]:
        def at(gain: float) -> tuple[float, IrEntry, np.ndarray]:
            out = grid.render_combo(pool, replace(s.combo, input_gain_db=gain), excerpt)
            ir, d = _best_cabinet(out, lined_up, library.irs_for(s.combo.amp), powers)
            return d, ir, out

        gain = s.combo.input_gain_db
        here, tried = at(gain), [gain]
        for direction in (-1.0, 1.0):
            moved = False
            while abs(gain + direction * step) <= limit:
                trial = at(gain + direction * step)
                tried.append(gain + direction * step)
                if trial[0] >= here[0]:
                    break
                gain, here, moved = gain + direction * step, trial, True
            if moved:  # the other side is where it came from
                break
        combo = replace(s.combo, input_gain_db=gain)
        return grid.exact_score(here[2], grid.Scored(combo, here[1], s.loss),
                                ref), tried, here[0]

    results = sorted(grid.run_parallel(settle, top, options.jobs), key=lambda r: r[2])
    return ([r[0] for r in results], sorted({g for r in results for g in r[1]}),
            [r[2] for r in results])


def _without_idle_pedals(top: list[grid.Scored], approx: list[grid.Scored],
                         exact: list[grid.Scored], combos: list[grid.Combo],
                         renders: Renders, library: Library,
                         ref: Features, ref_halves: tuple[Features, Features],
                         options: MatchOptions,
                         ) -> tuple[list[grid.Scored], list[pedal_check.PedalVerdict]]:
    """Each rig whose pedal does not beat every rig without a pedal on held-out halves is
    replaced by the best rig without a pedal whose amp is not already among the rigs."""
    checked = [s for s in top if s.combo.pedal is not None]
    if not checked:
        return top, []
    amps = {s.combo.amp.name for s in checked}
    needed = [c for c in combos if c.pedal is None or c.amp.name in amps]
    scores = grid.run_parallel(
        lambda c: pedal_check.fold_scores(c, renders[c.key], library.irs_for(c.amp),
                                          ref_halves),
        needed, options.jobs)
    verdicts = [pedal_check.check(s.combo.amp.name, s.combo.pedal.name if s.combo.pedal else "",
                                  scores) for s in checked]
    out = list(top)
    for s, v in zip(checked, verdicts, strict=True):
        if v.kept:
            continue
        taken = {t.combo.amp.name for t in out if t is not s}
        plain = next((e for e in exact if e.combo.pedal is None
                      and e.combo.amp.name not in taken), None)
        if plain is None:
            first = next((e for e in approx if e.combo.pedal is None
                          and e.combo.amp.name not in taken), None)
            if first is None:
                continue
            plain = grid.exact_score(renders[first.combo.key], first, ref)
        out[out.index(s)] = plain
    out.sort(key=lambda s: (s.loss.identity, s.combo.key, s.ir.name))
    return out, verdicts


def _pick_pedals(pedals: list[ModelEntry], amp: ModelEntry, excerpt: np.ndarray, ref: Features,
                 library: Library, budget: Budget, options: MatchOptions, progress: Progress,
                 pool: grid.ModelPool) -> list[ModelEntry]:
    """The pedals that bring the best amp closest to the reference (short renders)."""
    if not pedals or budget.pedals == 0:
        return []
    short = active_excerpt(excerpt, 2.0)
    progress.stage("pedals", len(pedals), "auditioning pedals")

    def score(p: ModelEntry) -> float:
        combo = grid.Combo(p, amp, 0.0)
        out = grid.render_combo(pool, combo, short)
        return min(s.loss.identity
                   for s in grid.approx_scores(out, combo, library.irs_for(combo.amp), ref))

    scores = grid.run_parallel(score, pedals, options.jobs, lambda: progress.step())
    order = sorted(range(len(pedals)), key=lambda i: (scores[i], pedals[i].name))
    return [pedals[i] for i in order[: budget.pedals]]


# Seconds of the DI and of the reference stretch it plays that the match EQ compares when the
# DI plays the reference's part: the same notes on both sides, each rig rendered once more.
SAME_PART_SECONDS = 30.0


def _same_part_pair(di: np.ndarray, reference: np.ndarray,
                    ) -> tuple[same_part.SamePart, tuple[np.ndarray, np.ndarray] | None]:
    """Whether the DI plays the reference's part and, where it does, the DI stretch and the
    reference stretch with the same notes (the match EQ's like-for-like comparison)."""
    found = same_part.detect(di, reference)
    if not found.detected:
        return found, None
    return found, same_part.aligned(di, reference, found, SAME_PART_SECONDS)


def _tune(top: list[grid.Scored], excerpt: np.ndarray, ref: Features, budget: Budget,
          options: MatchOptions, progress: Progress,
          same: tuple[np.ndarray, np.ndarray] | None = None,
          gains_settled: bool = False) -> list[Rig]:
    """Post-FX optimisation of the best rigs (the rest keep neutral post-FX). With `same` (the
    DI plays the reference's part) the match EQ compares the DI with the reference stretch
    that plays its notes, instead of the excerpt with the whole reference. With
    `gains_settled` the rigs' input gains are kept as they come."""
    progress.stage("post_fx", len(top), "tuning EQ, delay and reverb")
    pool = grid.ModelPool()

    def tune(item: tuple[int, grid.Scored]) -> Rig:
        i, s = item
        params = RigParams(input_gain_db=s.combo.input_gain_db)
        if i < budget.tuned_rigs:
            # The grid's gain steps are coarse; half a step either side settles the drive.
            step = _gain_step(budget) / 2
            best: tuple[float, float, np.ndarray] | None = None
            around = (0.0,) if gains_settled else (-step, 0.0, step)
            for gain in (s.combo.input_gain_db + d for d in around):
                combo = replace(s.combo, input_gain_db=gain)
                cab = grid.cab_render(grid.render_combo(pool, combo, excerpt), s.ir)
                loss = tone_loss(analyse(cab), ref).identity
                if best is None or loss < best[0]:
                    best = (loss, gain, cab)
            assert best is not None
            params = RigParams(input_gain_db=best[1])
            params = optimise(best[2], ref, params, budget.refine_evals, options.seed + i).params
            cab = best[2]
        elif options.match_eq and same is None:
            cab = grid.cab_render(grid.render_combo(pool, s.combo, excerpt), s.ir)
        if options.match_eq and same is not None:
            di_part, ref_part = same
            combo = replace(s.combo, input_gain_db=params.input_gain_db)
            cab = grid.cab_render(grid.render_combo(pool, combo, di_part), s.ir)
            params = replace(params, match_eq_db=fit_same_part(cab, params, ref_part))
        elif options.match_eq:
            params = replace(params, match_eq_db=fit_after_post_fx(cab, params, ref))
        return _rig(s, params)

    return grid.run_parallel(tune, list(enumerate(top)), options.jobs, lambda: progress.step())


def _gain_step(budget: Budget) -> float:
    gains = sorted(budget.gains_db)
    return min(b - a for a, b in zip(gains, gains[1:], strict=False)) if len(gains) > 1 else 6.0


def _verify(rigs: list[Rig], di: Audio, ref: Features, ref_samples: np.ndarray,
            level: LevelTarget, budget: Budget, progress: Progress,
            frame_distances: list[float] | None = None, by_gear: bool = True) -> list[Candidate]:
    """Sets each rig's noise gate (`tonematch.gate`), scores it on the exact chain render of a
    longer DI stretch and sets its output level from that render; best first by the gear's
    distance (`LossParts.identity`, as every stage before ranks: the rigs share their delay and
    reverb, and the envelope part follows the playing's dynamics as much as the gear), or by
    the whole loss when not `by_gear` (one rig's settings against another's); rigs whose
    output cannot reach the reference's loudness under its peaks come after those that can (a
    rig that peaks further over its loudness than the reference is not the reference's rig,
    and played at its level it sounds too quiet, or squashed by the limiter). With
    `frame_distances` (the DI plays the reference's part; one per rig, from the search) those
    rank the rigs instead of the loss: they judge the gear on the same notes, before the EQs
    that the post-FX and the match EQ fit to each rig."""
    progress.stage("verify", len(rigs), "rendering the exact chain")
    window = active_excerpt(di.samples, budget.verify_s)
    out = []
    for rank, rig in enumerate(rigs):
        # The gate first: what it removes between notes changes the loudness and the loss.
        decision = gate.decide(rig, di.samples, ref_samples)
        # Level is the output level's job alone: the render is made at 0 dB and then measured.
        rig = replace(rig, params=replace(rig.params, final_eq_gain_db=0.0, output_level_db=0.0,
                                          limiter_ceiling_db=LIMITER_OFF_DB,
                                          gate_threshold_db=decision.threshold_db))
        stereo = render_rig(rig, window)
        setting = level_setting(stereo, level, partial(_at_level, stereo))
        rig.params = replace(rig.params, output_level_db=setting.output_level_db,
                             limiter_ceiling_db=setting.limiter_ceiling_db)
        frames = None if frame_distances is None else round(frame_distances[rank], 4)
        miss = level_miss_lu(_at_level(stereo, setting), level)
        out.append(Candidate(rig, tone_loss(analyse(stereo.mean(axis=0)), ref), rank, decision,
                             frames, miss))
        progress.step(rig.describe())
    return ranked(out, by_gear)


def ranked(candidates: list[Candidate], by_gear: bool = True) -> list[Candidate]:
    """Verified rigs best first: those that reach the reference's level before those that
    cannot, then by frame distance where the DI plays the reference's part, else by the gear
    distance (or the whole loss when not `by_gear`), then in the order the search found them."""
    def rank(c: Candidate) -> float:
        if c.frame_distance_db is not None:
            return c.frame_distance_db
        return c.loss.identity if by_gear else c.loss.total

    return sorted(candidates, key=lambda c: (not c.level_reached, rank(c), c.search_rank))


def level_warnings(best: Candidate) -> list[str]:
    """A match that stays off the reference's loudness."""
    if best.level_reached:
        return []
    if best.level_miss_lu > 0:
        return [f"the match plays {best.level_miss_lu:.1f} LU quieter than the reference: the "
                "rig's peaks stand out further over its loudness than the reference's, and the "
                f"limiter takes at most {MAX_LIMITING_DB:g} dB off them; raise the Output "
                "level if you accept the squash"]
    return [f"the match plays {-best.level_miss_lu:.1f} LU louder than the reference: the "
            "output level is at the end of its range"]


def _at_level(stereo: np.ndarray, setting: LevelSetting) -> np.ndarray:
    """A render made at 0 dB, limiter off, as the chain plays it at a level setting."""
    return apply_output_stages(stereo, RATE, setting.output_level_db,
                               setting.limiter_ceiling_db)


def retune(rig: Rig, di_path: Path, ref_path: Path, budget_name: str, seed: int,
           progress: Progress | None = None, match_eq: bool = True) -> tuple[Rig, list[str]]:
    """The fixed-rig final tune: keeps pedal, amp and IR; optimises the parameters only."""
    with threadpool_limits(limits=1, user_api="blas"):  # as in match()
        return _retune(rig, di_path, ref_path, budget_name, seed, progress, match_eq)


def _retune(rig: Rig, di_path: Path, ref_path: Path, budget_name: str, seed: int,
            progress: Progress | None, match_eq: bool) -> tuple[Rig, list[str]]:
    progress = progress or Progress()
    budget = BUDGETS[budget_name]
    progress.stage("load", message="reading audio")
    di = load_audio(di_path, "DI")
    ref_audio = load_audio(ref_path, "reference", max_seconds=REF_ANALYSIS_S,
                           keep_channels=True)
    ref_active = active_excerpt(ref_audio.samples, REF_ANALYSIS_S)
    ref = analyse(ref_active)
    ref.time_effects = detect(ref_active)
    part, same = _same_part_pair(active_excerpt(di.samples, REF_ANALYSIS_S), ref_active)
    excerpt = spread_excerpt(di.samples, budget.excerpt_s)
    conditioning_notes = _condition_on_di(excerpt, [ref], os.cpu_count() or 1) + part.notes()
    progress.stage("post_fx", len(budget.gains_db), "tuning input gain and post-FX")
    best: Candidate | None = None
    for g in sorted({rig.params.input_gain_db, *budget.gains_db}):
        pre = replace(rig, params=RigParams(input_gain_db=g))
        cab = render_rig(pre, excerpt).mean(axis=0)
        result = optimise(cab, ref, pre.params, budget.refine_evals, seed)
        params = result.params
        if match_eq and same is not None:  # like for like, as `match` does it
            pre_part = replace(rig, params=RigParams(input_gain_db=params.input_gain_db))
            cab_part = render_rig(pre_part, same[0]).mean(axis=0)
            params = replace(params, match_eq_db=fit_same_part(cab_part, params, same[1]))
        elif match_eq:
            params = replace(params, match_eq_db=fit_after_post_fx(cab, params, ref))
        if best is None or result.loss.total < best.loss.total:
            best = Candidate(replace(rig, params=params), result.loss)
        progress.step(f"input gain {g:+.0f} dB")
    assert best is not None
    final = _verify([best.rig, rig], di, ref, ref_active, _level_target(ref_audio),
                    budget, progress, by_gear=False)[0]
    out = final.rig
    out.loss = final.loss.total
    notes = di.notes + ref_audio.notes + conditioning_notes + trust.result_warnings(final.loss)
    notes += level_warnings(final)
    notes += final.noise_gate.notes()
    out.extra = {**rig.extra, "schema_version": SCHEMA_VERSION,
                 "loss_components": final.loss.to_dict(), "warnings": list(notes),
                 "at_limit": trust.at_limit(out.params)}
    return out, notes
