#!/usr/bin/env bash
# Runs every test: lint, the C++ engine tests, and the Python test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source .venv/bin/activate

echo "== ruff"
ruff check .

echo "== C++ engine tests"
cmake -S . -B build/tests -DTONEMATCH_BUILD_TESTS=ON -DCMAKE_BUILD_TYPE=Release \
  -DPython_EXECUTABLE="$(command -v python)" >/dev/null
cmake --build build/tests -j"$(nproc)"
ctest --test-dir build/tests --output-on-failure

echo "== C++ chain stress and NaN tests under AddressSanitizer"
cmake -S . -B build/asan -DTONEMATCH_BUILD_TESTS=ON -DTONEMATCH_SANITIZE=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPython_EXECUTABLE="$(command -v python)" >/dev/null
cmake --build build/asan -j"$(nproc)" --target chain_stress_test chain_nan_test
ctest --test-dir build/asan -R "chain_stress|chain_nan" --output-on-failure

echo "== pytest"
TONEMATCH_TEST_BUILD=build/tests python -m pytest "$@"
