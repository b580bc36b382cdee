#include "noise_gate.h"

#include <algorithm>
#include <cmath>

namespace tonematch::engine::chain {

namespace {
// Fixed for guitar, so the player sets only the threshold:
// 1 ms attack: a pick attack passes almost whole, yet the gain never steps (a step clicks).
constexpr double kAttackSeconds = 0.001;
// 50 ms hold: several periods of the low E string (12 ms), so a low note's quiet stretches
// between peaks and the gaps of palm-muted chugs do not close the gate mid-phrase.
constexpr double kHoldSeconds = 0.05;
// 100 ms release to kReleaseRangeDb down: a note's tail fades rather than being chopped, and
// the hiss after it is gone within hold + release (150 ms).
constexpr double kReleaseSeconds = 0.1;
constexpr double kReleaseRangeDb = 80.0;
// 4 dB hysteresis: a decaying note's peaks wobble around the threshold; without it the gate
// would chatter open and shut on every other cycle.
constexpr float kHysteresisDb = 4.0f;
// Below this the release ends at exactly 0 (a step of −80 dB is inaudible).
constexpr float kFloorGain = 1e-4f;

float dbToLevel(float db) noexcept { return static_cast<float>(std::pow(10.0, db / 20.0)); }
}  // namespace

void NoiseGate::prepare(double sampleRate, int /*maxBlock*/) noexcept {
  attackStep_ = static_cast<float>(1.0 / std::max(1.0, kAttackSeconds * sampleRate));
  holdSamples_ = std::max(1, static_cast<int>(std::lround(kHoldSeconds * sampleRate)));
  const double releaseSamples = std::max(1.0, kReleaseSeconds * sampleRate);
  releaseFactor_ = static_cast<float>(std::pow(10.0, -kReleaseRangeDb / 20.0 / releaseSamples));
  reset();
}

void NoiseGate::reset() noexcept {
  gain_ = 1.0f;
  open_ = false;
  holdLeft_ = 0;
}

void NoiseGate::setThresholdDb(float db) noexcept {
  off_ = !(db > kOffDb);
  if (off_) return;
  if (db == thresholdDb_) return;  // pow only when the threshold moves
  thresholdDb_ = db;
  openLevel_ = dbToLevel(db);
  closeLevel_ = dbToLevel(db - kHysteresisDb);
}

void NoiseGate::process(float* x, int n) noexcept {
  if (off_ && gain_ == 1.0f) return;  // off and fully open: the samples pass bit for bit
  for (int i = 0; i < n; ++i) {
    const float level = std::fabs(x[i]);
    if (off_ || level >= openLevel_) {
      open_ = true;
      holdLeft_ = holdSamples_;
    } else if (open_) {
      if (level >= closeLevel_)
        holdLeft_ = holdSamples_;
      else if (--holdLeft_ <= 0)
        open_ = false;
    }
    if (open_) {
      gain_ = std::min(1.0f, gain_ + attackStep_);  // lands on exactly 1
    } else {
      gain_ *= releaseFactor_;
      if (gain_ < kFloorGain) gain_ = 0.0f;
    }
    x[i] *= gain_;
  }
}

}  // namespace tonematch::engine::chain
