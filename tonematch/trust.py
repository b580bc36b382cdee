"""When a match is not to be trusted: checks of the inputs and of the result, said in words.

A matcher always returns a rig, even for nonsense — noise as the DI, the files swapped, a
band-limited or full-mix reference. These checks say so, in the rig JSON's `warnings` and on
stderr, instead of a silent exit 0. Each threshold was set from measurements: the dev split's
DIs and references and the bundled examples pass every check (tests/matcher/test_warnings.py).

The module also lists the parameters that ended at a limit of their range (`at_limit`): a value
pinned there usually means the rig wanted more than the parameter can give.
"""

from __future__ import annotations

import numpy as np

from tonematch.analysis import Features, analyse, power_spectrogram
from tonematch.audio_io import CLIP_LEVEL, RATE
from tonematch.loss import LossParts
from tonematch.rig import MATCH_EQ_CENTRES_HZ, MATCH_EQ_LIMIT_DB, PARAM_RANGES, RigParams

HIGH_BAND_HZ = 5000.0
# Energy above 5 kHz relative to the whole, below which there is none: guitar references on the
# dev split have −7…−58 dB; the demo reference taken down to 8 kHz and back has −68 dB (what is
# left is the resampler's stopband and the analysis window's leakage).
HIGH_BAND_MIN_DB = -63.0
DC_SHARE = 0.5  # share of the DI's power in its mean
NOISE_FLATNESS_DB = -6.0  # a guitar's frames are tonal (−15…−30 dB); white noise is about −2
NOISE_ENV_DB = -8.0  # … and noise never stops: its quiet frames sit near the loud ones
CLIP_RUN = 3  # samples in a row at the peak magnitude
CLIP_SHARE = 0.002  # share of the active samples in such runs
# Swapped files: the "DI" is distorted (median frame flatness above −10 dB; dev DIs have −27…−12)
# and clearly more so than the "reference" (dev pairs differ by at most +5.8 dB).
SWAP_DI_FLATNESS_DB = -10.0
SWAP_FLATNESS_DB = 4.0
# A full mix: bass (guitar references through a cabinet have at most −26 dB of their energy below
# 70 Hz; a bass line gives −15 or more) and drums (the band above 5 kHz comes in hits).
MIX_LOW_HZ = 70.0
MIX_LOW_MIN_DB = -15.0
MIX_HAT_HZ = 5000.0
MIX_HAT_CREST_DB = 10.0
POOR_RIG_LOSS = 2.5  # the rig part of the final loss (1.0 = another performance, same rig)


def _band_share_db(x: np.ndarray, low_hz: float, high_hz: float) -> float:
    power = power_spectrogram(x)
    energy = power.sum(axis=1)
    active = energy > np.percentile(energy, 95) * 1e-4
    ltas = power[active].mean(axis=0) if np.any(active) else power.mean(axis=0)
    freqs = np.fft.rfftfreq((power.shape[1] - 1) * 2, 1.0 / RATE)
    band = (freqs >= low_hz) & (freqs < high_hz)
    return float(10 * np.log10(ltas[band].sum() / (ltas.sum() + 1e-30) + 1e-30))


def reference_warnings(ref: np.ndarray) -> list[str]:
    """A reference with nothing above 5 kHz, or one that looks like a full mix."""
    out = []
    high = _band_share_db(ref, HIGH_BAND_HZ, RATE / 2)
    if high < HIGH_BAND_MIN_DB:
        out.append(f"the reference has no content above {HIGH_BAND_HZ / 1000:g} kHz "
                   f"({high:.0f} dB): it is band-limited (a low sample rate or a phone "
                   "recording?), so the cabinet and the brightness cannot be matched")
    low = _band_share_db(ref, 20.0, MIX_LOW_HZ)
    if low >= MIX_LOW_MIN_DB and _hits_db(ref, MIX_HAT_HZ) >= MIX_HAT_CREST_DB:
        out.append(f"the reference looks like a full mix (bass: {low:.0f} dB of its energy "
                   f"below {MIX_LOW_HZ:g} Hz; drums: hits above {MIX_HAT_HZ / 1000:g} kHz): the "
                   "match describes the whole mix, not the guitar; use an isolated guitar part")
    return out


def _hits_db(x: np.ndarray, low_hz: float) -> float:
    """How far the loud 2 % of frames in the band above low_hz stand over its median (dB)."""
    power = power_spectrogram(x, 1024, 512)
    freqs = np.fft.rfftfreq(1024, 1.0 / RATE)
    band = power[:, freqs >= low_hz].sum(axis=1) + 1e-30
    return float(10 * np.log10(np.percentile(band, 98) / np.percentile(band, 50)))


def di_warnings(di: np.ndarray) -> list[str]:
    """A DI that is a DC offset, noise, or clipped below full scale (flat tops: clipped, then
    turned down). Clipping at full scale is the file reader's note (`audio_io.load_audio`)."""
    x = np.asarray(di, dtype=np.float64)
    power = float(np.mean(x**2)) + 1e-30
    if float(np.mean(x)) ** 2 / power >= DC_SHARE:
        return ["the DI is mostly a constant (DC) offset, not a guitar: check the input"]
    out = []
    feats = analyse(x)
    if feats.flatness[0] > NOISE_FLATNESS_DB and feats.env_db[0] > NOISE_ENV_DB:
        out.append("the DI sounds like noise, not a guitar (flat spectrum, no notes): check the "
                   "input")
    clipped = _clipped_share(x)
    if clipped >= CLIP_SHARE:
        out.append(f"the DI is clipped ({100 * clipped:.1f} % of its samples sit flat at the "
                   "peak): record it with less input gain")
    return out


def _clipped_share(x: np.ndarray) -> float:
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    if peak <= 0 or peak >= CLIP_LEVEL:
        return 0.0  # nothing, or full-scale clipping the reader has reported already
    at_peak = np.abs(x) >= peak * 0.999
    # Runs of CLIP_RUN samples at the peak: a waveform passes its peak in one or two samples.
    run = np.convolve(at_peak.astype(np.int32), np.ones(CLIP_RUN, dtype=np.int32), "valid")
    in_runs = np.zeros(len(x), dtype=bool)
    for k in range(CLIP_RUN):
        in_runs[k: k + len(run)] |= run == CLIP_RUN
    active = np.abs(x) > peak * 1e-3
    return float(np.count_nonzero(in_runs) / max(np.count_nonzero(active), 1))


def swap_warnings(di: Features, ref: Features) -> list[str]:
    """A distorted "DI" and a clean "reference": the two files are probably the wrong way round."""
    flat_di, flat_ref = float(di.flatness[1]), float(ref.flatness[1])
    if flat_di >= SWAP_DI_FLATNESS_DB and flat_di - flat_ref >= SWAP_FLATNESS_DB:
        return [f"the DI is more distorted than the reference (spectral flatness "
                f"{di.flatness[1]:.0f} dB vs {ref.flatness[1]:.0f} dB): are --di and --ref "
                "swapped? The DI should be the dry guitar"]
    return []


def result_warnings(loss: LossParts) -> list[str]:
    """A final match that is far from the reference."""
    if loss.rig > POOR_RIG_LOSS:
        return [f"the match is poor (rig distance {loss.rig:.2f}; 1.0 is the difference between "
                "two performances through one rig): no rig in the library sounds like the "
                "reference, so listen before trusting it"]
    return []


def at_limit(params: RigParams) -> list[dict[str, object]]:
    """Parameters at an end of their range. A reverb or delay at 0, the gate at −100 dB or the
    limiter at 0 dB is off, not pinned, and a reverb's or delay's other setting means nothing
    then. The match EQ's amount is the player's, 100 % unless they turned it."""
    out: list[dict[str, object]] = []
    for r in PARAM_RANGES:
        value = float(getattr(params, r.key))
        if r.key in ("reverb_wet", "delay_mix", "gate_threshold_db") and value <= r.low:
            continue
        if r.key == "limiter_ceiling_db" and value >= r.high:
            continue
        if r.key == "match_eq_amount":  # the player's choice; the matcher never sets it
            continue
        if r.key == "reverb_room_size" and params.reverb_wet <= 0:
            continue
        if r.key == "delay_time_ms" and params.delay_mix <= 0:
            continue
        tol = 1e-6 * (r.high - r.low)
        if value <= r.low + tol or value >= r.high - tol:
            out.append({"param": r.key, "value": value, "range": [r.low, r.high]})
    for centre, gain in zip(MATCH_EQ_CENTRES_HZ, params.match_eq_db, strict=True):
        if abs(gain) >= MATCH_EQ_LIMIT_DB - 1e-6:
            out.append({"param": f"match_eq {centre:.0f} Hz", "value": float(gain),
                        "range": [-MATCH_EQ_LIMIT_DB, MATCH_EQ_LIMIT_DB]})
    return out


def describe_limit(item: dict[str, object]) -> str:
    """One at_limit entry in words, for stderr."""
    low, high = item["range"]  # type: ignore[misc]
    return f"{item['param']} = {item['value']:g} is at the limit of its range ({low:g}…{high:g})"
