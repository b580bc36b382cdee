// The pre-EQ: an RBJ-cookbook peaking biquad with a fixed Q, in double precision (a 400 Hz
// peak at 192 kHz puts the poles close to z = 1, where float coefficients lose the shape).
#pragma once

#include <cmath>

#include "smoother.h"

namespace tonematch::engine::chain {

/// Peaking EQ whose gain and centre glide per sample.
class PeakFilter {
 public:
  void prepare(double sampleRate, double q) {
    rate_ = sampleRate;
    q_ = q;
    design(gainDb_.current(), freqHz_.current());
    reset();
  }
  void reset() noexcept { s1_ = s2_ = 0.0; }
  Smoother<float>& gainDb() { return gainDb_; }
  Smoother<float>& freqHz() { return freqHz_; }
  /// Recomputes the coefficients for the current (snapped) parameters.
  void refresh() noexcept { design(gainDb_.current(), freqHz_.current()); }

  /// Filters n samples in place (transposed direct form II).
  void process(float* x, int n) noexcept {
    for (int i = 0; i < n; ++i) {
      if (gainDb_.gliding() || freqHz_.gliding()) design(gainDb_.next(), freqHz_.next());
      const double in = x[i];
      const double y = b0_ * in + s1_;
      s1_ = b1_ * in - a1_ * y + s2_;
      s2_ = b2_ * in - a2_ * y;
      x[i] = static_cast<float>(y);
    }
  }

 private:
  void design(double gainDb, double freqHz) noexcept {
    // RBJ peaking EQ: A = 10^(dB/40), α = sin ω0 / 2Q; gain at the centre is A² (the dB value).
    const double a = std::pow(10.0, gainDb / 40.0);
    const double w0 = 2.0 * 3.14159265358979323846 * freqHz / rate_;
    const double alpha = std::sin(w0) / (2.0 * q_);
    const double cw = std::cos(w0);
    const double a0 = 1.0 + alpha / a;
    b0_ = (1.0 + alpha * a) / a0;
    b1_ = -2.0 * cw / a0;
    b2_ = (1.0 - alpha * a) / a0;
    a1_ = b1_;
    a2_ = (1.0 - alpha / a) / a0;
  }

  double rate_ = 48000.0, q_ = 0.707;
  double b0_ = 1, b1_ = 0, b2_ = 0, a1_ = 0, a2_ = 0;
  double s1_ = 0, s2_ = 0;
  Smoother<float> gainDb_, freqHz_;
};

}  // namespace tonematch::engine::chain
