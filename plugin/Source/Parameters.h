// The eight APVTS parameters (DESIGN §3): IDs from the original design, ranges, defaults, and the
// rig-JSON keys they map to, in one table so the processor, the UI and the presets agree.
#pragma once

#include <array>

#include <juce_audio_processors/juce_audio_processors.h>

#include "tonematch/engine/chain.h"

namespace tonematch::plugin {

struct ParamSpec {
  const char* id;       ///< APVTS parameter ID (kept from the original design)
  const char* name;     ///< what hosts show
  const char* unit;     ///< label; pedalboard appends it to the Python name
  const char* jsonKey;  ///< key in the rig/preset JSON "params" object
  float low, high, defaultValue;
  bool logSkew;         ///< frequency: skew so the knob's centre sits at the geometric mean
};

inline constexpr std::array<ParamSpec, 8> kParams{{
    {"inputGain", "Input Gain", "dB", "input_gain_db", -24.0f, 24.0f, 0.0f, false},
    {"preEqGainDb", "Pre EQ Gain", "dB", "pre_eq_gain_db", -12.0f, 12.0f, 0.0f, false},
    {"preEqFreqHz", "Pre EQ Freq", "Hz", "pre_eq_freq_hz", 400.0f, 3000.0f, 800.0f, true},
    {"reverbWet", "Reverb Wet", "", "reverb_wet", 0.0f, 0.7f, 0.0f, false},
    {"reverbRoomSize", "Reverb Size", "", "reverb_room_size", 0.0f, 1.0f, 0.5f, false},
    {"delayTimeMs", "Delay Time", "ms", "delay_time_ms", 50.0f, 500.0f, 100.0f, false},
    {"delayMix", "Delay Mix", "", "delay_mix", 0.0f, 0.5f, 0.0f, false},
    {"finalEqGainDb", "Final Gain", "dB", "final_eq_gain_db", -3.0f, 3.0f, 0.0f, false},
}};

enum ParamIndex : int {
  kInputGain, kPreEqGain, kPreEqFreq, kReverbWet, kReverbSize, kDelayTime, kDelayMix, kFinalGain
};

/// Plain (un-normalised) parameter values, in kParams order.
using ParamValues = std::array<float, kParams.size()>;

/// The APVTS layout built from kParams.
juce::AudioProcessorValueTreeState::ParameterLayout createParameterLayout();

/// The defaults of kParams.
ParamValues defaultParamValues();

/// Maps plain values to the engine's struct.
engine::ChainParams toChainParams(const ParamValues& v) noexcept;

}  // namespace tonematch::plugin
