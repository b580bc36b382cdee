// Chain::Impl: the state shared by chain.cpp (audio thread) and chain_loading.cpp (loaders).
#pragma once

#include <array>
#include <atomic>
#include <mutex>
#include <vector>

#include "delay.h"
#include "fade.h"
#include "limiter.h"
#include "match_eq.h"
#include "nam_section.h"
#include "noise_gate.h"
#include "peak_filter.h"
#include "reverb.h"
#include "slot.h"
#include "smoother.h"
#include "stages.h"
#include "tonematch/engine/chain.h"

namespace tonematch::engine {

namespace chain {
constexpr double kSmoothSeconds = 0.02;     ///< glide of gains, mixes and the EQ
constexpr double kDelayGlideSeconds = 0.1;  ///< glide of the delay time
constexpr double kFadeSeconds = 0.02;       ///< crossfade of a model or IR swapped while playing
}  // namespace chain

struct Chain::Impl {
  Impl() noexcept { storeParams(ChainParams{}); }
  ~Impl() {
    while (chain::Retirable* r = retired.pop()) delete r;
  }

  // Configuration, changed only by prepare().
  double rate = 0.0;
  int maxBlock = 0;
  bool prepared = false;

  // Loading. The mutex serialises loaders, prepare(), collectGarbage() and the name getters;
  // the audio thread never takes it.
  mutable std::mutex loaderMutex;
  chain::Slot<chain::ModelStage> pedal, amp;
  chain::Slot<chain::CabinetStage> cabinet;
  chain::RetireQueue retired;

  // Parameter targets in kParams order: written by any thread, read at the start of each block.
  std::array<std::atomic<float>, kParamCount> paramTargets{};
  std::array<std::atomic<float>, Chain::kMatchEqBands> matchEqDb{};
  std::atomic<bool> snapRequested{true};

  // Audio state.
  chain::Smoother<float> inputGain, outputGain;  // linear
  chain::NoiseGate gate;  // after the input gain, before the pedal
  chain::NamSection nam;
  chain::MatchEq matchEq;
  chain::PeakFilter eq;
  chain::Delay delay;
  chain::Reverb reverb;
  chain::Limiter limiter;  // last: after the output gain
  std::vector<float> mono, cabinetBefore;
  // Swaps while audio runs crossfade over ~20 ms; after reset() or prepare() they are instant.
  chain::Fade pedalFade, ampFade, cabinetFade;
  int modelFadeLength = 0, hostFadeLength = 0;
  bool running = false;

  void storeParams(const ChainParams& p) noexcept;
  ChainParams loadParams() const noexcept;
  /// Start of a block: move the smoothers' targets (or jump when asked).
  void applyParams(bool snap) noexcept;
  void pickUp() noexcept;
  /// Ends every fade and hands faded-out objects back.
  void endFades() noexcept;
  void processBlock(const float* in, float* left, float* right, float* rigTap, int n) noexcept;
  void runCabinet(float* x, int n) noexcept;
  /// Clears every stage's audio state; no allocation.
  void clearState() noexcept;
  void collect();
};

}  // namespace tonematch::engine
