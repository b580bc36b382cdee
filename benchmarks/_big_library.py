"""A large synthetic model library: copies of the bundled captures with perturbed weights.

Each copy is the bundled .nam file with every weight multiplied by (1 + 0.02·N(0, 1)) from a
seeded generator, a unique file name and its kind in the metadata (`gear_type`), as trainer
exports carry it. Amps and pedals keep the bundled library's proportion.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from _cases import MODELS, bundled


def proportion(total: int) -> tuple[int, int]:
    """Amp and pedal counts for `total` models, in the bundled proportion."""
    lib = bundled()
    amps = round(total * len(lib.amps) / (len(lib.amps) + len(lib.pedals)))
    return amps, total - amps


def perturbed_copy(source: Path, dest: Path, rng: np.random.Generator, kind: str) -> None:
    """Writes source's model with weights × (1 + 0.02·N(0,1)) to dest."""
    data = json.loads(source.read_text(encoding="utf-8"))
    weights = np.asarray(data["weights"], dtype=np.float64)
    data["weights"] = (weights * (1.0 + 0.02 * rng.standard_normal(len(weights)))).tolist()
    meta = dict(data.get("metadata") or {})
    meta["name"] = f"{meta.get('name') or source.stem} ({dest.stem})"
    meta["gear_type"] = kind
    data["metadata"] = meta
    dest.write_text(json.dumps(data), encoding="utf-8")


def build(folder: Path, total: int, seed: int = 0) -> dict[str, int]:
    """Writes `total` perturbed copies into folder; returns the amp and pedal counts."""
    folder.mkdir(parents=True, exist_ok=True)
    lib = bundled()
    n_amps, n_pedals = proportion(total)
    plan = [("amp", lib.amps[i % len(lib.amps)], i) for i in range(n_amps)]
    plan += [("pedal", lib.pedals[i % len(lib.pedals)], n_amps + i) for i in range(n_pedals)]
    for kind, name, i in plan:
        rng = np.random.default_rng([seed, i])
        perturbed_copy(MODELS / f"{name}.nam", folder / f"{name}_copy{i:04d}.nam", rng, kind)
    return {"amps": n_amps, "pedals": n_pedals}
