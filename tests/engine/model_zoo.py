"""A zoo of .nam files written by neural-amp-modeler's own exporter, with torch references.

Every model is built from a fixed seed and written with the reference package's ``export()``
(the legacy-layout files re-use the weights of an exported model and only rewrite the config
in the 0.5.x layout). For each file the zoo keeps the torch model whose output the engine has to
reproduce, plus, where one exists, a second torch model obtained independently (re-loaded from
the file, or the in-memory object that was exported) so that the reference itself is checked.

Random weights are amplified so that the saturating stages are driven hard and the output is
not tiny; one WaveNet is trained for a few hundred steps to imitate a hard distortion.

Reference semantics: the engine's output for ``x`` right after loading equals
``model(x, pad_start=True)``, i.e. the response as if the input had been silent forever.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from nam.models import ConvNet, Linear
from nam.models._from_nam import init_from_nam
from nam.models.recurrent import LSTM
from nam.models.wavenet import PackedWaveNet, WaveNet

SAMPLE_RATE = 48_000

DOUBLING_1_TO_512 = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
DOUBLING_1_TO_64 = [1, 2, 4, 8, 16, 32, 64]
SECOND_ARRAY_SMALL = [128, 256, 512, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
SHORT_DILATIONS = [1, 2, 4, 8, 16]

# Two-array WaveNet presets offered by the reference trainer up to release 0.12:
# (channels of each array, dilations of each array); kernel 3, Tanh, head scale 0.02.
PRESETS: dict[str, tuple[tuple[int, int], tuple[list[int], list[int]]]] = {
    "standard": ((16, 8), (DOUBLING_1_TO_512, DOUBLING_1_TO_512)),
    "lite": ((12, 6), (DOUBLING_1_TO_64, SECOND_ARRAY_SMALL)),
    "feather": ((8, 4), (DOUBLING_1_TO_64, SECOND_ARRAY_SMALL)),
    "nano": ((4, 2), (DOUBLING_1_TO_64, SECOND_ARRAY_SMALL)),
}

LEGACY_VERSION = "0.5.4"


@dataclass(frozen=True)
class ZooModel:
    """One .nam file of the zoo and the torch models that define its expected output."""

    name: str
    path: Path
    architecture: str
    reference_model: torch.nn.Module
    crosscheck_model: torch.nn.Module | None = None
    crosscheck_note: str = ""
    slim: float = 1.0
    reference_channel: int | None = None
    crosscheck_channel: int | None = None
    tags: frozenset[str] = field(default_factory=frozenset)

    def reference(self, x: np.ndarray, double: bool = False) -> np.ndarray:
        """Torch output for ``x`` from silence (``pad_start=True``), as float32 (or float64)."""
        model = self.reference_model
        if double:
            model = copy.deepcopy(model).double()
        return _run(model, x, self.reference_channel, double)

    def crosscheck(self, x: np.ndarray) -> np.ndarray | None:
        """Output of the independently obtained torch model, or None when there is none."""
        if self.crosscheck_model is None:
            return None
        return _run(self.crosscheck_model, x, self.crosscheck_channel, False)


def _run(model: torch.nn.Module, x: np.ndarray, channel: int | None, double: bool) -> np.ndarray:
    model.eval()
    dtype = torch.float64 if double else torch.float32
    with torch.no_grad():
        y = model(torch.as_tensor(np.asarray(x), dtype=dtype), pad_start=True)
    if channel is not None:
        y = y[channel]
    return y.numpy().astype(np.float64 if double else np.float32)


# --------------------------------------------------------------------------------------
# Test signal
# --------------------------------------------------------------------------------------


def varied_input(seconds: float = 10.0, sample_rate: int = SAMPLE_RATE, seed: int = 2024):
    """A deterministic guitar-DI-like test signal of ``seconds`` seconds (float32, in [-1, 1]).

    Sections, in proportion to the length: a logarithmic sweep, plucked-string notes with
    decaying harmonics, noise bursts of rising level, exact silence, a loud section driven
    close to full scale, a very quiet section, clicks and a DC step, and silence at the end so
    that decay tails are compared too.
    """
    rng = np.random.default_rng(seed)
    n = int(round(seconds * sample_rate))
    out = np.zeros(n)
    # (fraction of the length, generator)
    sections = [0.20, 0.25, 0.10, 0.08, 0.15, 0.08, 0.08, 0.06]
    bounds = np.concatenate([[0], np.cumsum(sections)]) * n
    bounds = bounds.round().astype(int)
    bounds[-1] = n

    def span(i: int) -> slice:
        return slice(bounds[i], bounds[i + 1])

    # Log sweep 20 Hz .. 20 kHz with short fades.
    s = span(0)
    m = s.stop - s.start
    t = np.arange(m) / sample_rate
    dur = max(m / sample_rate, 1e-9)
    f0, f1 = 20.0, min(20_000.0, 0.45 * sample_rate)
    k = np.log(f1 / f0)
    phase = 2 * np.pi * f0 * dur / k * (np.exp(t / dur * k) - 1.0)
    fade = np.minimum(1.0, np.minimum(t, dur - t) / 0.01)
    out[s] = 0.5 * np.sin(phase) * fade

    # Plucked notes: harmonic series with frequency-dependent exponential decay.
    s = span(1)
    m = s.stop - s.start
    notes = [82.41, 110.0, 146.83, 196.0, 246.94, 329.63, 220.0, 164.81]
    onsets = np.linspace(0, m, len(notes), endpoint=False).astype(int)
    for onset, f in zip(onsets, notes, strict=True):
        length = m - onset
        tt = np.arange(length) / sample_rate
        amp = rng.uniform(0.25, 0.7)
        tone = np.zeros(length)
        for h in range(1, 12):
            if h * f > 0.45 * sample_rate:
                break
            tone += (1.0 / h) * np.exp(-tt * (2.0 + 1.5 * h)) * np.sin(
                2 * np.pi * h * f * tt + rng.uniform(0, 2 * np.pi)
            )
        attack = np.minimum(1.0, tt / 0.002)
        out[s.start + onset : s.stop] += amp * tone * attack

    # Noise bursts of rising level.
    s = span(2)
    m = s.stop - s.start
    for j, level in enumerate([0.05, 0.2, 0.5, 0.9]):
        a = s.start + j * m // 4
        b = a + m // 8
        out[a:b] = level * np.clip(rng.standard_normal(b - a) / 2.5, -1, 1)

    # span(3): exact silence.

    # Loud: a detuned power chord pushed to nearly full scale, plus a square-ish edge.
    s = span(4)
    m = s.stop - s.start
    t = np.arange(m) / sample_rate
    chord = sum(np.sin(2 * np.pi * f * t) for f in (98.0, 146.83, 196.5))
    chord = np.tanh(3.0 * chord) * 0.97
    chord[m // 2 :] = np.sign(np.sin(2 * np.pi * 73.4 * t[m // 2 :])) * 0.99
    out[s] = chord

    # Very quiet: low sine plus faint noise.
    s = span(5)
    m = s.stop - s.start
    t = np.arange(m) / sample_rate
    out[s] = 1e-3 * np.sin(2 * np.pi * 440.0 * t) + 2e-4 * rng.standard_normal(m)

    # Clicks of both signs and a DC step.
    s = span(6)
    m = s.stop - s.start
    for j, v in enumerate([1.0, -1.0, 0.5, -0.25]):
        out[s.start + (j * m) // 8] = v
    out[s.start + m // 2 : s.stop] = 0.5

    # span(7): silence at the end (decay tails).
    return np.clip(out, -1.0, 1.0).astype(np.float32)


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def layer_array(
    input_size: int,
    channels: int,
    head_out: int,
    dilations: list[int],
    *,
    kernel_sizes: int | list[int] = 3,
    activation: Any = "Tanh",
    head_bias: bool = True,
    head_kernel: int = 1,
    condition_size: int = 1,
    **extra: Any,
) -> dict[str, Any]:
    """A layer-array config in the reference package's constructor format."""
    if isinstance(kernel_sizes, int):
        kernel_sizes = [kernel_sizes] * len(dilations)
    return {
        "input_size": input_size,
        "condition_size": condition_size,
        "channels": channels,
        "kernel_sizes": list(kernel_sizes),
        "dilations": list(dilations),
        "activation": activation,
        "head": {"out_channels": head_out, "kernel_size": head_kernel, "bias": head_bias},
        **extra,
    }


def preset_layers(preset: str) -> list[dict[str, Any]]:
    """The two layer arrays of one of the 0.12 presets (kernel 3, Tanh, not gated)."""
    (c1, c2), (d1, d2) = PRESETS[preset]
    return [
        layer_array(1, c1, c2, d1, head_bias=False),
        layer_array(c1, c2, 1, d2, head_bias=True),
    ]


def make_wavenet(
    layers: list[dict[str, Any]],
    *,
    head: dict[str, Any] | None = None,
    head_scale: float = 0.02,
    condition_dsp: dict[str, Any] | None = None,
) -> WaveNet:
    config: dict[str, Any] = {
        "layers_configs": copy.deepcopy(layers),
        "head": copy.deepcopy(head),
        "head_scale": head_scale,
        "sample_rate": float(SAMPLE_RATE),
    }
    if condition_dsp is not None:
        config["condition_dsp"] = {"name": "WaveNet", "config": copy.deepcopy(condition_dsp)}
    return WaveNet.init_from_config(config)


def amplify(module: torch.nn.Module, factor: float) -> None:
    """Scale every trainable parameter so that saturating stages are driven hard."""
    with torch.no_grad():
        for p in module.parameters():
            p.mul_(factor)


def export(model: torch.nn.Module, directory: Path, name: str) -> Path:
    """Write ``<name>.nam`` with the reference exporter (metadata included)."""
    model.eval()
    with torch.no_grad():
        model.export(directory, basename=name)
    model.eval()
    return directory / f"{name}.nam"


def load_dict(path: Path) -> dict[str, Any]:
    with open(path) as fp:
        return json.load(fp)


def reload(path: Path) -> torch.nn.Module:
    """The reference package's own loader applied to the file."""
    model = init_from_nam(load_dict(path))
    model.eval()
    return model


def _set_prelu_slopes(module: torch.nn.Module, rng: np.random.Generator) -> None:
    for m in module.modules():
        if isinstance(m, torch.nn.PReLU):
            slopes = rng.uniform(-0.4, 0.6, size=m.weight.shape)
            with torch.no_grad():
                m.weight.copy_(torch.as_tensor(slopes, dtype=torch.float32))


# --------------------------------------------------------------------------------------
# Legacy (0.5.x) layout
# --------------------------------------------------------------------------------------


def legacy_layout(export_dict: dict[str, Any], *, keep_sample_rate: bool) -> dict[str, Any]:
    """Rewrite a plain (Tanh) or gated (Tanh x Sigmoid) WaveNet export in the 0.5.x layout.

    The flat weight list is unchanged: for these models the old and new layouts serialise
    the same tensors in the same order.
    """
    config = export_dict["config"]
    assert config["head"] is None
    layers = []
    for lc in config["layers"]:
        modes = set(lc["gating_mode"])
        assert modes in ({"none"}, {"gated"}), modes
        gated = modes == {"gated"}
        assert all(a == {"type": "Tanh"} for a in lc["activation"])
        if gated:
            assert all(s == {"type": "Sigmoid"} for s in lc["secondary_activation"])
        assert len(set(lc["kernel_sizes"])) == 1
        assert lc["bottleneck"] == lc["channels"]
        assert lc["layer1x1"] == {"active": True, "groups": 1}
        assert not lc["head1x1"]["active"]
        assert lc["head"]["kernel_size"] == 1
        assert lc["groups_input"] == 1 and lc["groups_input_mixin"] == 1
        layers.append(
            {
                "input_size": lc["input_size"],
                "condition_size": lc["condition_size"],
                "channels": lc["channels"],
                "head_size": lc["head"]["out_channels"],
                "kernel_size": lc["kernel_sizes"][0],
                "dilations": lc["dilations"],
                "activation": "Tanh",
                "gated": gated,
                "head_bias": lc["head"]["bias"],
            }
        )
    legacy: dict[str, Any] = {
        "version": LEGACY_VERSION,
        "metadata": {"date": export_dict["metadata"]["date"]},
        "architecture": "WaveNet",
        "config": {"layers": layers, "head": None, "head_scale": config["head_scale"]},
        "weights": export_dict["weights"],
    }
    if keep_sample_rate:
        legacy["sample_rate"] = export_dict["sample_rate"]
        for key in ("loudness", "gain"):
            legacy["metadata"][key] = export_dict["metadata"][key]
    return legacy


def load_legacy_wavenet(legacy: dict[str, Any]) -> WaveNet:
    """Independent torch reading of a 0.5.x-layout file: translate its config, import weights."""
    layers = []
    for lc in legacy["config"]["layers"]:
        n = len(lc["dilations"])
        activation: Any = lc["activation"]
        if lc["gated"]:
            activation = {
                "name": "PairMultiply", "primary": lc["activation"], "secondary": "Sigmoid"
            }
        layers.append(
            layer_array(
                lc["input_size"],
                lc["channels"],
                lc["head_size"],
                lc["dilations"],
                kernel_sizes=[lc["kernel_size"]] * n,
                activation=activation,
                head_bias=lc["head_bias"],
                condition_size=lc["condition_size"],
            )
        )
    model = make_wavenet(layers, head_scale=legacy["config"]["head_scale"])
    model.import_weights(legacy["weights"])
    model.eval()
    return model


# --------------------------------------------------------------------------------------
# Training a small WaveNet to imitate a distortion
# --------------------------------------------------------------------------------------


def _lowpass_taps(cutoff_hz: float, num_taps: int = 63) -> np.ndarray:
    n = np.arange(num_taps) - (num_taps - 1) / 2
    fc = cutoff_hz / SAMPLE_RATE
    taps = 2 * fc * np.sinc(2 * fc * n) * np.hamming(num_taps)
    return taps / taps.sum()


def hard_distortion(x: np.ndarray) -> np.ndarray:
    """Target for training: tanh(8 x) followed by a 5 kHz FIR lowpass (causal)."""
    y = np.tanh(8.0 * x.astype(np.float64))
    return np.convolve(y, _lowpass_taps(5_000.0))[: len(x)].astype(np.float32)


# Nano channel counts with a shorter receptive field (509 samples) so that training is quick.
TRAINED_LAYERS = [
    layer_array(1, 4, 2, DOUBLING_1_TO_64, head_bias=False),
    layer_array(4, 2, 1, DOUBLING_1_TO_64),
]


def train_distortion_wavenet(steps: int = 300, seed: int = 7) -> tuple[WaveNet, float]:
    """Train a nano-sized WaveNet with Adam on random excerpts; return it and its final MSE."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = make_wavenet(TRAINED_LAYERS)
    x_train = varied_input(seconds=8.0, seed=seed + 1)
    y_train = hard_distortion(x_train)
    rf = model.receptive_field
    out_len = 1024
    batch = 8
    optimizer = torch.optim.Adam(model.parameters(), lr=4e-3)
    model.train()
    loss_value = float("nan")
    for _ in range(steps):
        starts = rng.integers(0, len(x_train) - (rf - 1 + out_len), size=batch)
        xb = np.stack([x_train[s : s + rf - 1 + out_len] for s in starts])
        yb = np.stack([y_train[s + rf - 1 : s + rf - 1 + out_len] for s in starts])
        pred = model(torch.from_numpy(xb), pad_start=False)
        loss = torch.mean((pred - torch.from_numpy(yb)) ** 2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss_value = float(loss.detach())
    model.eval()
    return model, loss_value


# --------------------------------------------------------------------------------------
# The zoo
# --------------------------------------------------------------------------------------

_ACTIVATION_MIX = [
    "Tanh",
    "ReLU",
    "Sigmoid",
    "SiLU",
    {"name": "Hardtanh", "min_val": -0.6, "max_val": 0.9},
    {"name": "LeakyReLU", "negative_slope": 0.15},
    "Softsign",
    {"name": "LeakyHardtanh", "min_val": -0.8, "max_val": 0.6, "min_slope": 0.05,
     "max_slope": 0.1},
    "Softsigmoid",
    "Hardswish",
    "Hardtanh",
    "LeakyReLU",
]

# The exporter only writes torch's own activations inside a pair (not Softsign & co.).
_GATING_MIX = [
    {"name": "PairMultiply", "primary": "Tanh", "secondary": "Sigmoid"},
    {"name": "PairBlend", "primary": "Tanh", "secondary": "Sigmoid"},
    "ReLU",
    {"name": "PairMultiply", "primary": "SiLU", "secondary": "Hardswish"},
    {"name": "PairBlend", "primary": "ReLU", "secondary": "Hardtanh"},
    "Softsign",
    {"name": "PairBlend", "primary": "LeakyReLU", "secondary": "Sigmoid"},
]

_GATED = {"name": "PairMultiply", "primary": "Tanh", "secondary": "Sigmoid"}
_BLENDED = {"name": "PairBlend", "primary": "Tanh", "secondary": "Sigmoid"}


def _film(shift: bool = True, groups: int = 1) -> dict[str, Any]:
    return {"active": True, "shift": shift, "groups": groups}


_ALL_FILM = {
    "conv_pre_film": _film(),
    "conv_post_film": _film(shift=False),
    "input_mixin_pre_film": _film(),
    "input_mixin_post_film": _film(shift=False),
    "activation_pre_film": _film(),
    "activation_post_film": _film(shift=False),
    "layer1x1_post_film": _film(),
    "head1x1_post_film": _film(shift=False),
}


DEFAULT_AMPLIFY = 2.5


def _wavenet_specs() -> dict[str, dict[str, Any]]:
    """Keyword arguments of ``make_wavenet`` for each randomly initialised WaveNet.

    ``amplify`` (default 2.5) scales the random weights. Models whose signal path multiplies
    activations (blending, FiLM) use less so that float32 rounding stays far below the parity
    tolerance (checked against float64 by the tests).
    """
    specs: dict[str, dict[str, Any]] = {
        f"wavenet_{p}": {"layers": preset_layers(p)} for p in PRESETS
    }
    specs["wavenet_kernel_sizes"] = {
        "layers": [
            layer_array(1, 6, 4, [1, 2, 4, 8, 16, 32, 64, 3],
                        kernel_sizes=[1, 2, 3, 2, 3, 1, 3, 2], head_bias=False),
            layer_array(6, 4, 1, [1, 5, 25, 125], kernel_sizes=[3, 1, 2, 3]),
        ]
    }
    specs["wavenet_gated"] = {
        "layers": [
            layer_array(1, 8, 4, DOUBLING_1_TO_64, activation=_GATED, head_bias=False),
            layer_array(8, 4, 1, SHORT_DILATIONS, activation=_GATED),
        ]
    }
    specs["wavenet_blended"] = {
        "layers": [
            layer_array(1, 6, 3, DOUBLING_1_TO_64, activation=_BLENDED),
            layer_array(6, 3, 1, SHORT_DILATIONS, activation=_BLENDED),
        ],
        "amplify": 1.75,
    }
    specs["wavenet_gating_mixed_per_layer"] = {
        "layers": [layer_array(1, 6, 1, [1, 2, 4, 8, 16, 32, 64], activation=_GATING_MIX)],
    }
    specs["wavenet_activation_mix"] = {
        "layers": [
            layer_array(1, 6, 1, [1, 2, 4, 8, 16, 32, 64, 1, 2, 4, 8, 16],
                        activation=_ACTIVATION_MIX),
        ],
    }
    specs["wavenet_prelu"] = {
        "layers": [
            layer_array(1, 5, 3, [1, 2, 4, 8],
                        activation=[{"name": "PReLU", "num_parameters": 5}, "PReLU"] * 2),
            layer_array(5, 5, 1, [1, 3, 9], bottleneck=3,
                        activation=["PReLU", {"name": "PReLU", "num_parameters": 3},
                                    {"name": "PReLU", "num_parameters": 3}]),
        ],
    }
    specs["wavenet_bottleneck"] = {
        "layers": [
            layer_array(1, 8, 3, DOUBLING_1_TO_64, bottleneck=4, head_bias=False),
            layer_array(8, 6, 1, SHORT_DILATIONS, bottleneck=3),
        ]
    }
    specs["wavenet_head1x1"] = {
        "layers": [
            layer_array(1, 8, 6, DOUBLING_1_TO_64,
                        head_1x1_config={"active": True, "out_channels": 4, "groups": 2}),
            layer_array(8, 6, 1, SHORT_DILATIONS,
                        head_1x1_config={"active": True, "out_channels": 6, "groups": 3}),
        ]
    }
    specs["wavenet_no_layer1x1"] = {
        "layers": [
            layer_array(1, 6, 4, DOUBLING_1_TO_64,
                        layer_1x1_config={"active": False, "groups": 1}),
            layer_array(6, 4, 1, SHORT_DILATIONS, activation=_GATED,
                        layer_1x1_config={"active": False, "groups": 1}),
        ]
    }
    specs["wavenet_groups"] = {
        "layers": [
            layer_array(1, 8, 4, DOUBLING_1_TO_64, groups_input=2,
                        layer_1x1_config={"active": True, "groups": 4},
                        head_1x1_config={"active": True, "out_channels": 6, "groups": 2},
                        head_bias=False),
            layer_array(8, 8, 1, SHORT_DILATIONS, groups_input=4, bottleneck=4,
                        layer_1x1_config={"active": True, "groups": 2}),
        ]
    }
    specs["wavenet_head_kernel"] = {
        "layers": [
            layer_array(1, 6, 4, DOUBLING_1_TO_64, head_kernel=4),
            layer_array(6, 4, 1, SHORT_DILATIONS, head_kernel=3, head_bias=False),
        ]
    }
    specs["wavenet_top_head"] = {
        "layers": [layer_array(1, 6, 4, DOUBLING_1_TO_64)],
        "head": {"channels": 5, "activation": "Tanh", "out_channels": 1,
                 "kernel_sizes": [3, 1, 2]},
        "head_scale": 0.5,
    }
    specs["wavenet_top_head_leaky"] = {
        "layers": [layer_array(1, 6, 3, [1, 3, 9, 27], head_kernel=2)],
        "head": {"channels": 4, "activation": {"name": "LeakyReLU", "negative_slope": 0.2},
                 "out_channels": 1, "kernel_sizes": [2, 2]},
        "head_scale": 1.0,
    }
    specs["wavenet_film"] = {
        "layers": [
            layer_array(1, 6, 4, [1, 2, 4, 8, 16], film_params=copy.deepcopy(_ALL_FILM),
                        head_1x1_config={"active": True, "out_channels": 4, "groups": 1}),
            layer_array(6, 4, 1, [1, 3, 9], bottleneck=2, head_1x1_config={"active": True,
                        "out_channels": 4, "groups": 1}, film_params={
                            "conv_post_film": _film(), "activation_post_film": _film(),
                            "head1x1_post_film": _film()}),
        ]
    }
    specs["wavenet_film_gated_head_kernel"] = {
        "layers": [
            layer_array(1, 6, 3, [1, 2, 4, 8, 16, 32], activation=_GATED, head_kernel=3,
                        film_params={"conv_post_film": _film(shift=False),
                                     "activation_pre_film": _film(),
                                     "input_mixin_pre_film": _film(shift=False)}),
        ],
        "head": {"channels": 4, "activation": "Tanh", "out_channels": 1, "kernel_sizes": [2]},
    }
    specs["wavenet_head_scale"] = {
        "layers": preset_layers("nano"),
        "head_scale": 0.37,
        "amplify": 2.0,
    }
    specs["wavenet_kitchen_sink"] = {
        "layers": [
            layer_array(1, 8, 4, [1, 2, 4, 8, 16, 32, 64, 128],
                        kernel_sizes=[3, 2, 3, 1, 3, 2, 3, 3],
                        activation=[_GATED, "ReLU", _BLENDED, "Tanh", "SiLU", _GATED,
                                    {"name": "LeakyReLU", "negative_slope": 0.05}, "Tanh"],
                        bottleneck=4, groups_input=2,
                        layer_1x1_config={"active": True, "groups": 2},
                        head_1x1_config={"active": True, "out_channels": 6, "groups": 2},
                        film_params={"conv_pre_film": _film(), "activation_post_film":
                                     _film(shift=False), "head1x1_post_film": _film()},
                        head_kernel=2),
            layer_array(8, 4, 2, [1, 4, 16, 64], bottleneck=4, head_kernel=3,
                        layer_1x1_config={"active": False, "groups": 1},
                        film_params={"layer1x1_post_film": {"active": False}}),
        ],
        "head": {"channels": 3, "activation": "Tanh", "out_channels": 1,
                 "kernel_sizes": [2, 3]},
        "head_scale": 0.3,
        "amplify": 1.75,
    }
    return specs


def _condition_dsp_spec() -> dict[str, Any]:
    """A WaveNet whose condition is computed by a small WaveNet with 4 output channels.

    A condition with several channels is the only way to exercise grouped input mixers and
    grouped FiLM on a mono model.
    """
    condition_dsp = {
        "layers_configs": [layer_array(1, 4, 4, [1, 2, 4])],
        "head": None,
        "head_scale": 1.0,
    }
    layers = [
        layer_array(1, 8, 4, [1, 2, 4, 8, 16], condition_size=4, groups_input_mixin=2,
                    film_params={"conv_post_film": _film(groups=2),
                                 "input_mixin_pre_film": _film(shift=False, groups=4),
                                 "activation_post_film": _film(groups=4)}),
        layer_array(8, 4, 1, [1, 3, 9], condition_size=4, groups_input_mixin=4,
                    activation=_GATED),
    ]
    return {"layers": layers, "condition_dsp": condition_dsp, "head_scale": 0.2, "amplify": 2.0}


# WaveNets that the reference package's loader cannot rebuild from the file, and why.
_NO_RELOAD = {
    "wavenet_prelu": "init_from_nam drops PReLU slopes",
    "wavenet_gating_mixed_per_layer": "init_from_nam rejects parametrised pair members",
    "wavenet_condition_dsp": "init_from_nam ignores condition_dsp",
}


def rebuild_wavenet(spec: dict[str, Any], file_dict: dict[str, Any]) -> WaveNet:
    """Rebuild a WaveNet from its constructor spec and the file's weights and PReLU slopes."""
    model = make_wavenet(**spec)
    model.import_weights(file_dict["weights"])
    config = file_dict["config"]
    if config.get("condition_dsp") is not None:
        weights = torch.Tensor(config["condition_dsp"]["weights"])
        model._net._condition_dsp.import_weights(weights, 0)
    for array, lc in zip(model._net._layer_arrays, config["layers"], strict=True):
        for layer, act in zip(array._layers, lc["activation"], strict=True):
            if isinstance(layer._activation, torch.nn.PReLU):
                slopes = act.get("negative_slopes", [act.get("negative_slope")])
                with torch.no_grad():
                    layer._activation.weight.copy_(torch.tensor(slopes, dtype=torch.float32))
    model.eval()
    return model


def _packed_submodel(channels: tuple[int, int]) -> dict[str, Any]:
    c1, c2 = channels
    return {
        "layers_configs": [
            layer_array(1, c1, c2, DOUBLING_1_TO_64, head_bias=False),
            layer_array(c1, c2, 1, [1, 4, 16, 64, 256]),
        ],
        "head_scale": 0.02,
    }


# slim value -> index of the submodel it selects (the container's max_values are 0.5 and 1.0)
CONTAINER_SLIMS = {1.0: 1, 0.75: 1, 0.5: 0, 0.2: 0}

# (hidden size, layers, weight amplification). float32 rounding accumulates over a long
# recurrence, more so in deeper and harder-driven LSTMs: the deeper ones are driven less so that
# torch's own float32 error on 10 s stays well below the parity tolerance.
LSTMS = {"lstm_1x16": (16, 1, 1.5), "lstm_2x8": (8, 2, 1.25), "lstm_3x12": (12, 3, 1.0)}

CONVNETS = {
    "convnet_tanh": {"channels": 8, "dilations": [1, 2, 4, 8, 16, 32, 64],
                     "batchnorm": False, "activation": "Tanh"},
    "convnet_batchnorm_relu": {"channels": 6, "dilations": [1, 2, 4, 8, 16, 32],
                               "batchnorm": True, "activation": "ReLU"},
    "convnet_batchnorm_leakyrelu": {"channels": 5, "dilations": [1, 3, 9, 27, 81],
                                    "batchnorm": True, "activation": "LeakyReLU"},
}

LINEARS = {"linear_bias": (256, True), "linear_no_bias": (64, False)}  # (length, bias)

LEGACY_SOURCES = {"legacy_standard": "wavenet_standard", "legacy_gated": "wavenet_gated"}

TRAINED_NAME = "wavenet_trained_distortion"


def container_name(slim: float) -> str:
    return f"container_slim_{slim}"


def zoo_names() -> list[str]:
    """Names of all zoo entries, in build order, known without building anything."""
    return (
        list(_wavenet_specs())
        + ["wavenet_condition_dsp", *LEGACY_SOURCES, TRAINED_NAME, *LSTMS, *CONVNETS, *LINEARS]
        + [container_name(slim) for slim in CONTAINER_SLIMS]
    )


def load_convnet(file_dict: dict[str, Any]) -> ConvNet:
    """Independent reading of a ConvNet file: weights assigned in the documented order."""
    config = file_dict["config"]
    model = ConvNet(
        channels=config["channels"], dilations=list(config["dilations"]),
        batchnorm=config["batchnorm"], activation=config["activation"],
        sample_rate=file_dict.get("sample_rate"),
    )
    weights = torch.tensor(file_dict["weights"], dtype=torch.float32)
    i = 0

    def take(t: torch.Tensor) -> None:
        nonlocal i
        t.copy_(weights[i : i + t.numel()].reshape(t.shape))
        i += t.numel()

    net = model._net
    with torch.no_grad():
        for j in range(len(config["dilations"])):
            block = net._modules[f"block_{j}"]
            conv = block._modules["conv"]
            take(conv.weight)
            if conv.bias is not None:
                take(conv.bias)
            if config["batchnorm"]:
                bn = block._modules["batchnorm"]
                for t in (bn.running_mean, bn.running_var, bn.weight, bn.bias):
                    take(t)
                bn.eps = float(weights[i])
                i += 1
        take(net._modules["head"].weight)
        take(net._modules["head"].bias)
    assert i == len(weights), (i, len(weights))
    model.eval()
    return model


def build_zoo(directory: Path) -> dict[str, ZooModel]:
    """Write every zoo model into ``directory`` and return the entries by name."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    zoo: dict[str, ZooModel] = {}

    def add(entry: ZooModel) -> None:
        assert entry.name not in zoo
        zoo[entry.name] = entry

    # --- WaveNets in the current layout -------------------------------------------------
    specs = _wavenet_specs()
    specs["wavenet_condition_dsp"] = _condition_dsp_spec()
    originals: dict[str, WaveNet] = {}
    for seed, (name, spec) in enumerate(specs.items(), start=100):
        spec = dict(spec)
        factor = spec.pop("amplify", DEFAULT_AMPLIFY)
        torch.manual_seed(seed)
        model = make_wavenet(**spec)
        amplify(model, factor)
        _set_prelu_slopes(model, np.random.default_rng(seed))
        path = export(model, directory, name)
        originals[name] = model
        if name in _NO_RELOAD:
            crosscheck = rebuild_wavenet(spec, load_dict(path))  # spec without "amplify"
            note = f"weights imported from the file ({_NO_RELOAD[name]})"
        else:
            crosscheck, note = reload(path), "init_from_nam(file)"
        add(ZooModel(
            name=name, path=path, architecture="WaveNet", reference_model=model,
            crosscheck_model=crosscheck, crosscheck_note=note,
            tags=frozenset({"wavenet"}),
        ))

    # --- The same weights in the 0.5.x layout ------------------------------------------
    for name, source in LEGACY_SOURCES.items():
        keep_rate = name == "legacy_standard"  # the other one has no sample_rate, like old files
        legacy = legacy_layout(load_dict(zoo[source].path), keep_sample_rate=keep_rate)
        path = directory / f"{name}.nam"
        with open(path, "w") as fp:
            json.dump(legacy, fp)
        add(ZooModel(
            name=name, path=path, architecture="WaveNet", reference_model=originals[source],
            crosscheck_model=load_legacy_wavenet(legacy),
            crosscheck_note="legacy config translated to the current one, weights imported",
            tags=frozenset({"wavenet", "legacy"}),
        ))

    # --- Trained to imitate a distortion -----------------------------------------------
    trained, _ = train_distortion_wavenet()
    path = export(trained, directory, TRAINED_NAME)
    add(ZooModel(
        name=TRAINED_NAME, path=path, architecture="WaveNet",
        reference_model=trained, crosscheck_model=reload(path),
        crosscheck_note="init_from_nam(file)", tags=frozenset({"wavenet", "trained"}),
    ))

    # --- LSTM -----------------------------------------------------------------------------
    for seed, (name, (hidden, layers, factor)) in enumerate(LSTMS.items(), start=300):
        torch.manual_seed(seed)
        model = LSTM(hidden, num_layers=layers, sample_rate=float(SAMPLE_RATE))
        amplify(model, factor)
        # The file stores the state reached after a burn-in on silence; start the in-memory
        # object from the same state so that both torch models describe the same system.
        with torch.no_grad():
            h, c = model._get_initial_state()
            model._initial_hidden.copy_(h[:, 0, :])
            model._initial_cell.copy_(c[:, 0, :])
        path = export(model, directory, name)
        add(ZooModel(
            name=name, path=path, architecture="LSTM", reference_model=reload(path),
            crosscheck_model=model,
            crosscheck_note="exported object started from the stored state",
            tags=frozenset({"lstm"}),
        ))

    # --- ConvNet --------------------------------------------------------------------------
    for seed, (name, kwargs) in enumerate(CONVNETS.items(), start=400):
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        model = ConvNet(sample_rate=float(SAMPLE_RATE), **copy.deepcopy(kwargs))
        amplify(model, 2.0)
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm1d):
                with torch.no_grad():
                    m.running_mean.copy_(torch.as_tensor(rng.normal(0, 0.3, m.num_features)))
                    m.running_var.copy_(torch.as_tensor(rng.uniform(0.3, 2.0, m.num_features)))
                    m.weight.copy_(torch.as_tensor(rng.uniform(0.5, 2.0, m.num_features)))
                    m.bias.copy_(torch.as_tensor(rng.normal(0, 0.5, m.num_features)))
                m.eps = 1e-3
        model.eval()
        path = export(model, directory, name)
        add(ZooModel(
            name=name, path=path, architecture="ConvNet", reference_model=model,
            crosscheck_model=load_convnet(load_dict(path)),
            crosscheck_note="weights read back in the documented order (no init_from_nam)",
            tags=frozenset({"convnet"}),
        ))

    # --- Linear ---------------------------------------------------------------------------
    for seed, (name, (rf, bias)) in enumerate(LINEARS.items(), start=500):
        torch.manual_seed(seed)
        model = Linear(rf, bias=bias, sample_rate=float(SAMPLE_RATE))
        amplify(model, 3.0)
        if bias:
            with torch.no_grad():
                model._net.bias.fill_(0.125)
        path = export(model, directory, name)
        add(ZooModel(
            name=name, path=path, architecture="Linear", reference_model=model,
            crosscheck_model=reload(path), crosscheck_note="init_from_nam(file)",
            tags=frozenset({"linear"}),
        ))

    # --- SlimmableContainer (PackedWaveNet export) ----------------------------------------
    torch.manual_seed(600)
    packed = PackedWaveNet.init_from_config({
        "submodels": [
            {"name": "narrow", "config": _packed_submodel((4, 2))},
            {"name": "wide", "config": _packed_submodel((8, 4))},
        ],
        "export": {"container_max_values": "uniform"},
        "sample_rate": float(SAMPLE_RATE),
    })
    amplify(packed, 2.5)
    packed.apply_mask()
    packed.eval()
    path = export(packed, directory, "container")
    container = load_dict(path)
    submodels = [reload_dict(s["model"]) for s in container["config"]["submodels"]]
    for slim, index in CONTAINER_SLIMS.items():
        add(ZooModel(
            name=container_name(slim), path=path, architecture="SlimmableContainer",
            reference_model=submodels[index], crosscheck_model=packed,
            crosscheck_channel=index, slim=slim,
            crosscheck_note="packed model output channel of the selected submodel",
            tags=frozenset({"container"}),
        ))
    return zoo


def reload_dict(d: dict[str, Any]) -> torch.nn.Module:
    model = init_from_nam(copy.deepcopy(d))
    model.eval()
    return model
