// The chain's parameters: clamped targets in atomics (any thread writes them), moved into the
// smoothers at the start of each block (the audio thread reads them).
#include <algorithm>
#include <cmath>

#include "chain_impl.h"

namespace tonematch::engine {

namespace {
float clampParam(float v, float low, float high, float fallback) noexcept {
  if (!std::isfinite(v)) return fallback;
  return std::min(std::max(v, low), high);
}

float dbToGain(float db) noexcept { return static_cast<float>(std::pow(10.0, db / 20.0)); }
}  // namespace

ChainParams Chain::clamp(const ChainParams& p) noexcept {
  const ChainParams d;
  ChainParams c;
  c.inputGainDb = clampParam(p.inputGainDb, -24.0f, 24.0f, d.inputGainDb);
  c.preEqGainDb = clampParam(p.preEqGainDb, -12.0f, 12.0f, d.preEqGainDb);
  c.preEqFreqHz = clampParam(p.preEqFreqHz, 400.0f, 3000.0f, d.preEqFreqHz);
  c.reverbWet = clampParam(p.reverbWet, 0.0f, 0.7f, d.reverbWet);
  c.reverbRoomSize = clampParam(p.reverbRoomSize, 0.0f, 1.0f, d.reverbRoomSize);
  c.delayTimeMs = clampParam(p.delayTimeMs, 50.0f, 500.0f, d.delayTimeMs);
  c.delayMix = clampParam(p.delayMix, 0.0f, 0.5f, d.delayMix);
  c.finalEqGainDb = clampParam(p.finalEqGainDb, -3.0f, 3.0f, d.finalEqGainDb);
  for (std::size_t k = 0; k < c.matchEqDb.size(); ++k)
    c.matchEqDb[k] = clampParam(p.matchEqDb[k], -kMatchEqMaxDb, kMatchEqMaxDb, 0.0f);
  return c;
}

void Chain::Impl::storeParams(const ChainParams& raw) noexcept {
  const ChainParams p = Chain::clamp(raw);
  inputGainDb.store(p.inputGainDb, std::memory_order_relaxed);
  preEqGainDb.store(p.preEqGainDb, std::memory_order_relaxed);
  preEqFreqHz.store(p.preEqFreqHz, std::memory_order_relaxed);
  reverbWet.store(p.reverbWet, std::memory_order_relaxed);
  reverbRoomSize.store(p.reverbRoomSize, std::memory_order_relaxed);
  delayTimeMs.store(p.delayTimeMs, std::memory_order_relaxed);
  delayMix.store(p.delayMix, std::memory_order_relaxed);
  finalEqGainDb.store(p.finalEqGainDb, std::memory_order_relaxed);
  for (std::size_t k = 0; k < matchEqDb.size(); ++k)
    matchEqDb[k].store(p.matchEqDb[k], std::memory_order_relaxed);
}

ChainParams Chain::Impl::loadParams() const noexcept {
  ChainParams p;
  p.inputGainDb = inputGainDb.load(std::memory_order_relaxed);
  p.preEqGainDb = preEqGainDb.load(std::memory_order_relaxed);
  p.preEqFreqHz = preEqFreqHz.load(std::memory_order_relaxed);
  p.reverbWet = reverbWet.load(std::memory_order_relaxed);
  p.reverbRoomSize = reverbRoomSize.load(std::memory_order_relaxed);
  p.delayTimeMs = delayTimeMs.load(std::memory_order_relaxed);
  p.delayMix = delayMix.load(std::memory_order_relaxed);
  p.finalEqGainDb = finalEqGainDb.load(std::memory_order_relaxed);
  for (std::size_t k = 0; k < matchEqDb.size(); ++k)
    p.matchEqDb[k] = matchEqDb[k].load(std::memory_order_relaxed);
  return p;
}

void Chain::Impl::applyParams(bool snap) noexcept {
  const ChainParams p = loadParams();
  const double delaySamples = static_cast<double>(p.delayTimeMs) * rate / 1000.0;
  matchEq.setGains(p.matchEqDb);  // not smoothed: new coefficients from this block on
  if (snap) {
    inputGain.snap(dbToGain(p.inputGainDb));
    outputGain.snap(dbToGain(p.finalEqGainDb));
    eq.gainDb().snap(p.preEqGainDb);
    eq.freqHz().snap(p.preEqFreqHz);
    eq.refresh();
    delay.timeSamples().snap(delaySamples);
    delay.mix().snap(p.delayMix);
    reverb.wet().snap(p.reverbWet);
    reverb.roomSize().snap(p.reverbRoomSize);
    return;
  }
  inputGain.setTarget(dbToGain(p.inputGainDb));
  outputGain.setTarget(dbToGain(p.finalEqGainDb));
  eq.gainDb().setTarget(p.preEqGainDb);
  eq.freqHz().setTarget(p.preEqFreqHz);
  delay.timeSamples().setTarget(delaySamples);
  delay.mix().setTarget(p.delayMix);
  reverb.wet().setTarget(p.reverbWet);
  reverb.roomSize().setTarget(p.reverbRoomSize);
}

void Chain::setParams(const ChainParams& params) noexcept { impl_->storeParams(params); }

void Chain::setParamsImmediate(const ChainParams& params) noexcept {
  impl_->storeParams(params);
  impl_->snapRequested.store(true, std::memory_order_release);
}

ChainParams Chain::params() const noexcept { return impl_->loadParams(); }

}  // namespace tonematch::engine
