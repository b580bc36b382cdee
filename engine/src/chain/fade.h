// A linear crossfade from a slot's previous object to its new one, so that swapping a model or
// an IR while audio plays does not click. Both objects run during the fade, each exactly once
// per sample, so neither one's state is disturbed.
#pragma once

#include <algorithm>

namespace tonematch::engine::chain {

/// Gain of the new object: (i + 1) / length for the i-th sample of the fade, then 1.
class Fade {
 public:
  void start(int length) noexcept {
    length_ = std::max(length, 1);
    pos_ = 0;
  }
  void stop() noexcept { pos_ = length_; }
  bool active() const noexcept { return pos_ < length_; }
  float next() noexcept {
    if (pos_ >= length_) return 1.0f;
    return static_cast<float>(++pos_) / static_cast<float>(length_);
  }

  /// out = g·out + (1 − g)·before, sample by sample along the fade.
  void mix(float* out, const float* before, int n) noexcept {
    for (int i = 0; i < n; ++i) {
      const float g = next();
      out[i] = g * out[i] + (1.0f - g) * before[i];
    }
  }

 private:
  int length_ = 1, pos_ = 1;
};

}  // namespace tonematch::engine::chain
