// The chain's audio-thread side: hand-over of staged objects and the signal path.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "chain_impl.h"
#include "denormals.h"

namespace tonematch::engine {

namespace {

// NaN/Inf anywhere makes the sum NaN (x − x is 0 for finite x); one branch per block.
bool allFinite(const float* x, int n) noexcept {
  float acc = 0.0f;
  for (int i = 0; i < n; ++i) acc += x[i] - x[i];
  return acc == 0.0f;
}
}  // namespace

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
  gate.reset();
  nam.reset();
  matchEq.reset();
  eq.reset();
  delay.reset();
  reverb.reset();
  limiter.reset();
}

void Chain::Impl::processBlock(const float* in, float* left, float* right, float* rigTap,
                               int n) noexcept {
  if (!allFinite(in, n)) {
    // Nothing of a non-finite input may reach the state: silence this block, start clean.
    std::fill(left, left + n, 0.0f);
    std::fill(right, right + n, 0.0f);
    if (rigTap) std::fill(rigTap, rigTap + n, 0.0f);
    clearState();
    return;
  }
  float* x = mono.data();
  for (int i = 0; i < n; ++i) x[i] = in[i] * inputGain.next();
  gate.process(x, n);
  auto model = [](const chain::ModelStage* stage) { return stage ? stage->model.get() : nullptr; };
  nam.process(x, n, {model(pedal.active()), model(pedal.fading()), &pedalFade},
              {model(amp.active()), model(amp.fading()), &ampFade});
  runCabinet(x, n);
  if (rigTap) std::copy(x, x + n, rigTap);
  matchEq.process(x, n);
  eq.process(x, n);
  delay.process(x, n, Chain::kDelayFeedback);
  reverb.process(x, left, right, n);
  for (int i = 0; i < n; ++i) {
    const float g = outputGain.next();
    left[i] *= g;
    right[i] *= g;
  }
  limiter.process(left, right, rigTap, n);
  running = true;
  if (!allFinite(left, n) || !allFinite(right, n) || (rigTap && !allFinite(rigTap, n))) {
    std::fill(left, left + n, 0.0f);
    std::fill(right, right + n, 0.0f);
    if (rigTap) std::fill(rigTap, rigTap + n, 0.0f);
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

void Chain::applyOutputStages(float* left, float* right, std::size_t n, double sampleRate,
                              float outputDb, float ceilingDb) {
  // The same float operations as processBlock's output loop and the limiter, so the samples
  // are identical, not merely close. The render is already aligned (its latency removed), so
  // the limiter's delay is taken out again: it runs on the render followed by silence.
  const float g = static_cast<float>(std::pow(10.0, outputDb / 20.0));
  ChainParams p;
  p.limiterCeilingDb = ceilingDb;
  chain::Limiter limiter;
  limiter.prepare(sampleRate, 0);
  limiter.setCeilingDb(clamp(p).limiterCeilingDb);
  const auto delay = static_cast<std::size_t>(limiter.latency());
  std::vector<float> l(n + delay, 0.0f), r(n + delay, 0.0f);
  for (std::size_t i = 0; i < n; ++i) {
    l[i] = left[i] * g;
    r[i] = right[i] * g;
  }
  for (std::size_t done = 0; done < l.size();) {
    const int len = static_cast<int>(std::min<std::size_t>(l.size() - done, 1 << 20));
    limiter.process(l.data() + done, r.data() + done, nullptr, len);
    done += static_cast<std::size_t>(len);
  }
  std::copy(l.begin() + static_cast<std::ptrdiff_t>(delay), l.end(), left);
  std::copy(r.begin() + static_cast<std::ptrdiff_t>(delay), r.end(), right);
}

Chain::Chain() : impl_(std::make_unique<Impl>()) {}
Chain::~Chain() = default;

void Chain::reset() {
  Impl& s = *impl_;
  if (!s.prepared) return;
  s.applyParams(true);
  s.snapRequested.store(false, std::memory_order_relaxed);
  s.clearState();
}

void Chain::process(const float* in, float* outL, float* outR, int n) noexcept {
  process(in, outL, outR, nullptr, n);
}

void Chain::process(const float* in, float* outL, float* outR, float* rigTap, int n) noexcept {
  Impl& s = *impl_;
  chain::ScopedNoDenormals noDenormals;
  s.pickUp();
  if (n <= 0) return;
  if (!s.prepared) {
    std::fill(outL, outL + n, 0.0f);
    std::fill(outR, outR + n, 0.0f);
    if (rigTap) std::fill(rigTap, rigTap + n, 0.0f);
    return;
  }
  s.applyParams(s.snapRequested.exchange(false, std::memory_order_acq_rel));
  for (int done = 0; done < n;) {
    const int len = std::min(n - done, s.maxBlock);
    s.processBlock(in + done, outL + done, outR + done, rigTap ? rigTap + done : nullptr, len);
    done += len;
  }
}

int Chain::latencySamples() const { return impl_->nam.latency() + impl_->limiter.latency(); }
double Chain::sampleRate() const { return impl_->rate; }
int Chain::maxBlock() const { return impl_->maxBlock; }

}  // namespace tonematch::engine
