#include "ui/SlotComponent.h"

#include "ui/Theme.h"

namespace tonematch::plugin {

SlotComponent::SlotComponent(const juce::String& title, const juce::String& filePattern)
    : title_(title), pattern_(filePattern) {
  name_.setFont(juce::Font(16.0f, juce::Font::bold));
  name_.setMinimumHorizontalScale(0.6f);
  detail_.setFont(juce::Font(12.0f));
  detail_.setMinimumHorizontalScale(0.5f);
  addAndMakeVisible(name_);
  addAndMakeVisible(detail_);

  load_.setTooltip("Choose a " + filePattern + " file");
  load_.onClick = [this] { browse(); };
  clear_.setTooltip("Empty this slot (the stage is bypassed)");
  clear_.onClick = [this] {
    if (onClear) onClear();
  };
  addAndMakeVisible(load_);
  addAndMakeVisible(clear_);
  setStatus({});
}

void SlotComponent::setStatus(const SlotStatus& status) {
  const bool playing = !status.name.empty();
  name_.setText(playing ? juce::String::fromUTF8(status.name.c_str()) : juce::String("empty"),
                juce::dontSendNotification);
  name_.setColour(juce::Label::textColourId, playing ? theme::text : theme::dimText);

  juce::String detail;
  auto colour = theme::dimText;
  if (status.state == SlotState::Loading) {
    detail = juce::String::fromUTF8("loading\xE2\x80\xA6");
  } else if (!status.error.empty()) {
    detail = (status.state == SlotState::Missing ? "missing: " : "failed: ") +
             juce::String::fromUTF8(status.error.c_str());
    colour = theme::warning;
  } else if (playing) {
    detail = juce::File(juce::String::fromUTF8(status.path.c_str())).getParentDirectory().getFileName();
  } else {
    detail = "stage bypassed";
  }
  detail_.setText(detail, juce::dontSendNotification);
  detail_.setColour(juce::Label::textColourId, colour);
  detail_.setTooltip(juce::String::fromUTF8((status.error.empty() ? status.path : status.error).c_str()));
  clear_.setEnabled(!status.path.empty());
}

void SlotComponent::browse() {
  auto start = browseFolder_.isDirectory() ? browseFolder_ : juce::File::getSpecialLocation(juce::File::userHomeDirectory);
  chooser_ = std::make_unique<juce::FileChooser>("Choose " + title_, start, pattern_);
  // Asynchronous: a modal loop inside a plugin window blocks some hosts' message threads.
  chooser_->launchAsync(juce::FileBrowserComponent::openMode | juce::FileBrowserComponent::canSelectFiles,
                        [this](const juce::FileChooser& fc) {
                          const auto file = fc.getResult();
                          if (file.existsAsFile()) {
                            browseFolder_ = file.getParentDirectory();
                            if (onFileChosen) onFileChosen(file);
                          }
                        });
}

void SlotComponent::paint(juce::Graphics& g) {
  auto area = getLocalBounds().toFloat();
  g.setColour(theme::background.brighter(0.04f));
  g.fillRoundedRectangle(area, 6.0f);
  g.setColour(theme::accent);
  g.setFont(juce::Font(12.0f, juce::Font::bold));
  g.drawText(title_, getLocalBounds().reduced(10, 6).removeFromTop(16), juce::Justification::topLeft);
}

void SlotComponent::resized() {
  auto area = getLocalBounds().reduced(10, 6);
  area.removeFromTop(16);
  auto buttons = area.removeFromRight(96);
  clear_.setBounds(buttons.removeFromRight(28).withSizeKeepingCentre(28, 26));
  buttons.removeFromRight(6);
  load_.setBounds(buttons.withSizeKeepingCentre(buttons.getWidth(), 26));
  area.removeFromRight(8);
  name_.setBounds(area.removeFromTop(area.getHeight() / 2 + 2));
  detail_.setBounds(area);
}

}  // namespace tonematch::plugin
