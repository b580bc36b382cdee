// The rig's parameters, defined once: the chain's parameter struct and the table every other
// place (the chain's clamping, the plugin's APVTS layout, the rig JSON codec, the Python module)
// reads its keys, ids, names, ranges and defaults from. See docs/formats.md, rig JSON.
//
// Adding a parameter: a field in ChainParams and a row in kParams (here), then its use in the
// chain's processing (chain_params.cpp applyParams) and, for a knob, the plugin editor's layout.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace tonematch::engine {

/// Match EQ: 24 peaking biquads on the base-10 1/3-octave centres 10^(k/10) Hz, k = 18…41.
inline constexpr int kMatchEqBandCount = 24;
/// Largest match EQ band gain (dB); gains are clamped to ±this.
inline constexpr float kMatchEqLimitDb = 12.0f;

/// The chain's user parameters and the match EQ; a default-constructed value holds kParams'
/// defaults. Values are clamped to kParams' ranges by the chain.
struct ChainParams {
  float inputGainDb;     ///< before the pedal
  float preEqGainDb;     ///< peak filter after the cabinet (the name is the published one)
  float preEqFreqHz;     ///< its centre; Q = Chain::kPreEqQ
  float reverbWet;       ///< dry = 1 − wet
  float reverbRoomSize;
  float delayTimeMs;
  float delayMix;        ///< feedback = Chain::kDelayFeedback
  float finalEqGainDb;   ///< output gain (a plain gain, not an EQ; the name is the published one)
  float outputLevelDb;   ///< the matcher's output level, after the final gain (wide range)
  float gateThresholdDb; ///< noise gate before the pedal; kParams' low end (−100 dB) = off
  float limiterCeilingDb; ///< output limiter at the end; kParams' high end (0 dB) = off
  float matchEqAmount;   ///< share of matchEqDb that plays, in %: 100 = as matched, 0 = flat
  /// Match EQ band gains (dB) on Chain::matchEqCentreHz(k); all 0 = bypass. Set by the matcher,
  /// not smoothed: a change takes effect at the start of the next block.
  std::array<float, kMatchEqBandCount> matchEqDb{};

  /// Every parameter at its kParams default, the match EQ flat.
  ChainParams() noexcept;
};

/// How a host control maps its travel onto the range.
enum class ParamSkew {
  kLinear,
  kLog,  ///< the control's centre sits at the geometric mean (frequencies)
};

/// One parameter: its names in every format, its range and default.
struct ParamSpec {
  const char* jsonKey;      ///< key in the rig JSON "params" object (published; never change)
  const char* apvtsId;      ///< the plugin's parameter id (published; automation depends on it)
  const char* displayName;  ///< what hosts and the UI show
  const char* unit;         ///< "dB", "Hz", "ms", "%" or "" for a plain fraction
  double low, high, defaultValue;  ///< double, so JSON values clamp to exactly these numbers
  ParamSkew skew;
  float ChainParams::*field;  ///< where the chain keeps it
};

/// The parameter table, in the order of the rig JSON's "params" object and the plugin's
/// parameter list.
inline constexpr std::array<ParamSpec, 12> kParams{{
    {"input_gain_db", "inputGain", "Input Gain", "dB", -24.0, 24.0, 0.0, ParamSkew::kLinear,
     &ChainParams::inputGainDb},
    {"pre_eq_gain_db", "preEqGainDb", "Pre EQ Gain", "dB", -12.0, 12.0, 0.0,
     ParamSkew::kLinear, &ChainParams::preEqGainDb},
    {"pre_eq_freq_hz", "preEqFreqHz", "Pre EQ Freq", "Hz", 400.0, 3000.0, 800.0,
     ParamSkew::kLog, &ChainParams::preEqFreqHz},
    {"reverb_wet", "reverbWet", "Reverb Wet", "", 0.0, 0.7, 0.0, ParamSkew::kLinear,
     &ChainParams::reverbWet},
    {"reverb_room_size", "reverbRoomSize", "Reverb Size", "", 0.0, 1.0, 0.5,
     ParamSkew::kLinear, &ChainParams::reverbRoomSize},
    {"delay_time_ms", "delayTimeMs", "Delay Time", "ms", 50.0, 500.0, 100.0,
     ParamSkew::kLinear, &ChainParams::delayTimeMs},
    {"delay_mix", "delayMix", "Delay Mix", "", 0.0, 0.5, 0.0, ParamSkew::kLinear,
     &ChainParams::delayMix},
    {"final_eq_gain_db", "finalEqGainDb", "Final Gain", "dB", -3.0, 3.0, 0.0,
     ParamSkew::kLinear, &ChainParams::finalEqGainDb},
    // Not one of the original eight: NAM models differ in output level by tens of dB, more than
    // the final gain's ±3 dB can make up, so the matcher sets the level here.
    {"output_level_db", "outputLevelDb", "Output Level", "dB", -40.0, 40.0, 0.0,
     ParamSkew::kLinear, &ChainParams::outputLevelDb},
    // The gate before the pedal: high-gain models amplify the hiss and hum between notes. At
    // its low end it is off and passes every sample unchanged.
    {"gate_threshold_db", "gateThresholdDb", "Gate", "dB", -100.0, 0.0, -100.0,
     ParamSkew::kLinear, &ChainParams::gateThresholdDb},
    // The limiter at the end: the matcher brings a rig whose peaks stand out more than the
    // reference's to the reference's loudness and keeps its peaks under this ceiling. At its
    // high end it is off (a float host does not clip at 0 dBFS, so "no ceiling" is the default).
    {"limiter_ceiling_db", "limiterCeilingDb", "Limiter", "dB", -24.0, 0.0, 0.0,
     ParamSkew::kLinear, &ChainParams::limiterCeilingDb},
    // How much of the match EQ plays, as match EQ plugins offer it: the band gains are scaled
    // by it (50 % = half of each band's dB). A percentage rather than a fraction like the mixes
    // because hosts show the unit with the value, and "100 %" reads as what it is. The default
    // plays the EQ as matched, bit for bit as before this parameter existed; 0 % is an exact
    // bypass of the match EQ.
    {"match_eq_amount", "matchEqAmount", "Match EQ Amount", "%", 0.0, 100.0, 100.0,
     ParamSkew::kLinear, &ChainParams::matchEqAmount},
}};

inline constexpr std::size_t kParamCount = kParams.size();

/// Plain parameter values in kParams order (double, so JSON numbers survive a round trip).
using ParamValues = std::array<double, kParamCount>;

/// The index of the parameter with this JSON key; kParamCount when there is none.
constexpr std::size_t paramIndex(std::string_view jsonKey) noexcept {
  for (std::size_t i = 0; i < kParamCount; ++i)
    if (jsonKey == kParams[i].jsonKey) return i;
  return kParamCount;
}

/// kParams' defaults, in table order.
ParamValues defaultParamValues() noexcept;
/// Values in table order → the chain's struct (match EQ flat).
ChainParams toChainParams(const ParamValues& values) noexcept;
/// The chain's struct → values in table order.
ParamValues fromChainParams(const ChainParams& params) noexcept;

}  // namespace tonematch::engine
