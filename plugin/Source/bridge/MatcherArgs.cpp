#include "bridge/MatcherArgs.h"

namespace tonematch::plugin {

juce::StringArray splitExtraArguments(const juce::String& text) {
  juce::StringArray args;
  args.addTokens(text, " ", "\"'");
  args.removeEmptyStrings();
  for (auto& a : args) a = a.unquoted();
  return args;
}

std::optional<juce::StringArray> matcherArguments(const MatchSettings& settings, std::string& problem) {
  juce::StringArray args{"--budget", settings.budget};
  const std::pair<const juce::File*, const char*> folders[] = {{&settings.namFolder, "--library"},
                                                               {&settings.irFolder, "--irs"}};
  for (const auto& [folder, option] : folders) {
    if (*folder == juce::File()) continue;  // the bundled library
    if (!folder->isDirectory()) {
      problem = std::string(option[2] == 'l' ? "The NAM folder " : "The IR folder ") +
                folder->getFullPathName().toStdString() +
                " does not exist any more: choose it again in Settings, or clear it to use the bundled library";
      return std::nullopt;
    }
    args.addArray(juce::StringArray{option, folder->getFullPathName()});
  }
  args.addArray(splitExtraArguments(settings.extraArgs));
  return args;
}

}  // namespace tonematch::plugin
