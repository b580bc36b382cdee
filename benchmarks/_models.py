"""Build the benchmark models: four WaveNet presets and a small LSTM, exported as .nam files.

The WaveNet presets are the "standard", "lite", "feather" and "nano" architectures that the
neural-amp-modeler trainer offered up to release 0.12 (two layer arrays, kernel size 3, Tanh, no
gating, head scale 0.02). Release 0.13 no longer ships them by name, so their shapes are spelled
out here and translated to the 0.13 config format (a ``head`` object per layer array instead of
``head_size``/``head_bias``). The LSTM is one layer of 16 hidden units.

Every model is randomly initialised from a fixed seed, so the exported weights are the same on
every run; only the export date in the file's metadata changes.

torch and ``nam`` are imported lazily so that callers can pin the process to one core and limit
torch's thread pools before torch starts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SAMPLE_RATE = 48_000

_DOUBLING_1_TO_512 = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
_DOUBLING_1_TO_64 = [1, 2, 4, 8, 16, 32, 64]
_SECOND_ARRAY_SMALL = [128, 256, 512, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512]


@dataclass(frozen=True)
class WaveNetPreset:
    """Shape of a two-array WaveNet preset."""

    channels: tuple[int, int]
    dilations: tuple[tuple[int, ...], tuple[int, ...]]
    kernel_size: int = 3
    activation: str = "Tanh"
    head_scale: float = 0.02


WAVENET_PRESETS: dict[str, WaveNetPreset] = {
    "standard": WaveNetPreset(
        channels=(16, 8),
        dilations=(tuple(_DOUBLING_1_TO_512), tuple(_DOUBLING_1_TO_512)),
    ),
    "lite": WaveNetPreset(
        channels=(12, 6),
        dilations=(tuple(_DOUBLING_1_TO_64), tuple(_SECOND_ARRAY_SMALL)),
    ),
    "feather": WaveNetPreset(
        channels=(8, 4),
        dilations=(tuple(_DOUBLING_1_TO_64), tuple(_SECOND_ARRAY_SMALL)),
    ),
    "nano": WaveNetPreset(
        channels=(4, 2),
        dilations=(tuple(_DOUBLING_1_TO_64), tuple(_SECOND_ARRAY_SMALL)),
    ),
}

LSTM_NUM_LAYERS = 1
LSTM_HIDDEN_SIZE = 16


@dataclass(frozen=True)
class ModelSpec:
    """One benchmark model: a stable name, its architecture and the preset it comes from."""

    name: str
    architecture: str  # "WaveNet" or "LSTM"
    preset: str
    seed_offset: int
    summary: dict[str, Any] = field(default_factory=dict)


def _wavenet_summary(preset: WaveNetPreset) -> dict[str, Any]:
    return {
        "channels": list(preset.channels),
        "kernel_size": preset.kernel_size,
        "dilations": [list(d) for d in preset.dilations],
        "activation": preset.activation,
        "gated": False,
        "head_scale": preset.head_scale,
    }


MODEL_SPECS: list[ModelSpec] = [
    ModelSpec(
        name=f"wavenet_{preset_name}",
        architecture="WaveNet",
        preset=preset_name,
        seed_offset=index,
        summary=_wavenet_summary(preset),
    )
    for index, (preset_name, preset) in enumerate(WAVENET_PRESETS.items())
] + [
    ModelSpec(
        name=f"lstm_{LSTM_NUM_LAYERS}x{LSTM_HIDDEN_SIZE}",
        architecture="LSTM",
        preset=f"{LSTM_NUM_LAYERS}x{LSTM_HIDDEN_SIZE}",
        seed_offset=len(WAVENET_PRESETS),
        summary={"num_layers": LSTM_NUM_LAYERS, "hidden_size": LSTM_HIDDEN_SIZE},
    )
]

MODEL_NAMES: list[str] = [spec.name for spec in MODEL_SPECS]


def wavenet_config(preset: WaveNetPreset, sample_rate: int = SAMPLE_RATE) -> dict[str, Any]:
    """The ``nam.models.WaveNet.init_from_config`` config (0.13 format) for a preset."""
    first_channels, second_channels = preset.channels
    first_dilations, second_dilations = preset.dilations
    return {
        "layers_configs": [
            {
                "input_size": 1,
                "condition_size": 1,
                "channels": first_channels,
                "kernel_size": preset.kernel_size,
                "dilations": list(first_dilations),
                "activation": preset.activation,
                # The first array's head output feeds the second array's head input.
                "head": {"out_channels": second_channels, "kernel_size": 1, "bias": False},
            },
            {
                "input_size": first_channels,
                "condition_size": 1,
                "channels": second_channels,
                "kernel_size": preset.kernel_size,
                "dilations": list(second_dilations),
                "activation": preset.activation,
                "head": {"out_channels": 1, "kernel_size": 1, "bias": True},
            },
        ],
        "head_scale": preset.head_scale,
        "sample_rate": sample_rate,
    }


def lstm_config(sample_rate: int = SAMPLE_RATE) -> dict[str, Any]:
    """The ``nam.models.LSTM.init_from_config`` config for the benchmark LSTM."""
    return {
        "num_layers": LSTM_NUM_LAYERS,
        "hidden_size": LSTM_HIDDEN_SIZE,
        "sample_rate": sample_rate,
    }


def build_torch_model(spec: ModelSpec, seed: int, sample_rate: int = SAMPLE_RATE) -> Any:
    """A freshly initialised ``nam`` model for ``spec``; deterministic for a given seed."""
    import torch
    from nam.models import LSTM, WaveNet

    torch.manual_seed(seed + spec.seed_offset)
    if spec.architecture == "WaveNet":
        model = WaveNet.init_from_config(wavenet_config(WAVENET_PRESETS[spec.preset], sample_rate))
    elif spec.architecture == "LSTM":
        model = LSTM.init_from_config(lstm_config(sample_rate))
    else:
        raise ValueError(f"unknown architecture {spec.architecture!r}")
    model.eval()
    return model


def export_models(
    out_dir: Path,
    seed: int,
    names: Sequence[str] | None = None,
    sample_rate: int = SAMPLE_RATE,
) -> dict[str, Path]:
    """Export the selected models (all by default) as ``<name>.nam`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted = list(MODEL_NAMES if names is None else names)
    unknown = sorted(set(wanted) - set(MODEL_NAMES))
    if unknown:
        raise ValueError(f"unknown model name(s): {', '.join(unknown)}")
    paths: dict[str, Path] = {}
    for spec in MODEL_SPECS:
        if spec.name not in wanted:
            continue
        model = build_torch_model(spec, seed, sample_rate)
        model.export(out_dir, basename=spec.name)
        paths[spec.name] = out_dir / f"{spec.name}.nam"
    return paths


def spec_by_name(name: str) -> ModelSpec:
    """The spec called ``name``."""
    for spec in MODEL_SPECS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def read_nam(path: Path) -> dict[str, Any]:
    """The parsed JSON of a .nam file."""
    with open(path, encoding="utf-8") as fp:
        data: dict[str, Any] = json.load(fp)
    return data


def load_torch_from_nam(path: Path) -> Any:
    """Re-create a ``nam`` torch model from an exported .nam file, in eval mode."""
    from nam.models._from_nam import init_from_nam

    model = init_from_nam(read_nam(path))
    model.eval()
    return model
