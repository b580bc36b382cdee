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

float Limiter::Average::push(float v) noexcept {
  const float old = ring[pos];
  ring[pos] = v;
  pos = pos + 1 == ring.size() ? 0 : pos + 1;
  belowOne += (v < 1.0f) - (old < 1.0f);
  // A running sum drifts by rounding; when every value is 1 it is set exactly, so a limiter
  // that has let go passes the samples bit for bit.
  sum = belowOne == 0 ? static_cast<double>(ring.size()) : sum + (static_cast<double>(v) - old);
  return belowOne == 0 ? 1.0f : static_cast<float>(sum / static_cast<double>(ring.size()));
}

void Limiter::Average::reset() noexcept {
  std::fill(ring.begin(), ring.end(), 1.0f);
  pos = 0;
  belowOne = 0;
  sum = static_cast<double>(ring.size());
}

void Limiter::prepare(double sampleRate, int /*maxBlock*/) {
  holdSamples_ = std::max(1, static_cast<int>(std::lround(kHoldSeconds * sampleRate)));
  recovery_ = static_cast<float>(std::pow(10.0, kReleaseDbPerSecond / 20.0 / sampleRate));
  half_ = std::max(1, static_cast<int>(std::lround(kLookaheadSeconds * sampleRate / 2.0)));
  window_ = 2 * half_;
  // The two averages reach back 2·half − 1 running minima, each of which covers window_
  // samples: every gain applied to a sample comes from minima that all saw it.
  delay_ = window_ - 1;
  minValue_.assign(static_cast<std::size_t>(window_), 1.0f);
  minAt_.assign(static_cast<std::size_t>(window_), 0);
  first_.ring.assign(static_cast<std::size_t>(half_), 1.0f);
  second_.ring.assign(static_cast<std::size_t>(half_), 1.0f);
  for (auto* line : {&lineL_, &lineR_, &lineTap_}) line->assign(static_cast<std::size_t>(delay_), 0.0f);
  reset();
}

void Limiter::reset() noexcept {
  gain_ = 1.0f;
  holdLeft_ = 0;
  minHead_ = 0;
  minCount_ = 0;
  sample_ = 0;
  first_.reset();
  second_.reset();
  for (auto* line : {&lineL_, &lineR_, &lineTap_}) std::fill(line->begin(), line->end(), 0.0f);
  linePos_ = 0;
}

void Limiter::setCeilingDb(float db) noexcept {
  off_ = !(db < kOffDb);
  if (off_ || db == ceilingDb_) return;  // pow only when the ceiling moves
  ceilingDb_ = db;
  ceiling_ = static_cast<float>(std::pow(10.0, db / 20.0));
}

float Limiter::envelope(float peak) noexcept {
  if (holdLeft_ > 0)
    --holdLeft_;
  else
    gain_ = std::min(1.0f, gain_ * recovery_);
  if (!off_ && peak * gain_ > ceiling_) {
    gain_ = ceiling_ / peak;
    holdLeft_ = holdSamples_;
  }
  return gain_;
}

float Limiter::runningMin(float env) noexcept {
  const std::size_t size = minValue_.size();
  // The oldest entry leaves once it is out of the window (at most one per sample). Then the
  // newest entries that are not lower than the new value go: they can no longer be the minimum.
  if (minCount_ > 0 && minAt_[minHead_] <= sample_ - window_) {
    minHead_ = (minHead_ + 1) % size;
    --minCount_;
  }
  while (minCount_ > 0) {
    const std::size_t back = (minHead_ + minCount_ - 1) % size;
    if (minValue_[back] < env) break;
    --minCount_;
  }
  const std::size_t slot = (minHead_ + minCount_) % size;
  minValue_[slot] = env;
  minAt_[slot] = sample_;
  ++minCount_;
  ++sample_;
  return minValue_[minHead_];
}

void Limiter::process(float* left, float* right, float* tap, int n) noexcept {
  const std::size_t length = lineL_.size();
  for (int i = 0; i < n; ++i) {
    const float env = envelope(std::max(std::fabs(left[i]), std::fabs(right[i])));
    float g = second_.push(first_.push(runningMin(env)));
    const float l = lineL_[linePos_], r = lineR_[linePos_];
    lineL_[linePos_] = left[i];
    lineR_[linePos_] = right[i];
    if (tap) {
      const float t = lineTap_[linePos_];
      lineTap_[linePos_] = tap[i];
      tap[i] = t;
    }
    linePos_ = linePos_ + 1 == length ? 0 : linePos_ + 1;
    // Rounding in the averages may leave a sample a hair over the ceiling; never let it out.
    const float peak = std::max(std::fabs(l), std::fabs(r));
    if (!off_ && peak * g > ceiling_) g = ceiling_ / peak;
    left[i] = l * g;
    right[i] = r * g;
  }
}

}  // namespace tonematch::engine::chain
