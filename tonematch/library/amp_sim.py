"""Circuit-inspired amp simulation used to make captures: tube-like stages and a tone stack.

A stage is a coupling high-pass, gain, and an asymmetric soft clipper (a triode clips its grid
side harder than its plate side), followed by a low-pass for the Miller capacitance. The tone
stack is a bass/mid/treble shelving and peaking EQ; the power amp adds a gentle symmetric
saturation with level-dependent sag.

Two models live here:
- `amp` with `AmpSettings`: the original simple amp the demo capture uses (unchanged).
- `voiced_amp` with `VoicingSettings`: a fuller signal path from input jack to speaker terminals,
  used for the library's amp voicings (`VOICINGS`, `catalog()`):
  1. input coupling high-pass (a small cap here is what makes a modern amp "tight"), the bright
     cap across the gain pot (a treble shelf that fades as the gain knob goes up) and an optional
     pre-distortion mid push or scoop (cathode bypass and coupling choices);
  2. the gain knob (a log pot) into a cascade of inverting triode stages, each a coupling
     high-pass, gain, asymmetric clipping (hard grid conduction, softer and earlier cut-off) and a
     Miller low-pass; alternate stages clip opposite halves, as real cascades do;
  3. the tone stack (bass shelf, mid peak or scoop, treble shelf at voicing-specific corners);
  4. the power amp: presence and resonance shelves (the negative feedback loop), drive into
     push-pull (symmetric) or cathode-biased (slightly asymmetric) saturation whose gain drops
     with a ~30 ms envelope of the output, as a sagging rectifier supply does;
  5. the output transformer's band limits and the master level.
The non-linear part runs at twice the sample rate behind causal anti-alias filters, so the
result is causal (a capture's network can learn it) and clean of most aliasing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from functools import lru_cache

import numpy as np
from scipy import signal

from tonematch.library.gear import GainClass, Gear

SAMPLE_RATE = 48_000


def _biquad_peak(f0: float, gain_db: float, q: float, sr: int) -> tuple[np.ndarray, np.ndarray]:
    a_lin = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * f0 / sr
    alpha = np.sin(w0) / (2 * q)
    b = np.array([1 + alpha * a_lin, -2 * np.cos(w0), 1 - alpha * a_lin])
    a = np.array([1 + alpha / a_lin, -2 * np.cos(w0), 1 - alpha / a_lin])
    return b / a[0], a / a[0]


def _shelf(f0: float, gain_db: float, sr: int, high: bool) -> tuple[np.ndarray, np.ndarray]:
    a_lin = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * f0 / sr
    alpha = np.sin(w0) / 2 * np.sqrt(2)
    c, s2 = np.cos(w0), 2 * np.sqrt(a_lin) * alpha
    sign = -1 if high else 1
    b = a_lin * np.array(
        [
            (a_lin + 1) - sign * (a_lin - 1) * c + s2,
            2 * sign * ((a_lin - 1) - sign * (a_lin + 1) * c),
            (a_lin + 1) - sign * (a_lin - 1) * c - s2,
        ]
    )
    a = np.array(
        [
            (a_lin + 1) + sign * (a_lin - 1) * c + s2,
            -2 * sign * ((a_lin - 1) + sign * (a_lin + 1) * c),
            (a_lin + 1) + sign * (a_lin - 1) * c - s2,
        ]
    )
    return b / a[0], a / a[0]


def triode_stage(
    x: np.ndarray, gain: float, bias: float, sr: int, cutoff_hz: float = 9000.0
) -> np.ndarray:
    """Coupling high-pass, gain, asymmetric clipping, Miller low-pass."""
    b, a = signal.butter(1, 30.0, "highpass", fs=sr)
    y = signal.lfilter(b, a, x) * gain
    # Positive swings (grid conduction) clip harder than negative ones (cut-off).
    y = np.where(
        y > 0,
        np.tanh(y + bias) - np.tanh(bias),
        0.6 * np.tanh((y + bias) / 0.6) - 0.6 * np.tanh(bias / 0.6),
    )
    b, a = signal.butter(1, cutoff_hz, fs=sr)
    return signal.lfilter(b, a, y)


@dataclass(frozen=True)
class AmpSettings:
    """Knobs of the simulated amp."""

    drive: float = 4.0  # preamp gain into the first stage
    stages: int = 2
    bass_db: float = 2.0
    mid_db: float = -2.0
    treble_db: float = 1.0
    sag: float = 0.3
    level: float = 0.5


def amp(x: np.ndarray, s: AmpSettings, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Runs a DI through the simulated amp (without cabinet)."""
    y = np.asarray(x, dtype=np.float64)
    for i in range(s.stages):
        y = triode_stage(y, s.drive if i == 0 else 2.0 + 0.5 * s.drive, 0.15 + 0.05 * i, sr)
    for b, a in (
        _shelf(120.0, s.bass_db, sr, high=False),
        _biquad_peak(700.0, s.mid_db, 0.7, sr),
        _shelf(3000.0, s.treble_db, sr, high=True),
    ):
        y = signal.lfilter(b, a, y)
    # Power-amp sag: the envelope lowers the gain, as a sagging supply does.
    env = signal.lfilter([0.002], [1.0, -0.998], np.abs(y))
    y = np.tanh(1.5 * y / (1.0 + s.sag * env)) / 1.5
    return (s.level * y).astype(np.float32)


# ------------------------------------------------------------------------------ shared blocks
# Used by the voiced amps below and by `pedal_sim`.

OVERSAMPLE = 2


def peaking(f0: float, gain_db: float, q: float, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """A peaking (bell) biquad: boost or cut of `gain_db` around `f0`."""
    return _biquad_peak(f0, gain_db, q, sr)


def shelf(f0: float, gain_db: float, sr: int, high: bool) -> tuple[np.ndarray, np.ndarray]:
    """A low (`high=False`) or high shelving biquad."""
    return _shelf(f0, gain_db, sr, high)


def highpass(x: np.ndarray, f0: float, sr: int, order: int = 1) -> np.ndarray:
    """Butterworth high-pass: a coupling capacitor into a resistor for order 1."""
    b, a = signal.butter(order, f0, "highpass", fs=sr)
    return signal.lfilter(b, a, x)


def lowpass(x: np.ndarray, f0: float, sr: int, order: int = 1) -> np.ndarray:
    """Butterworth low-pass: a resistor into a capacitor to ground for order 1."""
    b, a = signal.butter(order, min(f0, 0.45 * sr), fs=sr)
    return signal.lfilter(b, a, x)


def _knee(a: np.ndarray, limit: float, knee: float) -> np.ndarray:
    # For a ≥ 0: a up to limit − k, then limit − k + k·tanh((a − limit + k)/k). The tanh branch
    # lies below the identity above the knee's start and above it below, so the minimum picks
    # the right branch without a mask.
    k = max(knee, 0.02) * limit
    start = limit - k
    u = (a - start) / k
    np.tanh(u, out=u)
    u *= k
    u += start
    return np.minimum(a, u, out=u)


def clipper(
    v: np.ndarray,
    limit_pos: float = 1.0,
    limit_neg: float = 1.0,
    knee_pos: float = 1.0,
    knee_neg: float = 1.0,
) -> np.ndarray:
    """Saturation with a limit and a knee per polarity.

    Linear up to limit·(1 − knee), then a tanh-shaped knee that approaches the limit: a knee of 1
    is a plain scaled tanh (a triode, a germanium transistor), a small knee is nearly a hard clip
    (silicon diodes, an op-amp's rails). Different limits per side make it asymmetric, which
    adds even harmonics.
    """
    v = np.asarray(v, dtype=np.float64)
    shape, v = v.shape, v.reshape(-1)
    if limit_pos == limit_neg and knee_pos == knee_neg:
        return np.copysign(_knee(np.abs(v), limit_pos, knee_pos), v).reshape(shape)
    y = _knee(np.maximum(v, 0.0), limit_pos, knee_pos)
    y -= _knee(np.maximum(-v, 0.0), limit_neg, knee_neg)
    return y.reshape(shape)


@lru_cache(maxsize=4)
def _anti_alias(sr: int) -> np.ndarray:
    # Elliptic, so the band above ~20 kHz is 80 dB down; causal, so no pre-ringing.
    return signal.ellip(8, 0.1, 80, min(20_000.0, 0.42 * sr), fs=OVERSAMPLE * sr, output="sos")


def upsample(x: np.ndarray, sr: int) -> np.ndarray:
    """Zero-stuffing and a causal anti-image filter: `x` at `OVERSAMPLE`·sr."""
    y = np.zeros(len(x) * OVERSAMPLE)
    y[::OVERSAMPLE] = x
    return OVERSAMPLE * signal.sosfilt(_anti_alias(sr), y)


def downsample(y: np.ndarray, sr: int) -> np.ndarray:
    """Causal anti-alias filter and decimation back to sr."""
    return signal.sosfilt(_anti_alias(sr), y)[::OVERSAMPLE]


def one_pole_smooth(x: np.ndarray, time_s: float, sr: int) -> np.ndarray:
    """Exponential smoothing with the given time constant (an RC envelope)."""
    c = np.exp(-1.0 / (time_s * sr))
    return signal.lfilter([1.0 - c], [1.0, -c], x)


def finish(y: np.ndarray, n: int) -> np.ndarray:
    """float32, exactly n samples, finite."""
    y = np.nan_to_num(np.asarray(y[:n], dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    return y.astype(np.float32)


# ------------------------------------------------------------------------------ voiced amps


@dataclass(frozen=True)
class VoicingSettings:
    """Knobs and circuit choices of one voiced amp (see the module docstring for the path)."""

    gain: float = 5.0  # the gain knob, 0–10 (a log pot)
    gain_min: float = 1.0  # first-stage drive at gain 0
    gain_max: float = 10.0  # first-stage drive at gain 10
    stages: int = 2  # triode stages in cascade (the first one included)
    stage_gain: float = 3.0  # drive of each later stage
    asym: float = 0.3  # how much earlier the cut-off side clips (0 = symmetric)
    input_hp_hz: float = 40.0  # input coupling; higher is tighter
    coupling_hz: float = 30.0  # interstage coupling caps
    miller_hz: float = 9000.0  # interstage low-pass
    bright_db: float = 0.0  # bright cap, full effect at gain 0
    bright_hz: float = 2500.0
    pre_mid_db: float = 0.0  # mid push (+) or scoop (−) before the stages
    pre_mid_hz: float = 800.0
    bass_db: float = 0.0
    bass_hz: float = 120.0
    mid_db: float = 0.0
    mid_hz: float = 600.0
    mid_q: float = 0.7
    treble_db: float = 0.0
    treble_hz: float = 3000.0
    presence_db: float = 0.0  # high shelf in the power amp's feedback loop
    resonance_db: float = 0.0  # low shelf in the same loop
    power_drive: float = 1.0
    power_asym: float = 0.0  # 0 push-pull; > 0 a cathode-biased, class-A-like output
    sag: float = 0.3
    band_low_hz: float = 45.0  # output transformer
    band_high_hz: float = 14000.0
    level: float = 0.5  # master


def preamp_drive(s: VoicingSettings) -> float:
    """First-stage drive for the gain knob: a log taper from gain_min to gain_max."""
    g = min(max(s.gain, 0.0), 10.0) / 10.0
    return float(s.gain_min * (s.gain_max / s.gain_min) ** g)


def voiced_amp(x: np.ndarray, s: VoicingSettings, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Runs a DI through a voiced amp (without cabinet); float32, same length as `x`."""
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    y = np.asarray(x, dtype=np.float64)
    # 1. Input: coupling, bright cap (fading as the gain pot opens), pre-distortion voicing.
    y = highpass(y, s.input_hp_hz, sr)
    bright = s.bright_db * (1.0 - 0.7 * min(max(s.gain, 0.0), 10.0) / 10.0)
    if bright:
        y = signal.lfilter(*shelf(s.bright_hz, bright, sr, high=True), y)
    if s.pre_mid_db:
        y = signal.lfilter(*peaking(s.pre_mid_hz, s.pre_mid_db, 0.8, sr), y)
    # 2. The triode cascade, oversampled.
    fs = OVERSAMPLE * sr
    y = upsample(y, sr)
    for i in range(s.stages):
        drive = preamp_drive(s) if i == 0 else s.stage_gain
        y = highpass(y, s.coupling_hz, fs) * drive
        # Grid conduction clips hard; cut-off comes earlier and softer. Each stage inverts, so
        # the next one clips the other half of the wave.
        y = -clipper(y, 1.0, 1.0 - s.asym, knee_pos=0.4, knee_neg=1.0)
        y = lowpass(y, s.miller_hz, fs)
    if s.stages % 2:
        y = -y
    # 3. Tone stack.
    for b, a in (
        shelf(s.bass_hz, s.bass_db, fs, high=False),
        peaking(s.mid_hz, s.mid_db, s.mid_q, fs),
        shelf(s.treble_hz, s.treble_db, fs, high=True),
    ):
        y = signal.lfilter(b, a, y)
    # 4. Power amp: feedback-loop shelves, sag, output-tube saturation.
    if s.presence_db:
        y = signal.lfilter(*shelf(4000.0, s.presence_db, fs, high=True), y)
    if s.resonance_db:
        y = signal.lfilter(*shelf(100.0, s.resonance_db, fs, high=False), y)
    y = s.power_drive * y
    env = one_pole_smooth(np.abs(y), 0.03, fs)
    y = y / (1.0 + s.sag * env)
    y = clipper(y, 1.0, 1.0 - s.power_asym, knee_pos=0.8, knee_neg=1.0)
    y = highpass(y, 10.0, fs)  # the output transformer passes no DC
    y = downsample(y, sr)
    # 5. Output transformer band and master.
    y = highpass(y, s.band_low_hz, sr)
    y = lowpass(y, s.band_high_hz, sr)
    return finish(s.level * y, n)


@dataclass(frozen=True)
class Voicing:
    """One amp voicing and the gain settings the library captures it at.

    `gains` holds (gain knob, gain class, master level): the master is set so that a DI peaking
    at 0.5 comes out at a level a capture can use (RMS around 0.07–0.15, peaks well below 1).
    """

    key: str
    display: str
    tags: tuple[str, ...]
    base: VoicingSettings
    gains: tuple[tuple[float, GainClass, float], ...]


_V = VoicingSettings

VOICINGS: tuple[Voicing, ...] = (
    Voicing(
        "clean_american",
        "Clean American",
        ("clean", "scooped", "sparkle", "headroom"),
        # Blackface-style: two stages with little drive, bright cap, a deep fixed mid scoop,
        # a stiff supply and a big push-pull output stage that hardly breaks up.
        _V(gain_min=0.3, gain_max=3.0, stages=2, stage_gain=1.5, asym=0.2, input_hp_hz=30.0,
           bright_db=4.0, bright_hz=3000.0, bass_db=3.0, bass_hz=100.0, mid_db=-6.0,
           mid_hz=450.0, mid_q=0.6, treble_db=4.0, treble_hz=2500.0, power_drive=0.8, sag=0.15),
        ((2, "clean", 2.3), (4, "clean", 1.7), (6, "clean", 1.3), (8, "clean", 0.97)),
    ),
    Voicing(
        "jazz_clean",
        "Dark Jazz Clean",
        ("clean", "dark", "warm", "round"),
        # Treble rolled well off, warm lows, low-gain stages and a narrow output band.
        _V(gain_min=0.5, gain_max=3.0, stages=2, stage_gain=1.5, asym=0.15, input_hp_hz=30.0,
           miller_hz=5000.0, bass_db=4.0, bass_hz=150.0, mid_db=1.0, mid_hz=500.0,
           treble_db=-8.0, treble_hz=2000.0, power_drive=1.0, sag=0.1, band_high_hz=7000.0),
        ((2, "clean", 3.0), (4, "clean", 2.2), (6, "clean", 1.5), (8, "clean", 1.1)),
    ),
    Voicing(
        "chime_british",
        "Chimey British",
        ("chime", "bright", "top-boost", "class-a"),
        # Top-boost style: bright input, a treble lift high up with a slight mid dip, and a
        # cathode-biased output stage that breaks up early and asymmetrically, with some sag.
        _V(gain_min=0.6, gain_max=8.0, stages=2, stage_gain=2.0, asym=0.35, input_hp_hz=60.0,
           bright_db=3.0, bright_hz=3000.0, bass_db=-1.0, bass_hz=120.0, mid_db=-3.0,
           mid_hz=1000.0, treble_db=5.0, treble_hz=2200.0, power_drive=1.6, power_asym=0.15,
           sag=0.45, band_high_hz=12000.0),
        ((2, "clean", 0.66), (4, "crunch", 0.47), (6, "crunch", 0.35), (8, "crunch", 0.29)),
    ),
    Voicing(
        "edge_breakup",
        "Edge of Breakup",
        ("edge-of-breakup", "dynamic", "mid-forward", "sag"),
        # Tweed-style: two hot stages, a mid-forward voicing, darker interstage, and a soft
        # supply that compresses when pushed: cleans up with picking dynamics.
        _V(gain_min=0.5, gain_max=10.0, stages=2, stage_gain=2.5, asym=0.4, input_hp_hz=50.0,
           miller_hz=7000.0, pre_mid_db=3.0, pre_mid_hz=700.0, mid_db=2.0, mid_hz=800.0,
           treble_db=1.0, power_drive=1.8, power_asym=0.1, sag=0.6, band_high_hz=10000.0),
        ((2, "clean", 0.58), (4, "crunch", 0.39), (6, "crunch", 0.29), (8, "crunch", 0.24)),
    ),
    Voicing(
        "british_crunch",
        "British Crunch",
        ("crunch", "mid-push", "plexi", "bright"),
        # Plexi-style: bright cap and a mid push into three stages, upper-mid tone stack, presence.
        _V(gain_min=0.5, gain_max=12.0, stages=3, stage_gain=2.0, asym=0.3, input_hp_hz=70.0,
           bright_db=4.0, bright_hz=2500.0, pre_mid_db=4.0, pre_mid_hz=750.0, bass_db=-1.0,
           bass_hz=100.0, mid_db=3.0, mid_hz=700.0, treble_db=2.0, presence_db=3.0,
           power_drive=1.4, sag=0.35, band_high_hz=12000.0),
        ((3, "crunch", 0.31), (5, "crunch", 0.24), (7, "crunch", 0.2), (9, "high_gain", 0.18)),
    ),
    Voicing(
        "modern_high_gain",
        "Modern High Gain",
        ("high-gain", "tight", "scooped", "aggressive"),
        # A high-pass before the distortion keeps the lows from flubbing; four hot stages with
        # darker coupling; lows restored and mids scooped after the distortion.
        _V(gain_min=0.6, gain_max=50.0, stages=4, stage_gain=2.2, asym=0.2, input_hp_hz=700.0,
           coupling_hz=60.0, miller_hz=6000.0, bass_db=5.0, bass_hz=110.0, mid_db=-7.0,
           mid_hz=550.0, mid_q=0.8, treble_db=3.0, treble_hz=3500.0, presence_db=3.0,
           resonance_db=4.0, power_drive=1.2, sag=0.25, band_high_hz=11000.0),
        (
            (3, "crunch", 0.29),
            (5, "high_gain", 0.24),
            (7, "high_gain", 0.22),
            (9, "high_gain", 0.21),
        ),
    ),
    Voicing(
        "brown",
        "Brown Hot-Rod",
        ("high-gain", "brown", "bass-heavy", "saggy"),
        # A hot-rodded plexi: mid push into four asymmetric stages, heavy lows in the power
        # amp's feedback loop, and a saggy supply.
        _V(gain_min=0.4, gain_max=40.0, stages=4, stage_gain=2.0, asym=0.45, input_hp_hz=120.0,
           miller_hz=6500.0, pre_mid_db=5.0, pre_mid_hz=800.0, bass_db=5.0, bass_hz=100.0,
           mid_db=2.0, mid_hz=650.0, treble_db=1.0, presence_db=2.0, resonance_db=5.0,
           power_drive=1.6, sag=0.5, band_high_hz=11000.0),
        (
            (3, "crunch", 0.27),
            (5, "high_gain", 0.25),
            (7, "high_gain", 0.25),
            (9, "high_gain", 0.25),
        ),
    ),
    Voicing(
        "smooth_lead",
        "Smooth Lead",
        ("lead", "smooth", "mid-forward", "sustain"),
        # A cascaded lead channel: mid-forward, dark interstage filtering for a singing top.
        _V(gain_min=0.4, gain_max=30.0, stages=4, stage_gain=2.2, asym=0.3, input_hp_hz=150.0,
           miller_hz=4500.0, pre_mid_db=4.0, pre_mid_hz=1000.0, mid_db=3.0, mid_hz=800.0,
           treble_db=-2.0, treble_hz=3500.0, power_drive=1.2, sag=0.4, band_high_hz=9000.0),
        (
            (4, "crunch", 0.23),
            (6, "high_gain", 0.21),
            (8, "high_gain", 0.2),
            (10, "high_gain", 0.2),
        ),
    ),
)


def voicing_settings(v: Voicing, gain: float, level: float) -> VoicingSettings:
    """The voicing's settings at one gain knob position and master level."""
    return replace(v.base, gain=float(gain), level=float(level))


def _gain_label(gain: float) -> str:
    return f"{gain:g}".replace(".", "p")


def catalog() -> list[Gear]:
    """The library's amps: every voicing at each of its gain settings."""
    gears = []
    for v in VOICINGS:
        for gain, gain_class, level in v.gains:
            s = voicing_settings(v, gain, level)
            gears.append(
                Gear(
                    name=f"amp_{v.key}_g{_gain_label(gain)}",
                    display=f"{v.display} (gain {gain:g})",
                    kind="amp",
                    gain_class=gain_class,
                    tags=v.tags,
                    simulation="tonematch.library.amp_sim.voiced_amp",
                    settings=asdict(s),
                    render=lambda x, s=s: voiced_amp(x, s),
                )
            )
    return gears
