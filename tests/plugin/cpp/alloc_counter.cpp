#include "alloc_counter.h"

#include <cstddef>
#include <cstdlib>

#if defined(__SANITIZE_ADDRESS__)
#define TM_COUNT_ALLOCATIONS 0
#elif defined(__GLIBC__) || defined(__linux__)
#define TM_COUNT_ALLOCATIONS 1
#else
#define TM_COUNT_ALLOCATIONS 0
#endif

namespace {
thread_local bool tCounting = false;
std::atomic<long> gCounted{0};
std::atomic<long> gFreed{0};
bool gTrap = false;  // TONEMATCH_ALLOC_TRAP=1: abort at the first counted allocation (for gdb)
inline void noteAllocation() {
  if (!tCounting) return;
  gCounted.fetch_add(1, std::memory_order_relaxed);
  if (gTrap) std::abort();
}
}  // namespace

namespace tmtest {
bool allocationCountingAvailable() { return TM_COUNT_ALLOCATIONS != 0; }
ScopedAllocationCount::ScopedAllocationCount() {
  static const bool trap = std::getenv("TONEMATCH_ALLOC_TRAP") != nullptr;
  gTrap = trap;
  tCounting = true;
}
ScopedAllocationCount::~ScopedAllocationCount() { tCounting = false; }
long countedAllocations() { return gCounted.load(); }
long countedFrees() { return gFreed.load(); }
}  // namespace tmtest

#if TM_COUNT_ALLOCATIONS
// glibc's internal entry points: our replacements count, then forward. libstdc++'s operator
// new calls malloc, so every C++ allocation passes through here too.
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);

void* malloc(std::size_t n) {
  noteAllocation();
  return __libc_malloc(n);
}
void* calloc(std::size_t count, std::size_t n) {
  noteAllocation();
  return __libc_calloc(count, n);
}
void* realloc(void* p, std::size_t n) {
  noteAllocation();
  return __libc_realloc(p, n);
}
void* memalign(std::size_t alignment, std::size_t n) {
  noteAllocation();
  return __libc_memalign(alignment, n);
}
void* aligned_alloc(std::size_t alignment, std::size_t n) {
  noteAllocation();
  return __libc_memalign(alignment, n);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t n) {
  noteAllocation();
  void* p = __libc_memalign(alignment, n);
  if (p == nullptr) return 12;  // ENOMEM
  *out = p;
  return 0;
}
void free(void* p) {
  if (p != nullptr && tCounting) gFreed.fetch_add(1, std::memory_order_relaxed);
  __libc_free(p);
}
}
#endif
