# Sourced by the build scripts: compile through ccache when it is installed. CMake (3.17+) reads
# the launcher variables for every build folder it configures. Paths are hashed relative to the
# checkout and the working directory is left out, so a fresh clone elsewhere (as CI makes) still
# finds what an earlier build compiled.
if command -v ccache >/dev/null 2>&1; then
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache CMAKE_C_COMPILER_LAUNCHER=ccache
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
fi
