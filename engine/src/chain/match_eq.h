// The match EQ: 24 RBJ-cookbook peaking biquads on the 1/3-octave centres, in series, after the
// cabinet. Gains change only when the matcher or a rig sets them, so they are not smoothed:
// the coefficients are recomputed at the start of a block when the gains changed. A band at
// exactly 0 dB is skipped, so a flat EQ costs nothing and leaves the signal bit-identical.
#pragma once

#include <array>
#include <vector>

#include "tonematch/engine/chain.h"

namespace tonematch::engine::chain {

class MatchEq {
 public:
  static constexpr int kBands = Chain::kMatchEqBands;
  using Gains = std::array<float, kBands>;

  /// Allocates the work buffer for blocks of up to maxBlock; keeps the gains; clears state.
  void prepare(double sampleRate, int maxBlock);
  void reset() noexcept;
  /// Sets the (clamped) gains; recomputes the coefficients of the bands that changed. A band
  /// that becomes flat or is switched on starts from a clear state. No allocation.
  void setGains(const Gains& gainsDb) noexcept;
  /// Filters n ≤ maxBlock samples in place (transposed direct form II, double precision).
  void process(float* x, int n) noexcept;

 private:
  struct Band {
    double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
    double s1 = 0, s2 = 0;
    bool active = false;
  };
  void design(int band) noexcept;

  double rate_ = 48000.0;
  Gains gains_{};
  std::array<Band, kBands> bands_{};
  int activeCount_ = 0;
  std::vector<double> work_;
};

}  // namespace tonematch::engine::chain
