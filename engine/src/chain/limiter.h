// The output limiter at the end of the chain: keeps the peaks of a loud rig under a ceiling, so
// the matcher can bring a rig whose peaks stand out more than the reference's (a higher crest
// factor) to the reference's loudness without clipping.
//
// No lookahead, so the chain's latency does not change: the gain drops at once to whatever
// keeps the current sample under the ceiling (both channels share one gain, so the stereo
// image stays put), is held for a note's period (its next cycles reach the same peak), then
// recovers at a constant rate in dB. Every sample is at most the ceiling. Per-sample, so the output
// does not depend on the block size.
#pragma once

namespace tonematch::engine::chain {

class Limiter {
 public:
  /// The ceiling at or above which the limiter is off (it passes every sample unchanged).
  static constexpr float kOffDb = 0.0f;

  /// Sets the hold and release for this rate; no allocation.
  void prepare(double sampleRate, int maxBlock) noexcept;
  /// Gain back to 1, nothing held.
  void reset() noexcept;
  /// Sets the ceiling in dBFS (kOffDb or above = off); takes effect at the next sample.
  void setCeilingDb(float db) noexcept;
  /// Limits n samples of both channels in place.
  void process(float* left, float* right, int n) noexcept;

 private:
  bool off_ = true;
  float ceilingDb_ = kOffDb;
  float ceiling_ = 1.0f;  // linear
  float gain_ = 1.0f;
  float recovery_ = 1.0f;  // gain multiplier per sample while recovering
  int holdSamples_ = 0, holdLeft_ = 0;
};

}  // namespace tonematch::engine::chain
