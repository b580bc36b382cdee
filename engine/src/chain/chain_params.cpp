// The chain's parameters: clamped targets in atomics (any thread writes them), moved into the
// smoothers at the start of each block (the audio thread reads them). Keys, ranges and defaults
// come from the table in rig_params.h.
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

ChainParams::ChainParams() noexcept {
  for (const auto& spec : kParams) this->*spec.field = static_cast<float>(spec.defaultValue);
}

ParamValues defaultParamValues() noexcept {
  ParamValues v{};
  for (std::size_t i = 0; i < kParamCount; ++i) v[i] = kParams[i].defaultValue;
  return v;
}

ChainParams toChainParams(const ParamValues& values) noexcept {
  ChainParams c;
  for (std::size_t i = 0; i < kParamCount; ++i)
    c.*kParams[i].field = static_cast<float>(values[i]);
  return c;
}

ParamValues fromChainParams(const ChainParams& params) noexcept {
  ParamValues v{};
  for (std::size_t i = 0; i < kParamCount; ++i) v[i] = params.*kParams[i].field;
  return v;
}

ChainParams Chain::clamp(const ChainParams& p) noexcept {
  ChainParams c;  // starts at the defaults, the fallback for non-finite values
  for (const auto& spec : kParams)
    c.*spec.field = clampParam(p.*spec.field, static_cast<float>(spec.low),
                                static_cast<float>(spec.high), static_cast<float>(spec.defaultValue));
  for (std::size_t k = 0; k < c.matchEqDb.size(); ++k)
    c.matchEqDb[k] = clampParam(p.matchEqDb[k], -kMatchEqMaxDb, kMatchEqMaxDb, 0.0f);
  return c;
}

void Chain::Impl::storeParams(const ChainParams& raw) noexcept {
  const ChainParams p = Chain::clamp(raw);
  for (std::size_t i = 0; i < kParamCount; ++i)
    paramTargets[i].store(p.*kParams[i].field, std::memory_order_relaxed);
  for (std::size_t k = 0; k < matchEqDb.size(); ++k)
    matchEqDb[k].store(p.matchEqDb[k], std::memory_order_relaxed);
}

ChainParams Chain::Impl::loadParams() const noexcept {
  ChainParams p;
  for (std::size_t i = 0; i < kParamCount; ++i)
    p.*kParams[i].field = paramTargets[i].load(std::memory_order_relaxed);
  for (std::size_t k = 0; k < matchEqDb.size(); ++k)
    p.matchEqDb[k] = matchEqDb[k].load(std::memory_order_relaxed);
  return p;
}

void Chain::Impl::applyParams(bool snap) noexcept {
  const ChainParams p = loadParams();
  const double delaySamples = static_cast<double>(p.delayTimeMs) * rate / 1000.0;
  // The gains are not smoothed (new coefficients from this block on); the amount glides.
  matchEq.setGains(p.matchEqDb, p.matchEqAmount / 100.0f, snap);
  gate.setThresholdDb(p.gateThresholdDb);  // not smoothed: the gate's own gain glides
  limiter.setCeilingDb(p.limiterCeilingDb);  // not smoothed: its gain glides back
  if (snap) {
    inputGain.snap(dbToGain(p.inputGainDb));
    outputGain.snap(dbToGain(p.finalEqGainDb + p.outputLevelDb));
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
  outputGain.setTarget(dbToGain(p.finalEqGainDb + p.outputLevelDb));
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
