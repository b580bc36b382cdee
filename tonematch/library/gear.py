"""A piece of simulated gear: what the library builder captures into a .nam file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

GearKind = Literal["pedal", "amp"]
GainClass = Literal["clean", "crunch", "high_gain"]


def voicing_of(amp_name: str | None) -> str:
    """The voicing an amp capture belongs to: its name without the gain suffix (_g5); "" for
    no amp."""
    if not amp_name:
        return ""
    stem, _, last = amp_name.rpartition("_")
    return stem if last.startswith("g") and last[1:].isdigit() and stem else amp_name


@dataclass(frozen=True)
class Gear:
    """One simulated pedal or amp at fixed settings.

    `render` maps a mono float32 DI at 48 kHz to the device's output (same length, float32).
    `simulation` and `settings` are recorded in the manifest so a capture can be traced back.
    """

    name: str  # file stem, unique in the library, e.g. "amp_british_crunch_g5"
    display: str  # what a guitarist reads, e.g. "British Crunch (gain 5)"
    kind: GearKind
    gain_class: GainClass
    tags: tuple[str, ...]
    simulation: str  # dotted name of the function, e.g. "tonematch.library.amp_sim.amp"
    settings: dict[str, Any]
    render: Callable[[np.ndarray], np.ndarray] = field(compare=False, repr=False)
