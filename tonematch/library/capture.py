"""Capturing a simulated device into a real .nam file with the neural-amp-modeler package.

The capture signal is our own: a log sweep, noise bursts at several levels and synthesised DI
phrases at several levels. Training is plain Adam on random excerpts (error-to-signal ratio
loss); the held-out ESR is measured on a different DI phrase.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tonematch.library import di_synth

SAMPLE_RATE = 48_000


def capture_signal(seed: int = 0, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Sweep + noise bursts + DI phrases at several levels, about 40 s."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(4 * sr)) / sr
    sweep = 0.5 * np.sin(2 * np.pi * 20 * (1000 ** (t / t[-1]) - 1) * t[-1] / np.log(1000))
    bursts = np.concatenate([lvl * rng.standard_normal(sr // 2) for lvl in (0.02, 0.1, 0.3, 0.6)])
    phrases = [
        di_synth.render(di_synth.riff(8.0, seed=seed + k), 8.0, seed=seed + k, peak=pk)
        for k, pk in enumerate((0.15, 0.4, 0.8))
    ]
    gap = np.zeros(sr // 4)
    return np.concatenate([sweep, gap, bursts, gap, *sum(([p, gap] for p in phrases), [])]).astype(
        np.float32
    )


def esr(prediction: np.ndarray, target: np.ndarray) -> float:
    """Error-to-signal ratio: residual energy over target energy."""
    return float(np.sum((prediction - target) ** 2) / (np.sum(target**2) + 1e-12))


@dataclass(frozen=True)
class CaptureResult:
    path: Path
    esr: float
    parameter_count: int


STANDARD_DILATIONS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]


def wavenet_layers(channels: tuple[int, int],
                   dilations: tuple[list[int], list[int]] | None = None) -> list[dict]:
    """Two layer arrays as the trainer's presets build them (kernel 3, Tanh)."""
    d1, d2 = dilations or (STANDARD_DILATIONS, STANDARD_DILATIONS)
    a, b = channels
    return [
        {
            "input_size": 1,
            "condition_size": 1,
            "channels": a,
            "kernel_size": 3,
            "dilations": d1,
            "activation": "Tanh",
            "head": {"out_channels": b, "kernel_size": 1, "bias": False},
        },
        {
            "input_size": a,
            "condition_size": 1,
            "channels": b,
            "kernel_size": 3,
            "dilations": d2,
            "activation": "Tanh",
            "head": {"out_channels": 1, "kernel_size": 1, "bias": True},
        },
    ]


def train_capture(
    device: Callable[[np.ndarray], np.ndarray],
    out_path: Path,
    *,
    name: str,
    channels: tuple[int, int] = (8, 4),
    dilations: tuple[list[int], list[int]] | None = None,
    steps: int = 800,
    seed: int = 0,
    progress: Callable[[int, float], None] | None = None,
) -> CaptureResult:
    """Trains a WaveNet to imitate `device` and exports it to `out_path` (a .nam file)."""
    import torch
    from nam.models.metadata import UserMetadata
    from nam.models.wavenet import WaveNet

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x = capture_signal(seed)
    y = device(x)
    model = WaveNet.init_from_config(
        {
            "layers_configs": wavenet_layers(channels, dilations),
            "head": None,
            "head_scale": 0.02,
            "sample_rate": SAMPLE_RATE,
        }
    )
    rf = model.receptive_field
    seg, batch = 2048, 4
    opt = torch.optim.Adam(model.parameters(), lr=4e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    model.train()
    for step in range(steps):
        starts = rng.integers(0, len(x) - rf - seg, size=batch)
        xb = torch.from_numpy(np.stack([x[s : s + rf - 1 + seg] for s in starts]))
        yb = torch.from_numpy(np.stack([y[s + rf - 1 : s + rf - 1 + seg] for s in starts]))
        pred = model(xb, pad_start=False)
        loss = torch.mean((pred - yb) ** 2) / (torch.mean(yb**2) + 1e-8)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if progress:
            progress(step, float(loss))
    model.eval()
    held_x = di_synth.render(di_synth.riff(6.0, seed=seed + 100), 6.0, seed=seed + 100, peak=0.5)
    with torch.no_grad():
        pred = model(torch.from_numpy(held_x)[None], pad_start=True)[0].numpy()
    score = esr(pred, device(held_x))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    model.export(out_path.parent, basename=out_path.stem, user_metadata=UserMetadata(name=name))
    doc = json.loads(out_path.read_text())
    return CaptureResult(out_path, score, len(doc["weights"]))
