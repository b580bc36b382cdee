"""The ToneMatch AI page (a Streamlit script; `tonematch app` serves it).

Everything a session has lives in its own `AppState` in `st.session_state`, so two browser
sessions never see each other's files or results. Streamlit runs this script from the top on
every interaction; the slow things (decoding, renders, the level overviews) are kept in the state
and recomputed only when what they depend on changes.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import soundfile as sf
import streamlit as st

from tonematch.app.audio import (
    SUFFIXES,
    Clip,
    Limits,
    check_upload,
    equal_loudness,
    overview,
    region,
    wav_bytes,
)
from tonematch.app.jobs import MATCH_STAGES, TUNE_STAGES, JobStatus, MatcherJob
from tonematch.app.results import (
    LOSS_PARTS,
    MatchResult,
    Memo,
    mono,
    preset_bytes,
    preset_filename,
    report_png,
    rig_json_bytes,
    with_settings,
)
from tonematch.app.workspace import Workspace
from tonematch.audio_io import InputError, write_wav_atomic
from tonematch.library_index import LibraryError, cache_dir, default_library_dirs, load_library
from tonematch.loss import EMBEDDING_WEIGHT
from tonematch.rig import PARAM_RANGES, ParamSpec, Rig, write_rig

BUDGETS = ("fast", "normal", "thorough")
# Slider step per unit of the engine's parameter table; labels are the plugin's host names.
SLIDER_STEPS = {"dB": 0.1, "Hz": 10.0, "ms": 5.0, "%": 1.0, "": 0.01}


def slider_spec(r: ParamSpec) -> tuple[str, float, str]:
    """A parameter's slider: label (host name and unit), step and display format."""
    step = SLIDER_STEPS.get(r.unit, 0.01)
    decimals = max(0, -math.floor(math.log10(step)))
    return (f"{r.name} ({r.unit})" if r.unit else r.name), step, f"%.{decimals}f"
POLL_S = 0.2  # how often a running match's progress is read


@dataclass
class LibraryChoice:
    """Which models and IRs the matcher searches: the bundled library or a user's folders."""

    models: Path | None = None  # None = bundled
    irs: Path | None = None  # None = bundled cabinets

    def cli_args(self) -> list[str]:
        args: list[str] = []
        if self.models is not None:
            args += ["--library", str(self.models)]
        if self.irs is not None:
            args += ["--irs", str(self.irs)]
        return args

    def folders(self) -> tuple[list[Path], list[Path]]:
        models, irs = default_library_dirs()
        return ([self.models] if self.models else models), ([self.irs] if self.irs else irs)


@dataclass
class AppState:
    """One browser session's state."""

    workspace: Workspace
    limits: Limits
    clips: dict[str, Clip] = field(default_factory=dict)  # "di", "ref"
    errors: dict[str, str] = field(default_factory=dict)
    upload_ids: dict[str, str] = field(default_factory=dict)  # the upload last checked
    library: LibraryChoice = field(default_factory=LibraryChoice)
    library_note: str = ""
    job: MatcherJob | None = None
    job_kind: str = ""  # "match" or "tune"
    job_note: str = ""  # how the last job ended when it left no result
    result: MatchResult | None = None
    base: Rig | None = None  # the rig the sliders start from: the match, a tune, an alternative
    revision: int = 0  # a new base gets new slider widgets (with its settings)
    derived: Memo = field(default_factory=Memo)  # renders, spectra, level-matched pairs
    players: Memo = field(default_factory=lambda: Memo(size=16))  # WAV bytes by audio key
    pending: dict[tuple[object, ...], Future[np.ndarray]] = field(default_factory=dict)
    shown_at: float = 0.0  # when a finished job's result was first drawn (for the timing line)
    finished_at: float = 0.0


def _state() -> AppState:
    if "tonematch" not in st.session_state:
        mb = int(st.get_option("server.maxUploadSize"))
        workspace = Workspace.create()
        state = AppState(workspace, Limits(max_upload_mb=mb))
        _watch_session(state)
        st.session_state["tonematch"] = state
    return st.session_state["tonematch"]


def _watch_session(state: AppState) -> None:
    """Removes the session's folder (and stops its match) once the session has ended."""
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():  # not served (Streamlit's AppTest): tests clean up
        return
    session_id, rt = ctx.session_id, runtime.get_instance()

    def alive() -> bool | None:
        if rt.state.name in ("STOPPING", "STOPPED"):
            return None
        return rt.is_active_session(session_id)

    def stop_job() -> None:
        if state.job is not None:
            state.job.cancel()

    grace = float(st.get_option("server.disconnectedSessionTTL"))
    state.workspace.watch(alive, grace, stop_job)


# ---------------------------------------------------------------------------------------------
# Inputs


def _take_upload(state: AppState, role: str, label: str) -> None:
    upload = st.file_uploader(label, type=list(SUFFIXES), key=f"upload_{role}",
                              help=f"Accepted: {state.limits.describe()}.")
    if upload is None:
        # The widget is empty while a file is being replaced too, so a checked clip stays
        # (its name is shown under the widget) until another file passes the checks.
        if state.upload_ids.pop(role, None):
            state.errors.pop(role, None)
        return
    if upload.file_id == state.upload_ids.get(role):
        return
    state.upload_ids[role] = upload.file_id
    name = "DI" if role == "di" else "reference"
    try:
        clip = check_upload(upload.getvalue(), upload.name, name,
                            state.workspace.new_folder("upload") / role, state.limits)
    except InputError as err:
        state.errors[role] = str(err)
        return
    state.errors.pop(role, None)
    state.clips[role] = clip


def _load_example(state: AppState) -> None:
    """The bundled DI and reference, as if uploaded (a quick way to try the page)."""
    examples = default_library_dirs()[0][0].parent / "examples"
    for role, file, name in (("di", "di_riff_a.wav", "DI"), ("ref", "ref_library_rig.wav",
                                                             "reference")):
        path = examples / file
        state.clips[role] = check_upload(path.read_bytes(), file, name,
                                         state.workspace.new_folder("upload") / role,
                                         state.limits)
        state.errors.pop(role, None)


def _overview_chart(clip: Clip, span: tuple[float, float] | None = None) -> alt.LayerChart:
    data = pd.DataFrame(overview(clip.samples))
    # Scaled to the clip's own peak: a DI is often quiet, and this is for finding passages.
    peak = max(float(np.max(np.abs(clip.samples))), 1e-6)
    base = alt.Chart(data).mark_area(color="#f0a030", opacity=0.85).encode(
        x=alt.X("t:Q", title=None, axis=alt.Axis(format=".0f", labelExpr="datum.label + ' s'"),
                scale=alt.Scale(domain=[0, clip.seconds], nice=False)),
        y=alt.Y("lo:Q", title=None, scale=alt.Scale(domain=[-peak, peak]), axis=None),
        y2="hi:Q",
        tooltip=[alt.Tooltip("t:Q", title="seconds", format=".1f")])
    layers: list[alt.Chart] = [base]
    if span is not None:
        box = pd.DataFrame({"a": [span[0]], "b": [span[1]]})
        layers.insert(0, alt.Chart(box).mark_rect(color="#4a90d9", opacity=0.25).encode(
            x="a:Q", x2="b:Q"))
    return alt.layer(*layers).properties(height=90)


def _player(state: AppState, key: tuple[object, ...], audio: np.ndarray, label: str,
            autoplay: bool = False) -> None:
    """An audio player; the WAV bytes are kept so a rerun does not encode them again."""
    data = state.players.get(key, lambda: wav_bytes(audio))
    st.caption(label)
    st.audio(data, format="audio/wav", autoplay=autoplay)


def _clip_note(state: AppState, role: str) -> None:
    if role in state.errors:
        st.error(state.errors[role], icon="⚠️")
        if role in state.clips:
            st.caption(f"Still using {state.clips[role].name}; nothing else changed.")
    clip = state.clips.get(role)
    if clip is not None:
        st.caption(f"**{clip.name}** · {clip.seconds:.1f} s"
                   + "".join(f" · {n}" for n in clip.notes))


def _inputs(state: AppState) -> tuple[float, float] | None:
    """The two uploads with their overviews and players; returns the reference region."""
    left, right = st.columns(2, gap="large")
    span: tuple[float, float] | None = None
    with left:
        st.markdown("#### 1 · Your DI")
        _take_upload(state, "di", "Dry guitar recording (DI)")
        _clip_note(state, "di")
        di = state.clips.get("di")
        if di is not None:
            st.altair_chart(_overview_chart(di), width="stretch")
            _player(state, ("di", str(di.path)), di.samples, "DI")
    with right:
        st.markdown("#### 2 · The tone you want")
        _take_upload(state, "ref", "Reference recording")
        _clip_note(state, "ref")
        ref = state.clips.get("ref")
        if ref is not None:
            whole = (0.0, round(ref.seconds, 1))
            span = st.slider("Region to match (e.g. the solo)", 0.0, whole[1], whole, step=0.1,
                             format="%.1f s", key=f"region_{ref.path}")
            st.altair_chart(_overview_chart(ref, span), width="stretch")
            try:
                part = region(ref.samples, span[0], span[1], state.limits.min_seconds)
            except InputError as err:
                st.error(str(err), icon="⚠️")
                return None
            _player(state, ("ref", str(ref.path), span), part,
                    f"Reference {span[0]:.1f}–{span[1]:.1f} s")
    return span


# ---------------------------------------------------------------------------------------------
# The library


def _sidebar(state: AppState) -> str:
    """Library and search effort; returns the budget."""
    with st.sidebar:
        st.header("Library")
        kind = st.radio("Models and cabinets", ("Bundled library", "A folder on this machine"),
                        key="library_kind")
        if kind == "Bundled library":
            choice = LibraryChoice()
        else:
            models = st.text_input("Folder of .nam models", key="library_models",
                                   placeholder="/home/me/NAM")
            irs = st.text_input("Folder of cabinet IRs (.wav)", key="library_irs",
                                placeholder="empty: the bundled cabinets")
            choice = LibraryChoice(Path(models).expanduser() if models.strip() else None,
                                   Path(irs).expanduser() if irs.strip() else None)
        if choice != state.library:
            state.library, state.library_note = choice, ""
        if st.button("Index library", help="Fingerprint new or changed models now (the match "
                     "does it too). The index is cached and shared with the command line."):
            _index_library(state)
        if state.library_note:
            st.caption(state.library_note)
        st.header("Search")
        budget = st.radio("Effort", BUDGETS, index=1, horizontal=True, key="budget",
                          help="fast: a quick look; normal: the default of `tonematch match`; "
                          "thorough: more pedals, gains and optimisation, about 2.7× slower "
                          "and not a closer match on the quality benchmark")
        st.divider()
        st.button("Try the bundled example", on_click=_load_example, args=(state,),
                  help="Loads the bundled DI and a reference made with a library rig")
        st.caption(f"Uploads: {state.limits.describe()}. Files stay on the machine running "
                   "the app and are deleted when you close the page.")
    return str(budget)


def _index_library(state: AppState) -> None:
    if state.library.models is not None and not state.library.models.is_dir():
        state.library_note = f"⚠️ {state.library.models}: folder not found"
        return
    models, irs = state.library.folders()
    bar = st.progress(0.0, text="checking the library")

    def tick(done: int, total: int, name: str) -> None:
        bar.progress(done / total if total else 1.0, text=f"indexing {done}/{total} {name}")

    try:
        library = load_library(models, irs, tick)
    except (LibraryError, ValueError) as err:
        state.library_note = f"⚠️ {err}"
        bar.empty()
        return
    bar.empty()
    state.library_note = (f"{len(library.amps)} amps, {len(library.pedals)} pedals, "
                          f"{len(library.irs)} cabinets · index in {cache_dir()}"
                          + "".join(f"\n\n⚠️ {w}" for w in library.warnings[:5]))


# ---------------------------------------------------------------------------------------------
# Matching


def _start_match(state: AppState, span: tuple[float, float], budget: str) -> None:
    di, ref = state.clips["di"], state.clips["ref"]
    if state.library.models is not None and not state.library.models.is_dir():
        state.job_note = f"{state.library.models}: folder not found"
        return
    folder = state.workspace.new_folder("match")
    ref_path = folder / "reference_region.wav"
    write_wav_atomic(ref_path, region(ref.samples, span[0], span[1], state.limits.min_seconds))
    args = ["match", "--di", str(di.path), "--ref", str(ref_path), "--out",
            str(folder / "rig.json"), "--render", str(folder / "matched.wav"),
            "--report", str(folder / "report.png"),
            "--budget", budget, *state.library.cli_args()]
    state.job = MatcherJob(args, folder / "rig.json", folder / "matcher.log", MATCH_STAGES)
    state.job_kind, state.job_note = "match", ""


def _start_tune(state: AppState, rig: Rig, span: tuple[float, float], budget: str) -> None:
    di, ref = state.clips["di"], state.clips["ref"]
    folder = state.workspace.new_folder("tune")
    ref_path = folder / "reference_region.wav"
    write_wav_atomic(ref_path, region(ref.samples, span[0], span[1], state.limits.min_seconds))
    write_rig(folder / "start.json", rig)
    args = ["tune", "--rig", str(folder / "start.json"), "--di", str(di.path), "--ref",
            str(ref_path), "--out", str(folder / "rig.json"), "--budget", budget]
    state.job = MatcherJob(args, folder / "rig.json", folder / "matcher.log", TUNE_STAGES)
    state.job_kind, state.job_note = "tune", ""


def _cancel(state: AppState) -> None:
    if state.job is not None:
        state.job.cancel()


def _finish_job(state: AppState, status: JobStatus) -> None:
    """Takes a finished job's rig (keeping the previous result when it failed)."""
    job, kind = state.job, state.job_kind
    state.job = None
    assert job is not None
    if status.state == "cancelled":
        state.job_note = f"{'Match' if kind == 'match' else 'Tune'} cancelled; nothing changed."
        return
    if status.state != "done":
        state.job_note = f"The {kind} failed: {status.error}"
        return
    try:
        result = MatchResult.load(job.out, status.seconds)
    except ValueError as err:
        state.job_note = f"The {kind} wrote a rig the page cannot read: {err}"
        return
    if kind == "tune" and state.result is not None:
        result.alternatives = state.result.alternatives  # tune keeps the gear; so do its choices
    state.result, state.base = result, result.rig
    state.revision += 1
    state.finished_at, state.shown_at = time.monotonic(), 0.0
    state.derived.drop(lambda k: False)
    state.players.drop(lambda k: k[0] in ("di", "ref"))
    state.pending.clear()
    di = state.clips.get("di")
    if di is None:
        return
    matched = job.out.with_name("matched.wav")
    if matched.is_file():  # the matcher rendered it with the same chain: no need to again
        audio, _ = sf.read(str(matched), dtype="float32", always_2d=True)
        state.derived.get(_render_key(result.rig, di), lambda: np.ascontiguousarray(audio.T))
    # The alternatives render in the background, so the rig is on screen without waiting.
    from tonematch.render import render_rig

    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="alternative")
    for alt_rig in result.alternatives:
        state.pending[_render_key(alt_rig, di)] = pool.submit(render_rig, alt_rig, di.samples)
    pool.shutdown(wait=False)  # the renders go on; the threads end with them


def _match_controls(state: AppState, span: tuple[float, float] | None, budget: str) -> None:
    ready = span is not None and "di" in state.clips and state.job is None
    cols = st.columns([1, 1, 4])
    cols[0].button("Match tone", type="primary", disabled=not ready, key="match_button",
                   on_click=_start_match, args=(state, span, budget), width="stretch")
    if state.job is not None:
        cols[1].button("Cancel", key="cancel_button", on_click=_cancel, args=(state,),
                       width="stretch")
    elif not ready and state.job is None:
        cols[2].caption("Upload a DI and a reference to start." if span is None or
                        "di" not in state.clips else "")
    if state.job_note:
        st.warning(state.job_note)


def _follow_job(state: AppState, area: st.delta_generator.DeltaGenerator) -> None:
    """Shows a running job's progress until it ends, then redraws the page with its result.

    This runs at the end of the script, so the rest of the page (an earlier result, its
    players and sliders) stays usable meanwhile; any interaction reruns the script, which comes
    back here while the job runs."""
    job = state.job
    if job is None:
        return
    with area:
        bar = st.progress(0.0, text="starting the matcher")
    status = job.status()
    while status.running:
        bar.progress(status.fraction, text=status.describe())
        time.sleep(POLL_S)
        status = job.status()
    _finish_job(state, status)
    st.rerun()


# ---------------------------------------------------------------------------------------------
# Results


def _render_key(rig: Rig, di: Clip) -> tuple[object, ...]:
    p = rig.params
    return ("render", str(rig.fx_path), str(rig.amp_path), str(rig.ir_path), str(di.path),
            *(getattr(p, r.key) for r in PARAM_RANGES), *p.match_eq_db)


def _render(state: AppState, rig: Rig, di: Clip) -> tuple[tuple[object, ...], np.ndarray]:
    """The DI through the rig with the engine's chain (the plugin's code), kept per settings;
    returns the render's key (for what is derived from it) and the stereo audio."""
    from tonematch.render import render_rig

    key = _render_key(rig, di)
    pending = state.pending.pop(key, None)
    if pending is not None:
        return key, state.derived.get(key, pending.result)
    return key, state.derived.get(key, lambda: render_rig(rig, di.samples))


def _follow_background(state: AppState) -> None:
    """Waits for the alternatives' renders still running, then redraws the page with them."""
    if state.pending and state.job is None:
        wait_futures(list(state.pending.values()))
        st.rerun()


def _settings(state: AppState, base: Rig) -> dict[str, float]:
    values = {}
    for r in PARAM_RANGES:
        label, step, fmt = slider_spec(r)
        start = float(min(max(getattr(base.params, r.key), r.low), r.high))
        values[r.key] = st.slider(label, r.low, r.high, start, step=step, format=fmt,
                                  key=f"set_{r.key}_{state.revision}")
    return values


def _results(state: AppState, span: tuple[float, float] | None, budget: str) -> None:
    result, base, di = state.result, state.base, state.clips.get("di")
    if result is None or base is None or di is None:
        return
    st.divider()
    with st.container(key="rig_name"):
        st.markdown(f"### {base.describe()}")
    parts = result.loss_parts()
    timing = st.empty()

    listen, tweak = st.columns([3, 2], gap="large")
    with tweak:
        st.markdown("#### Settings")
        current = with_settings(base, _settings(state, base))
        eq = max((abs(g) for g in base.params.match_eq_db), default=0.0)
        st.caption(f"Match EQ: {'flat' if eq == 0 else f'24 bands, ±{eq:.1f} dB'} (kept as "
                   "fitted). The sliders re-render the matched DI.")
        b1, b2 = st.columns(2)
        b1.button("Tune", key="tune_button", disabled=span is None or state.job is not None,
                  help="Keep this pedal, amp and cabinet; refit the settings to the reference",
                  on_click=_start_tune, args=(state, current, span, budget),
                  width="stretch")
        b2.button("Reset", key="reset_button", help="Back to the settings of this rig",
                  on_click=_bump_revision, args=(state,), width="stretch")

    try:
        rig_key, matched = _render(state, current, di)
    except ValueError as err:  # e.g. a model file of a user folder was removed meanwhile
        st.error(f"Cannot render this rig: {err}")
        return
    with listen:
        st.markdown("#### Listen")
        _player(state, rig_key, matched, "Matched: your DI through the rig (the plugin's chain)")
        ref = state.clips.get("ref")
        if ref is not None and span is not None:
            part = region(ref.samples, span[0], span[1], state.limits.min_seconds)
            pair = state.derived.get((*rig_key, "ab", str(ref.path), span),
                                     lambda: equal_loudness(matched, part))
            choice = st.radio("A/B at equal loudness", ("A · matched", "B · reference"),
                              horizontal=True, key="ab", on_change=_ab_changed)
            autoplay = bool(st.session_state.pop("ab_autoplay", False))
            side = pair.a if choice.startswith("A") else pair.b
            _player(state, (*rig_key, "ab", choice, span), side,
                    f"{choice} · both at {pair.lufs:.1f} LUFS", autoplay=autoplay)
        cols = st.columns(len(parts) or 1)
        for col, name in zip(cols, (*LOSS_PARTS, "total"), strict=False):
            if name in parts:
                col.metric(name, f"{parts[name]:.2f}")
        st.caption("The rig as matched, lower is closer: gear = how far its gear sounds "
                   f"from the reference's (rig metric + {EMBEDDING_WEIGHT} × learned "
                   "embedding; it chose pedal, amp and cabinet); total adds the playing's "
                   "envelope (it tuned the settings)."
                   + ("" if current.loss is not None else " Changed settings are not "
                      "re-measured: press Tune to refit them."))

    _alternatives(state, result, di)
    _report(state, result, rig_key, matched, span)
    _downloads(state, result, current, matched, span)

    if state.finished_at and not state.shown_at:
        state.shown_at = time.monotonic()
    if state.finished_at:
        timing.caption(f"Matcher {result.matcher_seconds:.1f} s · page "
                       f"{state.shown_at - state.finished_at:.1f} s after it finished",
                       help="The matcher's wall time (the same command the CLI runs) and the "
                       "time the page took to show its result.")


def _bump_revision(state: AppState) -> None:
    state.revision += 1


def _ab_changed() -> None:
    st.session_state["ab_autoplay"] = True  # switching A/B starts the other side at once


def _use_alternative(state: AppState, rig: Rig) -> None:
    state.base = rig
    state.revision += 1


def _alternatives(state: AppState, result: MatchResult, di: Clip) -> None:
    if not result.alternatives:
        return
    st.markdown("#### Alternatives")
    cols = st.columns(len(result.alternatives))
    for i, (col, alt_rig) in enumerate(zip(cols, result.alternatives, strict=True)):
        with col:
            loss = f" · loss {alt_rig.loss:.2f}" if alt_rig.loss is not None else ""
            st.markdown(f"**{i + 2}.** {alt_rig.describe()}{loss}")
            key = _render_key(alt_rig, di)
            if key in state.pending and not state.pending[key].done():
                st.caption("rendering…")
                continue
            try:
                key, audio = _render(state, alt_rig, di)
            except ValueError as err:
                st.error(f"Cannot render it: {err}")
                continue
            _player(state, key, audio, "Your DI through this rig")
            st.button("Use this rig", key=f"use_alt_{i}_{state.revision}",
                      on_click=_use_alternative, args=(state, alt_rig))


def _spectra(ref: np.ndarray, di: np.ndarray, matched: np.ndarray) -> pd.DataFrame:
    from tonematch.analysis import analyse, third_octave_centres

    rows = []
    centres = third_octave_centres()
    for name, audio in (("reference", ref), ("your DI", di), ("matched", matched)):
        bands = analyse(audio).bands_db
        rows += [{"Hz": float(f), "dB": float(b), "signal": name}
                 for f, b in zip(centres, bands, strict=True)]
    return pd.DataFrame(rows)


def _report(state: AppState, result: MatchResult, rig_key: tuple[object, ...],
            matched: np.ndarray, span: tuple[float, float] | None) -> None:
    st.markdown("#### Report")
    ref, di = state.clips.get("ref"), state.clips.get("di")
    if ref is None or di is None or span is None:
        return
    part = region(ref.samples, span[0], span[1], state.limits.min_seconds)
    data = state.derived.get((*rig_key, "spectra", str(ref.path), span),
                             lambda: _spectra(part, di.samples, mono(matched)))
    chart = alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("Hz:Q", scale=alt.Scale(type="log", domain=[40, 20000], nice=False),
                title="Hz (1/3 octave)"),
        y=alt.Y("dB:Q", title="dB (loudness-normalised)"),
        color=alt.Color("signal:N", scale=alt.Scale(
            domain=["reference", "your DI", "matched"],
            range=["#d62728", "#9a9a9a", "#4a90d9"])),
        tooltip=["signal", alt.Tooltip("Hz:Q", format=".0f"), alt.Tooltip("dB:Q", format=".1f")],
    ).properties(height=260, title="Long-term spectrum (hover for values, drag to pan, "
                 "scroll to zoom)").interactive()
    st.altair_chart(chart, width="stretch")
    if result.report is not None:
        with st.expander("The match report (spectra, per-band error, dynamics)"):
            st.image(str(result.report), caption="For the settings the matcher found")


def _downloads(state: AppState, result: MatchResult, rig: Rig, matched: np.ndarray,
               span: tuple[float, float] | None) -> None:
    st.markdown("#### Download")
    name = st.text_input("Preset name", value=f"{rig.amp_name or 'ToneMatch'} match",
                         key=f"preset_name_{state.revision}")
    cols = st.columns(4)
    cols[0].download_button("Rig JSON", rig_json_bytes(rig), file_name="rig.json",
                            mime="application/json", key="download_rig", on_click="ignore",
                            width="stretch",
                            help="What `tonematch match` writes; the plugin's LOAD PRESET "
                            "and `tonematch render` read it")
    cols[1].download_button("Plugin preset", preset_bytes(rig, name),
                            file_name=preset_filename(name), mime="application/json",
                            key="download_preset", on_click="ignore", width="stretch",
                            help="Put it in Documents/ToneMatchAI/Presets. Its model paths "
                            "are on the machine running this app")
    cols[2].download_button("Matched WAV", lambda: wav_bytes(matched, "FLOAT"),
                            file_name="matched.wav", mime="audio/wav", key="download_wav",
                            on_click="ignore", width="stretch",
                            help="Your DI through these settings: stereo 32-bit float, 48 kHz")
    ref, di = state.clips.get("ref"), state.clips.get("di")
    if ref is not None and di is not None and span is not None:
        part = region(ref.samples, span[0], span[1], state.limits.min_seconds)
        folder = result.folder
        cols[3].download_button(
            "Report PNG", lambda: report_png(folder, part, di.samples, mono(matched), rig),
            file_name="report.png", mime="image/png", key="download_report",
            on_click="ignore", width="stretch",
            help="The match report for these settings")


# ---------------------------------------------------------------------------------------------


def main() -> None:
    st.set_page_config(page_title="ToneMatch AI", page_icon="🎸", layout="wide")
    state = _state()
    budget = _sidebar(state)
    st.title("ToneMatch AI")
    st.caption("Make your guitar DI sound like a reference: a pedal, an amp and a cabinet from "
               "the library and their settings, played by the plugin's own engine.")
    span = _inputs(state)
    st.markdown("#### 3 · Match")
    _match_controls(state, span, budget)
    progress_area = st.container()
    _results(state, span, budget)
    _follow_job(state, progress_area)
    _follow_background(state)


main()
