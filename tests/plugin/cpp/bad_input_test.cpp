// The plugin's bad-input corpus, part two (part one is tests/plugin/test_bad_state_corpus.py):
// hostile presets through LOAD PRESET, preset saving into places it cannot write, and hostile
// output from the matcher child process — all on the real processor with real files and real
// child processes. Each case must end within 30 s with a message naming the file, change
// nothing on refusal and leave audio flowing; the program prints how many cases ran per kind.
// The dispatch loop runs on main; the cases run on a second thread that plays the audio thread.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <thread>

#include <sys/stat.h>

#include "bad_input_support.h"
#include "match_test_support.h"
#include "test_support.h"

using namespace tonematch::plugin;

namespace badinput {

juce::File& work() {
  static juce::File folder;
  return folder;
}

std::map<std::string, int>& counts() {
  static std::map<std::string, int> c;
  return c;
}

RigSpec knownRig() {
  RigSpec rig;
  rig.amp = {"amp_brown_g5", tmtest::asset("nam_models/amp_brown_g5.nam")};
  rig.ir = {"cab_2x12_open_cap", tmtest::asset("impulse_responses/cab_2x12_open_cap.wav")};
  rig.params[tonematch::engine::paramIndex("input_gain_db")] = 3.5;
  rig.params[tonematch::engine::paramIndex("delay_time_ms")] = 320.0;
  rig.params[tonematch::engine::paramIndex("delay_mix")] = 0.2;
  rig.matchEqDb[4] = 2.5;
  rig.name = "Known";
  return rig;
}

void restoreKnownRig(ToneMatchProcessor& p) {
  tmtest::onMessageThread([&p] { p.applyRig(knownRig()); return 0; });
  TM_CHECK(p.waitUntilLoaded(20000));
}

std::unique_ptr<ToneMatchProcessor> makeProcessor() {
  auto p = tmtest::onMessageThread([] { return std::make_unique<ToneMatchProcessor>(); });
  tmtest::prepare(*p, kRate, kBlock);
  restoreKnownRig(*p);
  tmtest::render(*p, tmtest::loadDi(), kBlock);  // 15 s played: enough for MATCH TONE!
  return p;
}

void destroy(std::unique_ptr<ToneMatchProcessor> p) {
  tmtest::onMessageThread([&p] { p.reset(); return 0; });
}

float param(ToneMatchProcessor& p, const char* key) {
  const auto& spec = kParams[tonematch::engine::paramIndex(key)];
  auto* prm = p.parameters().getParameter(spec.apvtsId);
  return prm->convertFrom0to1(prm->getValue());
}

Snapshot snapshot(ToneMatchProcessor& p) {
  TM_CHECK(p.waitUntilLoaded(30000));
  return tmtest::onMessageThread([&p] {
    Snapshot s;
    for (const auto& spec : kParams) s.params.push_back(param(p, spec.jsonKey));
    for (auto kind : kSlotKinds) {
      const auto st = p.slotStatus(kind);
      s.slots.push_back(std::to_string(static_cast<int>(st.state)) + "|" + st.path + "|" + st.name);
    }
    for (double g : p.matchEq()) s.matchEq.push_back(g);
    s.lastRig = p.lastRigText();
    for (const auto& r : p.matchedRigs()) s.matched.push_back(r.amp.path + "|" + r.ir.path);
    return s;
  });
}

bool audioFlows(ToneMatchProcessor& p) {
  auto di = tmtest::loadDi();
  di.resize(static_cast<std::size_t>(0.25 * kRate));
  const auto out = tmtest::render(p, di, kBlock);
  return tmtest::allFinite(out) && tmtest::rms(out.data(), out.size()) > 1e-4;
}

std::string fingerprint(const juce::File& f) {
  struct stat st {};
  if (::lstat(f.getFullPathName().toRawUTF8(), &st) != 0) return "absent";
  std::string out = std::to_string(st.st_mode) + " " + std::to_string(st.st_size) + " " +
                    std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  if (S_ISREG(st.st_mode) && (st.st_mode & 0444) != 0) {
    juce::MemoryBlock bytes;
    if (f.loadFileAsData(bytes))
      out += " " + std::to_string(std::hash<std::string_view>{}(
                       {static_cast<const char*>(bytes.getData()), bytes.getSize()}));
  }
  return out;
}

bool validUtf8(const std::string& s) { return juce::CharPointer_UTF8::isValidString(s.data(), static_cast<int>(s.size())); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace badinput

int main() {
  using namespace badinput;
  // Presets live under $HOME; never touch the real one.
  work() = juce::File::getSpecialLocation(juce::File::tempDirectory)
               .getNonexistentChildFile("tonematch-bad-input", "", false);
  work().createDirectory();
  const auto home = work().getChildFile("home");
  home.createDirectory();
  setenv("HOME", home.getFullPathName().toRawUTF8(), 1);
  juce::ScopedJuceInitialiser_GUI juce;
  int rc = 1;
  std::thread tests([&] {
    tmtest::run("presetCorpus", presetCorpus);
    tmtest::run("presetAsync", presetAsync);
    tmtest::run("presetSaving", presetSaving);
    tmtest::run("matcherOutputCorpus", matcherOutputCorpus);
    int total = 0;
    std::printf("corpus:");
    for (const auto& [kind, n] : counts()) {
      std::printf(" %s %d,", kind.c_str(), n);
      total += n;
    }
    std::printf(" total %d\n", total);
    rc = tmtest::finish();
    juce::MessageManager::callAsync([] { juce::MessageManager::getInstance()->stopDispatchLoop(); });
  });
  juce::MessageManager::getInstance()->runDispatchLoop();
  tests.join();
  std::error_code ignored;  // std::filesystem also removes the sockets JUCE leaves behind
  std::filesystem::remove_all(work().getFullPathName().toStdString(), ignored);
  return rc;
}
