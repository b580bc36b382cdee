#include "nam_section.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace tonematch::engine::chain {

namespace {
// Stopband attenuation of the streaming resamplers: aliasing and images stay below the noise
// of a 16-bit recording.
constexpr double kAttenuationDb = 100.0;
// Early samples the return FIFO can hold: the silence lead-in plus a quantum, at the host rate.
int fifoSlack(long host) {
  const long model = static_cast<long>(NamSection::kModelRate);
  return static_cast<int>(2 * NamSection::kQuantum * host / model) + 16;
}
}  // namespace

void NamSection::prepare(double hostRate, int maxBlock) {
  fifoCount_ = 0;
  pending_ = 0;
  if (hostRate == kModelRate) {
    direct_ = true;
    latency_ = 0;
    modelBlock_ = maxBlock;
    model_.clear();
    fifo_.clear();
    before_.assign(modelBlock_, 0.0f);
    return;
  }
  direct_ = false;
  // Rates are taken as whole hertz so that the conversion ratio is an exact fraction.
  const long host = std::lround(hostRate);
  const long model = static_cast<long>(kModelRate);
  const double rate = static_cast<double>(host);
  const SincKernel upKernel = SincKernel::design(rate, kModelRate, kAttenuationDb);
  const SincKernel downKernel = SincKernel::design(kModelRate, rate, kAttenuationDb);
  const int upDelay = static_cast<int>(std::ceil(upKernel.half));
  // The return filter's own delay plus the silence lead-in, rounded up to whole host samples.
  latency_ = upDelay + static_cast<int>(std::ceil((downKernel.half + kQuantum) * rate / kModelRate));
  const double downDelay = (latency_ - upDelay) * kModelRate / rate - kQuantum;
  up_.prepare(host, model, upDelay, upKernel, maxBlock);
  modelBlock_ = up_.maxOut() + kQuantum;
  down_.prepare(model, host, std::max(downDelay, downKernel.half), downKernel, modelBlock_);
  model_.assign(modelBlock_, 0.0f);
  before_.assign(modelBlock_, 0.0f);
  fifo_.assign(static_cast<std::size_t>(down_.maxOut() + fifoSlack(host)), 0.0f);
  reset();
}

void NamSection::reset() noexcept {
  up_.reset();
  down_.reset();
  std::fill(fifo_.begin(), fifo_.end(), 0.0f);
  std::fill(model_.begin(), model_.end(), 0.0f);
  fifoCount_ = 0;
  pending_ = direct_ ? 0 : kQuantum;  // the silence lead-in
}

void NamSection::runSlot(float* m, int count, const SlotRun& slot) noexcept {
  if (!slot.fade || !slot.fade->active()) {
    if (slot.now) slot.now->process(m, m, count);
    return;
  }
  float* before = before_.data();
  std::memcpy(before, m, sizeof(float) * count);
  if (slot.now) slot.now->process(m, m, count);
  if (slot.before) slot.before->process(before, before, count);
  slot.fade->mix(m, before, count);
}

void NamSection::runModels(float* m, int count, const SlotRun& pedal, const SlotRun& amp) noexcept {
  if (count <= 0) return;
  runSlot(m, count, pedal);
  runSlot(m, count, amp);
}

void NamSection::process(float* x, int n, const SlotRun& pedal, const SlotRun& amp) noexcept {
  if (direct_) {
    runModels(x, n, pedal, amp);
    return;
  }
  float* m = model_.data();
  const int total = pending_ + up_.process(x, n, m + pending_);
  const int count = total / kQuantum * kQuantum;
  runModels(m, count, pedal, amp);
  fifoCount_ += down_.process(m, count, fifo_.data() + fifoCount_);
  pending_ = total - count;
  std::memmove(m, m + count, sizeof(float) * pending_);
  // fifoCount_ ≥ n always holds (the return path is never behind the host; see the header and
  // the latency tests); the clamp only keeps a broken invariant from reading stale memory.
  const int ready = std::min(fifoCount_, n);
  std::memcpy(x, fifo_.data(), sizeof(float) * ready);
  std::fill(x + ready, x + n, 0.0f);
  fifoCount_ -= ready;
  std::memmove(fifo_.data(), fifo_.data() + ready, sizeof(float) * fifoCount_);
}

}  // namespace tonematch::engine::chain
