// The whole ToneMatch signal chain, shared by the plugin and tonematch._native so that
// `tonematch render` and the plugin produce the same samples.
//
//   input gain → NAM pedal → NAM amp → cabinet IR → match EQ → peak EQ → delay → reverb
//   → output gain
//
// The NAM stages run at the model's rate (48 kHz); at other host rates they are wrapped in a
// resampler (see latencySamples()). Everything after the amp runs at the host rate.
#pragma once

#include <array>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "tonematch/engine/model.h"
#include "tonematch/engine/rig_params.h"

namespace tonematch::engine {

/// A cabinet impulse response, resampled to the host rate and cut into FFT partitions.
/// Built off the audio thread (allocates); immutable afterwards.
class ImpulseResponse {
 public:
  /// samples: mono IR at irRate; it is resampled to hostRate and prepared for blocks of
  /// up to maxBlock samples. Throws std::invalid_argument on an empty or non-finite IR.
  static std::unique_ptr<const ImpulseResponse> make(const float* samples, std::size_t n,
                                                     double irRate, double hostRate,
                                                     int maxBlock, std::string name = {});
  ~ImpulseResponse();
  const std::string& name() const;
  std::size_t length() const;  ///< taps at the host rate
  double sampleRate() const;
  /// The taps the convolver runs (at sampleRate()), so offline tools can convolve exactly
  /// what the chain plays instead of re-deriving the resampling.
  const std::vector<float>& taps() const;
  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit ImpulseResponse(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// The full chain. prepare(), the set*() loaders and collectGarbage() run off the audio
/// thread; setParams() and process() are real-time safe and may run on the audio thread
/// while another thread stages new models or IRs.
class Chain {
 public:
  static constexpr float kPreEqQ = 0.707f;       ///< fixed peak-filter Q
  static constexpr float kDelayFeedback = 0.35f; ///< fixed delay feedback
  static constexpr double kModelRate = 48000.0;  ///< rate the NAM stages run at
  /// Match EQ: 24 peaking biquads on the base-10 1/3-octave centres 10^(k/10) Hz, k = 18…41
  /// (63.1 Hz … 12.59 kHz), Q = 4.318 (1/3-octave bandwidth), gains within ±kMatchEqMaxDb.
  static constexpr int kMatchEqBands = kMatchEqBandCount;
  static constexpr int kMatchEqFirstIndex = 18;
  static constexpr float kMatchEqQ = 4.318f;
  static constexpr float kMatchEqMaxDb = kMatchEqLimitDb;
  /// Bands centred above this fraction of the host rate are bypassed.
  static constexpr double kMatchEqMaxCentreRatio = 0.45;
  /// Centre of band k (0…23) in Hz.
  static double matchEqCentreHz(int band) noexcept {
    return std::pow(10.0, (kMatchEqFirstIndex + band) / 10.0);
  }

  Chain();
  ~Chain();
  Chain(const Chain&) = delete;
  Chain& operator=(const Chain&) = delete;

  /// Allocates everything for blocks of up to maxBlock at the host rate and resets state.
  /// Must not run concurrently with process(). Re-prepares any loaded models and IRs.
  void prepare(double sampleRate, int maxBlock);
  /// Clears all audio state (delay lines, reverb tails, model history, glides, fades); no
  /// allocation. Not concurrently with process().
  void reset();

  /// Sets parameter targets; gains, EQ and mixes glide over ~20 ms. Real-time safe.
  void setParams(const ChainParams& params) noexcept;
  /// Sets parameters with no glide (for offline renders and tests).
  void setParamsImmediate(const ChainParams& params) noexcept;
  /// The current parameter targets, clamped (any thread).
  ChainParams params() const noexcept;
  /// `params` with every value inside its kParams range (a non-finite value becomes the default).
  static ChainParams clamp(const ChainParams& params) noexcept;
  /// The chain's last stages offline: a stereo render made with the output gain at 0 dB and
  /// the limiter off, brought to `outputDb` (final gain + output level) and limited at
  /// `ceilingDb` (clamped to the limiter's range; its top = off), in place. Gives the samples a
  /// chain reset with those settings plays (the output gain does not glide after a reset), so
  /// a level can be chosen without rendering the rig again. The render is aligned (latency
  /// removed) and so is the result; past its end the render is taken as silent.
  static void applyOutputStages(float* left, float* right, std::size_t n, double sampleRate,
                                float outputDb, float ceilingDb);

  /// Stages a model for the pedal/amp slot (nullptr empties the slot = bypass). The model is
  /// prepared here for the chain's rate and block size. Call off the audio thread. A swap
  /// while audio plays crossfades over 20 ms; after reset() or prepare() it is instant.
  void setPedal(std::unique_ptr<Model> model);
  void setAmp(std::unique_ptr<Model> model);
  /// Same, with the name pedalName()/ampName() report (default: the file's metadata name,
  /// else the architecture).
  void setPedal(std::unique_ptr<Model> model, std::string name);
  void setAmp(std::unique_ptr<Model> model, std::string name);
  /// Stages a cabinet IR (nullptr = no cabinet); an IR made for another rate is rebuilt from
  /// its original samples. Call off the audio thread.
  void setImpulseResponse(std::unique_ptr<const ImpulseResponse> ir);
  /// Frees objects the audio thread has swapped out. Call periodically off the audio thread
  /// (the hand-back queue holds 64; while it is full, staged objects wait).
  void collectGarbage();

  /// Processes n ≤ maxBlock samples of mono input into left/right outputs (in may alias outL).
  /// Picks up staged objects at the start of the block. Never allocates, locks or waits.
  /// Non-finite input or state is detected and the chain is reset (the block is silenced).
  void process(const float* in, float* outL, float* outR, int n) noexcept;
  /// Same, and writes n samples of the rig as it sounds before the post-cabinet stages into
  /// rigTap (the mono signal after the gate, pedal, amp and cabinet at the input gain, before
  /// the match EQ), aligned with the outputs (same latency). The plugin's Compare plays it.
  void process(const float* in, float* outL, float* outR, float* rigTap, int n) noexcept;

  /// Total latency of the chain in host samples: the output limiter's lookahead (2 ms) plus the
  /// resamplers' delay at rates other than 48 kHz; exact for a click, constant whatever is
  /// loaded or set.
  int latencySamples() const;
  double sampleRate() const;
  int maxBlock() const;

  /// Names of what the audio thread is currently running (empty = slot empty); off-thread.
  std::string pedalName() const;
  std::string ampName() const;
  std::string impulseResponseName() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tonematch::engine
