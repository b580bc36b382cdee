// Swaps models and IRs thousands of times from a loader thread while an audio thread runs the
// chain in random block sizes (with NaN blocks and parameter changes), at several host rates
// with prepare() in between. Every block must complete with finite output; built with
// -DTONEMATCH_SANITIZE=ON, AddressSanitizer checks every hand-over and deletion.
// Usage: chain_stress_test pedal.nam amp.nam [IR swaps per rate]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include <time.h>

#include "chain_test_support.h"

using namespace tonematch::engine;
using chain_test::check;
using Clock = std::chrono::steady_clock;

namespace {

// Model documents are parsed once; each swap builds a fresh model from the text (as a loader
// does from a file), so thousands of swaps stay quick.
std::string readFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  check(f != nullptr, "cannot open " + path);
  std::string text;
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
  std::fclose(f);
  return text;
}

// CPU time of this thread: what a block costs, without the time other processes took the core.
double threadSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct Counts {
  long blocks = 0, modelSwaps = 0, irSwaps = 0;
  double worstBlockRealtime = 0.0;  // most CPU time of a block / its real-time duration
  double worstRecoveryMs = 0.0;     // most CPU time of a block that held Inf
};

void runAt(Chain& chain, double rate, int maxBlock, const std::string& pedal,
           const std::string& amp, long irTarget, Counts& counts) {
  chain.prepare(rate, maxBlock);  // re-prepares whatever the previous rate left loaded
  std::atomic<bool> stop{false};
  std::atomic<long> modelSwaps{0}, irSwaps{0};
  std::thread loader([&] {
    std::mt19937 rng(static_cast<unsigned>(rate));
    for (int i = 0; !stop.load(); ++i) {
      // Mostly IRs (cheap), a model every few rounds, empty slots now and then; several
      // stagings in a row are often never picked up and must be deleted by the loader.
      const auto ir = chain_test::syntheticIr(64 + rng() % 12000, i);
      chain.setImpulseResponse(rng() % 11 == 0 ? nullptr
                                               : ImpulseResponse::make(ir.data(), ir.size(),
                                                                       rng() % 2 ? 48000.0 : 44100.0,
                                                                       rate, maxBlock));
      ++irSwaps;
      if (i % 8 == 0) {
        chain.setPedal(rng() % 3 == 0 ? nullptr : loadModelFromString(pedal, "pedal"));
        chain.setAmp(rng() % 5 == 0 ? nullptr : loadModelFromString(amp, "amp"));
        modelSwaps += 2;
      }
      ChainParams p = chain_test::busyParams();
      p.delayTimeMs = static_cast<float>(rng() % 600);  // out of range on purpose: clamped
      p.reverbWet = static_cast<float>(rng() % 100) / 100.0f;
      p.gateThresholdDb = chain_test::varyGate(i);
      p.limiterCeilingDb = chain_test::varyLimiter(i);
      chain_test::varyMatchEq(p, i);
      chain.setParams(p);
      if (rng() % 4 == 0) chain.collectGarbage();
      if (rng() % 16 == 0) (void)chain.ampName();
    }
  });
  const auto input = chain_test::noise(1 << 16, 11, 0.3f);
  std::vector<float> in(maxBlock), left(maxBlock), right(maxBlock);
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> blockSize(1, maxBlock);
  // Runs until the loader has swapped enough (a cap keeps a stuck hand-over from hanging).
  const auto cap = Clock::now() + std::chrono::seconds(60);
  std::size_t pos = 0;
  while (irSwaps.load() < irTarget || modelSwaps.load() < irTarget / 10) {
    check(Clock::now() < cap, "the loader finished its swaps within a minute");
    const int n = blockSize(rng);
    for (int i = 0; i < n; ++i) in[i] = input[(pos + i) & (input.size() - 1)];
    const bool bad = counts.blocks % 211 == 100;
    if (bad) in[n - 1] = INFINITY;
    pos += n;
    const double t0 = threadSeconds();
    chain.process(in.data(), left.data(), right.data(), n);
    const double took = threadSeconds() - t0;
    // A bad block resets the models (their prewarm runs then), so it is timed apart.
    double& worst = bad ? counts.worstRecoveryMs : counts.worstBlockRealtime;
    worst = std::max(worst, bad ? took * 1e3 : took * rate / n);
    check(chain_test::allFinite(left.data(), n) && chain_test::allFinite(right.data(), n),
          "finite output at block " + std::to_string(counts.blocks));
    ++counts.blocks;
  }
  stop = true;
  loader.join();
  chain.collectGarbage();
  counts.modelSwaps += modelSwaps;
  counts.irSwaps += irSwaps;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s pedal.nam amp.nam [IR swaps per rate]\n", argv[0]);
    return 2;
  }
  const std::string pedal = readFile(argv[1]), amp = readFile(argv[2]);
  const long irTarget = argc > 3 ? std::atol(argv[3]) : 300;
  Counts counts;
  {
    Chain chain;
    for (double rate : {48000.0, 44100.0, 96000.0, 48000.0})
      runAt(chain, rate, rate == 96000.0 ? 2048 : 256, pedal, amp, irTarget, counts);
  }  // the chain is destroyed with objects active, staged and retired: ASan checks them all
  std::printf("blocks=%ld model_swaps=%ld ir_swaps=%ld worst_block=%.2fx_realtime "
              "worst_recovery=%.2fms (CPU time)\n", counts.blocks, counts.modelSwaps,
              counts.irSwaps, counts.worstBlockRealtime, counts.worstRecoveryMs);
  check(counts.irSwaps >= 4 * irTarget && counts.modelSwaps >= 4 * (irTarget / 10),
        "every round made its swaps");
  return 0;
}
