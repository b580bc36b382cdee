// A rotary knob with its title above and its value below, attached to one APVTS parameter.
#pragma once

#include <juce_audio_processors/juce_audio_processors.h>

namespace tonematch::plugin {

class Knob : public juce::Component {
 public:
  Knob(juce::AudioProcessorValueTreeState& state, const juce::String& paramId,
       const juce::String& title, int decimals);
  void resized() override;
  juce::Slider& slider() { return slider_; }

 private:
  juce::Label title_;
  juce::Slider slider_{juce::Slider::RotaryHorizontalVerticalDrag, juce::Slider::TextBoxBelow};
  std::unique_ptr<juce::AudioProcessorValueTreeState::SliderAttachment> attachment_;
};

}  // namespace tonematch::plugin
