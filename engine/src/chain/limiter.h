// The output limiter at the end of the chain: keeps the peaks of a loud rig under a ceiling, so
// the matcher can bring a rig whose peaks stand out more than the reference's (a higher crest
// factor) to the reference's loudness without clipping.
//
// A gain that drops at once on the sample that would pass the ceiling is a step in the
// waveform's envelope: a click whose spectrum reaches far above the guitar's (measured: +26 dB
// at 12.5 kHz on a cabinet that rolls off to -100 dB there, from 0.4 dB of limiting). So the
// limiter looks ahead: the signal is delayed by a fixed 2 ms (kLookaheadSeconds), and the gain
// glides down over that time before a peak arrives, in an S-shaped ramp (a running minimum of
// the needed gain, smoothed by two moving averages of half the lookahead each, which never
// rises above the gain any sample in reach needs). The needed gain is held for a note's period,
// then recovers at a constant rate in dB. Both channels (and the rig tap the plugin's Compare
// plays) share one gain and one delay, so the stereo image and the alignment stay put. The
// delay is there whether the limiter is on or off, so the latency never changes with its
// setting; off and recovered, the samples pass unchanged, only delayed. Every output sample is
// at most the ceiling. Per-sample, so the output does not depend on the block size.
#pragma once

#include <cstddef>
#include <vector>

namespace tonematch::engine::chain {

class Limiter {
 public:
  /// The ceiling at or above which the limiter is off (it passes every sample, delayed).
  static constexpr float kOffDb = 0.0f;
  /// How far ahead of a peak the gain starts to fall; the limiter's whole latency.
  static constexpr double kLookaheadSeconds = 0.002;

  /// Sizes the delay and the ramp for this rate (allocates; call off the audio thread).
  void prepare(double sampleRate, int maxBlock);
  /// Gain back to 1, nothing held, the delay line silent.
  void reset() noexcept;
  /// Sets the ceiling in dBFS (kOffDb or above = off); takes effect at the next sample.
  void setCeilingDb(float db) noexcept;
  /// Limits n samples of both channels in place (out = the input `latency()` samples ago);
  /// `tap` (may be null) is delayed alike and left unscaled.
  void process(float* left, float* right, float* tap, int n) noexcept;
  /// The delay, in samples, that process() adds to every channel.
  int latency() const noexcept { return delay_; }

 private:
  // The needed gain after hold and release, for the newest input sample.
  float envelope(float peak) noexcept;
  // The lowest envelope value of the last `window_` samples (a monotonic queue).
  float runningMin(float env) noexcept;
  // One moving average of `half_` values; exact 1 whenever every value in it is 1.
  struct Average {
    std::vector<float> ring;
    std::size_t pos = 0;
    int belowOne = 0;
    double sum = 0.0;
    float push(float v) noexcept;
    void reset() noexcept;
  };

  bool off_ = true;
  float ceilingDb_ = kOffDb;
  float ceiling_ = 1.0f;  // linear
  float gain_ = 1.0f;     // the envelope: needed gain with hold and release
  float recovery_ = 1.0f;  // gain multiplier per sample while recovering
  int holdSamples_ = 0, holdLeft_ = 0;
  int window_ = 2, half_ = 1, delay_ = 1;
  // Running minimum: values and their sample numbers, a ring of window_ entries.
  std::vector<float> minValue_;
  std::vector<long long> minAt_;
  std::size_t minHead_ = 0, minCount_ = 0;
  long long sample_ = 0;
  Average first_, second_;
  // Delay lines, delay_ samples each.
  std::vector<float> lineL_, lineR_, lineTap_;
  std::size_t linePos_ = 0;
};

}  // namespace tonematch::engine::chain
