"""Would a learned, content-invariant embedding hear the rig better than the rig metric?

The identification issue's last direction: an embedding learned with torch from renders of
many random rigs and performances, such that one rig with two performances comes out closer
than two rigs with one performance. Trained here on the dev guitars only (the synthesiser and
FluidR3 programs 26 and 27, seeds of its own) with some gear left out of training (two amp
voicings, four pedals, three cabinets: a user's own NAM folder holds gear the embedding never
heard), then scored on the rig-retrieval benchmark's sets (`rig_retrieval.py`: 30 rigs × 5
performances, every query against the rigs rendered with each *other* performance) beside the
rig metric conditioned on the DI, which the matcher uses, on the same renders.

The embedding's input is what `tonematch.aligned` compares frame by frame: 85 ms frames in
1/6-octave bands (80 Hz–16 kHz), dB relative to the excerpt's loud frames. A small temporal
convolution network pools frame statistics into 64 numbers on the unit sphere; training is
contrastive (NT-Xent): each (pedal, amp, input gain, cabinet) plays two performances, and
every other rig in the batch is a negative. Cabinets are applied in the frames' power domain
(a cabinet is a linear filter shorter than a frame), and the reference side gets a random
post-EQ and a power-domain reverb smear, as a produced track would.

    python benchmarks/embedding_study.py            # writes results/embedding_study.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from _cases import IRS, MODELS, bundled, voicing_of
from _provenance import parse_guarded, provenance
from rig_retrieval import (
    GAINS_DB,
    SEEDS,
    RigSpec,
    conditioned_method,
    evaluate,
    performances,
    random_rigs,
)

from tonematch._native import NamModel
from tonematch.aligned import band_frames_db, ir_power, power_frames
from tonematch.analysis import analyse
from tonematch.grid_search import ir_samples
from tonematch.library.performances import REGISTERS, SCALES, STYLES, Performance
from tonematch.library.rig_metric_build import PLAYING_LEVEL_DB, reference_params
from tonematch.render import render_rig
from tonematch.rig import RigParams

RESULTS = Path(__file__).resolve().parent / "results"
CACHE = Path(__file__).resolve().parent / ".cache" / "embedding_study"
TRAIN_SOURCES = ("synth", "fluidr3:26", "fluidr3:27")
TRAIN_SEED = 303  # the rig metric trains with 0, retrieval scores with 101 (dev) and 202
# Gear the embedding never hears in training.
UNSEEN_VOICINGS = ("amp_brown", "amp_jazz_clean")
UNSEEN_PEDALS = ("pedal_blues_low", "pedal_comp_studio", "pedal_fuzz_gated", "pedal_ts_mid")
UNSEEN_IRS = ("cab_1x15_closed_cap", "cab_2x12_open_cap", "cab_4x10_open_room")
TRAIN_SECONDS = 6.0
FRAME_STEP = 3  # every third 20 ms frame: 60 ms apart
REL_FLOOR_DB = -80.0


def frames_rel_db(power: np.ndarray) -> np.ndarray:
    """Band frames in dB relative to the excerpt's loud frames (95th percentile of frame
    level), floored: the embedding never sees the playing level."""
    db = band_frames_db(power)
    level = 10 * np.log10(np.sum(10 ** (db / 10), axis=1) + 1e-30)
    rel = db - np.percentile(level, 95)
    return np.maximum(rel, REL_FLOOR_DB).astype(np.float32)


def features(x: np.ndarray) -> np.ndarray:
    """The embedding's input for a rendered signal (frames × bands)."""
    return frames_rel_db(power_frames(x)[::FRAME_STEP])


# ---------------------------------------------------------------- training data


@dataclass(frozen=True)
class AmpRig:
    """Everything before the cabinet."""

    pedal: str | None
    amp: str
    gain_db: float


def _train_gear() -> tuple[list[str], list[str], list[str]]:
    lib = bundled()
    return ([p for p in lib.pedals if p not in UNSEEN_PEDALS],
            [a for a in lib.amps if voicing_of(a) not in UNSEEN_VOICINGS],
            [i for i in lib.irs if i not in UNSEEN_IRS])


def seen(spec: RigSpec) -> bool:
    """Whether every part of the rig was heard in training."""
    return (voicing_of(spec.amp) not in UNSEEN_VOICINGS and spec.pedal not in UNSEEN_PEDALS
            and spec.ir not in UNSEEN_IRS)


def training_data(n_rigs: int, n_perfs: int, per_rig: int, jobs: int
                  ) -> tuple[np.ndarray, np.ndarray, list[AmpRig], list[str]]:
    """Frames of every amp rig × its performances × every training cabinet.

    Returns (frames: rigs × per_rig × cabinets × frames × bands, the performances each rig
    played: rigs × per_rig, the amp rigs, the cabinets)."""
    pedals, amps, irs = _train_gear()
    rng = np.random.default_rng([TRAIN_SEED, 1])
    perfs = []
    for k in range(n_perfs):
        perfs.append(Performance(TRAIN_SOURCES[k % len(TRAIN_SOURCES)], STYLES[k % len(STYLES)],
                                 int(rng.integers(12)), str(rng.choice(list(SCALES))),
                                 str(rng.choice(list(REGISTERS))), float(rng.uniform(75, 150)),
                                 TRAIN_SECONDS, int(rng.integers(1_000_000)), PLAYING_LEVEL_DB))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        di = list(pool.map(lambda p: p.render(), perfs))
    rigs = [AmpRig(str(rng.choice(pedals)) if rng.random() < 0.5 else None,
                   str(rng.choice(amps)), float(rng.uniform(-8, 8))) for _ in range(n_rigs)]
    played = np.array([rng.choice(n_perfs, per_rig, replace=False) for _ in range(n_rigs)])
    ir_pow = np.array([ir_power(ir_samples(IRS / f"{i}.wav")) for i in irs])

    def work(i: int) -> np.ndarray:
        rig = rigs[i]
        pedal = NamModel(str(MODELS / f"{rig.pedal}.nam")) if rig.pedal else None
        amp = NamModel(str(MODELS / f"{rig.amp}.nam"))
        out = []
        for p in played[i]:
            x = di[p] * np.float32(10 ** (rig.gain_db / 20))
            if pedal is not None:
                pedal.reset()
                x = pedal.process(x)
            amp.reset()
            power = power_frames(amp.process(x))[::FRAME_STEP]
            out.append([frames_rel_db(power * h) for h in ir_pow])
        return np.array(out, dtype=np.float16)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        frames = []
        for k, f in enumerate(pool.map(work, range(n_rigs))):
            frames.append(f)
            if (k + 1) % 50 == 0:
                print(f"  rendered {k + 1}/{n_rigs} amp rigs ({time.perf_counter() - t0:.0f} s)",
                      flush=True)
    return np.array(frames), played, rigs, irs


# ---------------------------------------------------------------- the model


class Embedder(torch.nn.Module):
    """Frames (batch × frames × bands, relative dB) → unit vectors."""

    def __init__(self, bands: int, width: int = 192, dim: int = 64) -> None:
        super().__init__()
        self.frames = torch.nn.Sequential(
            torch.nn.Conv1d(bands, width, 3, padding=1), torch.nn.GELU(),
            torch.nn.Conv1d(width, width, 3, padding=2, dilation=2), torch.nn.GELU(),
            torch.nn.Conv1d(width, width, 1), torch.nn.GELU())
        self.head = torch.nn.Sequential(torch.nn.Linear(2 * width, width), torch.nn.GELU(),
                                        torch.nn.Linear(width, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # dB / 20: inputs of order one
        h = self.frames((x / 20.0).transpose(1, 2))
        # pool over the frames where something plays (within 30 dB of the loudest)
        level = 10.0 * torch.log10(torch.sum(10.0 ** (x / 10.0), dim=2))
        w = (level > level.amax(dim=1, keepdim=True) - 30.0).float().unsqueeze(1)
        w = w / w.sum(dim=2, keepdim=True)
        mean = (h * w).sum(dim=2)
        std = torch.sqrt(((h - mean.unsqueeze(2)) ** 2 * w).sum(dim=2) + 1e-6)
        return torch.nn.functional.normalize(self.head(torch.cat([mean, std], dim=1)), dim=1)


_BAND_CENTRES = 80.0 * 2.0 ** ((np.arange(46) + 0.5) / 6)


def _augment(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A produced track's reference side: a random peak EQ and tilt, sometimes a reverb smear."""
    f0 = np.exp(rng.uniform(np.log(300), np.log(4000)))
    peak = rng.uniform(-6, 6) * np.exp(-0.5 * (np.log2(_BAND_CENTRES / f0) / 0.5) ** 2)
    tilt = rng.uniform(-1.5, 1.5) * np.log2(_BAND_CENTRES / 1000.0)
    y = x + (peak + tilt).astype(np.float32)
    if rng.random() < 0.5:
        p = 10 ** (y / 10)
        decay = np.exp(-0.06 * 6.9 / rng.uniform(0.4, 2.5))  # per 60 ms frame, from T60
        wet = rng.uniform(0.03, 0.25)
        tail = np.zeros_like(p[0])
        out = np.empty_like(p)
        for t in range(len(p)):
            tail = tail * decay + p[t] * (1 - decay)
            out[t] = p[t] + wet * tail
        y = 10 * np.log10(out)
        y = y - np.percentile(10 * np.log10(np.sum(10 ** (y / 10), axis=1)), 95)
    return np.maximum(y, REL_FLOOR_DB).astype(np.float32)


def train(frames: np.ndarray, steps: int, batch: int, crop: int, seed: int) -> Embedder:
    """Contrastive training: each sample is one (amp rig, cabinet) with two performances."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    n_rigs, per_rig, n_cabs, n_frames, bands = frames.shape
    model = Embedder(bands)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    t0 = time.perf_counter()
    for step in range(steps):
        rig = rng.choice(n_rigs, batch, replace=False)
        cab = rng.integers(n_cabs, size=batch)
        views: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])
        for r, c in zip(rig, cab, strict=True):
            for side, p in enumerate(rng.choice(per_rig, 2, replace=False)):
                s = int(rng.integers(0, n_frames - crop + 1))
                x = frames[r, p, c, s:s + crop].astype(np.float32)
                views[side].append(_augment(x, rng) if side == 1 else x)
        za, zb = (model(torch.from_numpy(np.array(v))) for v in views)
        logits = za @ zb.T / 0.1
        target = torch.arange(batch)
        loss = 0.5 * (torch.nn.functional.cross_entropy(logits, target)
                      + torch.nn.functional.cross_entropy(logits.T, target))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if (step + 1) % 200 == 0:
            acc = float((logits.argmax(dim=1) == target).float().mean())
            print(f"  step {step + 1}/{steps} loss {loss.item():.3f} in-batch top-1 {acc:.2f} "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)
    return model.eval()


def embed(model: Embedder, x: np.ndarray) -> np.ndarray:
    """The embedding of one excerpt's frames."""
    with torch.no_grad():
        return model(torch.from_numpy(x[None])).numpy()[0]


# ---------------------------------------------------------------- scoring on the retrieval sets


def retrieval_set(split: str, jobs: int) -> dict:
    """The rig-retrieval benchmark's renders (same rigs, performances and post-FX), as the
    rig metric and the embedding see them; cached."""
    path = CACHE / f"retrieval_{split}.npz"
    seed = SEEDS[split]
    rigs = random_rigs(30, seed)
    perfs = performances(split, seed, 5)
    names = list(perfs)
    if path.exists():
        return {"rigs": rigs, "perfs": perfs, "names": names,
                **np.load(path, allow_pickle=True)["data"].item()}
    rng = np.random.default_rng([seed, 5])
    post = {(i, p): replace(reference_params(rng), input_gain_db=float(rng.uniform(-4, 4)))
            for i in range(len(rigs)) for p in names}

    def work(item: tuple[int, str]) -> tuple:
        i, p = item
        cands = [render_rig(rigs[i].rig(RigParams(input_gain_db=g)), perfs[p]).mean(axis=0)
                 for g in GAINS_DB]
        query = render_rig(rigs[i].rig(post[item]), perfs[p]).mean(axis=0)
        return ([analyse(c) for c in cands], [features(c) for c in cands],
                analyse(query), features(query))

    items = [(i, p) for i in range(len(rigs)) for p in names]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        done = dict(zip(items, pool.map(work, items), strict=True))
    data = {"done": done}
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, data=np.array(data, dtype=object))
    return {"rigs": rigs, "perfs": perfs, "names": names, **data}


def score(split: str, model: Embedder, jobs: int) -> dict:
    """Retrieval rates of the rig metric (conditioned on the DI), the embedding and both."""
    s = retrieval_set(split, jobs)
    rigs, names, done = s["rigs"], s["names"], s["done"]
    emb = {k: ([embed(model, f) for f in v[1]], embed(model, v[3])) for k, v in done.items()}
    cands = {k: list(zip(v[0], emb[k][0], strict=True)) for k, v in done.items()}
    queries = {k: (v[2], emb[k][1]) for k, v in done.items()}
    rig_di = conditioned_method(s["perfs"], jobs)

    def emb_d(q: tuple, c: tuple) -> float:
        return float(1.0 - q[1] @ c[1])

    # scales for adding the two: medians over every query × candidate pair (no labels used)
    pairs = [(q, c, o) for (i, p), q in queries.items() for o in names if o != p
             for j in range(len(rigs)) for c in cands[j, o][1:2]]
    scale_rig = float(np.median([rig_di(q[0], c[0], o) for q, c, o in pairs]))
    scale_emb = float(np.median([emb_d(q, c) for q, c, _ in pairs]))
    methods = {
        "rig_metric_di": lambda q, c, o: rig_di(q[0], c[0], o),
        "embedding": lambda q, c, _: emb_d(q, c),
        "rig_metric_di+embedding": lambda q, c, o: (rig_di(q[0], c[0], o) / scale_rig
                                                    + emb_d(q, c) / scale_emb),
    }
    out = {}
    for subset, keep in (("all", lambda i: True), ("seen_gear", lambda i: seen(rigs[i])),
                         ("unseen_gear", lambda i: not seen(rigs[i]))):
        qs = {k: v for k, v in queries.items() if keep(k[0])}
        out[subset] = {name: evaluate(rigs, cands, qs, names, m) for name, m in methods.items()}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rigs", type=int, default=400, help="amp rigs rendered for training")
    parser.add_argument("--performances", type=int, default=24)
    parser.add_argument("--per-rig", type=int, default=4, help="performances each rig plays")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=96)
    parser.add_argument("--crop", type=int, default=50, help="training excerpt, 60 ms frames")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--model-out", type=Path,
                        help="also write the trained weights (npz, numpy arrays by layer name)")
    args = parse_guarded(parser, argv)
    torch.set_num_threads(args.jobs)
    t0 = time.perf_counter()
    data_path = CACHE / f"train_{args.rigs}x{args.performances}x{args.per_rig}.npz"
    if data_path.exists():
        frames = np.load(data_path)["frames"]
    else:
        print(f"rendering {args.rigs} training rigs × {args.per_rig} performances", flush=True)
        frames = training_data(args.rigs, args.performances, args.per_rig, args.jobs)[0]
        CACHE.mkdir(parents=True, exist_ok=True)
        np.savez(data_path, frames=frames)
    print(f"training on {frames.shape} frames", flush=True)
    model = train(frames, args.steps, args.batch, args.crop, TRAIN_SEED)
    if args.model_out:
        np.savez(args.model_out, **{k: v.numpy() for k, v in model.state_dict().items()})
    cols = ["amp_top1", "amp_top3", "voicing_top1", "cab_top1", "pedal_presence", "rig_top1",
            "median_rank", "queries"]
    table = {}
    for split in ("dev", "heldout"):
        print(f"scoring on the {split} retrieval set", flush=True)
        table[split] = score(split, model, args.jobs)
        for subset, rows in table[split].items():
            print(f"\n{split}, {subset} queries\n| method | " + " | ".join(cols) + " |")
            print("|---|" + "---:|" * len(cols))
            for name, row in rows.items():
                print(f"| {name} | " + " | ".join(str(row[c]) for c in cols) + " |")
    if not args.allow_dirty:
        result = {**provenance(), "settings": {k: str(v) for k, v in vars(args).items()},
                  "train_sources": list(TRAIN_SOURCES),
                  "unseen": {"voicings": UNSEEN_VOICINGS, "pedals": UNSEEN_PEDALS,
                             "irs": UNSEEN_IRS},
                  "seconds": round(time.perf_counter() - t0, 1), "results": table}
        out = RESULTS / "embedding_study.json"
        out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
