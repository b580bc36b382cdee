// Saving presets where they cannot go: the presets folder is a file, cannot be created, is not
// writable, or the preset's name is taken by a folder. Each save fails with a message naming the
// preset, leaves what was there unchanged and no temporary file behind. Replacing an existing
// preset (after the editor asked) swaps the whole file at once.
#include <sys/stat.h>
#include <unistd.h>

#include "bad_input_support.h"
#include "match_test_support.h"
#include "state/PresetManager.h"
#include "test_support.h"

using namespace tonematch::plugin;

namespace badinput {

namespace {

juce::StringArray listing(const juce::File& folder) {
  juce::StringArray names;
  for (const auto& f : folder.findChildFiles(juce::File::findFilesAndDirectories | juce::File::ignoreHiddenFiles, false))
    names.add(f.getFileName() + " " + fingerprint(f));
  names.sort(false);
  return names;
}

struct SaveCase {
  std::string name;
  juce::File target;
  juce::File watched;  ///< the folder whose contents must not change
};

}  // namespace

void presetSaving() {
  auto p = makeProcessor();
  const auto root = work().getChildFile("saving");
  root.createDirectory();
  // The presets folder is a file.
  const auto notAFolder = root.getChildFile("Presets");
  notAFolder.replaceWithText("I am a file");
  // A preset's name taken by a folder (with a file inside, which must survive).
  const auto folders = root.getChildFile("folders");
  folders.getChildFile("Crunch.json").createDirectory();
  folders.getChildFile("Crunch.json/keep.txt").replaceWithText("keep");
  std::vector<SaveCase> cases{
      {"presets folder is a file", notAFolder.getChildFile("Crunch.json"), root},
      {"presets folder cannot be created", juce::File("/proc/self/ToneMatchAI/Crunch.json"), root},
      {"presets folder is not writable (/proc)", juce::File("/proc/Crunch.json"), root},
      {"preset name taken by a folder", folders.getChildFile("Crunch.json"), folders},
  };
  const auto readOnly = root.getChildFile("read-only");
  readOnly.createDirectory();
  readOnly.getChildFile("Crunch.json").replaceWithText("{\"rig\": {}, \"params\": {}}");
  if (::geteuid() != 0) {  // permissions do not stop root
    ::chmod(readOnly.getFullPathName().toRawUTF8(), 0555);
    cases.push_back({"read-only presets folder with the preset in it", readOnly.getChildFile("Crunch.json"), readOnly});
  }
  for (const auto& c : cases) {
    const auto before = listing(c.watched), inner = listing(folders.getChildFile("Crunch.json"));
    const auto t0 = juce::Time::getMillisecondCounterHiRes();
    const auto result = tmtest::onMessageThread([&] { return PresetManager::save(*p, c.target, "Crunch"); });
    const double seconds = (juce::Time::getMillisecondCounterHiRes() - t0) / 1000.0;
    const auto message = result.getErrorMessage().toStdString();
    std::printf("  preset save | %s | %.2f s: %s\n", c.name.c_str(), seconds, message.c_str());
    const bool ok = result.failed() && contains(message, c.target.getFullPathName().toStdString()) &&
                    listing(c.watched) == before && listing(folders.getChildFile("Crunch.json")) == inner &&
                    seconds < kCaseSeconds;
    if (!ok) std::fprintf(stderr, "preset save case failed: %s\n", c.name.c_str());
    TM_CHECK(ok);
    ++counts()["preset save"];
  }
  ::chmod(readOnly.getFullPathName().toRawUTF8(), 0755);

  // Replacing: the old preset is whole until the new one is, and nothing else is left behind.
  const auto replaced = root.getChildFile("replace/Crunch.json");
  replaced.getParentDirectory().createDirectory();
  replaced.replaceWithText("{\"name\": \"old\", \"rig\": {}, \"params\": {}}");
  const auto t0 = juce::Time::getMillisecondCounterHiRes();
  TM_CHECK(tmtest::onMessageThread([&] { return PresetManager::save(*p, replaced, "New"); }).wasOk());
  std::printf("  preset save | replacing a preset | %.2f s: saved\n", (juce::Time::getMillisecondCounterHiRes() - t0) / 1000.0);
  TM_CHECK(contains(replaced.loadFileAsString().toStdString(), "\"name\": \"New\""));
  TM_CHECK(replaced.getParentDirectory().getNumberOfChildFiles(juce::File::findFilesAndDirectories) == 1);
  ++counts()["preset save"];
  TM_CHECK(audioFlows(*p));
  destroy(std::move(p));
}

}  // namespace badinput
