#!/usr/bin/env bash
# Sets up everything ToneMatch AI needs on a Debian machine: system packages, a virtual
# environment in .venv, PyTorch (pinned), and the tonematch package with its C++ engine.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v g++ >/dev/null 2>&1 || missing+=(g++ make)
PYTHON=${PYTHON:-python3}
command -v "$PYTHON" >/dev/null 2>&1 || missing+=(python3)
if command -v "$PYTHON" >/dev/null 2>&1; then
  "$PYTHON" -c "import venv, ensurepip" 2>/dev/null || missing+=(python3-venv)
  "$PYTHON" -c "import sysconfig, os, sys; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')) else 1)" || missing+=(python3-dev)
fi
# The plugin: JUCE 7 (modules + juceaide), the codecs Debian's JUCE leaves out, the X11/ALSA
# headers it builds against, and what the plugin tests use (Xvfb + ImageMagick for the UI
# screenshot, lilv for the LV2 bundle), and ccache so that rebuilding unchanged sources is quick.
plugin_packages=(juce-modules-source juce-tools pkg-config libflac-dev libvorbis-dev libogg-dev
  libfreetype-dev libfontconfig1-dev libasound2-dev libx11-dev libxext-dev libxinerama-dev
  libxrandr-dev libxcursor-dev libxcomposite-dev libgl-dev xvfb imagemagick lilv-utils
  liblilv-dev lv2-dev ccache)
# The matcher's effect tests play sampled guitars (FluidSynth with the FluidR3 General MIDI font).
test_packages=(fluidsynth fluid-soundfont-gm)
# The web app's browser tests drive Debian's Chromium through its WebDriver.
browser_packages=(chromium chromium-driver)
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${plugin_packages[@]}" "${test_packages[@]}" "${browser_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

source scripts/ccache_env.sh

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# torch first and exactly this release: anything looser resolves to a multi-GB CUDA build.
.venv/bin/python -m pip install -q "torch==2.13.0"
# Editable install: the compiled engine is found through the editable finder, and
# Python sources are used straight from the checkout.
.venv/bin/python -m pip install -q -e ".[torch,test,app]"
echo "setup: done (activate with: source .venv/bin/activate)"
