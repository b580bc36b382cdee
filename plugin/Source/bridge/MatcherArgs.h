// The matcher arguments that come from Settings: the budget, the player's NAM and IR folders
// (`--library DIR --irs DIR`) and the free-form extra arguments, in that order.
#pragma once

#include <optional>
#include <string>

#include <juce_core/juce_core.h>

#include "state/PluginSettings.h"

namespace tonematch::plugin {

/// The arguments for `settings`; nullopt, with `problem` naming the folder, when a chosen folder
/// no longer exists (matching the bundled library instead would silently ignore the choice).
std::optional<juce::StringArray> matcherArguments(const MatchSettings& settings, std::string& problem);

/// Splits Settings' extra arguments like a shell would for simple cases (quotes group words).
juce::StringArray splitExtraArguments(const juce::String& text);

}  // namespace tonematch::plugin
