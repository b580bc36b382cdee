"""Small, valid .nam documents for loader tests, built in plain Python.

Every builder returns a fresh JSON-ready ``dict`` whose weights are deterministic (seeded) and
whose weight count matches its config exactly. The layouts follow the reference trainer:

* format ``0.7.0`` (the current exporter) for WaveNet, LSTM, ConvNet, Linear and
  SlimmableContainer;
* format ``0.5.4`` (the legacy layout) for WaveNet, with ``head_size`` and ``gated`` per layer
  array.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

FORMAT_VERSION = "0.7.0"
LEGACY_VERSION = "0.5.4"
SAMPLE_RATE = 48000.0

Document = dict[str, Any]

_FILM_KEYS = (
    "conv_pre_film",
    "conv_post_film",
    "input_mixin_pre_film",
    "input_mixin_post_film",
    "activation_pre_film",
    "activation_post_film",
    "layer1x1_post_film",
    "head1x1_post_film",
)


def random_weights(count: int, seed: int, scale: float = 0.3) -> list[float]:
    """``count`` small, reproducible weights in ``[-scale, scale]``."""
    rng = random.Random(seed)
    return [round(rng.uniform(-scale, scale), 6) for _ in range(count)]


def _metadata(name: str) -> dict[str, Any]:
    return {
        "date": {"year": 2025, "month": 1, "day": 2, "hour": 3, "minute": 4, "second": 5},
        "name": name,
    }


def _document(version: str, architecture: str, config: Any, weights: list[float]) -> Document:
    return {
        "version": version,
        "metadata": _metadata(f"tiny {architecture}"),
        "architecture": architecture,
        "config": config,
        "weights": weights,
        "sample_rate": SAMPLE_RATE,
    }


# --------------------------------------------------------------------------------------- Linear


def linear_weight_count(receptive_field: int, bias: bool) -> int:
    return receptive_field + (1 if bias else 0)


def linear_document(receptive_field: int = 8, bias: bool = True, seed: int = 1) -> Document:
    """An FIR filter: ``receptive_field`` taps, then the optional bias."""
    count = linear_weight_count(receptive_field, bias)
    config = {"receptive_field": receptive_field, "bias": bias}
    return _document(FORMAT_VERSION, "Linear", config, random_weights(count, seed))


# ----------------------------------------------------------------------------------------- LSTM


def lstm_weight_count(input_size: int, hidden_size: int, num_layers: int) -> int:
    """Per layer: the stacked (input+hidden) -> 4*hidden matrix, its bias, then the initial
    hidden and cell states; afterwards the linear head (hidden -> 1, with bias)."""
    total = 0
    for layer in range(num_layers):
        layer_input = input_size if layer == 0 else hidden_size
        total += 4 * hidden_size * (layer_input + hidden_size) + 4 * hidden_size
        total += 2 * hidden_size
    return total + hidden_size + 1


def lstm_document(
    hidden_size: int = 4, num_layers: int = 1, input_size: int = 1, seed: int = 2
) -> Document:
    count = lstm_weight_count(input_size, hidden_size, num_layers)
    config = {"input_size": input_size, "hidden_size": hidden_size, "num_layers": num_layers}
    return _document(FORMAT_VERSION, "LSTM", config, random_weights(count, seed))


# -------------------------------------------------------------------------------------- ConvNet


def convnet_weights(
    channels: int, dilations: Sequence[int], batchnorm: bool, seed: int
) -> list[float]:
    """Per block: conv (channels x in x 2) and its bias, or (with batch norm) running mean,
    running variance (kept positive), scale, shift and eps; then the 1x1 head and its bias."""
    rng = random.Random(seed)

    def draw(n: int, low: float = -0.3, high: float = 0.3) -> list[float]:
        return [round(rng.uniform(low, high), 6) for _ in range(n)]

    weights: list[float] = []
    in_channels = 1
    for _ in dilations:
        weights += draw(channels * in_channels * 2)
        if batchnorm:
            weights += draw(channels)  # running mean
            weights += draw(channels, 0.5, 1.5)  # running variance
            weights += draw(channels, 0.5, 1.5)  # scale
            weights += draw(channels)  # shift
            weights.append(1e-5)  # eps
        else:
            weights += draw(channels)
        in_channels = channels
    weights += draw(channels + 1)
    return weights


def convnet_document(
    channels: int = 3,
    dilations: Sequence[int] = (1, 2),
    batchnorm: bool = False,
    activation: str = "Tanh",
    seed: int = 3,
) -> Document:
    config = {
        "channels": channels,
        "dilations": list(dilations),
        "batchnorm": batchnorm,
        "activation": activation,
    }
    weights = convnet_weights(channels, dilations, batchnorm, seed)
    return _document(FORMAT_VERSION, "ConvNet", config, weights)


# ------------------------------------------------------------------------------ legacy WaveNet


def legacy_layer_array(
    input_size: int = 1,
    condition_size: int = 1,
    channels: int = 3,
    head_size: int = 1,
    kernel_size: int = 3,
    dilations: Sequence[int] = (1, 2),
    activation: str = "Tanh",
    gated: bool = False,
    head_bias: bool = False,
) -> dict[str, Any]:
    return {
        "input_size": input_size,
        "condition_size": condition_size,
        "channels": channels,
        "head_size": head_size,
        "kernel_size": kernel_size,
        "dilations": list(dilations),
        "activation": activation,
        "gated": gated,
        "head_bias": head_bias,
    }


def legacy_layer_array_weight_count(array: dict[str, Any]) -> int:
    """Rechannel (no bias); per layer: dilated conv with bias, input mixer (no bias) and 1x1
    with bias; then the head rechannel (bias optional)."""
    c = array["channels"]
    mid = 2 * c if array["gated"] else c
    per_layer = c * mid * array["kernel_size"] + mid + array["condition_size"] * mid + c * c + c
    head = c * array["head_size"] + (array["head_size"] if array["head_bias"] else 0)
    return array["input_size"] * c + per_layer * len(array["dilations"]) + head


def legacy_wavenet_document(
    layer_arrays: Sequence[dict[str, Any]] | None = None,
    head_scale: float = 0.02,
    seed: int = 4,
) -> Document:
    """A 0.5.x WaveNet; the final weight is ``head_scale``."""
    arrays = [legacy_layer_array()] if layer_arrays is None else [dict(a) for a in layer_arrays]
    count = sum(legacy_layer_array_weight_count(a) for a in arrays)
    weights = random_weights(count, seed) + [head_scale]
    config = {"layers": arrays, "head": None, "head_scale": head_scale}
    return _document(LEGACY_VERSION, "WaveNet", config, weights)


def legacy_two_array_wavenet_document(seed: int = 5) -> Document:
    """Two chained legacy arrays: array 1 reads array 0's channels, and array 0's head
    output feeds array 1's head sum."""
    first = legacy_layer_array(channels=4, head_size=2, kernel_size=2, dilations=[1, 2])
    second = legacy_layer_array(
        input_size=4, channels=2, head_size=1, kernel_size=2, dilations=[4], head_bias=True
    )
    return legacy_wavenet_document([first, second], seed=seed)


# ---------------------------------------------------------------------------- WaveNet (0.7.0)


def wavenet_layer_array(
    input_size: int = 1,
    condition_size: int = 1,
    channels: int = 3,
    head_out_channels: int = 1,
    kernel_size: int = 3,
    dilations: Sequence[int] = (1, 2),
    activation: str = "Tanh",
    head_bias: bool = True,
) -> dict[str, Any]:
    """A layer array as the current exporter writes it, with every optional feature off
    (no gating, no head 1x1, no FiLM, groups of 1, bottleneck = channels)."""
    n = len(dilations)
    inactive_film = {"active": False, "shift": True, "groups": 1}
    return {
        "input_size": input_size,
        "condition_size": condition_size,
        "head": {"out_channels": head_out_channels, "kernel_size": 1, "bias": head_bias},
        "channels": channels,
        "kernel_sizes": [kernel_size] * n,
        "dilations": list(dilations),
        "activation": [{"type": activation} for _ in range(n)],
        "bottleneck": channels,
        "head1x1": {"active": False, "out_channels": 1, "groups": 1},
        "layer1x1": {"active": True, "groups": 1},
        "groups_input": 1,
        "groups_input_mixin": 1,
        **{key: dict(inactive_film) for key in _FILM_KEYS},
        "gating_mode": ["none"] * n,
        "secondary_activation": [None] * n,
        "slimmable": None,
    }


def wavenet_layer_array_weight_count(array: dict[str, Any]) -> int:
    """Same layout as the legacy format for the features :func:`wavenet_layer_array` uses."""
    c = array["channels"]
    per_layer = sum(
        c * c * k + c + array["condition_size"] * c + c * c + c for k in array["kernel_sizes"]
    )
    head = array["head"]
    head_count = c * head["out_channels"] * head["kernel_size"]
    head_count += head["out_channels"] if head["bias"] else 0
    return array["input_size"] * c + per_layer + head_count


def wavenet_document(
    layer_arrays: Sequence[dict[str, Any]] | None = None,
    head_scale: float = 0.02,
    seed: int = 6,
) -> Document:
    arrays = [wavenet_layer_array()] if layer_arrays is None else [dict(a) for a in layer_arrays]
    count = sum(wavenet_layer_array_weight_count(a) for a in arrays)
    weights = random_weights(count, seed) + [head_scale]
    config = {"layers": arrays, "head": None, "head_scale": head_scale}
    return _document(FORMAT_VERSION, "WaveNet", config, weights)


def two_array_wavenet_document(seed: int = 7) -> Document:
    first = wavenet_layer_array(channels=4, head_out_channels=2, kernel_size=2, dilations=[1])
    second = wavenet_layer_array(
        input_size=4, channels=2, head_out_channels=1, kernel_size=3, dilations=[2, 4]
    )
    return wavenet_document([first, second], seed=seed)


# ------------------------------------------------------------------------ SlimmableContainer


def slimmable_container_document(
    submodels: Sequence[tuple[float, Document]] | None = None,
) -> Document:
    """A container of complete documents, each usable up to its ``max_value`` (ascending)."""
    if submodels is None:
        small = wavenet_document([wavenet_layer_array(channels=2)], seed=8)
        large = wavenet_document([wavenet_layer_array(channels=4)], seed=9)
        for sub in (small, large):
            del sub["sample_rate"]
        submodels = [(0.5, small), (1.0, large)]
    config = {
        "submodels": [
            {"max_value": max_value, "model": copy.deepcopy(model)}
            for max_value, model in submodels
        ]
    }
    return _document(FORMAT_VERSION, "SlimmableContainer", config, [])


# ---------------------------------------------------------------------------------- catalogue

#: Every valid document the loader tests start from, by a short name.
VALID_DOCUMENTS: dict[str, Callable[[], Document]] = {
    "linear": linear_document,
    "linear_no_bias": lambda: linear_document(receptive_field=5, bias=False),
    "lstm": lstm_document,
    "lstm_two_layers": lambda: lstm_document(hidden_size=3, num_layers=2),
    "convnet": convnet_document,
    "convnet_batchnorm": lambda: convnet_document(channels=2, dilations=[1, 2, 4], batchnorm=True),
    "wavenet": wavenet_document,
    "wavenet_two_arrays": two_array_wavenet_document,
    "legacy_wavenet": legacy_wavenet_document,
    "legacy_wavenet_gated": lambda: legacy_wavenet_document(
        [legacy_layer_array(channels=2, gated=True, head_bias=True)]
    ),
    "legacy_wavenet_two_arrays": legacy_two_array_wavenet_document,
    "slimmable_container": slimmable_container_document,
}


def make(name: str) -> Document:
    """A fresh copy of the named valid document."""
    return VALID_DOCUMENTS[name]()


def dumps(document: Any) -> str:
    """The file text of ``document``, as the exporter writes it."""
    return json.dumps(document)


def write_document(path: Path, document: Any) -> Path:
    path.write_text(dumps(document), encoding="utf-8")
    return path
