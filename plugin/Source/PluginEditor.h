// The editor (original design §5): a top bar and four zones — AI matching, post-FX, equipment
// slots, input/EQ with presets — and a status line that names anything missing.
#pragma once

#include <array>
#include <memory>

#include <juce_audio_processors/juce_audio_processors.h>

#include "PluginProcessor.h"
#include "ui/CompareButton.h"
#include "ui/Knob.h"
#include "ui/LevelMeter.h"
#include "ui/MatchPanel.h"
#include "ui/PresetBar.h"
#include "ui/SlotComponent.h"
#include "ui/Theme.h"

namespace tonematch::plugin {

class ToneMatchEditor : public juce::AudioProcessorEditor, private juce::Timer {
 public:
  explicit ToneMatchEditor(ToneMatchProcessor& owner);
  ~ToneMatchEditor() override;

  void paint(juce::Graphics&) override;
  void resized() override;

  static constexpr int kDefaultWidth = 900, kDefaultHeight = 560;

 private:
  void timerCallback() override;
  void refresh();
  void showMessage(const juce::String& text, bool isError);

  ToneMatchProcessor& processor_;
  theme::LookAndFeel lookAndFeel_;
  juce::TooltipWindow tooltips_{this, 600};

  // top bar: Compare (MATCHED / RIG / BYPASS)
  CompareButton compare_;

  // zone 1: AI matching
  MatchPanel matchPanel_;
  juce::Label matchEq_;               // "MATCH EQ: 24 bands, ±x.x dB" / "MATCH EQ: flat"
  juce::ToggleButton matchEqBypass_{"Bypass"};
  Knob matchEqAmount_;
  // zone 2: post-FX, the final gain, the output level and the output meter
  Knob delayTime_, delayMix_, reverbWet_, reverbSize_, finalGain_, outputLevel_, limiter_;
  LevelMeter outputMeter_;
  // zone 3: equipment
  std::array<std::unique_ptr<SlotComponent>, 3> slots_;
  // zone 4: the input meter, input gain, gate, pre-EQ, presets
  LevelMeter inputMeter_;
  Knob inputGain_, gate_, preEqGain_, preEqFreq_;
  PresetBar presetBar_;

  juce::Label status_;
  juce::String message_;
  bool messageIsError_ = false;
  juce::uint32 messageUntilMs_ = 0;
  juce::uint32 lastChangeCount_ = ~0u;

  std::array<juce::Rectangle<int>, 4> zones_;
  juce::Rectangle<int> topBar_, chainText_;

  JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR(ToneMatchEditor)
};

}  // namespace tonematch::plugin
