// The host session blob: APVTS parameters + the rig's file paths, as XML in JUCE's binary
// wrapper. Parsing is strict so that a corrupt blob changes nothing.
#pragma once

#include <array>
#include <optional>
#include <string>

#include <juce_audio_processors/juce_audio_processors.h>

#include "rig/RigJson.h"

namespace tonematch::plugin {

/// Deepest element nesting a session state may have (ours is 4 levels); deeper states are
/// refused before parsing, like any other corrupt state.
inline constexpr int kMaxStateDepth = 64;

struct SessionState {
  juce::ValueTree parameters;                ///< APVTS state (type = the APVTS's identifier)
  std::array<std::string, 3> slotPaths;      ///< pedal, amp, IR; empty = empty slot
  std::string lastRig;                       ///< LAST RIG FOUND text
  std::optional<double> lastLoss;
  MatchEqGains matchEqDb{};                  ///< the match EQ's gains (absent = flat)
  bool matchEqBypassed = false;
  std::string matchedRigs;                   ///< the last match's A/B/C as rig JSON ("" = none)
  int activeMatchedRig = -1;
};

/// Serialises; `statusLine` and `loading` are written for hosts and tests to read, and ignored
/// when the state is restored.
void writeSessionState(const SessionState& state, const std::string& statusLine, bool loading,
                       juce::MemoryBlock& dest);

/// Parses a blob from writeSessionState; nullopt (and a reason) for anything else.
std::optional<SessionState> readSessionState(const void* data, int size,
                                             const juce::Identifier& parametersType,
                                             std::string& whyNot);

}  // namespace tonematch::plugin
