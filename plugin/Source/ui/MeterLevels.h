// The levels of one meter, measured on the audio thread and read by the editor: peak, RMS and
// clip, handed over in atomics only (no locks, no allocation on the audio thread).
#pragma once

#include <atomic>
#include <cmath>

namespace tonematch::plugin {

class MeterLevels {
 public:
  /// What the editor reads: linear levels (1 = 0 dBFS) and whether a sample reached 0 dBFS.
  struct Reading {
    float peak = 0.0f, rms = 0.0f;
    bool clipped = false;
  };

  /// Sets the RMS window for this rate and clears the levels; call with audio stopped.
  void prepare(double sampleRate) noexcept {
    // 300 ms, the integration time of a VU meter: long enough to read steadily, short enough to
    // follow a phrase.
    coeff_ = static_cast<float>(1.0 - std::exp(-1.0 / (0.3 * sampleRate)));
    meanSquare_ = 0.0f;
    blockPeak_ = 0.0f;
  }

  /// Audio thread: measures n samples of one channel, or of two (right may be null).
  void measure(const float* left, const float* right, int n) noexcept {
    float peak = blockPeak_, ms = meanSquare_;
    for (int i = 0; i < n; ++i) {
      const float l = left[i], r = right != nullptr ? right[i] : l;
      peak = std::fmax(peak, std::fmax(std::fabs(l), std::fabs(r)));
      ms += coeff_ * (0.5f * (l * l + r * r) - ms);
    }
    blockPeak_ = peak;
    meanSquare_ = ms;
  }

  /// Audio thread, once per host block: publishes what measure() saw since the last call.
  void publish() noexcept {
    const float peak = std::isfinite(blockPeak_) ? blockPeak_ : 1.0f;
    if (!std::isfinite(meanSquare_)) meanSquare_ = 0.0f;
    blockPeak_ = 0.0f;
    // The editor reads ~30 times a second, the audio thread publishes hundreds of times: keep
    // the largest peak until it is read, so no short peak is missed.
    float seen = peak_.load(std::memory_order_relaxed);
    while (peak > seen && !peak_.compare_exchange_weak(seen, peak, std::memory_order_relaxed)) {
    }
    rms_.store(std::sqrt(meanSquare_), std::memory_order_relaxed);
    if (peak >= 1.0f) clipped_.store(true, std::memory_order_relaxed);
  }

  /// Editor: the levels since the last read (the peak and the clip are consumed).
  Reading take() noexcept {
    Reading r;
    r.peak = peak_.exchange(0.0f, std::memory_order_relaxed);
    r.rms = rms_.load(std::memory_order_relaxed);
    r.clipped = clipped_.exchange(false, std::memory_order_relaxed);
    return r;
  }

 private:
  // Audio thread only.
  float coeff_ = 1.0f, meanSquare_ = 0.0f, blockPeak_ = 0.0f;
  // Handed to the editor.
  std::atomic<float> peak_{0.0f}, rms_{0.0f};
  std::atomic<bool> clipped_{false};
};

}  // namespace tonematch::plugin
