// Plugin-wide settings (not per session): the Python interpreter, capture length, matcher
// budget and extra arguments, timeout, the last reference folder and the player's NAM and IR
// library folders. Stored with
// juce::PropertiesFile in the user's settings folder (~/.config/ToneMatchAI/settings.xml on Linux).
#pragma once

#include <memory>

#include <juce_data_structures/juce_data_structures.h>

namespace tonematch::plugin {

/// What the MATCH TONE! bridge reads from the settings file.
struct MatchSettings {
  juce::String pythonPath;            ///< empty: TONEMATCH_PYTHON, then `tonematch` on PATH
  double captureSeconds = 30.0;       ///< 10…120
  juce::String budget = "normal";     ///< fast | normal | thorough
  juce::String extraArgs;             ///< more matcher arguments, e.g. "--library ~/nam"
  int timeoutMinutes = 10;
  juce::File lastReferenceFolder;
  juce::File namFolder;               ///< the player's .nam folder (--library); none = bundled
  juce::File irFolder;                ///< the player's cabinet IR folder (--irs); none = bundled
};

class PluginSettings {
 public:
  PluginSettings();
  /// The settings file (created on the first save).
  juce::File file() const;
  MatchSettings read() const;
  void write(const MatchSettings& settings);
  void setLastReferenceFolder(const juce::File& folder);

 private:
  std::unique_ptr<juce::PropertiesFile> props_;
};

}  // namespace tonematch::plugin
