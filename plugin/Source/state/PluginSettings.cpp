#include "state/PluginSettings.h"

namespace tonematch::plugin {

namespace {
juce::PropertiesFile::Options options() {
  juce::PropertiesFile::Options o;
  o.applicationName = "settings";
  o.folderName = "ToneMatchAI";
  o.filenameSuffix = ".xml";
  o.osxLibrarySubFolder = "Application Support";
  o.storageFormat = juce::PropertiesFile::storeAsXML;
  return o;
}
}  // namespace

PluginSettings::PluginSettings() {
  auto o = options();
#if JUCE_LINUX || JUCE_BSD
  // JUCE puts Linux settings under ~/<folderName>; the XDG place is ~/.config.
  const auto file = juce::File("~/.config").getChildFile(o.folderName).getChildFile("settings.xml");
  props_ = std::make_unique<juce::PropertiesFile>(file, o);
#else
  props_ = std::make_unique<juce::PropertiesFile>(o);
#endif
}

juce::File PluginSettings::file() const { return props_->getFile(); }

MatchSettings PluginSettings::read() const {
  MatchSettings s;
  s.pythonPath = props_->getValue("pythonPath");
  s.captureSeconds = juce::jlimit(10.0, 120.0, props_->getDoubleValue("captureSeconds", 30.0));
  s.budget = props_->getValue("budget", "normal");
  if (s.budget != "fast" && s.budget != "normal" && s.budget != "thorough") s.budget = "normal";
  s.extraArgs = props_->getValue("extraArgs");
  s.timeoutMinutes = juce::jlimit(1, 120, props_->getIntValue("timeoutMinutes", 10));
  const auto folder = props_->getValue("lastReferenceFolder");
  if (juce::File::isAbsolutePath(folder)) s.lastReferenceFolder = juce::File(folder);
  // Kept even when the folder is gone (an unplugged drive): the match says so instead of
  // quietly falling back to the bundled library.
  if (const auto nam = props_->getValue("namFolder"); juce::File::isAbsolutePath(nam)) s.namFolder = juce::File(nam);
  if (const auto irs = props_->getValue("irFolder"); juce::File::isAbsolutePath(irs)) s.irFolder = juce::File(irs);
  return s;
}

void PluginSettings::write(const MatchSettings& s) {
  props_->setValue("pythonPath", s.pythonPath);
  props_->setValue("captureSeconds", s.captureSeconds);
  props_->setValue("budget", s.budget);
  props_->setValue("extraArgs", s.extraArgs);
  props_->setValue("timeoutMinutes", s.timeoutMinutes);
  props_->setValue("lastReferenceFolder", s.lastReferenceFolder.getFullPathName());
  props_->setValue("namFolder", s.namFolder.getFullPathName());
  props_->setValue("irFolder", s.irFolder.getFullPathName());
  props_->saveIfNeeded();
}

void PluginSettings::setLastReferenceFolder(const juce::File& folder) {
  props_->setValue("lastReferenceFolder", folder.getFullPathName());
  props_->saveIfNeeded();
}

}  // namespace tonematch::plugin
