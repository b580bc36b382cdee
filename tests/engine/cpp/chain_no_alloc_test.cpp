// Proves that Chain::process() never touches the heap on the audio thread while another thread
// keeps staging models and IRs, changing parameters and collecting garbage. A counting
// replacement of operator new and malloc counts calls made on the audio thread only.
// Usage: chain_no_alloc_test pedal.nam amp.nam | --self-check
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <new>
#include <string>
#include <thread>

#include "chain_test_support.h"

using namespace tonematch::engine;
using chain_test::check;

namespace {
thread_local bool t_counting = false;
std::atomic<long> g_allocations{0};
}  // namespace

// glibc's own entry points: the counted malloc forwards to them.
extern "C" void* __libc_malloc(std::size_t);
extern "C" void* __libc_calloc(std::size_t, std::size_t);
extern "C" void* __libc_realloc(void*, std::size_t);

extern "C" void* malloc(std::size_t size) {
  if (t_counting) ++g_allocations;
  return __libc_malloc(size);
}
extern "C" void* calloc(std::size_t count, std::size_t size) {
  if (t_counting) ++g_allocations;
  return __libc_calloc(count, size);
}
extern "C" void* realloc(void* p, std::size_t size) {
  if (t_counting) ++g_allocations;
  return __libc_realloc(p, size);
}

namespace {
void* counted(std::size_t size) {
  if (t_counting) ++g_allocations;
  if (void* p = __libc_malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t size) { return counted(size); }
void* operator new[](std::size_t size) { return counted(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (t_counting) ++g_allocations;
  return __libc_malloc(size ? size : 1);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  if (t_counting) ++g_allocations;
  return __libc_malloc(size ? size : 1);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

// Runs the audio thread (this one) against a loader thread for a while at one rate/block size.
long runAt(double rate, int maxBlock, const std::string& pedal, const std::string& amp) {
  Chain chain;
  chain.prepare(rate, maxBlock);
  chain.setParamsImmediate(chain_test::busyParams());
  std::atomic<bool> stop{false};
  std::atomic<int> swaps{0};
  std::string lastAmp;
  std::thread loader([&] {
    for (int i = 0; !stop.load(); ++i) {
      const auto ir = chain_test::syntheticIr(4000 + 997 * (i % 7), i);
      chain.setImpulseResponse(i % 5 == 4 ? nullptr
                                          : ImpulseResponse::make(ir.data(), ir.size(), 48000.0,
                                                                  rate, maxBlock, "ir"));
      chain.setPedal(i % 3 == 2 ? nullptr : loadModel(pedal));
      lastAmp = "amp" + std::to_string(i);
      chain.setAmp(loadModel(amp), lastAmp);
      ChainParams p = chain_test::busyParams();
      p.delayTimeMs = 50.0f + 37.0f * (i % 12);
      p.preEqFreqHz = 400.0f + 211.0f * (i % 13);
      p.gateThresholdDb = chain_test::varyGate(i);
      p.limiterCeilingDb = chain_test::varyLimiter(i);
      chain_test::varyMatchEq(p, i);
      chain.setParams(p);
      chain.collectGarbage();
      ++swaps;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  const auto input = chain_test::noise(1 << 16, 7);
  std::vector<float> left(maxBlock), right(maxBlock);
  std::mt19937 rng(99);
  std::uniform_int_distribution<int> blockSize(1, maxBlock);
  std::vector<float> in(maxBlock), tap(maxBlock);
  long before = g_allocations.load();
  t_counting = true;
  std::size_t pos = 0;
  bool finite = true;
  for (int block = 0; swaps.load() < 12; ++block) {
    const int n = blockSize(rng);
    for (int i = 0; i < n; ++i) in[i] = input[(pos + i) & (input.size() - 1)];
    if (block % 97 == 50) in[n / 2] = std::nanf("");  // NaN recovery must not allocate either
    pos += n;
    // Every other block also writes the rig tap (the plugin's Compare).
    chain.process(in.data(), left.data(), right.data(), block % 2 ? tap.data() : nullptr, n);
    finite = finite && chain_test::allFinite(left.data(), n) &&
             chain_test::allFinite(right.data(), n);
    if (block % 500 == 499) chain.reset();
  }
  stop = true;
  t_counting = false;
  loader.join();
  check(finite, "every block's output is finite");
  const long count = g_allocations.load() - before;
  // The audio thread did take the loader's objects: the last amp is the one in use once a
  // swap's fade, which holds the next hand-over back, has played out (well within a second).
  for (int played = 0; played < static_cast<int>(rate) && chain.ampName() != lastAmp;
       played += maxBlock) {
    chain.process(in.data(), left.data(), right.data(), maxBlock);
    chain.collectGarbage();
  }
  check(chain.ampName() == lastAmp, "the last staged amp is active (" + chain.ampName() + ")");
  std::printf("rate=%g maxBlock=%d swaps=%d allocations=%ld\n", rate, maxBlock, swaps.load(), count);
  return count;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--self-check") {
    // The counter must see both kinds of allocation, or a pass would mean nothing.
    t_counting = true;
    auto* v = new std::vector<float>(100);
    void* m = std::malloc(64);
    t_counting = false;
    std::free(m);
    delete v;
    std::printf("allocation counter works (%ld counted)\n", g_allocations.load());
    return g_allocations.load() >= 2 ? 0 : 1;
  }
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s pedal.nam amp.nam | --self-check\n", argv[0]);
    return 2;
  }
  long total = 0;
  for (double rate : {48000.0, 44100.0, 96000.0})
    for (int maxBlock : {64, 1024}) total += runAt(rate, maxBlock, argv[1], argv[2]);
  std::printf("allocations=%ld\n", total);
  return total == 0 ? 0 : 1;
}
