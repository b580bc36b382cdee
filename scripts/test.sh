#!/usr/bin/env bash
# Runs every test: lint, the C++ engine tests, and the Python test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source .venv/bin/activate
source scripts/ccache_env.sh
# Each stage's wall time goes to the log, so a slow run says where its time went.
stage() { echo "== $1 (at ${SECONDS} s)"; }

stage "ruff"
ruff check .

stage "C++ engine tests"
cmake -S . -B build/tests -DTONEMATCH_BUILD_TESTS=ON -DCMAKE_BUILD_TYPE=Release \
  -DPython_EXECUTABLE="$(command -v python)" >/dev/null
cmake --build build/tests -j"$(nproc)"
ctest --test-dir build/tests --output-on-failure

stage "C++ chain stress and NaN tests under AddressSanitizer"
cmake -S . -B build/asan -DTONEMATCH_BUILD_TESTS=ON -DTONEMATCH_SANITIZE=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPython_EXECUTABLE="$(command -v python)" >/dev/null
cmake --build build/asan -j"$(nproc)" --target chain_stress_test chain_nan_test
ctest --test-dir build/asan -R "chain_stress|chain_nan" --output-on-failure

stage "plugin (VST3, LV2, Standalone and its C++ test programs; again with AddressSanitizer)"
PYTHON="$(command -v python)" bash scripts/build_plugin.sh release
PYTHON="$(command -v python)" bash scripts/build_plugin.sh asan

stage "pytest"
TONEMATCH_TEST_BUILD="$PWD/build/tests" TONEMATCH_PLUGIN_BUILD="$PWD/build/plugin" \
  TONEMATCH_PLUGIN_ASAN_BUILD="$PWD/build/plugin-asan" python -m pytest --durations=25 "$@"
echo "== all tests passed in ${SECONDS} s"
