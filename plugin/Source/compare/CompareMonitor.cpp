#include "compare/CompareMonitor.h"

#include <algorithm>
#include <cmath>

namespace tonematch::plugin {

namespace {
float dbOf(float gain) noexcept { return 20.0f * std::log10(gain); }

// NaN/Inf anywhere makes the sum NaN (x − x is 0 for finite x).
bool allFinite(const float* x, int n) noexcept {
  float acc = 0.0f;
  for (int i = 0; i < n; ++i) acc += x[i] - x[i];
  return acc == 0.0f;
}
}  // namespace

const char* compareModeName(CompareMode mode) noexcept {
  switch (mode) {
    case CompareMode::Rig: return "RIG";
    case CompareMode::Bypass: return "BYPASS";
    case CompareMode::Matched: break;
  }
  return "MATCHED";
}

CompareMode nextCompareMode(CompareMode mode) noexcept {
  return static_cast<CompareMode>((static_cast<int>(mode) + 1) % kCompareModeCount);
}

void CompareMonitor::prepare(double rate, int maxBlock, int latency) {
  rate_ = rate;
  latency_ = std::max(0, latency);
  std::size_t size = 1;
  while (size < static_cast<std::size_t>(latency_ + maxBlock + 1)) size <<= 1;
  ring_.assign(size, 0.0f);
  ringMask_ = size - 1;
  write_ = 0;
  dry_.assign(static_cast<std::size_t>(maxBlock), 0.0f);
  tap_.assign(static_cast<std::size_t>(maxBlock), 0.0f);
  for (auto* k : {&kLeft_, &kRight_, &kRig_, &kDry_}) k->prepare(rate);
  msCoeff_ = 1.0 - std::exp(-1.0 / (kLoudnessSeconds * rate));
  msMatched_ = msRig_ = msDry_ = 0.0;
  gainRig_ = gainDry_ = 1.0f;
  heard_ = 0;
  settled_ = static_cast<long>(kLoudnessSeconds * rate);
  for (auto& g : publishedDb_) g.store(0.0f);
  fadeLength_ = std::max(1, static_cast<int>(kFadeSeconds * rate));
  // A new preparation starts steady in the mode asked for.
  target_ = requested_.load();
  from_ = {0.0f, 0.0f, 0.0f};
  from_[static_cast<std::size_t>(target_)] = 1.0f;
  fadePos_ = fadeLength_;
}

void CompareMonitor::reset() noexcept {
  std::fill(ring_.begin(), ring_.end(), 0.0f);
  for (auto* k : {&kLeft_, &kRight_, &kRig_, &kDry_}) k->reset();
}

float CompareMonitor::gainDb(CompareMode mode) const noexcept {
  return publishedDb_[static_cast<std::size_t>(mode)].load(std::memory_order_relaxed);
}

void CompareMonitor::pushDry(const float* in, int n) noexcept {
  const bool finite = allFinite(in, n);
  float* dry = dry_.data();
  float* ring = ring_.data();
  for (int i = 0; i < n; ++i) {
    ring[write_ & ringMask_] = finite ? in[i] : 0.0f;
    dry[i] = ring[(write_ - static_cast<std::size_t>(latency_)) & ringMask_];
    ++write_;
  }
}

void CompareMonitor::measure(const float* left, const float* right, int n) noexcept {
  const double c = msCoeff_;
  double m = msMatched_, r = msRig_, d = msDry_;
  for (int i = 0; i < n; ++i) {
    const double l = kLeft_.next(left[i]);
    double power = l * l;
    if (right != nullptr) {
      const double x = kRight_.next(right[i]);
      power = 0.5 * (power + x * x);  // the mean of the channels, as the mono signals play on both
    }
    m += c * (power - m);
    const double t = kRig_.next(tap_[static_cast<std::size_t>(i)]);
    r += c * (t * t - r);
    const double x = kDry_.next(dry_[static_cast<std::size_t>(i)]);
    d += c * (x * x - d);
  }
  // A non-finite output (the chain silences those) must not poison the window for good.
  auto clean = [](double v, KWeighting& k) {
    if (std::isfinite(v)) return v;
    k.reset();
    return 0.0;
  };
  msMatched_ = clean(m, kLeft_);
  if (msMatched_ == 0.0) kRight_.reset();
  msRig_ = clean(r, kRig_);
  msDry_ = clean(d, kDry_);
}

void CompareMonitor::updateGains(int n) noexcept {
  const float limit = std::pow(10.0f, kMaxGainDb / 20.0f);
  if (msMatched_ >= kSilence && heard_ < settled_) heard_ += n;
  // The gains follow the playing while MATCHED plays. While comparing they hold, so RIG and
  // BYPASS keep their own dynamics (a gain riding the DI would be a compressor) and BYPASS is
  // exactly the DI times one number; only gains not yet measured over a full window (a
  // comparison started as playing starts) still follow until they are.
  const bool hold = target_ != static_cast<int>(CompareMode::Matched) && heard_ >= settled_;
  auto matchTo = [&](double ms, float held) {
    // Through silence (or before anything was played) keep the gain last found.
    if (hold || msMatched_ < kSilence || ms < kSilence * 1e-4) return held;
    const auto g = static_cast<float>(std::sqrt(msMatched_ / ms));
    return std::min(std::max(g, 1.0f / limit), limit);
  };
  gainRig_ = matchTo(msRig_, gainRig_);
  gainDry_ = matchTo(msDry_, gainDry_);
  publishedDb_[1].store(dbOf(gainRig_), std::memory_order_relaxed);
  publishedDb_[2].store(dbOf(gainDry_), std::memory_order_relaxed);
}

void CompareMonitor::process(float* left, float* right, int n) noexcept {
  if (n <= 0) return;
  if (remeasure_.exchange(false, std::memory_order_relaxed)) {
    // Start the window afresh: what the old rig played must not weigh in the new gains.
    msMatched_ = msRig_ = msDry_ = 0.0;
    heard_ = 0;
  }
  measure(left, right, n);
  const int requested = requested_.load(std::memory_order_relaxed);
  if (requested != target_) {
    // Fade from wherever the mix stands now (even the middle of another fade).
    const float t = std::min(1.0f, static_cast<float>(fadePos_) / static_cast<float>(fadeLength_));
    for (std::size_t m = 0; m < from_.size(); ++m)
      from_[m] = from_[m] * (1.0f - t) + (static_cast<int>(m) == target_ ? t : 0.0f);
    target_ = requested;
    fadePos_ = 0;
  }
  const float rigBefore = gainRig_, dryBefore = gainDry_;
  updateGains(n);
  if (target_ == static_cast<int>(CompareMode::Matched) && fadePos_ >= fadeLength_) return;

  // The gains glide linearly across the chunk from where they were to where they are now.
  const float step = 1.0f / static_cast<float>(n);
  const float rigStep = (gainRig_ - rigBefore) * step, dryStep = (gainDry_ - dryBefore) * step;
  const auto target = static_cast<std::size_t>(target_);
  for (int i = 0; i < n; ++i) {
    const float t = fadePos_ >= fadeLength_
                        ? 1.0f
                        : static_cast<float>(fadePos_++) / static_cast<float>(fadeLength_);
    std::array<float, kCompareModeCount> w{};
    for (std::size_t m = 0; m < w.size(); ++m) w[m] = from_[m] * (1.0f - t) + (m == target ? t : 0.0f);
    const float gRig = rigBefore + rigStep * static_cast<float>(i + 1);
    const float gDry = dryBefore + dryStep * static_cast<float>(i + 1);
    const auto k = static_cast<std::size_t>(i);
    const float mono = w[1] * gRig * tap_[k] + w[2] * gDry * dry_[k];
    // At a full weight of RIG or BYPASS the chain's output is dropped, not scaled by 0 (a
    // 0 · Inf would be NaN).
    left[i] = w[0] == 0.0f ? mono : w[0] * left[i] + mono;
    if (right != nullptr) right[i] = w[0] == 0.0f ? mono : w[0] * right[i] + mono;
  }
  if (fadePos_ >= fadeLength_) {
    from_ = {0.0f, 0.0f, 0.0f};
    from_[target] = 1.0f;
  }
}

}  // namespace tonematch::plugin
