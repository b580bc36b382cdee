"""DI performances for evaluation and training: what is played, and which guitar plays it.

A performance is a note list generated from a few choices — style (single-note line, strummed
chords, palm-muted power chords, arpeggios, sustained lead), key, register and tempo — so two
performances in a case can be made to differ in exactly the ways a user's DI differs from a
reference: other key, tempo, register, chords vs single notes.

The notes are played by one of these DI sources:

* ``synth``: the project's own plucked-string synthesiser (`tonematch.library.di_synth`), which
  the library's captures were trained on;
* ``fluidr3:<program>`` / ``musescore:<program>``: sampled guitars, rendered by FluidSynth from
  a MIDI file written here, with Debian's FluidR3 GM and MuseScore General sound fonts and the
  General MIDI guitar programs (0-based: 24 nylon, 25 steel, 26 jazz, 27 clean, 28 muted). These
  recordings were never heard by the library's training.

Every render is mono float at 48 kHz, scaled so its loud 10 ms frames sit at the performance's
playing level, with a faint noise floor (a real DI is never digitally silent).

"Same part played again": `Performance.retake` keeps the notes and shifts every note's start by
10–20 ms (either way) and its level by 2–3 dB (either way), as a second take of a rehearsed part.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

RATE = 48_000
FRAME = 480  # 10 ms
SOUND_FONTS = {
    "fluidr3": Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
    "musescore": Path("/usr/share/sounds/sf3/MuseScore_General.sf3"),
}
STYLES = ("single", "chords", "power", "arpeggio", "lead")
# MIDI note ranges of the registers (standard-tuned guitar: E2 = 40 … about E6 = 88).
REGISTERS = {"low": (40, 57), "mid": (47, 67), "high": (57, 81)}
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10),
          "pentatonic": (0, 3, 5, 7, 10)}
NOISE_FLOOR_DB = -72.0  # below the loud frames: pickup hiss of a quiet DI chain


def is_source(source: str) -> bool:
    """Whether a performance can be played on `source` ("synth" or "<font>:<GM program>")."""
    if source == "synth":
        return True
    font, _, program = source.partition(":")
    return font in SOUND_FONTS and program.isdigit() and 0 <= int(program) <= 127


@dataclass(frozen=True)
class Note:
    """One note: start and length in seconds, MIDI pitch, level (dB, 0 = full), palm-muted."""

    start_s: float
    pitch: int
    level_db: float
    duration_s: float
    muted: bool = False


def loud_level_db(x: np.ndarray) -> float:
    """Level of the loud 10 ms frames (95th percentile, dBFS): how hard the part is played."""
    n = len(x) // FRAME
    frames = np.asarray(x[: n * FRAME], dtype=np.float64).reshape(n, FRAME)
    return float(np.percentile(10 * np.log10(np.mean(frames**2, axis=1) + 1e-12), 95))


# ------------------------------------------------------------------------------------ notes


def _scale_pitches(key: int, scale: str, register: str) -> list[int]:
    lo, hi = REGISTERS[register]
    steps = SCALES[scale]
    return [p for p in range(lo, hi + 1) if (p - key) % 12 in steps]


def _chord(root: int, minor: bool, register: str, power: bool) -> list[int]:
    """A guitar-like voicing (root position, lowest string first) inside the register."""
    lo, hi = REGISTERS[register]
    base = lo + (root - lo) % 12
    if power:
        shape = [0, 7, 12]
    else:
        third = 3 if minor else 4
        shape = [0, 7, 12, 12 + third, 19, 24]
    notes = [base + s for s in shape]
    while notes[-1] > hi + 7 and len(notes) > 3:  # drop top strings that leave the register
        notes.pop()
    return notes


def generate_notes(style: str, key: int, scale: str, register: str, tempo_bpm: float,
                   seconds: float, seed: int) -> list[Note]:
    """A phrase in one style; deterministic for its arguments."""
    rng = np.random.default_rng(seed)
    beat = 60.0 / tempo_bpm
    pitches = _scale_pitches(key, scale, register)
    minor = scale != "major"
    degrees = [0, 5, 7, 3 if minor else 9, 10 if minor else 2]
    notes: list[Note] = []
    t = 0.05
    end = seconds - 0.8
    idx = len(pitches) // 2
    while t < end:
        if style == "single":
            # stepwise melody, eighths with occasional sixteenth pairs and rests
            step = rng.choice([-2, -1, 1, 2, 0, 3, -3])
            idx = int(np.clip(idx + step, 0, len(pitches) - 1))
            dur = beat / 2 if rng.random() < 0.75 else beat / 4
            if rng.random() > 0.08:
                notes.append(Note(t, pitches[idx], float(rng.uniform(-9, -1)), dur * 1.6))
            t += dur
        elif style in ("chords", "power"):
            root = key + int(rng.choice(degrees))
            chord = _chord(root, minor, register, power=style == "power")
            hits = 4 if style == "chords" else 8
            dur = beat if style == "chords" else beat / 2
            for _ in range(hits):
                down = style == "power" or rng.random() < 0.7
                order = chord if down else chord[::-1]
                spread = float(rng.uniform(0.006, 0.015)) if style == "chords" else 0.004
                level = float(rng.uniform(-6, 0))
                for k, p in enumerate(order):
                    notes.append(Note(t + k * spread, p, level - 1.0 * k * (not down),
                                      dur * (1.8 if style == "chords" else 0.9),
                                      muted=style == "power"))
                t += dur
                if t >= end:
                    break
        elif style == "arpeggio":
            root = key + int(rng.choice(degrees))
            chord = _chord(root, minor, register, power=False)
            pattern = chord + chord[-2:0:-1]
            for p in pattern:
                notes.append(Note(t, p, float(rng.uniform(-8, -2)), beat * 1.5))
                t += beat / 2
                if t >= end:
                    break
        else:  # lead: long sustained notes high in the register
            top = pitches[len(pitches) // 2:]
            p = int(top[int(rng.integers(len(top)))])
            dur = beat * float(rng.choice([1.0, 1.5, 2.0]))
            notes.append(Note(t, p, float(rng.uniform(-4, 0)), dur * 1.1))
            t += dur
    return [n for n in notes if n.start_s < seconds - 0.3]


def retake(notes: list[Note], seed: int) -> list[Note]:
    """The same part played again: every note 10–20 ms earlier or later, 2–3 dB softer or louder."""
    rng = np.random.default_rng(seed)
    out = []
    for n in notes:
        shift = float(rng.uniform(0.010, 0.020)) * (1 if rng.random() < 0.5 else -1)
        level = float(rng.uniform(2.0, 3.0)) * (1 if rng.random() < 0.5 else -1)
        # levels stay at or below full scale (0 dB = the hardest a note is played)
        out.append(replace(n, start_s=max(0.0, n.start_s + shift),
                           level_db=min(0.0, n.level_db + level)))
    return out


# ---------------------------------------------------------------------------------- sources


def _render_synth(notes: list[Note], seconds: float, seed: int) -> np.ndarray:
    from tonematch.library import di_synth

    plucks = [di_synth.Pluck(n.start_s, 440.0 * 2 ** ((n.pitch - 69) / 12),
                             velocity=float(np.clip(10 ** (n.level_db / 20), 0.05, 1.0)),
                             damping=0.93 if n.muted else 0.996,
                             duration_s=min(n.duration_s + 0.4, 3.0) if not n.muted else 0.3)
              for n in notes]
    return di_synth.render(plucks, seconds, seed=seed, peak=0.5).astype(np.float64)


def _vlq(value: int) -> bytes:
    """A MIDI variable-length quantity."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def write_midi(path: Path, notes: list[Note], program: int) -> None:
    """A format-0 MIDI file with 1 ms ticks (1000 ticks per quarter at 60 bpm).

    Levels map to velocity through FluidSynth's default curve (attenuation ≈ 40·log10(127/v)
    dB), so v = 127·10^(level/40).
    """
    events: list[tuple[int, int, bytes]] = []  # (tick, order: offs before ons, message)
    for n in notes:
        vel = int(np.clip(round(127 * 10 ** (n.level_db / 40)), 1, 127))
        on = int(round(n.start_s * 1000))
        off = on + max(1, int(round(n.duration_s * 1000)))
        events.append((on, 1, bytes([0x90, n.pitch, vel])))
        events.append((off, 0, bytes([0x80, n.pitch, 0])))
    events.sort(key=lambda e: (e[0], e[1]))
    track = bytearray()
    track += _vlq(0) + b"\xff\x51\x03" + (1_000_000).to_bytes(3, "big")  # 60 bpm
    track += _vlq(0) + bytes([0xC0, program])
    last = 0
    for tick, _, msg in events:
        track += _vlq(tick - last) + msg
        last = tick
    track += _vlq(0) + b"\xff\x2f\x00"
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 1000)
    path.write_bytes(header + b"MTrk" + struct.pack(">I", len(track)) + bytes(track))


def _render_fluidsynth(notes: list[Note], seconds: float, font: str, program: int) -> np.ndarray:
    exe = shutil.which("fluidsynth")
    if exe is None:
        raise RuntimeError("fluidsynth not found (scripts/setup.sh installs it)")
    sf2 = SOUND_FONTS[font]
    if not sf2.exists():
        raise RuntimeError(f"{sf2} not found (scripts/setup.sh installs FluidR3, "
                           "scripts/setup_benchmarks.sh the MuseScore font)")
    with tempfile.TemporaryDirectory(prefix="tonematch-di-") as tmp:
        mid, wav = Path(tmp) / "part.mid", Path(tmp) / "part.wav"
        write_midi(mid, notes, program)
        # -R 0 -C 0: no reverb or chorus (a DI is dry); float output so nothing clips.
        subprocess.run([exe, "-ni", "-q", "-R", "0", "-C", "0", "-r", str(RATE), "-g", "0.5",
                        "-O", "float", "-T", "wav", "-F", str(wav), str(sf2), str(mid)],
                       check=True, capture_output=True, timeout=300)
        y, rate = sf.read(wav, dtype="float64", always_2d=True)
    if rate != RATE:
        raise RuntimeError(f"fluidsynth wrote {rate} Hz, expected {RATE}")
    y = y.mean(axis=1)
    n = int(seconds * RATE)
    return np.pad(y, (0, max(0, n - len(y))))[:n]


@dataclass(frozen=True)
class Performance:
    """A performance: what is played (style, key, register, tempo, seed) and by which source."""

    source: str  # "synth", "fluidr3:<program>" or "musescore:<program>"
    style: str
    key: int  # pitch class of the tonic, 0 = C
    scale: str
    register: str
    tempo_bpm: float
    seconds: float
    seed: int
    loud_db: float  # playing level: the loud 10 ms frames, dBFS
    retake_seed: int | None = None  # set: the same part played again (see `retake`)

    def notes(self) -> list[Note]:
        notes = generate_notes(self.style, self.key, self.scale, self.register, self.tempo_bpm,
                               self.seconds, self.seed)
        return notes if self.retake_seed is None else retake(notes, self.retake_seed)

    def again(self, retake_seed: int) -> Performance:
        """Another take of this part."""
        return replace(self, retake_seed=retake_seed)

    def describe(self) -> dict[str, Any]:
        return asdict(self)

    def render(self) -> np.ndarray:
        """The DI: mono float32 at 48 kHz at the playing level."""
        notes = self.notes()
        # the synth's pluck noise differs between takes, as two real plucks differ
        noise_seed = self.seed if self.retake_seed is None else self.retake_seed
        if self.source == "synth":
            x = _render_synth(notes, self.seconds, noise_seed)
        else:
            font, _, program = self.source.partition(":")
            x = _render_fluidsynth(notes, self.seconds, font, int(program))
        x = x * 10 ** ((self.loud_db - loud_level_db(x)) / 20)
        rng = np.random.default_rng([noise_seed, 7])
        x = x + 10 ** ((self.loud_db + NOISE_FLOOR_DB) / 20) * rng.standard_normal(len(x))
        return x.astype(np.float32)
