// Presets: the rig JSON plus "name" (docs/formats.md, presets), in
// ~/Documents/ToneMatchAI/Presets/ by default.
#pragma once

#include <juce_core/juce_core.h>

namespace tonematch::plugin {

class ToneMatchProcessor;

class PresetManager {
 public:
  /// ~/Documents/ToneMatchAI/Presets (the platform's documents folder).
  static juce::File defaultFolder();
  /// A file name for a preset name: characters that are illegal in file names removed, ".json".
  static juce::File fileFor(const juce::String& presetName);

  /// Writes the processor's current rig and parameters atomically (a reader sees the old file
  /// or the whole new one). Overwrites: asking first is the caller's job.
  static juce::Result save(const ToneMatchProcessor& processor, const juce::File& file,
                           const juce::String& name);
  /// Parses the preset strictly and applies it (message thread). Missing model/IR files do not
  /// fail the load: the processor's status names them.
  static juce::Result load(ToneMatchProcessor& processor, const juce::File& file);
};

}  // namespace tonematch::plugin
