// A block with NaN or Inf input is silenced, and the chain recovers at once: the next block is
// exactly what a freshly reset chain would produce. Usage: chain_nan_test pedal.nam amp.nam
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

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s pedal.nam amp.nam\n", argv[0]);
    return 2;
  }
  for (double rate : {48000.0, 44100.0})
    for (float bad : {NAN, INFINITY, -INFINITY}) checkRate(rate, bad, argv[1], argv[2]);
  return 0;
}
