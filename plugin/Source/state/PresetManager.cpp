#include "state/PresetManager.h"

#include "PluginProcessor.h"
#include "loading/IrFile.h"
#include "rig/RigJson.h"

namespace tonematch::plugin {

juce::File PresetManager::defaultFolder() {
  return juce::File::getSpecialLocation(juce::File::userDocumentsDirectory)
      .getChildFile("ToneMatchAI")
      .getChildFile("Presets");
}

juce::File PresetManager::fileFor(const juce::String& presetName) {
  auto stem = juce::File::createLegalFileName(presetName.trim());
  if (stem.isEmpty()) stem = "Preset";
  return defaultFolder().getChildFile(stem + ".json");
}

juce::Result PresetManager::save(const ToneMatchProcessor& processor, const juce::File& file,
                                 const juce::String& name) {
  auto rig = processor.currentRig();
  rig.name = name.trim().toStdString();
  if (rig.name.empty()) rig.name = file.getFileNameWithoutExtension().toStdString();
  rig.alternatives.clear();
  const auto text = serialiseRig(rig);

  // Every message names the preset the user asked for, not the temporary file next to it.
  const auto cannot = [&file](const juce::String& why) {
    return juce::Result::fail("Cannot save the preset " + file.getFullPathName() + ": " + why);
  };
  const auto folder = file.getParentDirectory();
  if (!folder.createDirectory())
    return cannot("its folder " + folder.getFullPathName() + " cannot be created");
  if (file.isDirectory()) return cannot("a folder of that name is in the way");
  juce::TemporaryFile temp(file);
  if (!temp.getFile().replaceWithText(juce::String::fromUTF8(text.c_str()), false, false, "\n"))
    return cannot("its folder " + folder.getFullPathName() + " is not writable");
  if (!temp.overwriteTargetFileWithTemporary()) return cannot("the file cannot be replaced");
  return juce::Result::ok();
}

juce::Result PresetManager::read(const juce::File& file, RigSpec& rig,
                                 const std::function<bool()>& stop) {
  const auto path = file.getFullPathName().toStdString();
  std::string text;
  try {
    // Read as the loader reads models (regular files only, on a helper thread, at most 10 s),
    // so a preset on a mount that stopped answering cannot hold its caller for good.
    text = readRegularFile(path, engine::kRigMaxFileBytes, kFileReadTimeoutMs, stop);
  } catch (const FileReadError& e) {
    return juce::Result::fail(e.what());
  }
  try {
    rig = parseRig(text, path, file.getParentDirectory().getFullPathName().toStdString());
    if (rig.name.empty()) rig.name = file.getFileNameWithoutExtension().toStdString();
    return juce::Result::ok();
  } catch (const RigError& e) {
    return juce::Result::fail(e.what());
  }
}

juce::Result PresetManager::load(ToneMatchProcessor& processor, const juce::File& file) {
  RigSpec rig;
  const auto result = read(file, rig);
  if (result.wasOk()) processor.applyRig(rig);
  return result;
}

void PresetManager::loadAsync(ToneMatchProcessor& processor, const juce::File& file,
                              std::function<void(const juce::Result&)> onDone) {
  processor.presetLoader().load(file, std::move(onDone));
}

}  // namespace tonematch::plugin
