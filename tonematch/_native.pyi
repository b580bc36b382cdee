"""Type stubs for the C++ engine module."""

from collections.abc import Sequence
from os import PathLike
from typing import TypedDict

import numpy as np
import numpy.typing as npt

RIG_SCHEMA_VERSION: int
RIG_MAX_JSON_DEPTH: int
MATCH_EQ_LIMIT_DB: float
RIG_MAX_FILE_BYTES: int

class ParamTableRow(TypedDict):
    """One row of the engine's parameter table."""

    key: str
    apvts_id: str
    name: str
    unit: str
    low: float
    high: float
    default: float
    skew: str

def param_table() -> list[ParamTableRow]:
    """The chain's parameters in rig-JSON order."""

def normalise_rig_json(text: str, source: str, base_dir: str = "") -> tuple[str, list[str]]:
    """Reads a rig JSON document strictly and writes it back as the plugin would: (JSON text,
    notes on what reading changed). ValueError naming the source when it cannot be used."""

class NamModel:
    """A Neural Amp Modeler (.nam) network run by the ToneMatch engine."""

    def __init__(
        self, path: str | PathLike[str], max_block: int = 4096, slim: float = 1.0
    ) -> None: ...
    def process(self, x: npt.ArrayLike) -> npt.NDArray[np.float32]: ...
    def reset(self) -> None: ...
    @property
    def path(self) -> str: ...
    @property
    def architecture(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def sample_rate(self) -> float | None: ...
    @property
    def loudness(self) -> float | None: ...
    @property
    def gain(self) -> float | None: ...
    @property
    def input_level_dbu(self) -> float | None: ...
    @property
    def output_level_dbu(self) -> float | None: ...
    @property
    def receptive_field(self) -> int: ...
    @property
    def parameter_count(self) -> int: ...
    @property
    def max_block(self) -> int: ...

def apply_output_stages(
    stereo: npt.ArrayLike, sample_rate: float, output_db: float, limiter_ceiling_db: float
) -> npt.NDArray[np.float32]: ...

class Chain:
    """The ToneMatch signal chain: input gain → pedal → amp → cabinet IR → match EQ → peak EQ →
    delay → reverb → output gain → limiter (mono in, stereo out)."""

    match_eq_centres_hz: list[float]
    match_eq_q: float

    def __init__(self, sample_rate: float = 48000.0, max_block: int = 4096) -> None: ...
    def set_pedal(self, path: str | PathLike[str] | None, slim: float = 1.0) -> None: ...
    def set_amp(self, path: str | PathLike[str] | None, slim: float = 1.0) -> None: ...
    def set_ir(
        self, samples: npt.ArrayLike | None, sample_rate: float = 48000.0, name: str = ""
    ) -> None: ...
    def set_params(
        self,
        *,
        match_eq_db: Sequence[float] | None = None,
        immediate: bool = False,
        **params: float | None,
    ) -> None:
        """Set parameters by their rig-JSON keys (see param_table(); None or absent keeps a
        value); TypeError on a key the table does not have."""
    @property
    def params(self) -> dict[str, float | list[float]]: ...
    def process(self, x: npt.ArrayLike, block: int = 0) -> npt.NDArray[np.float32]: ...
    def reset(self) -> None: ...
    @property
    def latency_samples(self) -> int: ...
    @property
    def sample_rate(self) -> float: ...
    @property
    def max_block(self) -> int: ...
    @property
    def pedal_name(self) -> str: ...
    @property
    def amp_name(self) -> str: ...
    @property
    def ir_name(self) -> str: ...
