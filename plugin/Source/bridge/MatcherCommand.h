// Finds the `tonematch` matcher to run: the interpreter from Settings, then the TONEMATCH_PYTHON
// environment variable, then a `tonematch` executable on PATH. Each candidate is checked by
// running it (`<python> -c "import tonematch"` or `tonematch --help`) before it is used.
#pragma once

#include <optional>
#include <string>

#include <juce_core/juce_core.h>

namespace tonematch::plugin {

/// How to start the matcher: the program and the arguments before "match".
struct MatcherCommand {
  juce::StringArray prefix;  ///< {python, "-m", "tonematch"} or {"/…/tonematch"}
  juce::String origin;       ///< "Settings", "TONEMATCH_PYTHON" or "PATH", for messages
};

/// What to tell a user when no matcher works.
inline constexpr const char* kInstallHint =
    "Install the tonematch package (pip install tonematch) or set the Python interpreter in "
    "Settings / TONEMATCH_PYTHON";

/// The first candidate that runs; otherwise nullopt and `whyNot` (ending with kInstallHint).
/// Blocks for up to verifyTimeoutMs per candidate: call it on a background thread.
std::optional<MatcherCommand> locateMatcher(const juce::String& settingPython, int verifyTimeoutMs,
                                            std::string& whyNot);

}  // namespace tonematch::plugin
