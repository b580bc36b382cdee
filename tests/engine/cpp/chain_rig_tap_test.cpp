// The rig tap (Chain::process with rigTap): it is the signal after the cabinet, before every
// post-cabinet stage, aligned with the outputs at every rate; asking for it changes no output
// sample; a bad block silences it with the outputs. Usage: chain_rig_tap_test p.nam a.nam
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "chain_test_support.h"

using namespace tonematch::engine;
using chain_test::check;

namespace {

constexpr int kBlock = 256;

void prepareLoaded(Chain& chain, double rate, const ChainParams& params, const std::string& pedal,
                   const std::string& amp) {
  chain.prepare(rate, kBlock);
  chain.setPedal(loadModel(pedal));
  chain.setAmp(loadModel(amp));
  const auto ir = chain_test::syntheticIr(6000, 3);
  chain.setImpulseResponse(ImpulseResponse::make(ir.data(), ir.size(), 48000.0, rate, kBlock));
  chain.setParamsImmediate(params);
  chain.process(nullptr, nullptr, nullptr, 0);  // take the staged objects
  chain.reset();
}

// The same rig with every post-cabinet stage neutral: its output is what the tap must be.
ChainParams neutralAfterCabinet(ChainParams p) {
  p.matchEqDb.fill(0.0f);
  p.preEqGainDb = 0.0f;
  p.delayMix = 0.0f;
  p.reverbWet = 0.0f;
  p.finalEqGainDb = 0.0f;
  p.outputLevelDb = 0.0f;
  return p;
}

void checkRate(double rate, const std::string& pedal, const std::string& amp) {
  ChainParams busy = chain_test::busyParams();
  chain_test::varyMatchEq(busy, 1);
  busy.outputLevelDb = -7.0f;
  Chain tapped, plain, neutral;
  prepareLoaded(tapped, rate, busy, pedal, amp);
  prepareLoaded(plain, rate, busy, pedal, amp);
  prepareLoaded(neutral, rate, neutralAfterCabinet(busy), pedal, amp);
  const auto x = chain_test::noise(kBlock * 12, 31);
  std::vector<float> l(kBlock), r(kBlock), tap(kBlock), pl(kBlock), pr(kBlock), nl(kBlock),
      nr(kBlock);
  double worst = 0.0, energy = 0.0;
  for (int b = 0; b < 12; ++b) {
    const float* in = x.data() + kBlock * b;
    tapped.process(in, l.data(), r.data(), tap.data(), kBlock);
    plain.process(in, pl.data(), pr.data(), kBlock);
    neutral.process(in, nl.data(), nr.data(), kBlock);
    for (int i = 0; i < kBlock; ++i) {
      check(l[i] == pl[i] && r[i] == pr[i], "the tap changes no output sample");
      worst = std::max(worst, static_cast<double>(std::abs(tap[i] - nl[i])));
      energy += static_cast<double>(nl[i]) * nl[i];
    }
  }
  const double rms = std::sqrt(energy / (kBlock * 12));
  check(rms > 1e-3, "the neutral rig plays");
  // Equal but for the peak filter at 0 dB, which still runs its (unity) biquad.
  check(worst < 1e-5 * std::max(1.0, rms * 10), "the tap is the rig before the post-cabinet stages");
  std::printf("rate=%g tap vs neutral rig: worst difference %.3g (rms %.3g)\n", rate, worst, rms);

  auto bad = x;
  bad[10] = NAN;
  tapped.process(bad.data(), l.data(), r.data(), tap.data(), kBlock);
  for (int i = 0; i < kBlock; ++i) check(tap[i] == 0.0f, "a bad block silences the tap");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s pedal.nam amp.nam\n", argv[0]);
    return 2;
  }
  for (double rate : {48000.0, 44100.0, 96000.0}) checkRate(rate, argv[1], argv[2]);
  return 0;
}
