"""Cabinet impulse responses built from speaker, enclosure and microphone models.

Each IR is an impulse run through a cascade of filters, each standing for one physical part:
- speaker: the cone's low resonance (a peak at 70–130 Hz, then a 12 dB/oct fall below it),
  cone break-up peaks in the upper mids and a steep roll-off above them;
- enclosure: a sealed box adds low-mid weight; an open back lets the rear wave cancel the lows
  and adds a short inverted reflection; several speakers add small path differences (combing);
- microphone: a dynamic on the cap is bright with a presence peak; off-axis rolls the top off;
  a ribbon is dark and smooth; distance adds delay and early room reflections.
The filters are recursive, so the IR is naturally minimum-phase like a measured close-mic IR.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import signal

from tonematch.library.amp_sim import peaking

SAMPLE_RATE = 48_000


@dataclass(frozen=True)
class CabSettings:
    """Physical choices behind one IR."""

    speakers: int = 1  # 1, 2 or 4
    speaker_size_in: int = 12  # 10, 12 or 15
    open_back: bool = False
    resonance_hz: float = 100.0
    breakup_hz: float = 2500.0  # centre of the cone break-up peaks
    rolloff_hz: float = 5000.0
    mic: str = "dynamic_cap"  # dynamic_cap, dynamic_edge, ribbon, condenser_room
    distance_cm: float = 2.0
    length_ms: float = 120.0


def _peak(f0: float, gain_db: float, q: float) -> tuple[np.ndarray, np.ndarray]:
    return peaking(f0, gain_db, q, SAMPLE_RATE)


def impulse_response(s: CabSettings) -> np.ndarray:
    """The IR for the given settings: float32, unit energy, faded out at the end."""
    n = int(s.length_ms * SAMPLE_RATE / 1000)
    x = np.zeros(n)
    x[0] = 1.0
    # Speaker: resonance, below it a second-order high-pass; break-up peaks; steep low-pass.
    b, a = signal.butter(2, s.resonance_hz * 0.8, "highpass", fs=SAMPLE_RATE)
    x = signal.lfilter(b, a, x)
    x = signal.lfilter(*_peak(s.resonance_hz, 6.0, 1.4), x)
    for k, (ratio, gain) in enumerate(((1.0, 5.0), (1.55, -4.0), (2.1, 4.0))):
        x = signal.lfilter(*_peak(s.breakup_hz * ratio, gain, 2.5 + k), x)
    b, a = signal.butter(4, s.rolloff_hz, fs=SAMPLE_RATE)
    x = signal.lfilter(b, a, x)
    # Enclosure.
    if s.open_back:
        delay = int(0.0012 * SAMPLE_RATE * s.speaker_size_in / 12)
        x[delay:] -= 0.45 * x[:-delay].copy()
    else:
        x = signal.lfilter(*_peak(160.0 if s.speakers < 4 else 120.0, 3.0, 0.9), x)
    if s.speakers > 1:
        out = x.copy()
        for k in range(1, s.speakers):
            d = int(SAMPLE_RATE * (0.00011 * k + 0.00004 * k * k))
            out[d:] += 0.8 * x[:-d]
        x = out
    # Microphone.
    if s.mic == "dynamic_cap":
        x = signal.lfilter(*_peak(4500.0, 5.0, 1.2), x)
    elif s.mic == "dynamic_edge":
        b, a = signal.butter(2, 3500.0, fs=SAMPLE_RATE)
        x = 0.5 * x + 0.5 * signal.lfilter(b, a, x)
    elif s.mic == "ribbon":
        b, a = signal.butter(1, 2500.0, fs=SAMPLE_RATE)
        x = signal.lfilter(b, a, x)
        x = signal.lfilter(*_peak(200.0, 2.5, 0.8), x)
    elif s.mic == "condenser_room":
        x = signal.lfilter(*_peak(8000.0, 3.0, 0.9), x)
    else:
        raise ValueError(f"unknown microphone model '{s.mic}'")
    if s.distance_cm > 5:
        # Floor and wall reflections arrive a few ms after the direct sound.
        rng = np.random.default_rng(int(s.distance_cm * 10))
        direct = x.copy()
        for _ in range(6):
            d = int(SAMPLE_RATE * rng.uniform(0.002, 0.012) * s.distance_cm / 30)
            if 0 < d < n:
                x[d:] += rng.uniform(0.1, 0.3) * rng.choice([-1, 1]) * direct[:-d]
    fade = n // 5
    x[-fade:] *= np.cos(np.linspace(0, np.pi / 2, fade)) ** 2
    return (x / np.sqrt(np.sum(x**2))).astype(np.float32)


@dataclass(frozen=True)
class Cab:
    """One IR of the library."""

    name: str
    display: str
    tags: tuple[str, ...]
    settings: CabSettings

    def settings_dict(self) -> dict[str, object]:
        return asdict(self.settings)


def catalog() -> list[Cab]:
    """The library's cabinets: sizes, backs, speakers and microphones of different character."""
    c = CabSettings
    return [
        Cab(
            "cab_1x12_open_cap",
            "1x12 open back, dynamic on the cap",
            ("open", "bright", "small"),
            c(1, 12, True, 110, 2600, 5500, "dynamic_cap"),
        ),
        Cab(
            "cab_1x12_open_ribbon",
            "1x12 open back, ribbon",
            ("open", "dark", "smooth"),
            c(1, 12, True, 110, 2600, 5500, "ribbon", 10),
        ),
        Cab(
            "cab_1x12_closed_edge",
            "1x12 closed back, dynamic on the edge",
            ("closed", "warm"),
            c(1, 12, False, 95, 2300, 5000, "dynamic_edge"),
        ),
        Cab(
            "cab_2x12_open_cap",
            "2x12 open back, dynamic on the cap",
            ("open", "chime", "bright"),
            c(2, 12, True, 105, 2800, 6000, "dynamic_cap"),
        ),
        Cab(
            "cab_2x12_closed_cap",
            "2x12 closed back, dynamic on the cap",
            ("closed", "tight"),
            c(2, 12, False, 90, 2400, 5200, "dynamic_cap"),
        ),
        Cab(
            "cab_2x12_closed_room",
            "2x12 closed back, condenser at 60 cm",
            ("closed", "room", "airy"),
            c(2, 12, False, 90, 2400, 5200, "condenser_room", 60, 180),
        ),
        Cab(
            "cab_4x12_closed_cap",
            "4x12 closed back, dynamic on the cap",
            ("closed", "big", "aggressive"),
            c(4, 12, False, 80, 2200, 5000, "dynamic_cap"),
        ),
        Cab(
            "cab_4x12_closed_edge",
            "4x12 closed back, dynamic on the edge",
            ("closed", "big", "dark"),
            c(4, 12, False, 80, 2200, 4600, "dynamic_edge"),
        ),
        Cab(
            "cab_4x12_closed_ribbon",
            "4x12 closed back, ribbon at 15 cm",
            ("closed", "big", "smooth"),
            c(4, 12, False, 80, 2000, 4500, "ribbon", 15),
        ),
        Cab(
            "cab_4x10_open_cap",
            "4x10 open back, dynamic on the cap",
            ("open", "bright", "punchy"),
            c(4, 10, True, 125, 3000, 6500, "dynamic_cap"),
        ),
        Cab(
            "cab_4x10_open_room",
            "4x10 open back, condenser at 90 cm",
            ("open", "room", "bright"),
            c(4, 10, True, 125, 3000, 6500, "condenser_room", 90, 190),
        ),
        Cab(
            "cab_1x15_closed_cap",
            "1x15 closed back, dynamic on the cap",
            ("closed", "deep", "dark"),
            c(1, 15, False, 70, 1800, 4200, "dynamic_cap"),
        ),
        Cab(
            "cab_2x10_open_edge",
            "2x10 open back, dynamic on the edge",
            ("open", "mid", "small"),
            c(2, 10, True, 120, 2900, 5800, "dynamic_edge"),
        ),
    ]
