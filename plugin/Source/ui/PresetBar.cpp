#include "ui/PresetBar.h"

#include "PluginProcessor.h"
#include "state/PresetManager.h"

namespace tonematch::plugin {

PresetBar::PresetBar(ToneMatchProcessor& processor) : processor_(processor) {
  save_.setTooltip("Save the rig and all knobs as a preset (JSON) in " +
                   PresetManager::defaultFolder().getFullPathName());
  load_.setTooltip("Load a preset or a rig JSON written by tonematch match");
  save_.onClick = [this] { chooseSaveFile(); };
  load_.onClick = [this] { chooseLoadFile(); };
  addAndMakeVisible(save_);
  addAndMakeVisible(load_);
}

void PresetBar::resized() {
  auto area = getLocalBounds();
  const int w = (area.getWidth() - 8) / 2;
  save_.setBounds(area.removeFromLeft(w));
  load_.setBounds(area.removeFromRight(w));
}

void PresetBar::chooseSaveFile() {
  const auto folder = PresetManager::defaultFolder();
  folder.createDirectory();
  auto suggested = processor_.currentRig().name;
  const auto initial = PresetManager::fileFor(suggested.empty() ? "My Preset" : juce::String::fromUTF8(suggested.c_str()));
  chooser_ = std::make_unique<juce::FileChooser>("Save preset", initial, "*.json");
  chooser_->launchAsync(
      juce::FileBrowserComponent::saveMode | juce::FileBrowserComponent::canSelectFiles,
      [this](const juce::FileChooser& fc) {
        auto file = fc.getResult();
        if (file == juce::File()) return;  // cancelled
        if (!file.hasFileExtension("json")) file = file.withFileExtension("json");
        if (!file.existsAsFile()) {
          save(file);
          return;
        }
        // Never replace a preset without asking.
        juce::Component::SafePointer<PresetBar> safe(this);
        juce::AlertWindow::showOkCancelBox(
            juce::MessageBoxIconType::WarningIcon, "Replace preset?",
            "\"" + file.getFileName() + "\" already exists. Replace it?", "Replace", "Cancel",
            this, juce::ModalCallbackFunction::create([safe, file](int result) {
              if (safe != nullptr && result == 1) safe->save(file);
            }));
      });
}

void PresetBar::save(const juce::File& file) {
  const auto result = PresetManager::save(processor_, file, file.getFileNameWithoutExtension());
  if (onMessage)
    onMessage(result.wasOk() ? "Saved preset " + file.getFullPathName() : result.getErrorMessage(),
              result.failed());
}

void PresetBar::chooseLoadFile() {
  const auto folder = PresetManager::defaultFolder();
  chooser_ = std::make_unique<juce::FileChooser>(
      "Load preset", folder.isDirectory() ? folder : juce::File::getSpecialLocation(juce::File::userHomeDirectory),
      "*.json");
  chooser_->launchAsync(
      juce::FileBrowserComponent::openMode | juce::FileBrowserComponent::canSelectFiles,
      [this](const juce::FileChooser& fc) {
        const auto file = fc.getResult();
        if (file == juce::File()) return;  // cancelled; a missing file is named by the load
        if (onMessage)
          onMessage("Loading preset " + file.getFileNameWithoutExtension() +
                        juce::String::fromUTF8("\xe2\x80\xa6"),
                    false);
        // The read may wait up to 10 s on a stalled network mount; the editor stays usable and
        // may be closed meanwhile, so the outcome reaches this bar only if it still exists.
        juce::Component::SafePointer<PresetBar> safe(this);
        PresetManager::loadAsync(processor_, file, [safe, file](const juce::Result& result) {
          if (safe == nullptr || !safe->onMessage) return;
          safe->onMessage(result.wasOk() ? "Loaded preset " + file.getFileNameWithoutExtension()
                                         : result.getErrorMessage(),
                          result.failed());
        });
      });
}

}  // namespace tonematch::plugin
