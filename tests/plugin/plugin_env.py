"""Where the plugin tests find things: the repository, the bundled assets, the built plugin,
and the parameters the plugin is expected to show a host."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "assets"
PRODUCT = "ToneMatch AI"


@dataclass(frozen=True)
class PluginBuild:
    folder: Path

    @property
    def artefacts(self) -> Path:
        return self.folder / "plugin" / "ToneMatchAI_artefacts" / "Release"

    @property
    def vst3(self) -> Path:
        return self.artefacts / "VST3" / f"{PRODUCT}.vst3"

    @property
    def lv2(self) -> Path:
        return self.artefacts / "LV2" / f"{PRODUCT}.lv2"

    @property
    def standalone(self) -> Path:
        return self.artefacts / "Standalone" / PRODUCT

    def program(self, name: str) -> Path:
        return self.folder / "plugin" / "tests" / name


EXPECTED_PARAMS = {  # pedalboard's name: (host-visible name, low, high, default)
    "input_gain_db": ("Input Gain", -24.0, 24.0, 0.0),
    "pre_eq_gain_db": ("Pre EQ Gain", -12.0, 12.0, 0.0),
    "pre_eq_freq_hz": ("Pre EQ Freq", 400.0, 3000.0, 800.0),
    "reverb_wet": ("Reverb Wet", 0.0, 0.7, 0.0),
    "reverb_size": ("Reverb Size", 0.0, 1.0, 0.5),
    "delay_time_ms": ("Delay Time", 50.0, 500.0, 100.0),
    "delay_mix": ("Delay Mix", 0.0, 0.5, 0.0),
    "final_gain_db": ("Final Gain", -3.0, 3.0, 0.0),
    "output_level_db": ("Output Level", -40.0, 40.0, 0.0),
    "gate_db": ("Gate", -100.0, 0.0, -100.0),
    "limiter_db": ("Limiter", -24.0, 0.0, 0.0),
    "match_eq_amount": ("Match EQ Amount", 0.0, 100.0, 100.0),
}
