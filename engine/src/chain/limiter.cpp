#include "limiter.h"

#include <algorithm>
#include <cmath>

namespace tonematch::engine::chain {

namespace {
// 15 ms hold: longer than a period of the lowest guitar note (low E, 12 ms), so the gain does
// not recover between a note's peaks and ripple at its frequency (heard as distortion).
constexpr double kHoldSeconds = 0.015;
// Then the gain recovers at 60 dB/s (6 dB of limiting lets go in 100 ms): a pick attack ducks
// what follows it only briefly, and the gain lands on exactly 1.
constexpr double kReleaseDbPerSecond = 60.0;
}  // namespace

void Limiter::prepare(double sampleRate, int /*maxBlock*/) noexcept {
  holdSamples_ = std::max(1, static_cast<int>(std::lround(kHoldSeconds * sampleRate)));
  recovery_ = static_cast<float>(std::pow(10.0, kReleaseDbPerSecond / 20.0 / sampleRate));
  reset();
}

void Limiter::reset() noexcept {
  gain_ = 1.0f;
  holdLeft_ = 0;
}

void Limiter::setCeilingDb(float db) noexcept {
  off_ = !(db < kOffDb);
  if (off_ || db == ceilingDb_) return;  // pow only when the ceiling moves
  ceilingDb_ = db;
  ceiling_ = static_cast<float>(std::pow(10.0, db / 20.0));
}

void Limiter::process(float* left, float* right, int n) noexcept {
  if (off_ && gain_ == 1.0f) return;  // off and recovered: the samples pass bit for bit
  for (int i = 0; i < n; ++i) {
    if (holdLeft_ > 0)
      --holdLeft_;
    else
      gain_ = std::min(1.0f, gain_ * recovery_);
    const float peak = std::max(std::fabs(left[i]), std::fabs(right[i]));
    if (!off_ && peak * gain_ > ceiling_) {
      gain_ = ceiling_ / peak;
      holdLeft_ = holdSamples_;
    }
    left[i] *= gain_;
    right[i] *= gain_;
  }
}

}  // namespace tonematch::engine::chain
