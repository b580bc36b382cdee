// A block with NaN or Inf input is silenced, and the chain recovers at once: the next block is
// exactly what a freshly reset chain would produce. Also: a chain plays silence before
// prepare(), and prepare() readies what was staged before it. Usage: chain_nan_test p.nam a.nam
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "chain_test_support.h"

using namespace tonematch::engine;
using chain_test::check;

namespace {

void prepareLoaded(Chain& chain, double rate, const std::string& pedal, const std::string& amp) {
  chain.prepare(rate, 512);
  chain.setPedal(loadModel(pedal));
  chain.setAmp(loadModel(amp));
  const auto ir = chain_test::syntheticIr(6000, 3);
  chain.setImpulseResponse(ImpulseResponse::make(ir.data(), ir.size(), 48000.0, rate, 512));
  chain.setParamsImmediate(chain_test::busyParams());
  chain.process(nullptr, nullptr, nullptr, 0);  // take the staged objects
  chain.reset();
}

void checkRate(double rate, float bad, const std::string& pedal, const std::string& amp) {
  Chain chain, fresh;
  prepareLoaded(chain, rate, pedal, amp);
  prepareLoaded(fresh, rate, pedal, amp);
  auto x = chain_test::noise(512 * 4, 21);
  std::vector<float> l(512), r(512), fl(512), fr(512);
  chain.process(x.data(), l.data(), r.data(), 512);  // some history to lose
  x[512 + 100] = bad;
  chain.process(x.data() + 512, l.data(), r.data(), 512);
  for (int i = 0; i < 512; ++i) check(l[i] == 0.0f && r[i] == 0.0f, "the bad block is silent");
  for (int b = 2; b < 4; ++b) {
    chain.process(x.data() + 512 * b, l.data(), r.data(), 512);
    fresh.process(x.data() + 512 * b, fl.data(), fr.data(), 512);
    for (int i = 0; i < 512; ++i)
      check(l[i] == fl[i] && r[i] == fr[i], "recovered output equals a fresh chain's");
  }
  std::printf("rate=%g bad=%g recovered\n", rate, bad);
}

// Before prepare() the chain plays silence; what was staged then is prepared by prepare().
void checkStagedBeforePrepare(const std::string& pedal, const std::string& amp) {
  Chain chain;
  chain.setPedal(loadModel(pedal));
  chain.setAmp(loadModel(amp), "the amp");
  const auto ir = chain_test::syntheticIr(3000, 5);
  chain.setImpulseResponse(ImpulseResponse::make(ir.data(), ir.size(), 48000.0, 48000.0, 64));
  auto x = chain_test::noise(256, 8);
  std::vector<float> l(256, 1.0f), r(256, 1.0f);
  chain.process(x.data(), l.data(), r.data(), 256);
  for (int i = 0; i < 256; ++i) check(l[i] == 0.0f && r[i] == 0.0f, "silence before prepare()");
  chain.prepare(44100.0, 256);
  chain.process(x.data(), l.data(), r.data(), 256);
  float peak = 0.0f;
  for (float v : l) peak = std::max(peak, std::abs(v));
  check(chain_test::allFinite(l.data(), 256) && peak > 1e-4f, "sound after prepare()");
  check(chain.ampName() == "the amp", "the staged amp plays after prepare()");
  std::printf("staged before prepare: ok\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s pedal.nam amp.nam\n", argv[0]);
    return 2;
  }
  for (double rate : {48000.0, 44100.0})
    for (float bad : {NAN, INFINITY, -INFINITY}) checkRate(rate, bad, argv[1], argv[2]);
  checkStagedBeforePrepare(argv[1], argv[2]);
  return 0;
}
