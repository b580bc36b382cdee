// The delay: a fractional delay line with feedback and a wet/dry mix.
//
//   line  = x + feedback · wet,   wet = line read (time) samples ago (linear interpolation),
//   out   = (1 − mix) · x + mix · wet
// so a click gives the dry click at (1 − mix), then echoes at time, 2·time, … with levels
// mix, mix·feedback, mix·feedback², … The time glides per sample (a tape-like pitch bend when
// it changes), so no jump in the read position ever clicks.
#pragma once

#include <vector>

#include "smoother.h"

namespace tonematch::engine::chain {

class Delay {
 public:
  /// Allocates a line for up to maxSeconds at sampleRate.
  void prepare(double sampleRate, double maxSeconds);
  void reset() noexcept;
  /// Runs n samples in place with the given feedback.
  void process(float* x, int n, float feedback) noexcept;
  Smoother<double>& timeSamples() { return time_; }
  Smoother<float>& mix() { return mix_; }

 private:
  std::vector<float> line_;
  std::size_t mask_ = 0, write_ = 0;
  Smoother<double> time_;
  Smoother<float> mix_;
};

}  // namespace tonematch::engine::chain
