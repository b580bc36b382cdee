// Compare: what the player hears instead of the matched sound, at the same loudness, for a quick
// "what did the match do" check. A monitoring control of the processor, not a parameter.
//
//   MATCHED  the chain's output, untouched (bit for bit what plays without Compare)
//   RIG      the rig before the matcher's finishing touches: the DI through the input gain, the
//            gate, the pedal, the amp and the cabinet (the chain's rig tap), without the match
//            EQ, the peak EQ, the delay, the reverb and the output gains; mono on both channels
//   BYPASS   the DI as played, delayed by the chain's latency
//
// All three are produced every block, so a switch is a 20 ms crossfade between signals that are
// all running (no click, no tail cut short, no latency change), and their loudness is measured
// side by side on what is being played: K-weighted (BS.1770) mean square over a ~3 s window,
// like short-term loudness. RIG and BYPASS play at the gain that brings that loudness to
// MATCHED's. The gains follow the playing while MATCHED plays and hold while comparing (and
// through silence): a comparison plays at one fixed gain, found on what was just played. A new
// rig starts the measurement afresh, so a comparison in progress follows it for one window.
#pragma once

#include <array>
#include <atomic>
#include <vector>

#include "compare/KWeighting.h"

namespace tonematch::plugin {

enum class CompareMode : int { Matched = 0, Rig = 1, Bypass = 2 };
inline constexpr int kCompareModeCount = 3;

/// "MATCHED", "RIG", "BYPASS".
const char* compareModeName(CompareMode mode) noexcept;
/// The mode the Compare button goes to next: MATCHED → RIG → BYPASS → MATCHED.
CompareMode nextCompareMode(CompareMode mode) noexcept;

class CompareMonitor {
 public:
  static constexpr double kFadeSeconds = 0.02;
  static constexpr double kLoudnessSeconds = 3.0;  ///< EBU R128's short-term window
  static constexpr float kMaxGainDb = 40.0f;       ///< the output level's own range
  /// Below this K-weighted mean square (≈ −70 LUFS) a signal is silence: the gains hold.
  static constexpr double kSilence = 1e-7;

  /// Allocates for blocks of up to maxBlock with the chain's latency; clears the measurement.
  /// Not concurrently with process().
  void prepare(double rate, int maxBlock, int latency);
  /// Clears the delay line and the filters' state; keeps the mode and the gains.
  void reset() noexcept;

  /// Any thread: the mode to play; the audio thread crossfades to it.
  void setMode(CompareMode mode) noexcept { requested_.store(static_cast<int>(mode)); }
  CompareMode mode() const noexcept { return static_cast<CompareMode>(requested_.load()); }
  /// Any thread: the gain (dB) RIG or BYPASS plays at now (0 for MATCHED).
  float gainDb(CompareMode mode) const noexcept;
  /// Any thread: a new rig plays (A/B/C, a preset); its gains are measured again over the next
  /// window of playing, even while comparing, and hold after that.
  void remeasure() noexcept { remeasure_.store(true); }

  // --- audio thread, once per chunk, in this order: pushDry, the chain, process -------------
  /// The DI before the chain changes it in place (n ≤ maxBlock); a non-finite block counts as
  /// silence, as the chain plays it.
  void pushDry(const float* in, int n) noexcept;
  /// Where the chain writes its rig tap for this chunk (maxBlock samples).
  float* rigTap() noexcept { return tap_.data(); }
  /// Measures the three signals and replaces the chain's output (left, right; right null for a
  /// mono output) with the mode's signal, crossfading after a switch. MATCHED, once any fade is
  /// over, leaves the output untouched.
  void process(float* left, float* right, int n) noexcept;

 private:
  void measure(const float* left, const float* right, int n) noexcept;
  void updateGains(int n) noexcept;

  double rate_ = 48000.0;
  int latency_ = 0;
  std::vector<float> ring_, dry_, tap_;
  std::size_t ringMask_ = 0, write_ = 0;

  // Loudness: K-weighted mean squares of MATCHED (mean of its channels), RIG and the DI.
  KWeighting kLeft_, kRight_, kRig_, kDry_;
  double msMatched_ = 0.0, msRig_ = 0.0, msDry_ = 0.0, msCoeff_ = 0.0;
  float gainRig_ = 1.0f, gainDry_ = 1.0f;  // applied at the end of the last chunk (linear)
  long heard_ = 0, settled_ = 1;  // samples of playing measured since prepare(); a full window
  std::atomic<bool> remeasure_{false};
  std::array<std::atomic<float>, kCompareModeCount> publishedDb_{};

  // Crossfade: weights of the three signals at the fade's start, the mode faded to.
  std::atomic<int> requested_{0};
  int target_ = 0;
  std::array<float, kCompareModeCount> from_{1.0f, 0.0f, 0.0f};
  int fadeLength_ = 1, fadePos_ = 0;
};

}  // namespace tonematch::plugin
