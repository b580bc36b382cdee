// The plugin's parameters: the APVTS layout built from the engine's parameter table
// (tonematch/engine/rig_params.h), so the processor, the UI, the presets, the engine and the
// Python package share one list of ids, ranges and defaults.
#pragma once

#include <juce_audio_processors/juce_audio_processors.h>

#include "tonematch/engine/chain.h"
#include "tonematch/engine/rig_params.h"

namespace tonematch::plugin {

using engine::kParams;
using engine::ParamSpec;
using engine::ParamValues;
using engine::defaultParamValues;
using engine::toChainParams;

/// The APVTS layout built from kParams.
juce::AudioProcessorValueTreeState::ParameterLayout createParameterLayout();

}  // namespace tonematch::plugin
