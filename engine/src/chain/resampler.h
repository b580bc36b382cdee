// Sample-rate conversion: a streaming polyphase resampler with a fixed latency (around the NAM
// stages) and an offline one (for impulse responses).
#pragma once

#include <cstddef>
#include <vector>

#include "sinc_kernel.h"

namespace tonematch::engine::chain {

/// Streams inRate → outRate for integer rates (the ratio is reduced to L/M, so every output
/// lands on one of L precomputed phases). Output k is the band-limited input at time
/// k·inRate/outRate − delay (input samples); it is written as soon as its newest input sample has
/// arrived, so the result does not depend on how the input is cut into calls.
class StreamResampler {
 public:
  /// delay ≥ kernel.half keeps the filter causal. Allocates; maxIn = most inputs per call.
  void prepare(long inRate, long outRate, double delay, const SincKernel& kernel, int maxIn);
  /// Forgets all input (as if silence had always played); no allocation.
  void reset() noexcept;
  /// Consumes n ≤ maxIn inputs, writes the outputs now due and returns how many (≤ maxOut()).
  int process(const float* in, int n, float* out) noexcept;
  /// Most outputs one call can write.
  int maxOut() const { return maxOut_; }

 private:
  long up_ = 1, down_ = 1;  // L, M: output step = M/L input samples
  int taps_ = 0;            // per phase, a multiple of 8
  int maxIn_ = 0, maxOut_ = 0;
  std::vector<float> table_;    // L rows of taps_, time-reversed to match the history order
  std::vector<float> history_;  // taps_ − 1 past inputs, then this call's inputs
  long phase_ = 0;              // p of the next output
  long ahead_ = 0;              // (newest input the next output needs) − (inputs consumed)
};

/// Resamples a whole signal (offline, zero-phase: sample 0 stays at time 0). `gain` scales it.
std::vector<float> resampleOffline(const float* x, std::size_t n, double inRate, double outRate,
                                   double gain);

}  // namespace tonematch::engine::chain
