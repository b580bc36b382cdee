// Presets: the rig JSON plus "name" (docs/formats.md, presets), in
// ~/Documents/ToneMatchAI/Presets/ by default.
#pragma once

#include <functional>

#include <juce_core/juce_core.h>

#include "rig/RigJson.h"

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
  /// What LOAD PRESET calls (message thread): returns at once, reads the preset on the
  /// processor's preset thread and applies it on the message thread, then calls `onDone` there
  /// with what `load` would have returned. A later call wins: the earlier preset is not applied
  /// and its `onDone` is not called; nor is anything once the processor is destroyed.
  static void loadAsync(ToneMatchProcessor& processor, const juce::File& file,
                        std::function<void(const juce::Result&)> onDone);
  /// Reads and parses a preset (any thread), giving up on the read when `stop()` returns true.
  static juce::Result read(const juce::File& file, RigSpec& rig,
                           const std::function<bool()>& stop = {});
};

}  // namespace tonematch::plugin
