"""Streaming behaviour of the engine: blocks, reset, prewarm and concurrent use.

The engine is a stateful stream processor: cutting the input into blocks of any size must not
change the output; ``reset()`` returns to the state right after loading; a freshly loaded
convolutional model behaves as if silence had always been playing (no start-up transient);
independent models can run in parallel threads without sharing state, with the GIL released
while they compute.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

pytest.importorskip("torch", reason="the torch reference implementation is not installed")
pytest.importorskip("nam", reason="neural-amp-modeler (the reference) is not installed")

import model_zoo  # noqa: E402

MAX_BLOCK = 4096
STREAM_TOLERANCE = 1e-6  # relative to the output peak; ideally the outputs are identical

BLOCK_MODELS = [
    "wavenet_standard",
    "wavenet_film_gated_head_kernel",
    "wavenet_kitchen_sink",
    "wavenet_condition_dsp",
    "lstm_2x8",
    "convnet_batchnorm_relu",
    "linear_bias",
    model_zoo.container_name(0.5),
]
RESET_MODELS = [
    "wavenet_standard",
    "wavenet_kitchen_sink",
    "lstm_1x16",
    "lstm_3x12",
    "convnet_tanh",
    model_zoo.container_name(1.0),
]
# Finite receptive field: silence in gives a constant out from the very first sample.
PREWARM_MODELS = [
    "wavenet_standard",
    "wavenet_top_head",
    "wavenet_film_gated_head_kernel",
    "wavenet_kitchen_sink",
    "wavenet_condition_dsp",
    "legacy_gated",
    "convnet_batchnorm_relu",
    "linear_bias",
    model_zoo.container_name(0.2),
]
PARALLEL_MODELS = ["wavenet_standard", "lstm_2x8", "wavenet_kitchen_sink", "convnet_tanh"]


@pytest.fixture(scope="module")
def stream_signal(model_zoo_module) -> np.ndarray:
    """2.5 s of varied input."""
    return model_zoo_module.varied_input(seconds=2.5, seed=11)


@pytest.fixture(scope="module")
def loud_noise() -> np.ndarray:
    """0.2 s of loud noise: leaves every model's history far from silence."""
    rng = np.random.default_rng(5)
    return rng.uniform(-0.9, 0.9, size=9600).astype(np.float32)


def load(NamModel, entry, max_block: int = MAX_BLOCK):
    return NamModel(str(entry.path), max_block=max_block, slim=entry.slim)


def random_block_sizes(total: int, seed: int) -> list[int]:
    """Block sizes that add up to ``total``: edge sizes first, then a random mix of tiny,
    small and large blocks (log-uniform up to MAX_BLOCK)."""
    rng = np.random.default_rng(seed)
    sizes = [1, 1, 2, MAX_BLOCK, 3, MAX_BLOCK - 1, 1]
    while sum(sizes) < total:
        kind = rng.random()
        if kind < 0.25:
            sizes.append(int(rng.integers(1, 9)))
        elif kind < 0.5:
            sizes.append(int(rng.integers(9, 257)))
        else:
            sizes.append(int(np.exp(rng.uniform(np.log(257), np.log(MAX_BLOCK + 1)))))
    sizes[-1] -= sum(sizes) - total
    assert sum(sizes) == total and min(sizes) >= 0
    return sizes


def process_in_blocks(model, x: np.ndarray, sizes: list[int]) -> np.ndarray:
    out = []
    start = 0
    for size in sizes:
        y = model.process(x[start : start + size])
        assert y.shape == (size,)
        out.append(y)
        start += size
    return np.concatenate(out)


def max_relative_difference(a: np.ndarray, b: np.ndarray) -> float:
    peak = max(float(np.max(np.abs(b))), 1e-30)
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) / peak


# --- Block size -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", BLOCK_MODELS)
def test_output_does_not_depend_on_how_the_input_is_cut_into_blocks(
    NamModel, zoo, stream_signal, name
):
    """Random block sizes from 1 to max_block give the output of a single call."""
    entry = zoo[name]
    whole = load(NamModel, entry).process(stream_signal)
    for seed in (1, 2):
        sizes = random_block_sizes(len(stream_signal), seed)
        blocked = process_in_blocks(load(NamModel, entry), stream_signal, sizes)
        difference = max_relative_difference(blocked, whole)
        assert difference <= STREAM_TOLERANCE, f"{name}, block seed {seed}: {difference:.3g}"


@pytest.mark.parametrize("name", ["wavenet_kitchen_sink", "lstm_2x8"])
def test_max_block_setting_does_not_change_the_output(NamModel, zoo, stream_signal, name):
    """Calls longer than max_block are split internally; max_block only affects speed."""
    entry = zoo[name]
    expected = load(NamModel, entry).process(stream_signal)
    for max_block in (1, 37, 512):
        y = load(NamModel, entry, max_block=max_block).process(stream_signal)
        difference = max_relative_difference(y, expected)
        assert difference <= STREAM_TOLERANCE, f"max_block={max_block}: {difference:.3g}"


def test_an_empty_block_returns_nothing_and_keeps_the_state(NamModel, zoo, stream_signal):
    """process() of zero samples returns an empty float32 array and changes nothing."""
    entry = zoo["wavenet_standard"]
    expected = load(NamModel, entry).process(stream_signal)
    model = load(NamModel, entry)
    half = len(stream_signal) // 2
    first = model.process(stream_signal[:half])
    empty = model.process(np.zeros(0, dtype=np.float32))
    second = model.process(stream_signal[half:])
    assert empty.shape == (0,) and empty.dtype == np.float32
    difference = max_relative_difference(np.concatenate([first, second]), expected)
    assert difference <= STREAM_TOLERANCE


# --- reset() --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", RESET_MODELS)
def test_reset_returns_to_the_state_right_after_loading(
    NamModel, zoo, stream_signal, loud_noise, name
):
    """After reset() the output equals that of a freshly loaded model on the same input."""
    entry = zoo[name]
    fresh = load(NamModel, entry).process(stream_signal)

    continued = load(NamModel, entry)
    continued.process(loud_noise)
    without_reset = continued.process(stream_signal)
    # The loud history must matter, or this test could not detect a reset() that does nothing.
    assert max_relative_difference(without_reset, fresh) > 1e-4

    model = load(NamModel, entry)
    model.process(loud_noise)
    model.reset()
    after_reset = model.process(stream_signal)
    difference = max_relative_difference(after_reset, fresh)
    assert difference <= STREAM_TOLERANCE, f"{name}: {difference:.3g}"

    model.process(loud_noise)
    model.reset()
    model.reset()  # resetting twice is the same as once
    again = model.process(stream_signal)
    assert max_relative_difference(again, fresh) <= STREAM_TOLERANCE


# --- Prewarm --------------------------------------------------------------------------------


def assert_constant_from_first_sample(y: np.ndarray, label: str) -> float:
    steady = float(y[-1])
    deviation = float(np.max(np.abs(y.astype(np.float64) - steady)))
    first_bad = int(np.argmax(np.abs(y - steady) > 1e-6 * (1.0 + abs(steady))))
    assert deviation <= 1e-6 * (1.0 + abs(steady)), (
        f"{label}: start-up transient of {deviation:.3g} around steady value {steady:.6g} "
        f"(first deviating sample {first_bad})"
    )
    return steady


@pytest.mark.parametrize("name", PREWARM_MODELS)
def test_silence_gives_the_steady_state_output_from_the_first_sample(
    NamModel, zoo, loud_noise, name
):
    """A fresh (or reset) model fed 1 s of zeros outputs its steady silent value throughout,
    and that value is the torch model's output for silence."""
    entry = zoo[name]
    zeros = np.zeros(model_zoo.SAMPLE_RATE, dtype=np.float32)
    model = load(NamModel, entry)
    steady = assert_constant_from_first_sample(model.process(zeros), f"{name} after loading")

    torch_steady = float(entry.reference(np.zeros(8, dtype=np.float32))[-1])
    assert abs(steady - torch_steady) <= 1e-4 * (1.0 + abs(torch_steady)), (steady, torch_steady)

    model.process(loud_noise)
    model.reset()
    after_reset = assert_constant_from_first_sample(model.process(zeros), f"{name} after reset")
    assert after_reset == pytest.approx(steady, rel=1e-6, abs=1e-6)


# --- Threads --------------------------------------------------------------------------------


def _run_parallel_vs_serial(NamModel, entries, inputs) -> None:
    sizes = [256] * (len(inputs[0]) // 256) + [len(inputs[0]) % 256]
    serial = [
        process_in_blocks(load(NamModel, entry), x, sizes)
        for entry, x in zip(entries, inputs, strict=True)
    ]
    models = [load(NamModel, entry) for entry in entries]
    start = threading.Barrier(len(models))

    def work(k: int) -> np.ndarray:
        start.wait()
        return process_in_blocks(models[k], inputs[k], sizes)

    with ThreadPoolExecutor(max_workers=len(models)) as pool:
        parallel = list(pool.map(work, range(len(models))))
    for entry, a, b in zip(entries, parallel, serial, strict=True):
        difference = max_relative_difference(a, b)
        assert difference <= STREAM_TOLERANCE, f"{entry.name}: {difference:.3g}"


def test_different_models_in_parallel_threads_match_serial_processing(
    NamModel, zoo, stream_signal
):
    """Four different models processed concurrently give their serial outputs."""
    entries = [zoo[name] for name in PARALLEL_MODELS]
    inputs = [np.roll(stream_signal, 7919 * k).copy() for k in range(len(entries))]
    _run_parallel_vs_serial(NamModel, entries, inputs)


def test_copies_of_one_model_in_parallel_threads_match_serial_processing(
    NamModel, zoo, stream_signal
):
    """Four instances of the same file, fed different inputs concurrently, share no state."""
    entries = [zoo["wavenet_standard"]] * 4
    inputs = [(np.roll(stream_signal, 7919 * k) * (1.0 - 0.2 * k)).astype(np.float32)
              for k in range(4)]
    _run_parallel_vs_serial(NamModel, entries, inputs)


def test_process_releases_the_gil_while_computing(NamModel, zoo, signal):
    """Another Python thread keeps running during a long process() call."""
    model = load(NamModel, zoo["wavenet_standard"])
    x = signal
    began = time.perf_counter()
    model.process(x)
    # Make the call last at least ~0.3 s so that the check does not depend on engine speed.
    repeats = int(np.clip(np.ceil(0.3 / max(time.perf_counter() - began, 1e-3)), 1, 64))
    x = np.tile(signal, repeats)

    stamps: list[float] = []
    stop = threading.Event()

    def tick() -> None:
        while not stop.is_set():
            stamps.append(time.perf_counter())
            time.sleep(0.001)

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        while not stamps:
            time.sleep(0.001)
        t0 = time.perf_counter()
        model.process(x)
        t1 = time.perf_counter()
    finally:
        stop.set()
        ticker.join()
    margin = 0.25 * (t1 - t0)
    inside = [t for t in stamps if t0 + margin < t < t1 - margin]
    assert inside, f"no other thread ran during a {t1 - t0:.3f} s process() call"
