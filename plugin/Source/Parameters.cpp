#include "Parameters.h"

#include <cmath>

namespace tonematch::plugin {

namespace {

juce::NormalisableRange<float> rangeOf(const ParamSpec& p) {
  juce::NormalisableRange<float> range(static_cast<float>(p.low), static_cast<float>(p.high));
  if (p.skew == engine::ParamSkew::kLog) {
    // Skew so that normalised 0.5 lands on the geometric mean (≈1095 Hz for 400…3000 Hz):
    // equal knob travel per octave, which is how people hear frequency.
    range.setSkewForCentre(static_cast<float>(std::sqrt(p.low * p.high)));
  }
  return range;
}

}  // namespace

juce::AudioProcessorValueTreeState::ParameterLayout createParameterLayout() {
  juce::AudioProcessorValueTreeState::ParameterLayout layout;
  for (const auto& p : kParams) {
    auto attributes = juce::AudioParameterFloatAttributes().withLabel(p.unit);
    // Version hint 1: the IDs are stable from this version on (VST3/AU need it for automation).
    layout.add(std::make_unique<juce::AudioParameterFloat>(
        juce::ParameterID{p.apvtsId, 1}, p.displayName, rangeOf(p),
        static_cast<float>(p.defaultValue), attributes));
  }
  return layout;
}

}  // namespace tonematch::plugin
