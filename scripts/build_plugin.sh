#!/usr/bin/env bash
# Builds the plugin for the tests (scripts/test.sh, and pytest when no build folder is given):
#   scripts/build_plugin.sh release [FOLDER]  VST3, LV2, Standalone and the C++ test programs
#                                             (default folder build/plugin)
#   scripts/build_plugin.sh asan [FOLDER]     the C++ test programs under AddressSanitizer
#                                             (default folder build/plugin-asan)
# PYTHON names the interpreter CMake records (default: python3 on PATH). ccache is used when it
# is installed (scripts/ccache_env.sh), so a second build of unchanged sources is quick.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-}
python=${PYTHON:-$(command -v python3)}
tests=(plugin_realtime_test plugin_state_test plugin_match_test plugin_compare_test plugin_bad_input_test)
case "$kind" in
  release)
    folder=${2:-build/plugin}
    flags=(-DCMAKE_BUILD_TYPE=Release)
    targets=(ToneMatchAI_VST3 ToneMatchAI_LV2 ToneMatchAI_Standalone "${tests[@]}" plugin_editor_test
             plugin_lv2_render) ;;
  asan)
    folder=${2:-build/plugin-asan}
    # -O1 with line tables only: the sanitizer's reports keep file and line, and the build takes
    # far less time than -O3 -g (these programs are checked for memory errors, not speed). Not
    # "Release": JUCE adds -O3 to that configuration.
    flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DTONEMATCH_SANITIZE=ON
           "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG")
    targets=("${tests[@]}") ;;
  *)
    echo "usage: $0 release|asan [FOLDER]" >&2
    exit 2 ;;
esac
source scripts/ccache_env.sh
cmake -S . -B "$folder" -DTONEMATCH_BUILD_PLUGIN=ON -DPython_EXECUTABLE="$python" "${flags[@]}" >/dev/null
cmake --build "$folder" -j"$(nproc)" --target "${targets[@]}" >/dev/null
