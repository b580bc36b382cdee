// The chain's audio-thread side: parameters, hand-over of staged objects, the signal path.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "chain_impl.h"
#include "denormals.h"

namespace tonematch::engine {

namespace {
constexpr double kSmoothSeconds = 0.02;     // gains, mixes, EQ
constexpr double kDelayGlideSeconds = 0.1;  // delay time

float clampParam(float v, float low, float high, float fallback) noexcept {
  if (!std::isfinite(v)) return fallback;
  return std::min(std::max(v, low), high);
}

float dbToGain(float db) noexcept { return static_cast<float>(std::pow(10.0, db / 20.0)); }

// NaN/Inf anywhere makes the sum NaN (x − x is 0 for finite x); one branch per block.
bool allFinite(const float* x, int n) noexcept {
  float acc = 0.0f;
  for (int i = 0; i < n; ++i) acc += x[i] - x[i];
  return acc == 0.0f;
}
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
  return p;
}

void Chain::Impl::applyParams(bool snap) noexcept {
  const ChainParams p = loadParams();
  const double delaySamples = static_cast<double>(p.delayTimeMs) * rate / 1000.0;
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

void Chain::Impl::pickUp() noexcept {
  if (!pedalFade.active()) pedal.retireFading(retired);
  if (!ampFade.active()) amp.retireFading(retired);
  if (!cabinetFade.active()) cabinet.retireFading(retired);
  if (pedal.pickUp(retired, running)) pedalFade.start(modelFadeLength);
  if (amp.pickUp(retired, running)) ampFade.start(modelFadeLength);
  if (cabinet.pickUp(retired, running)) cabinetFade.start(hostFadeLength);
  // An instant swap (nothing playing) leaves no fade running.
  if (!pedal.fadingHeld()) pedalFade.stop();
  if (!amp.fadingHeld()) ampFade.stop();
  if (!cabinet.fadingHeld()) cabinetFade.stop();
}

void Chain::Impl::endFades() noexcept {
  pedalFade.stop();
  ampFade.stop();
  cabinetFade.stop();
  pedal.retireFading(retired);
  amp.retireFading(retired);
  cabinet.retireFading(retired);
}

void Chain::Impl::clearState() noexcept {
  endFades();
  running = false;
  for (auto* slot : {&pedal, &amp})
    if (auto* s = slot->active(); s && s->model) s->model->reset();
  if (auto* c = cabinet.active(); c && c->convolver) c->convolver->reset();
  nam.reset();
  eq.reset();
  delay.reset();
  reverb.reset();
}

void Chain::Impl::processBlock(const float* in, float* left, float* right, int n) noexcept {
  if (!allFinite(in, n)) {
    // Nothing of a non-finite input may reach the state: silence this block, start clean.
    std::fill(left, left + n, 0.0f);
    std::fill(right, right + n, 0.0f);
    clearState();
    return;
  }
  float* x = mono.data();
  for (int i = 0; i < n; ++i) x[i] = in[i] * inputGain.next();
  auto model = [](const chain::ModelStage* stage) { return stage ? stage->model.get() : nullptr; };
  nam.process(x, n, {model(pedal.active()), model(pedal.fading()), &pedalFade},
              {model(amp.active()), model(amp.fading()), &ampFade});
  runCabinet(x, n);
  eq.process(x, n);
  delay.process(x, n, Chain::kDelayFeedback);
  reverb.process(x, left, right, n);
  for (int i = 0; i < n; ++i) {
    const float g = outputGain.next();
    left[i] *= g;
    right[i] *= g;
  }
  running = true;
  if (!allFinite(left, n) || !allFinite(right, n)) {
    std::fill(left, left + n, 0.0f);
    std::fill(right, right + n, 0.0f);
    clearState();
  }
}

void Chain::Impl::runCabinet(float* x, int n) noexcept {
  auto convolver = [](chain::CabinetStage* stage) {
    return stage ? stage->convolver.get() : nullptr;
  };
  chain::Convolver* now = convolver(cabinet.active());
  if (!cabinetFade.active()) {
    if (now) now->process(x, x, n);
    return;
  }
  float* before = cabinetBefore.data();
  std::copy(x, x + n, before);
  if (now) now->process(x, x, n);
  if (chain::Convolver* old = convolver(cabinet.fading())) old->process(before, before, n);
  cabinetFade.mix(x, before, n);
}

Chain::Chain() : impl_(std::make_unique<Impl>()) {}
Chain::~Chain() = default;

void Chain::setParams(const ChainParams& params) noexcept { impl_->storeParams(params); }

void Chain::setParamsImmediate(const ChainParams& params) noexcept {
  impl_->storeParams(params);
  impl_->snapRequested.store(true, std::memory_order_release);
}

ChainParams Chain::params() const noexcept { return impl_->loadParams(); }

void Chain::reset() {
  Impl& s = *impl_;
  if (!s.prepared) return;
  s.applyParams(true);
  s.snapRequested.store(false, std::memory_order_relaxed);
  s.clearState();
}

void Chain::process(const float* in, float* outL, float* outR, int n) noexcept {
  Impl& s = *impl_;
  chain::ScopedNoDenormals noDenormals;
  s.pickUp();
  if (n <= 0) return;
  if (!s.prepared) {
    std::fill(outL, outL + n, 0.0f);
    std::fill(outR, outR + n, 0.0f);
    return;
  }
  s.applyParams(s.snapRequested.exchange(false, std::memory_order_acq_rel));
  for (int done = 0; done < n;) {
    const int len = std::min(n - done, s.maxBlock);
    s.processBlock(in + done, outL + done, outR + done, len);
    done += len;
  }
}

int Chain::latencySamples() const { return impl_->nam.latency(); }
double Chain::sampleRate() const { return impl_->rate; }
int Chain::maxBlock() const { return impl_->maxBlock; }

}  // namespace tonematch::engine
