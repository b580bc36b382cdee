// The ToneMatch AI audio processor: APVTS parameters + the engine chain (which does all the DSP),
// a background loader for models and IRs, the session state, and the rig API used by presets
// and the MATCH TONE! bridge.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <juce_audio_processors/juce_audio_processors.h>

#include "Parameters.h"
#include "capture/CaptureRing.h"
#include "compare/CompareMonitor.h"
#include "loading/RigLoader.h"
#include "rig/MatchedRigs.h"
#include "rig/RigJson.h"
#include "state/AsyncPresetLoader.h"
#include "tonematch/engine/chain.h"
#include "ui/MeterLevels.h"

namespace tonematch::plugin {

class MatchController;

class ToneMatchProcessor : public juce::AudioProcessor {
 public:
  ToneMatchProcessor();
  ~ToneMatchProcessor() override;

  // --- juce::AudioProcessor -------------------------------------------------------------
  void prepareToPlay(double sampleRate, int maximumExpectedSamplesPerBlock) override;
  void releaseResources() override {}
  void reset() override;
  bool isBusesLayoutSupported(const BusesLayout& layouts) const override;
  void processBlock(juce::AudioBuffer<float>&, juce::MidiBuffer&) override;
  using AudioProcessor::processBlock;

  juce::AudioProcessorEditor* createEditor() override;
  bool hasEditor() const override { return true; }

  const juce::String getName() const override { return "ToneMatch AI"; }
  bool acceptsMidi() const override { return false; }
  bool producesMidi() const override { return false; }
  bool isMidiEffect() const override { return false; }
  double getTailLengthSeconds() const override { return 5.0; }  // delay feedback + reverb

  int getNumPrograms() override { return 1; }
  int getCurrentProgram() override { return 0; }
  void setCurrentProgram(int) override {}
  // One named program: hosts list it (VST3 program list, LV2 preset label) and validators
  // expect a name.
  const juce::String getProgramName(int) override { return "Default"; }
  void changeProgramName(int, const juce::String&) override {}

  void getStateInformation(juce::MemoryBlock& destData) override;
  void setStateInformation(const void* data, int sizeInBytes) override;

  // --- rig API (message thread; what presets and the MATCH TONE! bridge call) -------------
  /// Sets every parameter as a host-visible gesture and starts loading the rig's files in
  /// the background. A slot whose file is missing or bad plays nothing and shows why (status).
  void applyRig(const RigSpec& rig);
  /// The current rig: parameters, slot paths and names, and the loss/name of the last rig applied.
  RigSpec currentRig() const;
  /// Loads one file picked by the user; on failure the slot keeps what it was playing.
  void loadSlot(SlotKind kind, const juce::File& file);
  void clearSlot(SlotKind kind);

  // --- status (any thread but audio) --------------------------------------------------------
  SlotStatus slotStatus(SlotKind kind) const { return loader_.status(kind); }
  /// "Ready", "Loading…", or what is missing/broken, one line for the UI.
  std::string statusLine() const;
  bool isLoading() const { return !loader_.idle(); }
  bool waitUntilLoaded(int timeoutMs) const { return loader_.waitUntilIdle(timeoutMs); }
  juce::uint32 changeCount() const { return loader_.changeCount() + metaChanges_.load(); }
  /// LAST RIG FOUND text ("" before any rig was applied).
  std::string lastRigText() const;
  /// Warnings from the last applyRig/state restore (clamped values, unreadable state).
  std::vector<std::string> warnings() const;

  // --- match EQ (message thread sets; the audio thread reads lock-free) ----------------------
  /// The match EQ's gains as set by the last rig (kept while bypassed).
  MatchEqGains matchEq() const noexcept;
  bool matchEqBypassed() const noexcept { return matchEqBypass_.load(std::memory_order_relaxed); }
  /// Bypass = the chain plays a flat match EQ; the gains stay for the next rig save.
  void setMatchEqBypassed(bool bypassed);
  /// "MATCH EQ: 24 bands, ±x.x dB", "MATCH EQ: flat", with " (bypassed)" when bypassed.
  std::string matchEqText() const;

  /// Set by the MATCH TONE! bridge; the editor enables its button only when this is set.
  std::function<void()> onMatchTone;

  // --- MATCH TONE! (message thread) ----------------------------------------------------------
  /// The last seconds of input (pre-chain, mono-summed, host rate), oldest first.
  CapturedAudio captureSnapshot() const { return capture_.snapshot(); }
  /// The bridge: capture check, reference chooser, child process, progress, cancel.
  MatchController& matcher() { return *matcher_; }
  /// Stores a match result as A (best) + B/C (alternatives) and applies A.
  void applyMatchedRigs(const RigSpec& best);
  /// Applies rig A (0), B (1) or C (2) of the last match, with its stored parameters.
  bool chooseMatchedRig(int index);
  /// The last match's rigs (A, B, C) and which one was applied last (-1: none).
  std::vector<RigSpec> matchedRigs() const { return matched_.rigs(); }
  int activeMatchedRig() const { return matched_.active(); }

  // --- Compare (any thread; a monitoring control: not a parameter, not in presets or state) ----
  /// What plays: MATCHED (the chain), RIG (the rig before the match EQ and post-FX) or BYPASS
  /// (the DI), the last two level-matched to MATCHED. A new instance and a restored session
  /// start at MATCHED.
  void setCompareMode(CompareMode mode);
  CompareMode compareMode() const noexcept { return compare_.mode(); }
  /// The level-matching gain (dB) RIG or BYPASS plays at now.
  float compareGainDb(CompareMode mode) const noexcept { return compare_.gainDb(mode); }

  // --- meters (the audio thread publishes; the editor reads lock-free) ------------------------
  /// The input as played (before the chain, stereo averaged), and the output, both channels.
  MeterLevels& inputLevels() noexcept { return inputLevels_; }
  MeterLevels& outputLevels() noexcept { return outputLevels_; }

  juce::AudioProcessorValueTreeState& parameters() { return apvts_; }
  /// LOAD PRESET's reader (PresetManager::loadAsync); message thread.
  AsyncPresetLoader& presetLoader() { return presetLoader_; }
  /// Host-rate latency reported to the host (the limiter's 2 ms lookahead; the resamplers).
  int chainLatency() const { return chain_.latencySamples(); }

 private:
  ParamValues readParams() const noexcept;
  /// The APVTS parameters and the match EQ (flat when bypassed), for the chain.
  engine::ChainParams chainParams() const noexcept;
  void setMatchEq(const MatchEqGains& gains) noexcept;
  void processChunk(float* const* channels, int numIn, int numOut, int n) noexcept;
  void setMeta(const RigSpec* rig, std::vector<std::string> warnings);

  juce::AudioProcessorValueTreeState apvts_;
  std::array<std::atomic<float>*, kParams.size()> paramPointers_{};
  std::array<std::atomic<float>, engine::Chain::kMatchEqBands> matchEqDb_{};
  std::atomic<bool> matchEqBypass_{false};

  engine::Chain chain_;   // declared before loader_: the loader thread stops first
  RigLoader loader_;
  std::vector<float> scratch_;  // right channel when the host gives one output
  int preparedBlock_ = 0;
  std::atomic<bool> prepared_{false};

  mutable std::mutex metaMutex_;  // LAST RIG FOUND, loss, warnings; never the audio thread
  std::string lastRig_;
  std::optional<double> lastLoss_;
  std::string lastRigName_;
  std::vector<std::string> warnings_;
  std::atomic<juce::uint32> metaChanges_{0};

  MeterLevels inputLevels_, outputLevels_;
  CompareMonitor compare_;  // prepared with the chain; the audio thread mixes its output
  CaptureRing capture_;   // written by the audio thread only (plain stores + one atomic)
  MatchedRigs matched_;
  // Near the end: destroyed early, so a running match is killed while everything it uses still
  // exists.
  std::unique_ptr<MatchController> matcher_;
  // Last: destroyed first, so no preset is applied to a processor being torn down, and a
  // stuck preset read is abandoned before anything else goes.
  AsyncPresetLoader presetLoader_{*this};

  JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR(ToneMatchProcessor)
};

}  // namespace tonematch::plugin
