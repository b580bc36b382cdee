// The K-weighting of ITU-R BS.1770 (a +4 dB shelf above ~1.7 kHz, then a ~38 Hz high-pass),
// designed for any sample rate: Compare matches loudness as people hear it, not plain RMS, so a
// bright DI and a dark amp are compared the way the ear weighs them.
#pragma once

#include <cmath>

namespace tonematch::plugin {

class KWeighting {
 public:
  /// Designs both stages for this rate (the analogue prototypes of libebur128) and clears them.
  void prepare(double rate) noexcept {
    const double pi = 3.14159265358979323846;
    {  // stage 1: high shelf
      const double f0 = 1681.974450955533, gainDb = 3.999843853973347, q = 0.7071752369554196;
      const double k = std::tan(pi * f0 / rate);
      const double vh = std::pow(10.0, gainDb / 20.0);
      const double vb = std::pow(vh, 0.4996667741545416);
      const double a0 = 1.0 + k / q + k * k;
      shelf_ = {(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0,
                (vh - vb * k / q + k * k) / a0, 2.0 * (k * k - 1.0) / a0,
                (1.0 - k / q + k * k) / a0};
    }
    {  // stage 2: high-pass
      const double f0 = 38.13547087602444, q = 0.5003270373238773;
      const double k = std::tan(pi * f0 / rate);
      const double a0 = 1.0 + k / q + k * k;
      highPass_ = {1.0, -2.0, 1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0};
    }
    reset();
  }

  void reset() noexcept { shelf_.s1 = shelf_.s2 = highPass_.s1 = highPass_.s2 = 0.0; }

  /// The weighted value of the next sample.
  double next(float x) noexcept { return highPass_.next(shelf_.next(x)); }

 private:
  struct Biquad {
    double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
    double s1 = 0, s2 = 0;
    double next(double in) noexcept {  // transposed direct form II
      const double y = b0 * in + s1;
      s1 = b1 * in - a1 * y + s2;
      s2 = b2 * in - a2 * y;
      return y;
    }
  };
  Biquad shelf_, highPass_;
};

}  // namespace tonematch::plugin
