#include "ui/ReferenceRegionPanel.h"

#include "ui/Theme.h"

namespace tonematch::plugin {

juce::String formatTime(double seconds) {
  const int minutes = static_cast<int>(seconds / 60.0);
  return juce::String(minutes) + ":" + juce::String(seconds - 60.0 * minutes, 1).paddedLeft('0', 4);
}

ReferenceRegionPanel::ReferenceRegionPanel(const juce::File& reference, Done done)
    : reference_(reference), done_(std::move(done)) {
  title_.setText("Reference: " + reference.getFileName(), juce::dontSendNotification);
  title_.setFont(juce::Font(15.0f, juce::Font::bold));
  title_.setColour(juce::Label::textColourId, theme::text);
  times_.setFont(juce::Font(13.0f));
  times_.setColour(juce::Label::textColourId, theme::accent);
  hint_.setFont(juce::Font(12.0f));
  hint_.setColour(juce::Label::textColourId, theme::dimText);
  drawable_ = waveform_.setFile(reference);
  const bool drawable = drawable_;
  hint_.setText(drawable ? "Drag the amber edges to mark the bars to match (where the guitar plays alone "
                           "is best); drag inside to move the region; double-click for the whole file."
                         : "This file cannot be drawn here; the matcher reads the whole file.",
                juce::dontSendNotification);
  waveform_.onRegionChanged = [this] { updateTimes(); };
  whole_.setEnabled(drawable);
  whole_.onClick = [this] { waveform_.setRegion({0.0, waveform_.lengthSeconds()}); };
  match_.setColour(juce::TextButton::buttonColourId, theme::accent);
  match_.setColour(juce::TextButton::textColourOffId, theme::background);
  match_.onClick = [this] { finish(true); };
  cancel_.onClick = [this] { finish(false); };
  for (juce::Component* c : {static_cast<juce::Component*>(&title_), static_cast<juce::Component*>(&waveform_),
                             static_cast<juce::Component*>(&times_), static_cast<juce::Component*>(&hint_),
                             static_cast<juce::Component*>(&whole_), static_cast<juce::Component*>(&match_),
                             static_cast<juce::Component*>(&cancel_)})
    addAndMakeVisible(*c);
  updateTimes();
  setSize(720, 300);
}

ReferenceRegionPanel::~ReferenceRegionPanel() {
  // Closing the window (Escape, the close button) is a Cancel.
  if (done_) done_(false, std::nullopt);
}

void ReferenceRegionPanel::finish(bool match) {
  auto done = std::move(done_);
  done_ = nullptr;
  std::optional<TimeRegion> region;
  if (drawable_ && !coversWholeFile(waveform_.region(), waveform_.lengthSeconds())) region = waveform_.region();
  if (done) done(match, region);
  if (auto* w = findParentComponentOfClass<juce::DialogWindow>()) w->exitModalState(match ? 1 : 0);
}

void ReferenceRegionPanel::updateTimes() {
  const double length = waveform_.lengthSeconds();
  if (length <= 0.0) {
    times_.setText({}, juce::dontSendNotification);
    return;
  }
  const auto r = waveform_.region();
  times_.setText(formatTime(r.start) + juce::String::fromUTF8(" \xE2\x80\x93 ") + formatTime(r.end) + "  (" +
                     juce::String(r.length(), 1) + " s of " + juce::String(length, 1) + " s)",
                 juce::dontSendNotification);
}

void ReferenceRegionPanel::paint(juce::Graphics& g) { g.fillAll(theme::panel); }

void ReferenceRegionPanel::resized() {
  auto area = getLocalBounds().reduced(12);
  title_.setBounds(area.removeFromTop(24));
  auto buttons = area.removeFromBottom(30);
  cancel_.setBounds(buttons.removeFromRight(90));
  buttons.removeFromRight(8);
  match_.setBounds(buttons.removeFromRight(150));
  buttons.removeFromRight(8);
  whole_.setBounds(buttons.removeFromRight(100));
  times_.setBounds(buttons);
  area.removeFromBottom(6);
  hint_.setBounds(area.removeFromBottom(34));
  area.removeFromBottom(4);
  waveform_.setBounds(area);
}

void ReferenceRegionPanel::show(juce::Component* parent, const juce::File& reference, Done done) {
  juce::DialogWindow::LaunchOptions o;
  o.content.setOwned(new ReferenceRegionPanel(reference, std::move(done)));
  o.dialogTitle = "Which part of the reference?";
  o.dialogBackgroundColour = theme::panel;
  o.componentToCentreAround = parent;
  o.escapeKeyTriggersCloseButton = true;
  o.useNativeTitleBar = false;
  o.resizable = true;
  o.launchAsync();
}

}  // namespace tonematch::plugin
