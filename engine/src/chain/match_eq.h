// The match EQ: 24 RBJ-cookbook peaking biquads on the 1/3-octave centres, in series, after the
// cabinet. Gains change only when the matcher or a rig sets them, so they are not smoothed:
// the coefficients are recomputed at the start of a block when the gains changed. A band at
// exactly 0 dB is skipped, so a flat EQ costs nothing and leaves the signal bit-identical.
// The amount (a knob, so it moves while audio plays) scales every band's dB gain and glides
// over kAmountGlideSeconds in block steps: a turn of the knob does not click. At 1 the gains
// play unchanged, at 0 every band is skipped.
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
  static constexpr double kAmountGlideSeconds = 0.02;

  /// Sets the (clamped) gains and the amount (0…1) they play at; the amount glides unless
  /// snap. Recomputes the coefficients of the bands that changed. No allocation.
  void setGains(const Gains& gainsDb, float amount, bool snap) noexcept;
  /// Filters n ≤ maxBlock samples in place (transposed direct form II, double precision),
  /// after moving the amount's glide on by n samples.
  void process(float* x, int n) noexcept;

 private:
  /// The gains that play; a band that becomes flat or is switched on starts from a clear state.
  void apply(const Gains& gainsDb) noexcept;
  void applyAmount() noexcept;

  struct Band {
    double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
    double s1 = 0, s2 = 0;
    bool active = false;
  };
  void design(int band) noexcept;

  double rate_ = 48000.0;
  Gains gains_{};    // as playing: matched_ × amountNow_
  Gains matched_{};  // as set
  float amountNow_ = 1.0f, amountTarget_ = 1.0f;
  std::array<Band, kBands> bands_{};
  int activeCount_ = 0;
  std::vector<double> work_;
};

}  // namespace tonematch::engine::chain
