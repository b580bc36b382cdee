#!/usr/bin/env bash
# What benchmarks/match_quality.py needs besides scripts/setup.sh (run that first): FluidSynth
# and two General MIDI sound fonts for the sampled-guitar DIs, and the third-party open-source
# effects the out-of-library rigs are made of (C* Audio Plugin Suite, TAP and SWH LADSPA
# plugins; pedalboard's built-in effects). Installs only what is missing; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(fluidsynth fluid-soundfont-gm musescore-general-soundfont caps tap-plugins swh-plugins)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup_benchmarks: installing system packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup_benchmarks: .venv not found; run scripts/setup.sh first" >&2
  exit 1
fi
.venv/bin/python -c "import pedalboard" 2>/dev/null || .venv/bin/python -m pip install -q pedalboard
echo "setup_benchmarks: done"
