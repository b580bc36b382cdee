// LAST RIG FOUND: the title with the loss beside it, then the rig one stage a line (pedal, amp,
// cabinet), or the stages shared over fewer lines when the zone is too low for three. Names that
// do not fit are elided with "…" (the tooltip has them whole); the loss sits in the title row, so
// no name can push it out of the zone.
#pragma once

#include <vector>

#include <juce_gui_basics/juce_gui_basics.h>

namespace tonematch::plugin {

class RigSummary : public juce::Component, public juce::SettableTooltipClient {
 public:
  /// One line as it is drawn: the (possibly elided) text and where.
  struct Line {
    juce::String text;
    juce::Rectangle<int> bounds;
    bool elided = false;
    bool isLoss = false;
  };

  RigSummary();
  /// The processor's text: "pedal → amp → cab", optionally "\nloss 0.0812"; "" = none yet.
  void setRigText(const juce::String& text);
  /// The lines laid out for the current size (what paint() draws; tests check their bounds).
  std::vector<Line> layoutLines() const;

  void paint(juce::Graphics&) override;

  static constexpr int kTitleHeight = 16;

 private:
  juce::String rig_, loss_;
};

/// `text` shortened with "…" at the end until it is at most `width` pixels wide in `font`.
juce::String elideToWidth(const juce::String& text, const juce::Font& font, float width);

}  // namespace tonematch::plugin
