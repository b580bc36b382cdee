#include "ui/Theme.h"

namespace tonematch::plugin::theme {

juce::Rectangle<int> drawZone(juce::Graphics& g, juce::Rectangle<int> area, const juce::String& title) {
  g.setColour(panel);
  g.fillRoundedRectangle(area.toFloat(), 8.0f);
  g.setColour(panelEdge);
  g.drawRoundedRectangle(area.toFloat().reduced(0.5f), 8.0f, 1.0f);
  auto inner = area.reduced(12, 8);
  g.setColour(dimText);
  g.setFont(juce::Font(12.0f, juce::Font::bold));
  g.drawText(title.toUpperCase(), inner.removeFromTop(18), juce::Justification::centredLeft);
  return inner;
}

LookAndFeel::LookAndFeel() {
  setColourScheme(juce::LookAndFeel_V4::getMidnightColourScheme());
  setColour(juce::ResizableWindow::backgroundColourId, background);
  setColour(juce::Label::textColourId, text);
  setColour(juce::Slider::textBoxTextColourId, text);
  setColour(juce::Slider::textBoxOutlineColourId, juce::Colours::transparentBlack);
  setColour(juce::Slider::textBoxBackgroundColourId, juce::Colours::transparentBlack);
  setColour(juce::Slider::rotarySliderFillColourId, accent);
  setColour(juce::Slider::rotarySliderOutlineColourId, track);
  setColour(juce::Slider::thumbColourId, accent);
  setColour(juce::Slider::trackColourId, accent);
  setColour(juce::Slider::backgroundColourId, track);
  setColour(juce::TextButton::buttonColourId, panelEdge);
  setColour(juce::TextButton::textColourOffId, text);
  setColour(juce::TextButton::textColourOnId, background);
  setColour(juce::TooltipWindow::backgroundColourId, panel.brighter(0.2f));
  setColour(juce::TooltipWindow::textColourId, text);
  setColour(juce::AlertWindow::backgroundColourId, panel);
  setColour(juce::AlertWindow::textColourId, text);
}

void LookAndFeel::drawRotarySlider(juce::Graphics& g, int x, int y, int width, int height,
                                   float sliderPos, float startAngle, float endAngle,
                                   juce::Slider& slider) {
  const auto bounds = juce::Rectangle<int>(x, y, width, height).toFloat().reduced(4.0f);
  const float radius = std::min(bounds.getWidth(), bounds.getHeight()) * 0.5f;
  const auto centre = bounds.getCentre();
  const float lineWidth = std::max(2.5f, radius * 0.14f);
  const float arcRadius = radius - lineWidth * 0.5f;
  const float angle = startAngle + sliderPos * (endAngle - startAngle);

  juce::Path trackArc;
  trackArc.addCentredArc(centre.x, centre.y, arcRadius, arcRadius, 0.0f, startAngle, endAngle, true);
  g.setColour(track);
  g.strokePath(trackArc, juce::PathStrokeType(lineWidth, juce::PathStrokeType::curved,
                                              juce::PathStrokeType::rounded));
  if (slider.isEnabled()) {
    juce::Path valueArc;
    valueArc.addCentredArc(centre.x, centre.y, arcRadius, arcRadius, 0.0f, startAngle, angle, true);
    g.setColour(accent);
    g.strokePath(valueArc, juce::PathStrokeType(lineWidth, juce::PathStrokeType::curved,
                                                juce::PathStrokeType::rounded));
  }
  const float knobRadius = arcRadius - lineWidth * 1.4f;
  g.setColour(panelEdge.brighter(0.15f));
  g.fillEllipse(juce::Rectangle<float>(knobRadius * 2.0f, knobRadius * 2.0f).withCentre(centre));
  const auto tip = centre.getPointOnCircumference(knobRadius * 0.8f, angle);
  g.setColour(text);
  g.drawLine(juce::Line<float>(centre.getPointOnCircumference(knobRadius * 0.25f, angle), tip), 2.5f);
}

void LookAndFeel::drawButtonBackground(juce::Graphics& g, juce::Button& button,
                                       const juce::Colour& colour, bool highlighted, bool down) {
  auto bounds = button.getLocalBounds().toFloat().reduced(0.5f);
  auto fill = colour;
  if (!button.isEnabled()) fill = fill.withMultipliedAlpha(0.45f);
  else if (down) fill = fill.brighter(0.25f);
  else if (highlighted) fill = fill.brighter(0.12f);
  g.setColour(fill);
  g.fillRoundedRectangle(bounds, 6.0f);
}

}  // namespace tonematch::plugin::theme
