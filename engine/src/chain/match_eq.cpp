#include "match_eq.h"

#include <algorithm>
#include <cmath>

namespace tonematch::engine::chain {

void MatchEq::prepare(double sampleRate, int maxBlock) {
  rate_ = sampleRate;
  work_.assign(static_cast<std::size_t>(maxBlock), 0.0);
  activeCount_ = 0;
  for (int k = 0; k < kBands; ++k) {
    design(k);
    activeCount_ += bands_[static_cast<std::size_t>(k)].active ? 1 : 0;
  }
  reset();
}

void MatchEq::reset() noexcept {
  for (auto& b : bands_) b.s1 = b.s2 = 0.0;
}

void MatchEq::setGains(const Gains& gainsDb, float amount, bool snap) noexcept {
  matched_ = gainsDb;
  amountTarget_ = amount;
  if (snap) amountNow_ = amount;
  applyAmount();
}

void MatchEq::applyAmount() noexcept {
  Gains scaled;
  for (std::size_t k = 0; k < scaled.size(); ++k) scaled[k] = matched_[k] * amountNow_;
  apply(scaled);
}

void MatchEq::apply(const Gains& gainsDb) noexcept {
  if (gainsDb == gains_) return;
  activeCount_ = 0;
  for (int k = 0; k < kBands; ++k) {
    const auto i = static_cast<std::size_t>(k);
    if (gainsDb[i] != gains_[i]) {
      gains_[i] = gainsDb[i];
      const bool wasActive = bands_[i].active;
      design(k);
      if (!wasActive || !bands_[i].active) bands_[i].s1 = bands_[i].s2 = 0.0;
    }
    activeCount_ += bands_[i].active ? 1 : 0;
  }
}

void MatchEq::design(int band) noexcept {
  Band& b = bands_[static_cast<std::size_t>(band)];
  const double gainDb = gains_[static_cast<std::size_t>(band)];
  const double fc = Chain::matchEqCentreHz(band);
  b.active = gainDb != 0.0 && fc <= Chain::kMatchEqMaxCentreRatio * rate_;
  if (!b.active) return;
  // RBJ peaking EQ: A = 10^(dB/40), α = sin ω0 / 2Q; gain at the centre is A² (the dB value).
  const double a = std::pow(10.0, gainDb / 40.0);
  const double w0 = 2.0 * 3.14159265358979323846 * fc / rate_;
  const double alpha = std::sin(w0) / (2.0 * static_cast<double>(Chain::kMatchEqQ));
  const double cw = std::cos(w0);
  const double a0 = 1.0 + alpha / a;
  b.b0 = (1.0 + alpha * a) / a0;
  b.b1 = -2.0 * cw / a0;
  b.b2 = (1.0 - alpha * a) / a0;
  b.a1 = b.b1;
  b.a2 = (1.0 - alpha / a) / a0;
}

void MatchEq::process(float* x, int n) noexcept {
  if (amountNow_ != amountTarget_ && n > 0) {
    const auto step = static_cast<float>(n / (kAmountGlideSeconds * rate_));
    amountNow_ = amountTarget_ > amountNow_ ? std::min(amountTarget_, amountNow_ + step)
                                            : std::max(amountTarget_, amountNow_ - step);
    applyAmount();
  }
  if (activeCount_ == 0 || n <= 0) return;
  double* w = work_.data();
  for (int i = 0; i < n; ++i) w[i] = x[i];
  for (auto& b : bands_) {
    if (!b.active) continue;
    const double b0 = b.b0, b1 = b.b1, b2 = b.b2, a1 = b.a1, a2 = b.a2;
    double s1 = b.s1, s2 = b.s2;
    for (int i = 0; i < n; ++i) {
      const double in = w[i];
      const double y = b0 * in + s1;
      s1 = b1 * in - a1 * y + s2;
      s2 = b2 * in - a2 * y;
      w[i] = y;
    }
    b.s1 = s1;
    b.s2 = s2;
  }
  for (int i = 0; i < n; ++i) x[i] = static_cast<float>(w[i]);
}

}  // namespace tonematch::engine::chain
