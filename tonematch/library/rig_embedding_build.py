"""Trains the learned rig embedding (`tonematch.rig_embedding`) from renders of the bundled library.

Random rigs before the cabinet (a pedal or none, an amp, an input gain of −8…+8 dB) each play
a few performances that differ in style, key, register, tempo and guitar (the synthesiser and
FluidR3 programs 26 and 27: the quality benchmark's dev guitars, with seeds of their own); every
render is heard through every training cabinet in the frames' power domain (a cabinet is a
linear filter shorter than a frame). A small temporal convolution network is trained
contrastively (NT-Xent): the same rig and cabinet with two performances is a positive pair,
every other rig of the batch a negative; the reference side gets a random peak EQ and tilt and
sometimes a reverb smear, as a produced track has. Some gear is left out of training (two amp
voicings, four pedals, three cabinets) so that `benchmarks/embedding_study.py` can say how the
embedding hears gear it never heard, as it will in a user's own NAM folder.

With `--hard` a share of each batch is families: a rig beside the confusers the matcher's search
meets (its pedal flipped, another voicing, another capture of its voicing, each at a re-set
input gain), so that those are among its negatives. On the identifiability renders it did no
better than random batches (docs/identification_studies.md); the shipped weights use none.
With `--guitar-eq DB` every render's DI first passes a random body and pickup peak EQ, so
that a rig's two performances also come from two "guitars"; it did not carry the embedding
to the held-out guitars either (the same document), and the shipped weights use none.

    python -m tonematch.library.rig_embedding_build     # writes tonematch/data/rig_embedding.npz
    python -m tonematch.library.rig_embedding_build --rigs 1200 --hard 0.5 --out /tmp/hard.npz
    python -m tonematch.library.rig_embedding_build --guitar-eq 6 --out /tmp/guitars.npz
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from scipy.signal import sosfilt

from tonematch._native import NamModel
from tonematch.aligned import BANDS_PER_OCTAVE, LOW_HZ, N_BANDS, ir_power
from tonematch.grid_search import ir_samples
from tonematch.library.gear import voicing_of
from tonematch.library.performances import REGISTERS, SCALES, STYLES, Performance
from tonematch.library.rig_metric_build import checkout_commit
from tonematch.post_fx import peak_coefficients
from tonematch.rig_embedding import (
    ACTIVE_DB,
    EMBEDDING_FILE,
    REL_FLOOR_DB,
    frames_rel_db,
    signal_frames,
)
from tonematch.rig_metric import PLAYING_LEVEL_DB

ASSETS = Path(__file__).resolve().parents[2] / "assets"
MODELS = ASSETS / "nam_models"
IRS = ASSETS / "impulse_responses"
TRAIN_SOURCES = ("synth", "fluidr3:26", "fluidr3:27")
TRAIN_SEED = 303  # the rig metric trains with 0, the retrieval benchmark scores with 101 and 202
# Gear the embedding never hears in training.
UNSEEN_VOICINGS = ("amp_brown", "amp_jazz_clean")
UNSEEN_PEDALS = ("pedal_blues_low", "pedal_comp_studio", "pedal_fuzz_gated", "pedal_ts_mid")
UNSEEN_IRS = ("cab_1x15_closed_cap", "cab_2x12_open_cap", "cab_4x10_open_room")
TRAIN_SECONDS = 6.0


def catalogue() -> tuple[list[str], list[str], list[str]]:
    """The catalogued pedals, amps and cabinets by name, sorted."""
    models = json.loads((MODELS / "manifest.json").read_text())["entries"]
    irs = json.loads((IRS / "manifest.json").read_text())["entries"]
    names = [(e["kind"], Path(e["file"]).stem) for e in models]
    return (sorted(n for k, n in names if k == "pedal" and n.startswith("pedal_")),
            sorted(n for k, n in names if k == "amp" and n.startswith("amp_")),
            sorted(Path(e["file"]).stem for e in irs if Path(e["file"]).stem.startswith("cab_")))


def training_gear() -> tuple[list[str], list[str], list[str]]:
    """The pedals, amps and cabinets training hears."""
    pedals, amps, irs = catalogue()
    return ([p for p in pedals if p not in UNSEEN_PEDALS],
            [a for a in amps if voicing_of(a) not in UNSEEN_VOICINGS],
            [i for i in irs if i not in UNSEEN_IRS])


@dataclass(frozen=True)
class AmpRig:
    """Everything before the cabinet."""

    pedal: str | None
    amp: str
    gain_db: float


FAMILY = 4  # a rig and its three confusers: pedal flipped, another voicing, another capture
GAIN_RANGE_DB = (-8.0, 8.0)
CONFUSER_GAIN_DB = 8.0  # a confuser's input gain: the rig's, moved by up to this much,
CONFUSER_GAIN_LIMIT_DB = 12.0  # within ±this (the gains the identifiability study tries)


def random_rig(rng: np.random.Generator, pedals: list[str], amps: list[str]) -> AmpRig:
    """A pedal (or none, half the time), an amp and an input gain."""
    return AmpRig(str(rng.choice(pedals)) if rng.random() < 0.5 else None,
                  str(rng.choice(amps)), float(rng.uniform(*GAIN_RANGE_DB)))


def confusers_of(rig: AmpRig, rng: np.random.Generator, pedals: list[str],
                 amps: list[str]) -> list[AmpRig]:
    """What a search meets beside `rig`: one attribute changed and the input gain re-set.

    The pedal flipped (none for a pedal, a random pedal for none), an amp of another voicing,
    and another capture of the same voicing (its gain knob); each at the rig's input gain
    moved by up to CONFUSER_GAIN_DB, since the matcher sets the gain freely."""
    def gain() -> float:
        return float(np.clip(rig.gain_db + rng.uniform(-CONFUSER_GAIN_DB, CONFUSER_GAIN_DB),
                             -CONFUSER_GAIN_LIMIT_DB, CONFUSER_GAIN_LIMIT_DB))

    flipped = None if rig.pedal else str(rng.choice(pedals))
    voicing = voicing_of(rig.amp)
    other_voicing = [a for a in amps if voicing_of(a) != voicing]
    same_voicing = [a for a in amps if voicing_of(a) == voicing and a != rig.amp] or other_voicing
    return [AmpRig(flipped, rig.amp, gain()),
            AmpRig(rig.pedal, str(rng.choice(other_voicing)), gain()),
            AmpRig(rig.pedal, str(rng.choice(same_voicing)), gain())]


def _peak_sos(freq_hz: float, gain_db: float, q: float) -> np.ndarray:
    """One peaking biquad (the pre-EQ's shape) as a second-order section."""
    b, den = peak_coefficients(freq_hz, gain_db, q)
    return np.concatenate([b, den])[None, :] / den[0]


def guitar_eq(rng: np.random.Generator, depth_db: float) -> np.ndarray:
    """A random filter before the rig that stands in for another guitar or pickup: a low peak
    (body, 120–400 Hz) and a high one (the pickup's resonance, 1.5–6 kHz), each up to
    ±`depth_db`. The DI side of a rig is not the same guitar twice in a user's hands, and the
    drive hears the difference, so no after-the-rig EQ can teach it."""
    low = _peak_sos(float(np.exp(rng.uniform(np.log(120), np.log(400)))),
                    float(rng.uniform(-depth_db, depth_db)), float(rng.uniform(0.7, 1.5)))
    high = _peak_sos(float(np.exp(rng.uniform(np.log(1500), np.log(6000)))),
                     float(rng.uniform(-depth_db, depth_db)), float(rng.uniform(0.7, 2.5)))
    return np.concatenate([low, high])


def training_rigs(n_rigs: int, rng: np.random.Generator, families: bool) -> list[AmpRig]:
    """Random amp rigs; with `families`, in runs of FAMILY: a rig, then its confusers."""
    pedals, amps, _ = training_gear()
    if not families:
        return [random_rig(rng, pedals, amps) for _ in range(n_rigs)]
    rigs: list[AmpRig] = []
    while len(rigs) < n_rigs:
        rig = random_rig(rng, pedals, amps)
        rigs += [rig, *confusers_of(rig, rng, pedals, amps)]
    return rigs[:n_rigs - n_rigs % FAMILY]


def training_data(n_rigs: int, n_perfs: int, per_rig: int, jobs: int, families: bool = False,
                  guitar_eq_db: float = 0.0
                  ) -> tuple[np.ndarray, np.ndarray, list[AmpRig], list[str]]:
    """Frames of every amp rig × its performances × every training cabinet.

    Returns (frames: rigs × per_rig × cabinets × frames × bands, the performances each rig
    played: rigs × per_rig, the amp rigs, the cabinets). With `families` the rigs come in
    runs of FAMILY (`training_rigs`); with `guitar_eq_db` every render's DI first passes a
    random `guitar_eq` of that depth, a new one for each performance (from a generator seeded
    by the rig's index, so the threads do not change the draws)."""
    _, _, irs = training_gear()
    rng = np.random.default_rng([TRAIN_SEED, 1])
    perfs = []
    for k in range(n_perfs):
        perfs.append(Performance(TRAIN_SOURCES[k % len(TRAIN_SOURCES)], STYLES[k % len(STYLES)],
                                 int(rng.integers(12)), str(rng.choice(list(SCALES))),
                                 str(rng.choice(list(REGISTERS))), float(rng.uniform(75, 150)),
                                 TRAIN_SECONDS, int(rng.integers(1_000_000)), PLAYING_LEVEL_DB))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        di = list(pool.map(lambda p: p.render(), perfs))
    rigs = training_rigs(n_rigs, rng, families)
    played = np.array([rng.choice(n_perfs, per_rig, replace=False) for _ in rigs])
    ir_pow = np.array([ir_power(ir_samples(IRS / f"{i}.wav")) for i in irs])

    def work(i: int) -> np.ndarray:
        rig = rigs[i]
        pedal = NamModel(str(MODELS / f"{rig.pedal}.nam")) if rig.pedal else None
        amp = NamModel(str(MODELS / f"{rig.amp}.nam"))
        eq_rng = np.random.default_rng([TRAIN_SEED, 2, i])
        out = []
        for p in played[i]:
            x = di[p] * np.float32(10 ** (rig.gain_db / 20))
            if guitar_eq_db > 0:
                x = sosfilt(guitar_eq(eq_rng, guitar_eq_db), x).astype(np.float32)
            if pedal is not None:
                pedal.reset()
                x = pedal.process(x)
            amp.reset()
            power = signal_frames(amp.process(x))
            out.append([frames_rel_db(power * h) for h in ir_pow])
        return np.array(out, dtype=np.float16)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        frames = []
        for k, f in enumerate(pool.map(work, range(len(rigs)))):
            frames.append(f)
            if (k + 1) % 50 == 0:
                print(f"  rendered {k + 1}/{len(rigs)} amp rigs ({time.perf_counter() - t0:.0f} s)",
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
        # pool over the frames where something plays (within ACTIVE_DB of the loudest)
        level = 10.0 * torch.log10(torch.sum(10.0 ** (x / 10.0), dim=2))
        w = (level > level.amax(dim=1, keepdim=True) - ACTIVE_DB).float().unsqueeze(1)
        w = w / w.sum(dim=2, keepdim=True)
        mean = (h * w).sum(dim=2)
        std = torch.sqrt(((h - mean.unsqueeze(2)) ** 2 * w).sum(dim=2) + 1e-6)
        return torch.nn.functional.normalize(self.head(torch.cat([mean, std], dim=1)), dim=1)


_BAND_CENTRES = LOW_HZ * 2.0 ** ((np.arange(N_BANDS) + 0.5) / BANDS_PER_OCTAVE)


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


def batch_rigs(n_rigs: int, n_cabs: int, batch: int, hard: float, rng: np.random.Generator
               ) -> tuple[np.ndarray, np.ndarray]:
    """The (rig, cabinet) pairs of one batch: a share `hard` of it whole families (training
    rigs in runs of FAMILY: a rig and its confusers) through one cabinet each, so that the
    confusers a search meets are among each other's negatives; the rest random."""
    n_families = int(round(hard * batch / FAMILY))
    family = rng.choice(n_rigs // FAMILY, n_families, replace=False) if n_families else []
    hard_rigs = np.array([f * FAMILY + k for f in family for k in range(FAMILY)], dtype=int)
    rest = np.setdiff1d(np.arange(n_rigs), hard_rigs)
    rig = np.concatenate([hard_rigs, rng.choice(rest, batch - len(hard_rigs), replace=False)])
    cab = rng.integers(n_cabs, size=batch)
    cab[:len(hard_rigs)] = np.repeat(cab[:n_families], FAMILY)
    return rig, cab


def train(frames: np.ndarray, steps: int, batch: int, crop: int, seed: int,
          hard: float = 0.0) -> Embedder:
    """Contrastive training: each sample is one (amp rig, cabinet) with two performances
    (with `hard` > 0 the frames' rigs come in families, `batch_rigs`)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    n_rigs, per_rig, n_cabs, n_frames, bands = frames.shape
    model = Embedder(bands)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    t0 = time.perf_counter()
    for step in range(steps):
        rig, cab = batch_rigs(n_rigs, n_cabs, batch, hard, rng)
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




def save(model: Embedder, path: Path, settings: dict[str, object]) -> None:
    """Writes the weights (numpy arrays by layer name) and how they were made (`meta`)."""
    meta = {**settings, "sources": TRAIN_SOURCES, "seed": TRAIN_SEED, "commit": checkout_commit(),
            "unseen": {"voicings": UNSEEN_VOICINGS, "pedals": UNSEEN_PEDALS, "irs": UNSEEN_IRS}}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, meta=np.array(json.dumps(meta)),
             **{k: v.numpy() for k, v in model.state_dict().items()})


def _within(low: float, high: float, what: str) -> Callable[[str], float]:
    """An argparse type: a number in [low, high], else a message naming what it should be."""
    def parse(text: str) -> float:
        value = float(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not {what}")
        return value
    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The training settings, shared with the embedding study."""
    parser.add_argument("--rigs", type=int, default=800, help="amp rigs rendered for training")
    parser.add_argument("--performances", type=int, default=36)
    parser.add_argument("--per-rig", type=int, default=4, help="performances each rig plays")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=96)
    parser.add_argument("--crop", type=int, default=50, help="training excerpt, 60 ms frames")
    parser.add_argument("--hard", type=_within(0.0, 1.0, "a share between 0 and 1"),
                        default=0.0,
                        help="share of each batch drawn as a rig with its confusers (pedal "
                             "flipped, another voicing, another capture); 0 = all random")
    parser.add_argument("--guitar-eq", type=_within(0.0, 12.0, "a depth between 0 and 12 dB"),
                        default=0.0, metavar="DB",
                        help="depth of a random low and high peak EQ on every render's DI, "
                             "standing in for other guitars (0 = none)")
    parser.add_argument("--jobs", type=int, default=2)


def build(args: argparse.Namespace, cache: Path | None = None) -> Embedder:
    """Renders (or reads from `cache`) the training frames and trains the network."""
    torch.set_num_threads(args.jobs)
    frames = None
    families = args.hard > 0
    if cache is not None and cache.exists():
        frames = np.load(cache)["frames"]
    if frames is None:
        print(f"rendering {args.rigs} training rigs × {args.per_rig} performances", flush=True)
        frames = training_data(args.rigs, args.performances, args.per_rig, args.jobs,
                               families, args.guitar_eq)[0]
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            np.savez(cache, frames=frames)
    print(f"training on {frames.shape} frames", flush=True)
    return train(frames, args.steps, args.batch, args.crop, TRAIN_SEED, args.hard)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the rig embedding on library renders.")
    add_arguments(parser)
    parser.add_argument("--out", type=Path, default=EMBEDDING_FILE)
    args = parser.parse_args(argv)
    model = build(args)
    save(model, args.out, {k: v for k, v in vars(args).items() if k != "out"})
    print(f"rig embedding → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
