// A radix-2 real FFT for the convolver's partitions (our own; sizes are powers of two).
#pragma once

#include <vector>

namespace tonematch::engine::chain {

/// Real-input FFT of a fixed power-of-two size, computed as a half-size complex FFT.
/// Spectra are split arrays (re, im) of bins() = size/2 + 1 values. Owns its scratch, so one
/// object serves one thread.
class RealFft {
 public:
  /// size: a power of two ≥ 4. Allocates the tables.
  explicit RealFft(int size);
  int size() const { return n_; }
  int bins() const { return n_ / 2 + 1; }
  /// Unscaled forward transform of size() samples.
  void forward(const float* in, float* re, float* im) noexcept;
  /// Inverse transform of bins() values into size() samples, scaled so inverse(forward(x)) = x.
  void inverse(const float* re, const float* im, float* out) noexcept;

 private:
  /// In-place complex FFT of size n_/2 on zr_, zi_ (sign −1 forward, +1 inverse).
  void complexTransform(bool inverse) noexcept;

  int n_ = 0, m_ = 0;
  std::vector<int> bitReverse_;
  std::vector<float> cosM_, sinM_;  // twiddles of the half-size transform
  std::vector<float> cosN_, sinN_;  // twiddles that split/merge the real transform
  std::vector<float> zr_, zi_;
};

}  // namespace tonematch::engine::chain
