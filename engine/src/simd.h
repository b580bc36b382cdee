// Portable vector types and runtime CPU dispatch for the engine's hot loops.
#pragma once

#include <cstring>

// The build stays portable (no -march). On x86-64 with GCC or Clang the hot kernels are compiled
// for several instruction sets and the best one for the CPU is chosen at run time; elsewhere they
// are compiled once for the baseline target.
#if (defined(__x86_64__) || defined(_M_X64)) && defined(__GNUC__) && !defined(TONEMATCH_NO_DISPATCH)
#define TM_X86_DISPATCH 1
#else
#define TM_X86_DISPATCH 0
#endif

// Plain loops that the compiler vectorises by itself are cloned per instruction set.
#if TM_X86_DISPATCH && defined(__linux__)
#define TM_DISPATCH __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TM_DISPATCH
#endif

#if defined(__GNUC__)
#define TM_HAVE_VECTORS 1
#define TM_INLINE inline __attribute__((always_inline))
#else
#define TM_HAVE_VECTORS 0
#define TM_INLINE inline
#endif

namespace tonematch::engine::simd {

#if TM_HAVE_VECTORS
// One type per register width; each kernel is instantiated with the width its target has.
typedef float f4 __attribute__((vector_size(16)));
typedef float f8 __attribute__((vector_size(32)));
typedef float f16 __attribute__((vector_size(64)));

template <class V>
TM_INLINE V load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V>
TM_INLINE void store(float* p, V v) {
  std::memcpy(p, &v, sizeof v);
}
/// The first `count` lanes from p, the rest zero: block tails take the same vector arithmetic
/// as full vectors, so output does not depend on how a signal is cut into blocks.
template <class V>
TM_INLINE V loadPartial(const float* p, int count) {
  V v{};
  std::memcpy(&v, p, sizeof(float) * count);
  return v;
}
template <class V>
TM_INLINE void storePartial(float* p, V v, int count) {
  std::memcpy(p, &v, sizeof(float) * count);
}
#endif

/// 0 = baseline, 1 = AVX2+FMA, 2 = AVX-512; TONEMATCH_ENGINE_ISA=baseline|avx2 caps it so
/// benchmarks can compare the paths.
int bestIsa();

}  // namespace tonematch::engine::simd
