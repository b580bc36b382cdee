#include "ui/Knob.h"

#include "ui/Theme.h"

namespace tonematch::plugin {

Knob::Knob(juce::AudioProcessorValueTreeState& state, const juce::String& paramId,
           const juce::String& title, int decimals) {
  title_.setText(title, juce::dontSendNotification);
  title_.setJustificationType(juce::Justification::centred);
  title_.setColour(juce::Label::textColourId, theme::dimText);
  title_.setFont(juce::Font(13.0f));
  addAndMakeVisible(title_);

  auto* param = state.getParameter(paramId);
  const auto unit = param != nullptr ? param->getLabel() : juce::String();
  slider_.setTextBoxStyle(juce::Slider::TextBoxBelow, false, 80, 18);
  slider_.setPopupDisplayEnabled(false, false, nullptr);
  // The attachment sets the range from the parameter; the text is formatted here so every
  // knob shows the same number style.
  attachment_ = std::make_unique<juce::AudioProcessorValueTreeState::SliderAttachment>(state, paramId, slider_);
  slider_.textFromValueFunction = [decimals, unit](double v) {
    auto s = juce::String(v, decimals);
    return unit.isEmpty() ? s : s + " " + unit;
  };
  slider_.valueFromTextFunction = [](const juce::String& t) { return t.getDoubleValue(); };
  slider_.updateText();
  slider_.setDoubleClickReturnValue(true, param != nullptr ? param->convertFrom0to1(param->getDefaultValue()) : 0.0);
  slider_.setTooltip(param != nullptr ? param->getName(64) : title);
  addAndMakeVisible(slider_);
}

void Knob::resized() {
  auto area = getLocalBounds();
  title_.setBounds(area.removeFromTop(18));
  slider_.setBounds(area);
}

}  // namespace tonematch::plugin
