// Proves that Model::process() and Model::reset() never touch the heap, with a counting
// replacement of the global allocator. Usage: engine_no_alloc_test model.nam [...]
#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "tonematch/engine/loader.h"

namespace {
bool g_counting = false;
long g_allocations = 0;

void* countedAlloc(std::size_t size) {
  if (g_counting) ++g_allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t size) { return countedAlloc(size); }
void* operator new[](std::size_t size) { return countedAlloc(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (g_counting) ++g_allocations;
  return std::malloc(size ? size : 1);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  if (g_counting) ++g_allocations;
  return std::malloc(size ? size : 1);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

// Runs enough audio, in irregular block sizes, to wrap every history buffer several times
// (buffers hold max(2·maxBlock, 2048) samples past their history), with a few resets.
long allocationsWhileRunning(tonematch::engine::Model& model, int maxBlock) {
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int> blockSize(1, maxBlock);
  std::normal_distribution<float> noise(0.0f, 0.3f);
  std::vector<float> in(maxBlock), out(maxBlock);
  g_allocations = 0;
  g_counting = true;
  long processed = 0;
  const long total = 6L * std::max(2 * maxBlock, 2048) + 1000;
  int resets = 0;
  while (processed < total) {
    const int n = blockSize(rng);
    for (int i = 0; i < n; ++i) in[i] = noise(rng);
    model.process(in.data(), out.data(), n);
    processed += n;
    if (resets < 3 && processed > (resets + 1) * total / 4) {
      model.reset();
      ++resets;
    }
  }
  model.reset();
  g_counting = false;
  return g_allocations;
}

int checkFile(const std::string& path) {
  for (int maxBlock : {1, 64, 512, 4096}) {
    auto model = tonematch::engine::loadModel(path);
    model->prepare(48000.0, maxBlock);
    const long count = allocationsWhileRunning(*model, maxBlock);
    std::printf("%s maxBlock=%d allocations=%ld\n", path.c_str(), maxBlock, count);
    if (count != 0) return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s model.nam [...] | --self-check\n", argv[0]);
    return 2;
  }
  if (std::string(argv[1]) == "--self-check") {
    // The counter itself must see allocations, or a pass would mean nothing.
    g_counting = true;
    g_allocations = 0;
    auto* v = new std::vector<float>(100);
    g_counting = false;
    delete v;
    assert(g_allocations >= 1);
    std::printf("allocation counter works (%ld counted)\n", g_allocations);
    return g_allocations >= 1 ? 0 : 1;
  }
  int failures = 0;
  for (int i = 1; i < argc; ++i) {
    try {
      failures += checkFile(argv[i]);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}
