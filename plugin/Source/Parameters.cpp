#include "Parameters.h"

#include <cmath>

namespace tonematch::plugin {

namespace {

juce::NormalisableRange<float> rangeOf(const ParamSpec& p) {
  juce::NormalisableRange<float> range(p.low, p.high);
  if (p.logSkew) {
    // Skew so that normalised 0.5 lands on the geometric mean (≈1095 Hz for 400…3000 Hz):
    // equal knob travel per octave, which is how people hear frequency.
    range.setSkewForCentre(std::sqrt(p.low * p.high));
  }
  return range;
}

}  // namespace

juce::AudioProcessorValueTreeState::ParameterLayout createParameterLayout() {
  juce::AudioProcessorValueTreeState::ParameterLayout layout;
  for (const auto& p : kParams) {
    auto attributes = juce::AudioParameterFloatAttributes().withLabel(p.unit);
    // Version hint 1: the IDs are stable from this version on (VST3/AU need it for automation).
    layout.add(std::make_unique<juce::AudioParameterFloat>(juce::ParameterID{p.id, 1}, p.name,
                                                           rangeOf(p), p.defaultValue, attributes));
  }
  return layout;
}

ParamValues defaultParamValues() {
  ParamValues v{};
  for (std::size_t i = 0; i < kParams.size(); ++i) v[i] = kParams[i].defaultValue;
  return v;
}

engine::ChainParams toChainParams(const ParamValues& v) noexcept {
  engine::ChainParams c;
  c.inputGainDb = v[kInputGain];
  c.preEqGainDb = v[kPreEqGain];
  c.preEqFreqHz = v[kPreEqFreq];
  c.reverbWet = v[kReverbWet];
  c.reverbRoomSize = v[kReverbSize];
  c.delayTimeMs = v[kDelayTime];
  c.delayMix = v[kDelayMix];
  c.finalEqGainDb = v[kFinalGain];
  return c;
}

}  // namespace tonematch::plugin
