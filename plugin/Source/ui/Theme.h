// The dark theme: one palette and a LookAndFeel that draws knobs and buttons with it.
#pragma once

#include <juce_gui_basics/juce_gui_basics.h>

namespace tonematch::plugin::theme {

inline const juce::Colour background{0xff17191d};
inline const juce::Colour panel{0xff22252b};
inline const juce::Colour panelEdge{0xff30343c};
inline const juce::Colour text{0xffe8e6e3};
inline const juce::Colour dimText{0xff9aa0a8};
inline const juce::Colour accent{0xfff0a030};   // amber: values, the main action
inline const juce::Colour track{0xff3a3f48};
inline const juce::Colour warning{0xffff6b5a};

/// Draws a titled zone panel and returns the area inside it, below the title.
juce::Rectangle<int> drawZone(juce::Graphics& g, juce::Rectangle<int> area, const juce::String& title);

class LookAndFeel : public juce::LookAndFeel_V4 {
 public:
  LookAndFeel();
  void drawRotarySlider(juce::Graphics&, int x, int y, int width, int height, float sliderPos,
                        float startAngle, float endAngle, juce::Slider&) override;
  void drawButtonBackground(juce::Graphics&, juce::Button&, const juce::Colour& background,
                            bool highlighted, bool down) override;
};

}  // namespace tonematch::plugin::theme
