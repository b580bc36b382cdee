// SAVE AS PRESET / LOAD PRESET: asynchronous file dialogs, and a confirmation before a preset
// file is replaced.
#pragma once

#include <functional>
#include <memory>

#include <juce_gui_basics/juce_gui_basics.h>

namespace tonematch::plugin {

class ToneMatchProcessor;

class PresetBar : public juce::Component {
 public:
  explicit PresetBar(ToneMatchProcessor& processor);
  void resized() override;

  /// Called with a one-line outcome ("Saved …", "Loaded …", or an error) for the status line.
  std::function<void(const juce::String&, bool isError)> onMessage;

 private:
  void chooseSaveFile();
  void save(const juce::File& file);
  void chooseLoadFile();

  ToneMatchProcessor& processor_;
  juce::TextButton save_{"SAVE AS PRESET"}, load_{"LOAD PRESET"};
  std::unique_ptr<juce::FileChooser> chooser_;
};

}  // namespace tonematch::plugin
