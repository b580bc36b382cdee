#include "ui/MatchPanel.h"

#include "PluginProcessor.h"
#include "bridge/MatchController.h"
#include "ui/ReferenceRegionPanel.h"
#include "ui/SettingsPanel.h"
#include "ui/Theme.h"

namespace tonematch::plugin {

MatchPanel::MatchPanel(ToneMatchProcessor& processor) : processor_(processor) {
  matchTone_.setColour(juce::TextButton::buttonColourId, theme::accent);
  matchTone_.setColour(juce::TextButton::textColourOffId, theme::background);
  matchTone_.onClick = [this] {
    if (processor_.onMatchTone) processor_.onMatchTone();
    refresh();
  };
  settings_.setTooltip("Python interpreter, capture length, matcher budget, your NAM and IR folders, timeout");
  settings_.onClick = [this] { openSettings(); };
  cancel_.setTooltip("Stop the matcher; the current rig keeps playing");
  cancel_.onClick = [this] { processor_.matcher().cancel(); };
  progress_.setColour(juce::ProgressBar::foregroundColourId, theme::accent);
  progress_.setColour(juce::ProgressBar::backgroundColourId, theme::track);
  stage_.setFont(juce::Font(13.0f));
  indexNote_.setText("The first index of a large folder takes minutes; later matches reuse it.",
                     juce::dontSendNotification);
  indexNote_.setFont(juce::Font(12.0f));
  indexNote_.setColour(juce::Label::textColourId, theme::accent);
  indexNote_.setJustificationType(juce::Justification::topLeft);
  indexNote_.setMinimumHorizontalScale(1.0f);  // wrap onto a second line rather than squeeze
  addChildComponent(indexNote_);
  stage_.setColour(juce::Label::textColourId, theme::dimText);

  const std::array<const char*, 3> names{"A", "B", "C"};
  for (std::size_t i = 0; i < choices_.size(); ++i) {
    auto& b = choices_[i];
    b.setButtonText(names[i]);
    b.setClickingTogglesState(false);
    b.setColour(juce::TextButton::buttonOnColourId, theme::accent);
    b.onClick = [this, i] {
      processor_.chooseMatchedRig(static_cast<int>(i));
      refresh();
    };
    addChildComponent(b);
  }

  for (juce::Component* c : {static_cast<juce::Component*>(&matchTone_), static_cast<juce::Component*>(&settings_),
                             static_cast<juce::Component*>(&stage_), static_cast<juce::Component*>(&rigSummary_)})
    addAndMakeVisible(*c);
  processor_.matcher().chooseRegion = [this](const juce::File& reference, MatchController::RegionChosen done) {
    ReferenceRegionPanel::show(this, reference, std::move(done));
  };
  addChildComponent(progress_);
  addChildComponent(cancel_);
  refresh();
}

MatchPanel::~MatchPanel() { processor_.matcher().chooseRegion = nullptr; }

void MatchPanel::refresh() {
  const auto status = processor_.matcher().status();
  const bool canMatch = static_cast<bool>(processor_.onMatchTone) && !status.running;
  matchTone_.setEnabled(canMatch);
  matchTone_.setTooltip("Play some guitar first: the plugin keeps the last seconds of your DI. Then pick a "
                        "reference recording and the part of it to match, and the matcher finds the rig");
  if (status.running != running_) {
    running_ = status.running;
    progress_.setVisible(running_);
    cancel_.setVisible(running_);
    resized();
  }
  progressValue_ = status.fraction;
  const auto stage = juce::String::fromUTF8(status.stage.c_str());
  stage_.setText(stage, juce::dontSendNotification);
  // The first index of a large folder of the player's own models is the one slow step a player
  // cannot guess from the stage label alone, so it gets a note of its own.
  if (const bool indexing = status.running && stage.startsWith("Indexing"); indexing != indexing_) {
    indexing_ = indexing;
    indexNote_.setVisible(indexing_);
    resized();
  }
  stage_.setColour(juce::Label::textColourId,
                   !status.running && status.messageIsError ? theme::warning : theme::dimText);
  if (status.messageSerial != lastMessageSerial_) {
    lastMessageSerial_ = status.messageSerial;
    if (onMessage && !status.message.empty())
      onMessage(juce::String::fromUTF8(status.message.c_str()), status.messageIsError);
  }

  const auto rigs = processor_.matchedRigs();
  const int active = processor_.activeMatchedRig();
  for (std::size_t i = 0; i < choices_.size(); ++i) {
    auto& b = choices_[i];
    b.setVisible(i < rigs.size() && rigs.size() > 1);
    b.setToggleState(static_cast<int>(i) == active, juce::dontSendNotification);
    if (i < rigs.size()) {
      const auto& r = rigs[i];
      auto tip = juce::String(i == 0 ? "Best match: " : "Alternative: ") + juce::String::fromUTF8(r.describe().c_str());
      if (r.loss) tip << juce::String::formatted(" (loss %.3g)", *r.loss);
      tip << ". Applies this rig with the parameters the matcher chose (knob changes are replaced).";
      b.setTooltip(tip);
      b.setEnabled(!status.running);
    }
  }

  rigSummary_.setRigText(juce::String::fromUTF8(processor_.lastRigText().c_str()));
}

void MatchPanel::resized() {
  auto z = getLocalBounds();
  // Compact rows leave LAST RIG FOUND room for a line per stage at the default size.
  auto top = z.removeFromTop(juce::jlimit(30, 40, z.getHeight() / 3));
  settings_.setBounds(top.removeFromRight(juce::jmin(100, top.getWidth() / 3)));
  top.removeFromRight(6);
  matchTone_.setBounds(top);
  z.removeFromTop(4);
  auto row = z.removeFromTop(22);
  if (running_) {
    cancel_.setBounds(row.removeFromRight(70));
    row.removeFromRight(6);
    progress_.setBounds(row);
    z.removeFromTop(2);
    stage_.setBounds(z.removeFromTop(18));
    if (indexing_) indexNote_.setBounds(z.removeFromTop(30));
  } else {
    auto abc = row.removeFromRight(3 * 30 + 2 * 4);
    for (auto& b : choices_) {
      b.setBounds(abc.removeFromLeft(30));
      abc.removeFromLeft(4);
    }
    stage_.setBounds(row);
  }
  z.removeFromTop(4);
  rigSummary_.setBounds(z);
}

void MatchPanel::openSettings() { SettingsPanel::show(this); }

}  // namespace tonematch::plugin
