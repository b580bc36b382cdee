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
// The return FIFO holds at most ceil(hostRate / 48 kHz) early samples (see nam_section.h).
constexpr int kFifoSlack = 64;
}  // namespace

void NamSection::prepare(double hostRate, int maxBlock) {
  fifoCount_ = 0;
  if (hostRate == kModelRate) {
    direct_ = true;
    latency_ = 0;
    modelBlock_ = maxBlock;
    model_.clear();
    fifo_.clear();
    return;
  }
  direct_ = false;
  // Rates are taken as whole hertz so that the conversion ratio is an exact fraction.
  const long host = std::lround(hostRate);
  const long model = static_cast<long>(kModelRate);
  const SincKernel upKernel = SincKernel::design(static_cast<double>(host), kModelRate, kAttenuationDb);
  const SincKernel downKernel = SincKernel::design(kModelRate, static_cast<double>(host), kAttenuationDb);
  const int upDelay = static_cast<int>(std::ceil(upKernel.half));
  latency_ = upDelay + static_cast<int>(std::ceil(downKernel.half * host / kModelRate));
  const double downDelay = (latency_ - upDelay) * kModelRate / static_cast<double>(host);
  up_.prepare(host, model, upDelay, upKernel, maxBlock);
  modelBlock_ = up_.maxOut();
  down_.prepare(model, host, std::max(downDelay, downKernel.half), downKernel, modelBlock_);
  model_.assign(modelBlock_, 0.0f);
  fifo_.assign(static_cast<std::size_t>(down_.maxOut() + kFifoSlack), 0.0f);
}

void NamSection::reset() noexcept {
  up_.reset();
  down_.reset();
  std::fill(fifo_.begin(), fifo_.end(), 0.0f);
  fifoCount_ = 0;
}

void NamSection::process(float* x, int n, Model* pedal, Model* amp) noexcept {
  if (direct_) {
    if (pedal) pedal->process(x, x, n);
    if (amp) amp->process(x, x, n);
    return;
  }
  float* m = model_.data();
  const int count = up_.process(x, n, m);
  if (count > 0) {
    if (pedal) pedal->process(m, m, count);
    if (amp) amp->process(m, m, count);
  }
  fifoCount_ += down_.process(m, count, fifo_.data() + fifoCount_);
  // fifoCount_ ≥ n always holds (the return path is never behind the host); see the header.
  std::memcpy(x, fifo_.data(), sizeof(float) * n);
  fifoCount_ -= n;
  std::memmove(fifo_.data(), fifo_.data() + n, sizeof(float) * fifoCount_);
}

}  // namespace tonematch::engine::chain
