#include "PluginEditor.h"

namespace tonematch::plugin {

namespace {
const std::array<const char*, 4> kZoneTitles{"AI matching", "Delay, reverb & output",
                                             "Equipment", "Input, gate & pre-EQ"};
constexpr int kMeterWidth = 26;  // a 14 px bar and its title
juce::File bundledFolder(const char* sub) {
  // Next to a checkout's build folder the bundled library is a natural first place to browse.
  auto dir = juce::File::getSpecialLocation(juce::File::currentExecutableFile).getParentDirectory();
  for (int i = 0; i < 8 && dir != dir.getParentDirectory(); ++i, dir = dir.getParentDirectory())
    if (dir.getChildFile("assets").getChildFile(sub).isDirectory())
      return dir.getChildFile("assets").getChildFile(sub);
  return {};
}
}  // namespace

ToneMatchEditor::ToneMatchEditor(ToneMatchProcessor& owner)
    : AudioProcessorEditor(owner),
      processor_(owner),
      matchPanel_(owner),
      matchEqAmount_(owner.parameters(), "matchEqAmount", "Match EQ", 0),
      delayTime_(owner.parameters(), "delayTimeMs", "Delay Time", 0),
      delayMix_(owner.parameters(), "delayMix", "Delay Mix", 2),
      reverbWet_(owner.parameters(), "reverbWet", "Reverb Wet", 2),
      reverbSize_(owner.parameters(), "reverbRoomSize", "Reverb Size", 2),
      finalGain_(owner.parameters(), "finalEqGainDb", "Final Gain", 1),
      outputLevel_(owner.parameters(), "outputLevelDb", "Output", 1),
      limiter_(owner.parameters(), "limiterCeilingDb", "Limiter", 1),
      outputMeter_(owner.outputLevels(), "OUT"),
      inputMeter_(owner.inputLevels(), "IN"),
      inputGain_(owner.parameters(), "inputGain", "Input Gain", 1),
      gate_(owner.parameters(), "gateThresholdDb", "Gate", 0),
      preEqGain_(owner.parameters(), "preEqGainDb", "Pre-EQ Gain", 1),
      preEqFreq_(owner.parameters(), "preEqFreqHz", "Pre-EQ Freq", 0),
      presetBar_(owner) {
  setLookAndFeel(&lookAndFeel_);

  compare_.onModeChosen = [this](CompareMode mode) { processor_.setCompareMode(mode); };
  addAndMakeVisible(compare_);

  matchPanel_.onMessage = [this](const juce::String& text, bool isError) { showMessage(text, isError); };
  addAndMakeVisible(matchPanel_);

  matchEq_.setFont(juce::Font(12.0f));
  matchEq_.setColour(juce::Label::textColourId, theme::dimText);
  matchEq_.setTooltip("The 24-band 1/3-octave EQ after the cabinet that the matcher fits to the "
                      "reference's long-term spectrum");
  addAndMakeVisible(matchEq_);
  matchEqBypass_.setTooltip("Bypass the match EQ (the rig keeps its gains)");
  matchEqBypass_.onClick = [this] {
    processor_.setMatchEqBypassed(matchEqBypass_.getToggleState());
  };
  addAndMakeVisible(matchEqBypass_);

  for (auto* k : {&matchEqAmount_, &delayTime_, &delayMix_, &reverbWet_, &reverbSize_, &finalGain_,
                  &outputLevel_, &limiter_, &inputGain_, &gate_, &preEqGain_, &preEqFreq_})
    addAndMakeVisible(*k);
  matchEqAmount_.slider().setTooltip("Match EQ Amount: how much of the match EQ plays (each band's "
                                     "gain in dB times this); 100 % as matched, 0 % none");
  // At its low end the gate is off: say so rather than show "-100 dB".
  gate_.slider().textFromValueFunction = [](double v) {
    return v <= -99.95 ? juce::String("off") : juce::String(v, 0) + " dB";
  };
  gate_.slider().valueFromTextFunction = [](const juce::String& t) {
    return t.trim().equalsIgnoreCase("off") ? -100.0 : t.getDoubleValue();
  };
  gate_.slider().updateText();
  // At its high end the limiter is off (no ceiling): say so rather than show "0.0 dB".
  limiter_.slider().textFromValueFunction = [](double v) {
    return v >= -0.05 ? juce::String("off") : juce::String(v, 1) + " dB";
  };
  limiter_.slider().valueFromTextFunction = [](const juce::String& t) {
    return t.trim().equalsIgnoreCase("off") ? 0.0 : t.getDoubleValue();
  };
  limiter_.slider().updateText();
  outputLevel_.slider().setTooltip("Output Level: the level the matcher sets so the match plays "
                                   "at the reference's loudness (after the final gain)");
  limiter_.slider().setTooltip("Limiter: the ceiling no output sample passes (the last stage; it "
                               "looks 2 ms ahead). The matcher sets it when the rig peaks more than the "
                               "reference at the same loudness; at 0 dB it is off");
  addAndMakeVisible(inputMeter_);
  addAndMakeVisible(outputMeter_);

  const std::array<const char*, 3> titles{"FX PEDAL", "AMP", "CABINET IR"};
  const std::array<const char*, 3> patterns{"*.nam", "*.nam", "*.wav;*.aif;*.aiff;*.flac"};
  const std::array<const char*, 3> folders{"nam_models", "nam_models", "impulse_responses"};
  for (auto kind : kSlotKinds) {
    const auto i = static_cast<std::size_t>(kind);
    slots_[i] = std::make_unique<SlotComponent>(titles[i], patterns[i]);
    slots_[i]->setBrowseFolder(bundledFolder(folders[i]));
    slots_[i]->onFileChosen = [this, kind](const juce::File& f) { processor_.loadSlot(kind, f); };
    slots_[i]->onClear = [this, kind] { processor_.clearSlot(kind); };
    addAndMakeVisible(*slots_[i]);
  }

  presetBar_.onMessage = [this](const juce::String& text, bool isError) { showMessage(text, isError); };
  addAndMakeVisible(presetBar_);

  status_.setFont(juce::Font(13.0f));
  status_.setMinimumHorizontalScale(0.5f);
  addAndMakeVisible(status_);

  setResizable(true, true);
  setResizeLimits(760, 480, 1600, 1000);
  setSize(kDefaultWidth, kDefaultHeight);
  refresh();
  startTimerHz(10);
}

ToneMatchEditor::~ToneMatchEditor() { setLookAndFeel(nullptr); }

void ToneMatchEditor::timerCallback() {
  // The match panel follows the bridge every tick (progress); the rest only on changes.
  matchPanel_.refresh();
  if (processor_.changeCount() != lastChangeCount_ ||
      (messageUntilMs_ != 0 && juce::Time::getMillisecondCounter() > messageUntilMs_))
    refresh();
}

void ToneMatchEditor::showMessage(const juce::String& text, bool isError) {
  message_ = text;
  messageIsError_ = isError;
  // Errors stay longer: they often name a file or a command to fix.
  messageUntilMs_ = juce::Time::getMillisecondCounter() + (isError ? 15000u : 6000u);
  refresh();
}

void ToneMatchEditor::refresh() {
  lastChangeCount_ = processor_.changeCount();
  for (auto kind : kSlotKinds) slots_[static_cast<std::size_t>(kind)]->setStatus(processor_.slotStatus(kind));

  matchPanel_.refresh();
  matchEq_.setText(juce::String::fromUTF8(processor_.matchEqText().c_str()),
                   juce::dontSendNotification);
  matchEqBypass_.setToggleState(processor_.matchEqBypassed(), juce::dontSendNotification);
  if (compare_.shown() != processor_.compareMode()) compare_.show(processor_.compareMode());

  if (messageUntilMs_ != 0 && juce::Time::getMillisecondCounter() > messageUntilMs_) messageUntilMs_ = 0;
  const auto line = processor_.statusLine();
  const bool problem = line != "Ready" && line.rfind("Loading", 0) != 0;
  if (messageUntilMs_ != 0) {
    status_.setText(message_, juce::dontSendNotification);
    status_.setColour(juce::Label::textColourId, messageIsError_ ? theme::warning : theme::accent);
  } else {
    status_.setText(juce::String::fromUTF8(line.c_str()), juce::dontSendNotification);
    status_.setColour(juce::Label::textColourId, problem ? theme::warning : theme::dimText);
  }
}

void ToneMatchEditor::paint(juce::Graphics& g) {
  g.fillAll(theme::background);
  g.setColour(theme::text);
  g.setFont(juce::Font(24.0f, juce::Font::bold));
  g.drawText("ToneMatch AI", topBar_.withTrimmedLeft(16), juce::Justification::centredLeft);
  g.setColour(theme::dimText);
  g.setFont(juce::Font(13.0f));
  g.drawText(juce::String::fromUTF8("v" TONEMATCH_VERSION "  \xC2\xB7  gate \xE2\x86\x92 NAM pedal \xE2\x86\x92 amp \xE2\x86\x92 "
                                    "cab \xE2\x86\x92 match EQ \xE2\x86\x92 EQ \xE2\x86\x92 delay \xE2\x86\x92 reverb"),
             chainText_, juce::Justification::centredRight);
  for (std::size_t i = 0; i < zones_.size(); ++i) theme::drawZone(g, zones_[i], kZoneTitles[i]);
}

void ToneMatchEditor::resized() {
  auto area = getLocalBounds();
  topBar_ = area.removeFromTop(50);
  {  // the title, Compare after it, the chain's stages on the right in what is left
    auto bar = topBar_.withTrimmedLeft(16).withTrimmedRight(16);
    bar.removeFromLeft(190);
    compare_.setBounds(bar.removeFromLeft(170).withSizeKeepingCentre(170, 28));
    bar.removeFromLeft(12);
    chainText_ = bar;
  }
  auto statusArea = area.removeFromBottom(30).reduced(16, 4);
  status_.setBounds(statusArea);
  area.reduce(12, 0);

  const int gap = 10;
  auto top = area.removeFromTop(juce::roundToInt(area.getHeight() * 0.42f));
  area.removeFromTop(gap);
  const int leftWidth = juce::roundToInt(area.getWidth() * 0.46f);
  zones_[0] = top.removeFromLeft(leftWidth);
  top.removeFromLeft(gap);
  zones_[1] = top;
  zones_[2] = area.removeFromLeft(leftWidth);
  area.removeFromLeft(gap);
  zones_[3] = area;

  auto inner = [](juce::Rectangle<int> z) { return z.reduced(12, 8).withTrimmedTop(22); };

  {  // zone 1: MATCH TONE! with progress and A/B/C, LAST RIG FOUND, match EQ and its amount
    auto z = inner(zones_[0]);
    matchEqAmount_.setBounds(z.removeFromRight(juce::jmin(110, z.getWidth() / 3)));
    z.removeFromRight(8);
    auto eqRow = z.removeFromBottom(22);
    matchEqBypass_.setBounds(eqRow.removeFromRight(80));
    matchEq_.setBounds(eqRow);
    z.removeFromBottom(4);
    matchPanel_.setBounds(z);
  }
  {  // zone 2: delay time/mix, reverb wet/size, final gain, output level, limiter, the meter
    auto z = inner(zones_[1]);
    outputMeter_.setBounds(z.removeFromRight(kMeterWidth));
    const int w = z.getWidth() / 7;
    for (auto* k : {&delayTime_, &delayMix_, &reverbWet_, &reverbSize_, &finalGain_, &outputLevel_,
                    &limiter_})
      k->setBounds(z.removeFromLeft(w));
  }
  {  // zone 3: slots
    auto z = inner(zones_[2]);
    const int h = (z.getHeight() - 2 * 6) / 3;
    for (auto& s : slots_) {
      s->setBounds(z.removeFromTop(h));
      z.removeFromTop(6);
    }
  }
  {  // zone 4: input gain, pre-EQ gain and frequency, presets
    auto z = inner(zones_[3]);
    presetBar_.setBounds(z.removeFromBottom(36));
    z.removeFromBottom(8);
    inputMeter_.setBounds(z.removeFromLeft(kMeterWidth));
    const int w = z.getWidth() / 4;
    for (auto* k : {&inputGain_, &gate_, &preEqGain_, &preEqFreq_}) k->setBounds(z.removeFromLeft(w));
  }
}

}  // namespace tonematch::plugin
