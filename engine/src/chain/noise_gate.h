// The noise gate before the pedal: silences the hiss and hum between notes that a high-gain amp
// model would otherwise amplify.
//
// The detector is the sample peak |x| (a pick attack opens the gate at once, with no detector
// lag). The gate opens when a sample reaches the threshold and stays open while samples reach
// the threshold minus the hysteresis; once none has for the hold time it closes. The gain rises
// linearly to exactly 1 over the attack and falls at a constant dB rate over the release, then
// to exactly 0. Everything steps per sample, so the output does not depend on the block size.
#pragma once

namespace tonematch::engine::chain {

class NoiseGate {
 public:
  /// The threshold at or below which the gate is off (it passes every sample unchanged).
  static constexpr float kOffDb = -100.0f;

  /// Sets the attack, hold and release lengths for this rate; no allocation.
  void prepare(double sampleRate, int maxBlock) noexcept;
  /// Opens the gate (gain 1) with its hold expired, as a fresh gate.
  void reset() noexcept;
  /// Sets the threshold in dBFS (kOffDb or below = off); takes effect at the next sample.
  void setThresholdDb(float db) noexcept;
  /// Gates n samples in place.
  void process(float* x, int n) noexcept;

 private:
  bool off_ = true;
  float thresholdDb_ = kOffDb;
  float openLevel_ = 0.0f, closeLevel_ = 0.0f;  // linear thresholds (open, keep open)
  float gain_ = 1.0f;
  float attackStep_ = 1.0f;  // gain added per sample while opening
  float releaseFactor_ = 0.0f;  // gain multiplier per sample while closing
  int holdSamples_ = 0, holdLeft_ = 0;
  bool open_ = false;
};

}  // namespace tonematch::engine::chain
