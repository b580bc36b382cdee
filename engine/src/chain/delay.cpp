#include "delay.h"

#include <algorithm>
#include <cmath>

namespace tonematch::engine::chain {

void Delay::prepare(double sampleRate, double maxSeconds) {
  // A power-of-two line, so that wrapping is a mask.
  const auto needed = static_cast<std::size_t>(std::ceil(sampleRate * maxSeconds)) + 4;
  std::size_t size = 1;
  while (size < needed) size <<= 1;
  line_.assign(size, 0.0f);
  mask_ = size - 1;
  reset();
}

void Delay::reset() noexcept {
  std::fill(line_.begin(), line_.end(), 0.0f);
  write_ = 0;
}

void Delay::process(float* x, int n, float feedback) noexcept {
  float* line = line_.data();
  const double size = static_cast<double>(mask_ + 1);
  for (int i = 0; i < n; ++i) {
    const double t = time_.next();  // ≥ 1 sample: the read never reaches the write position
    double read = static_cast<double>(write_) - t;
    if (read < 0.0) read += size;
    const double whole = std::floor(read);
    const float frac = static_cast<float>(read - whole);
    const std::size_t i0 = static_cast<std::size_t>(whole) & mask_;
    const float wet = line[i0] + frac * (line[(i0 + 1) & mask_] - line[i0]);
    const float dry = x[i];
    line[write_] = dry + feedback * wet;
    write_ = (write_ + 1) & mask_;
    const float m = mix_.next();
    x[i] = (1.0f - m) * dry + m * wet;
  }
}

}  // namespace tonematch::engine::chain
