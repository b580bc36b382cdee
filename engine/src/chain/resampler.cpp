#include "resampler.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <stdexcept>

namespace tonematch::engine::chain {

namespace {

// Eight partial sums in a fixed order: vectorisable without -ffast-math, and the same result
// whichever call computes a given output.
inline float dot8(const float* a, const float* b, int n) noexcept {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < n; i += 8)
    for (int l = 0; l < 8; ++l) s[l] += a[i + l] * b[i + l];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

}  // namespace

void StreamResampler::prepare(long inRate, long outRate, double delay, const SincKernel& kernel,
                              int maxIn) {
  if (inRate <= 0 || outRate <= 0 || maxIn < 1 || delay < kernel.half)
    throw std::invalid_argument("resampler: bad rates, block size or delay");
  const long g = std::gcd(inRate, outRate);
  up_ = outRate / g;
  down_ = inRate / g;
  // Tap m of phase p weighs input q − m at kernel offset m + p/L − delay.
  const int needed = static_cast<int>(std::floor(delay + kernel.half)) + 1;
  taps_ = (needed + 7) / 8 * 8;
  table_.assign(static_cast<std::size_t>(up_) * taps_, 0.0f);
  for (long p = 0; p < up_; ++p) {
    float* row = table_.data() + static_cast<std::size_t>(p) * taps_;
    double sum = 0.0;
    std::vector<double> h(taps_);
    for (int m = 0; m < taps_; ++m) sum += h[m] = kernel(m + static_cast<double>(p) / up_ - delay);
    // Each phase is normalised to unity DC gain so that no phase ripple reaches the output.
    for (int m = 0; m < taps_; ++m) row[taps_ - 1 - m] = static_cast<float>(h[m] / sum);
  }
  maxIn_ = maxIn;
  maxOut_ = static_cast<int>((static_cast<long long>(maxIn) * up_ + down_ - 1) / down_) + 1;
  history_.assign(static_cast<std::size_t>(taps_ - 1 + maxIn), 0.0f);
  reset();
}

void StreamResampler::reset() noexcept {
  std::fill(history_.begin(), history_.end(), 0.0f);
  phase_ = 0;
  ahead_ = 0;
}

int StreamResampler::process(const float* in, int n, float* out) noexcept {
  float* h = history_.data();
  std::memcpy(h + taps_ - 1, in, sizeof(float) * static_cast<std::size_t>(n));
  int count = 0;
  while (ahead_ < n) {
    out[count++] = dot8(table_.data() + static_cast<std::size_t>(phase_) * taps_, h + ahead_, taps_);
    phase_ += down_;
    ahead_ += phase_ / up_;
    phase_ %= up_;
  }
  ahead_ -= n;
  std::memmove(h, h + n, sizeof(float) * static_cast<std::size_t>(taps_ - 1));
  return count;
}

std::vector<float> resampleOffline(const float* x, std::size_t n, double inRate, double outRate,
                                   double gain) {
  const SincKernel kernel = SincKernel::design(inRate, outRate, 120.0);
  const double step = inRate / outRate;
  const auto outLength = static_cast<std::size_t>(std::ceil(static_cast<double>(n) / step));
  std::vector<float> y(outLength);
  const long half = static_cast<long>(std::ceil(kernel.half));
  const long width = 2 * half + 2;  // taps d = −half−1 … half around floor(t)
  // Whole-hertz rates with a small reduced ratio L/M revisit L phases only: tabulate them
  // (evaluating the window for every tap of every output is slow for long IRs).
  const bool whole = inRate == std::round(inRate) && outRate == std::round(outRate);
  const long g = whole ? std::gcd(std::lround(inRate), std::lround(outRate)) : 1;
  const long up = whole ? std::lround(outRate) / g : 0;
  const long down = whole ? std::lround(inRate) / g : 0;
  std::vector<double> table;
  if (whole && up <= 4096) {
    table.resize(static_cast<std::size_t>(up * width));
    for (long p = 0; p < up; ++p)
      for (long d = -half - 1; d <= half; ++d)
        table[p * width + d + half + 1] = kernel(static_cast<double>(p) / up + d);
  }
  for (std::size_t k = 0; k < outLength; ++k) {
    const long centre = table.empty() ? static_cast<long>(std::floor(k * step))
                                      : static_cast<long>(k * down / up);
    const long phase = table.empty() ? 0 : static_cast<long>(k * down % up);
    const double t = static_cast<double>(k) * step;
    const long first = std::max(0L, centre - half);
    const long last = std::min(static_cast<long>(n) - 1, centre + half + 1);
    double acc = 0.0;
    for (long j = first; j <= last; ++j) {
      const long d = centre - j;  // −half−1 … half
      const double w = table.empty() ? kernel(t - static_cast<double>(j))
                                     : table[phase * width + d + half + 1];
      acc += x[j] * w;
    }
    y[k] = static_cast<float>(acc * gain);
  }
  return y;
}

}  // namespace tonematch::engine::chain
