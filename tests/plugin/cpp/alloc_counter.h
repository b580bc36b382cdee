// Counts heap allocations made by threads that opt in (the audio thread in the tests).
// The counting replaces malloc and friends for the whole test program (glibc only); under
// AddressSanitizer, which owns malloc, counting is off and only memory errors are checked.
#pragma once

#include <atomic>

namespace tmtest {

/// True when this build counts allocations (glibc, no sanitizer).
bool allocationCountingAvailable();
/// While a ScopedAllocationCount lives on a thread, every malloc/calloc/realloc/aligned
/// allocation (and so every operator new) on that thread is counted.
struct ScopedAllocationCount {
  ScopedAllocationCount();
  ~ScopedAllocationCount();
};
/// Allocations counted so far, over all threads.
long countedAllocations();
/// Non-null frees counted so far (freeing is as forbidden on the audio thread as allocating).
long countedFrees();

}  // namespace tmtest
