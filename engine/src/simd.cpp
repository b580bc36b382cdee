#include "simd.h"

#include <cstdlib>
#include <string>

namespace tonematch::engine::simd {

int bestIsa() {
#if TM_X86_DISPATCH
  const char* cap = std::getenv("TONEMATCH_ENGINE_ISA");
  const std::string limit = cap ? cap : "";
  __builtin_cpu_init();
  if (limit == "baseline") return 0;
  if (limit != "avx2" && __builtin_cpu_supports("avx512f")) return 2;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
#endif
  return 0;
}

}  // namespace tonematch::engine::simd
