// Flush-to-zero / denormals-are-zero for the duration of a scope: recursive filters (reverb,
// delay feedback, biquads) decay into denormals, which are very slow on x86.
#pragma once

#if defined(__SSE__) || defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>
#define TM_HAVE_MXCSR 1
#else
#define TM_HAVE_MXCSR 0
#endif

namespace tonematch::engine::chain {

/// Sets FTZ and DAZ on construction and restores the previous mode on destruction.
class ScopedNoDenormals {
 public:
  ScopedNoDenormals() noexcept {
#if TM_HAVE_MXCSR
    saved_ = _mm_getcsr();
    _mm_setcsr(saved_ | 0x8040u);  // bit 15 FTZ, bit 6 DAZ
#elif defined(__aarch64__)
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(saved_));
    const unsigned long fz = saved_ | (1ul << 24);
    __asm__ __volatile__("msr fpcr, %0" : : "r"(fz));
#endif
  }
  ~ScopedNoDenormals() {
#if TM_HAVE_MXCSR
    _mm_setcsr(saved_);
#elif defined(__aarch64__)
    __asm__ __volatile__("msr fpcr, %0" : : "r"(saved_));
#endif
  }
  ScopedNoDenormals(const ScopedNoDenormals&) = delete;
  ScopedNoDenormals& operator=(const ScopedNoDenormals&) = delete;

 private:
#if TM_HAVE_MXCSR
  unsigned saved_ = 0;
#else
  unsigned long saved_ = 0;
#endif
};

}  // namespace tonematch::engine::chain
