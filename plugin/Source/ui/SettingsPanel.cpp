#include "ui/SettingsPanel.h"

#include "ui/Theme.h"

namespace tonematch::plugin {

SettingsPanel::SettingsPanel() {
  const auto s = settings_.read();
  auto label = [this](juce::Label& l, const char* text) {
    l.setText(text, juce::dontSendNotification);
    addAndMakeVisible(l);
  };
  label(pythonLabel_, "Python interpreter");
  label(captureLabel_, "Capture (s)");
  label(budgetLabel_, "Matcher budget");
  label(argsLabel_, "Extra matcher args");
  label(timeoutLabel_, "Timeout (min)");
  python_.setText(s.pythonPath, false);
  python_.setTextToShowWhenEmpty("empty: TONEMATCH_PYTHON, then tonematch on PATH", theme::dimText);
  args_.setText(s.extraArgs, false);
  args_.setTextToShowWhenEmpty("more tonematch match options, e.g. --no-match-eq --seed 3", theme::dimText);
  namFolder_.setFolder(s.namFolder);
  irFolder_.setFolder(s.irFolder);
  capture_.setRange(10.0, 120.0, 1.0);
  capture_.setValue(s.captureSeconds, juce::dontSendNotification);
  timeout_.setRange(1.0, 60.0, 1.0);
  timeout_.setValue(s.timeoutMinutes, juce::dontSendNotification);
  budget_.addItemList({"fast", "normal", "thorough"}, 1);
  budget_.setText(s.budget, juce::dontSendNotification);
  // Measured on the quality benchmark (docs/matcher.md, Budgets): more search is not a better match.
  budget_.setTooltip("fast: a preview, about 7 s. normal (default): about 25 s; the effects and EQ of three "
                     "rigs are refined. thorough: about 2.7x as long as normal and, measured, no better.");
  budgetLabel_.setTooltip(budget_.getTooltip());
  lastReferenceFolder_ = s.lastReferenceFolder;
  hint_.setText("The first match with a new library folder indexes it (every model is fingerprinted "
                "once and cached): for a large folder that can take minutes. The capture length "
                "applies after the host restarts audio. Settings are shared by every ToneMatch AI "
                "instance: " + settings_.file().getFullPathName(),
                juce::dontSendNotification);
  hint_.setFont(juce::Font(12.0f));
  hint_.setColour(juce::Label::textColourId, theme::dimText);
  for (juce::Component* c : {static_cast<juce::Component*>(&python_), static_cast<juce::Component*>(&args_),
                             static_cast<juce::Component*>(&capture_), static_cast<juce::Component*>(&timeout_),
                             static_cast<juce::Component*>(&budget_), static_cast<juce::Component*>(&hint_),
                             static_cast<juce::Component*>(&namFolder_), static_cast<juce::Component*>(&irFolder_),
                             static_cast<juce::Component*>(&ok_), static_cast<juce::Component*>(&cancel_)})
    addAndMakeVisible(*c);
  ok_.onClick = [this] {
    save();
    if (auto* w = findParentComponentOfClass<juce::DialogWindow>()) w->exitModalState(1);
  };
  cancel_.onClick = [this] {
    if (auto* w = findParentComponentOfClass<juce::DialogWindow>()) w->exitModalState(0);
  };
  setSize(600, 360);
}

void SettingsPanel::save() {
  MatchSettings s;
  s.pythonPath = python_.getText().trim();
  s.captureSeconds = capture_.getValue();
  s.budget = budget_.getText();
  s.extraArgs = args_.getText().trim();
  s.timeoutMinutes = static_cast<int>(timeout_.getValue());
  s.lastReferenceFolder = lastReferenceFolder_;
  s.namFolder = namFolder_.folder();
  s.irFolder = irFolder_.folder();
  settings_.write(s);
}

void SettingsPanel::paint(juce::Graphics& g) { g.fillAll(theme::panel); }

void SettingsPanel::resized() {
  auto area = getLocalBounds().reduced(12);
  auto buttons = area.removeFromBottom(28);
  cancel_.setBounds(buttons.removeFromRight(90));
  buttons.removeFromRight(8);
  ok_.setBounds(buttons.removeFromRight(90));
  area.removeFromBottom(6);
  hint_.setBounds(area.removeFromBottom(64));
  auto row = [&area](juce::Label& l, juce::Component& c) {
    auto r = area.removeFromTop(26);
    l.setBounds(r.removeFromLeft(140));
    c.setBounds(r);
    area.removeFromTop(6);
  };
  row(pythonLabel_, python_);
  row(captureLabel_, capture_);
  row(budgetLabel_, budget_);
  for (auto* folder : {&namFolder_, &irFolder_}) {
    folder->setBounds(area.removeFromTop(26));
    area.removeFromTop(6);
  }
  row(argsLabel_, args_);
  row(timeoutLabel_, timeout_);
}

void SettingsPanel::show(juce::Component* parent) {
  juce::DialogWindow::LaunchOptions o;
  o.content.setOwned(new SettingsPanel());
  o.dialogTitle = "ToneMatch AI settings";
  o.dialogBackgroundColour = theme::panel;
  o.componentToCentreAround = parent;
  o.escapeKeyTriggersCloseButton = true;
  o.useNativeTitleBar = false;
  o.resizable = false;
  o.launchAsync();
}

}  // namespace tonematch::plugin
