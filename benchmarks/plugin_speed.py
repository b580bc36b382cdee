"""Speed of the real plugin in a real host: the full chain (noise gate + pedal + standard WaveNet
amp + cabinet IR + peak EQ + delay + reverb + output level) and the input and output meters at
48 kHz through the VST3 hosted by pedalboard. Results record the commit and are written only from
a committed tree.

Real-time factor = seconds of audio per second of processing CPU time (higher is faster); CPU
share = the percentage of one core the plugin needs to keep up in real time (100 / real-time
factor). Wall-clock figures are reported too.
Target: ≤ 5 % of one core at 128-sample blocks (≥ 20× real time).

    python benchmarks/plugin_speed.py [--vst3 PATH] [--seconds 20] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "plugin"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import hosting  # noqa: E402
from _provenance import provenance, require_clean_tree  # noqa: E402

ASSETS = ROOT / "assets"
RIG = {
    "pedal": ASSETS / "nam_models" / "pedal_ts_mid.nam",
    "amp": ASSETS / "nam_models" / "amp_brown_g9.nam",  # WaveNet "standard" preset
    "ir": ASSETS / "impulse_responses" / "cab_4x12_closed_cap.wav",
    "params": {"inputGain": 2.0, "preEqGainDb": 3.0, "preEqFreqHz": 1200.0, "reverbWet": 0.25,
               "reverbRoomSize": 0.6, "delayTimeMs": 300.0, "delayMix": 0.2,
               "finalEqGainDb": -1.0, "outputLevelDb": -3.0,
               # On, and low enough that it opens and closes on the riff's notes and pauses.
               "gateThresholdDb": -60.0,
               # On, and low enough to act on the riff's loudest notes.
               "limiterCeilingDb": -12.0},
}
TARGET_CPU_PERCENT = 5.0


def default_vst3() -> Path:
    build = Path(os.environ.get("TONEMATCH_PLUGIN_BUILD", ROOT / "build" / "plugin"))
    return build / "plugin" / "ToneMatchAI_artefacts" / "Release" / "VST3" / "ToneMatch AI.vst3"


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def measure(plugin, audio: np.ndarray, block: int, repeats: int) -> dict:
    """Best of `repeats`, in CPU time of the calling thread (pedalboard processes on it) and in
    wall time. CPU time is what the plugin costs; wall time also counts other programs that
    share the machine."""
    hosting.process(plugin, audio[:, :48000], 48000, block)  # warm up at this block size
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.thread_time(), time.perf_counter()
        out = plugin.process(audio, 48000, buffer_size=block)
        cpu.append(time.thread_time() - c0)
        wall.append(time.perf_counter() - w0)
        assert np.isfinite(out).all()
    seconds = audio.shape[1] / 48000
    rtf = seconds / min(cpu)
    return {"block": block, "cpu_s": round(min(cpu), 4), "wall_s": round(min(wall), 4),
            "real_time_factor": round(rtf, 1),
            "real_time_factor_wall": round(seconds / min(wall), 1),
            "cpu_percent_of_one_core": round(100.0 / rtf, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vst3", type=Path, default=default_vst3())
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path,
                        default=ROOT / "benchmarks" / "results" / "plugin_speed.json")
    args = parser.parse_args()
    if not args.vst3.exists():
        print(f"{args.vst3}: not built (bash scripts/test.sh builds it)", file=sys.stderr)
        return 2
    require_clean_tree()

    di, rate = sf.read(str(ASSETS / "examples" / "di_riff_a.wav"), dtype="float32")
    assert rate == 48000
    n = int(args.seconds * 48000)
    mono = np.resize(di, n)
    audio = np.stack([mono, mono])  # a stereo track, as a DAW would feed an insert

    plugin = hosting.load(args.vst3)
    status = hosting.set_rig(plugin, RIG["params"], RIG["pedal"], RIG["amp"], RIG["ir"])
    if status != "Ready":
        print(f"rig did not load: {status}", file=sys.stderr)
        return 1
    results = [measure(plugin, audio, block, args.repeats) for block in (64, 128, 512)]
    headline = next(r for r in results if r["block"] == 128)
    report = {
        **provenance(),
        "what": "ToneMatch AI VST3 in pedalboard, full chain with the gate on and the meters, "
                "48 kHz, stereo in/out",
        "rig": {k: (Path(v).name if k != "params" else v) for k, v in RIG.items()},
        "cpu": cpu_name(),
        "load_average_before": [round(v, 2) for v in os.getloadavg()],
        "audio_seconds": args.seconds,
        "repeats": args.repeats,
        "results": results,
        "target_cpu_percent_at_128": TARGET_CPU_PERCENT,
        "target_met": headline["cpu_percent_of_one_core"] <= TARGET_CPU_PERCENT,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    for r in results:
        print(f"block {r['block']:4d}: {r['real_time_factor']:7.1f}x real time, "
              f"{r['cpu_percent_of_one_core']:.2f} % of one core")
    print(f"target ≤ {TARGET_CPU_PERCENT} % at 128: {'met' if report['target_met'] else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
