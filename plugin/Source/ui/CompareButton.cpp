#include "ui/CompareButton.h"

#include "ui/Theme.h"

namespace tonematch::plugin {

CompareButton::CompareButton() {
  setTooltip(juce::String::fromUTF8(
      "Compare, at equal loudness (louder always sounds better). Click to step through:\n"
      "MATCHED \xE2\x80\x93 the matched sound, as it plays without Compare\n"
      "RIG \xE2\x80\x93 the DI through the input gain, gate, pedal, amp and cabinet only: no match "
      "EQ, peak EQ, delay, reverb or output gains\n"
      "BYPASS \xE2\x80\x93 the DI as played, unprocessed\n"
      "RIG and BYPASS are brought to the loudness of MATCHED over the last ~3 s of playing. "
      "Not saved: a preset or session always opens at MATCHED."));
  show(CompareMode::Matched);
  onClick = [this] {
    const auto next = nextCompareMode(shown_);
    show(next);
    if (onModeChosen) onModeChosen(next);
  };
}

void CompareButton::show(CompareMode mode) {
  shown_ = mode;
  setButtonText(juce::String("COMPARE: ") + compareModeName(mode));
  // MATCHED is the quiet normal state; a comparison stands out so it is not forgotten.
  const auto fill = mode == CompareMode::Matched ? theme::panelEdge
                    : mode == CompareMode::Rig   ? juce::Colour(0xff2f6fb0)
                                                 : theme::warning.darker(0.35f);
  setColour(juce::TextButton::buttonColourId, fill);
  setColour(juce::TextButton::textColourOffId, theme::text);
}

}  // namespace tonematch::plugin
