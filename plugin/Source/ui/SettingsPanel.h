// The Settings… dialog: plugin-wide MATCH TONE! settings (interpreter, capture, budget, the
// player's NAM and IR folders, extra arguments, timeout), saved to the settings file on Save.
#pragma once

#include <juce_gui_basics/juce_gui_basics.h>

#include "state/PluginSettings.h"
#include "ui/LibraryFolderRow.h"

namespace tonematch::plugin {

class SettingsPanel : public juce::Component {
 public:
  SettingsPanel();
  void resized() override;
  void paint(juce::Graphics&) override;

  /// Opens the dialog (non-modal, owned by its window) centred on `parent`.
  static void show(juce::Component* parent);

 private:
  void save();

  PluginSettings settings_;
  juce::Label pythonLabel_, captureLabel_, budgetLabel_, argsLabel_, timeoutLabel_, hint_;
  juce::TextEditor python_, args_;
  juce::Slider capture_{juce::Slider::LinearHorizontal, juce::Slider::TextBoxRight};
  juce::Slider timeout_{juce::Slider::LinearHorizontal, juce::Slider::TextBoxRight};
  juce::ComboBox budget_;
  LibraryFolderRow namFolder_{"NAM folder", ".nam models"}, irFolder_{"IR folder", "cabinet IRs"};
  juce::TextButton ok_{"Save"}, cancel_{"Cancel"};
  juce::File lastReferenceFolder_;
};

}  // namespace tonematch::plugin
