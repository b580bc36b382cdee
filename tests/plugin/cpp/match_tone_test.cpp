// MATCH TONE! end to end on the real processor: DI played through processBlock is captured, the
// real `tonematch match` CLI runs as a child process (TONEMATCH_PYTHON), and its rig is applied
// (A/B/C, session state). Also: too little signal starts nothing; Cancel and the timeout kill the
// child; a failing match, garbage or truncated JSON and a missing interpreter change nothing.
// The dispatch loop runs on main; the tests run on a second thread that plays the audio thread.
#include <cmath>
#include <cstdlib>
#include <thread>

#include <juce_audio_formats/juce_audio_formats.h>

#include "bridge/MatchController.h"
#include "match_test_support.h"
#include "test_support.h"

using namespace tonematch::plugin;

namespace {

constexpr double kRate = 48000.0;
constexpr int kBlock = 256;
juce::File work;  // this run's temporary folder

std::unique_ptr<ToneMatchProcessor> makeProcessor() {
  auto p = tmtest::onMessageThread([] { return std::make_unique<ToneMatchProcessor>(); });
  tmtest::prepare(*p, kRate, kBlock);
  return p;
}

void destroy(std::unique_ptr<ToneMatchProcessor> p) {
  tmtest::onMessageThread([&p] { p.reset(); return 0; });
}

MatchStatus status(ToneMatchProcessor& p) {
  return tmtest::onMessageThread([&p] { return p.matcher().status(); });
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

juce::File reference() { return juce::File(tmtest::asset("examples/ref_library_rig.wav")); }

// The matcher's small library: two amps, one pedal, two cabinets (as the matcher tests use).
juce::StringArray smallLibraryArgs() {
  auto models = work.getChildFile("library/models"), irs = work.getChildFile("library/irs");
  models.createDirectory();
  irs.createDirectory();
  for (auto name : {"amp_british_crunch_g5", "amp_clean_american_g2", "pedal_ts_mid"})
    juce::File(tmtest::asset(std::string("nam_models/") + name + ".nam")).copyFileTo(models.getChildFile(juce::String(name) + ".nam"));
  for (auto name : {"cab_4x12_closed_cap", "cab_1x12_open_cap"})
    juce::File(tmtest::asset(std::string("impulse_responses/") + name + ".wav")).copyFileTo(irs.getChildFile(juce::String(name) + ".wav"));
  return {"--budget", "fast", "--library", models.getFullPathName(), "--irs", irs.getFullPathName()};
}

// A rig that is not what any match here returns, to see that failures leave it alone.
RigSpec knownRig() {
  RigSpec rig;
  rig.amp = {"amp_brown_g5", tmtest::asset("nam_models/amp_brown_g5.nam")};
  rig.ir = {"cab_2x12_open_cap", tmtest::asset("impulse_responses/cab_2x12_open_cap.wav")};
  rig.params = {3.5f, -4.0f, 1500.0f, 0.25f, 0.8f, 320.0f, 0.2f, -1.5f};
  return rig;
}

bool sameRig(const RigSpec& a, const RigSpec& b) {
  for (std::size_t i = 0; i < a.params.size(); ++i)
    if (std::abs(a.params[i] - b.params[i]) > 1e-3 * std::max(1.0, std::abs(b.params[i]))) return false;
  return a.pedal.path == b.pedal.path && a.amp.path == b.amp.path && a.ir.path == b.ir.path;
}

RigSpec currentRig(ToneMatchProcessor& p) {
  TM_CHECK(p.waitUntilLoaded(20000));
  return tmtest::onMessageThread([&p] { return p.currentRig(); });
}

// Runs a match to its end; returns the final status.
MatchStatus runToEnd(ToneMatchProcessor& p, const juce::File& ref, int timeoutMs) {
  TM_CHECK(tmtest::onMessageThread([&] { return p.matcher().startMatch(ref); }));
  TM_CHECK(tmtest::waitFor([&p] { return !p.matcher().status().running; }, timeoutMs));
  return status(p);
}

std::vector<float> diSeconds(double seconds) {
  auto di = tmtest::loadDi();
  di.resize(static_cast<std::size_t>(seconds * kRate));
  return di;
}

void captureAndTrim() {
  CaptureRing ring;
  ring.prepare(1000.0, 10.0);  // 10 000 samples
  std::vector<float> ramp(25000);
  for (std::size_t i = 0; i < ramp.size(); ++i) ramp[i] = static_cast<float>(i);
  for (std::size_t i = 0; i < ramp.size(); i += 300) ring.write(ramp.data() + i, static_cast<int>(std::min<std::size_t>(300, ramp.size() - i)));
  const auto snap = ring.snapshot();
  TM_CHECK(snap.sampleRate == 1000.0);
  TM_CHECK(!snap.samples.empty() && snap.samples.back() == 24999.0f);
  TM_CHECK(snap.samples.size() >= 7500 && snap.samples.size() <= 10000);  // minus the writer guard
  for (std::size_t i = 1; i < snap.samples.size(); ++i) TM_CHECK(snap.samples[i] == snap.samples[i - 1] + 1.0f);

  // 5 s of silence, 4 s of guitar, 5 s of silence → about 4 s kept, 4 s playing.
  CapturedAudio take;
  take.sampleRate = kRate;
  take.samples.assign(static_cast<std::size_t>(5 * kRate), 0.0f);
  const auto di = diSeconds(4.0);
  take.samples.insert(take.samples.end(), di.begin(), di.end());
  take.samples.resize(take.samples.size() + static_cast<std::size_t>(5 * kRate), 1e-5f);  // hiss, −100 dBFS
  const auto trimmed = trimSilence(take);
  std::printf("  14 s take: %.2f s kept, %.2f s playing\n", trimmed.audio.seconds(), trimmed.playingSeconds);
  TM_CHECK(trimmed.audio.seconds() > 3.0 && trimmed.audio.seconds() < 4.5);
  TM_CHECK(trimmed.playingSeconds > 2.5 && trimmed.playingSeconds <= 4.0);
}

void tooLittleSignalStartsNothing() {
  auto p = makeProcessor();
  std::vector<float> input(static_cast<std::size_t>(8 * kRate), 0.0f);
  const auto di = diSeconds(1.5);
  input.insert(input.end(), di.begin(), di.end());
  tmtest::render(*p, input, kBlock);
  // The button's path: refused before any file chooser opens.
  tmtest::onMessageThread([&p] { p->onMatchTone(); return 0; });
  TM_CHECK(contains(status(*p).message, "Play at least 3 s"));
  const bool started = tmtest::onMessageThread([&p] { return p->matcher().startMatch(reference()); });
  const auto s = status(*p);
  std::printf("  message: %s\n", s.message.c_str());
  TM_CHECK(!started && !s.running && s.messageIsError);
  TM_CHECK(contains(s.message, "Play at least 3 s of guitar, then press MATCH TONE! again"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  TM_CHECK(tmtest::childProcesses().empty());
  destroy(std::move(p));
}

bool notBlank(const juce::Image& image, int& accentPixels, int& colours) {
  std::set<juce::uint32> seen;
  accentPixels = 0;
  for (int y = 0; y < image.getHeight(); y += 2)
    for (int x = 0; x < image.getWidth(); x += 2) {
      const auto c = image.getPixelAt(x, y);
      seen.insert(c.getARGB());
      if (c.getRed() > 200 && c.getGreen() > 130 && c.getGreen() < 190 && c.getBlue() < 90) ++accentPixels;
    }
  colours = static_cast<int>(seen.size());
  return colours > 50 && accentPixels > 500;
}

void matchAppliesTheRig() {
  auto p = makeProcessor();
  p->matcher().setOverrides({smallLibraryArgs(), std::nullopt});
  const auto di = tmtest::loadDi();
  const auto dry = tmtest::render(*p, di, kBlock);  // empty rig: the DI passes unchanged

  auto* editor = tmtest::onMessageThread([&p] { return p->createEditor(); });
  const auto t0 = juce::Time::getMillisecondCounterHiRes();
  TM_CHECK(tmtest::onMessageThread([&p] { return p->matcher().startMatch(reference()); }));
  std::set<std::string> stages;
  bool shot = false;
  MatchStatus s;
  while ((s = status(*p)).running && juce::Time::getMillisecondCounterHiRes() - t0 < 240000) {
    stages.insert(s.stage.substr(0, s.stage.find_last_of(' ')));
    if (!shot && s.fraction > 0.3 && s.fraction < 0.9) {
      std::this_thread::sleep_for(std::chrono::milliseconds(400));  // let the bar catch up
      const auto image = tmtest::onMessageThread([editor] { return editor->createComponentSnapshot(editor->getLocalBounds()); });
      int accent = 0, colours = 0;
      TM_CHECK(notBlank(image, accent, colours));
      const char* path = std::getenv("TONEMATCH_MATCH_SCREENSHOT");
      auto file = path != nullptr ? juce::File(path) : work.getChildFile("plugin_matching.png");
      file.deleteFile();
      juce::FileOutputStream out(file);
      juce::PNGImageFormat png;
      TM_CHECK(out.openedOk() && png.writeImageToStream(image, out));
      std::printf("  screenshot at %.0f %% (%s): %d colours, %d accent pixels -> %s\n", 100.0 * s.fraction,
                  s.stage.c_str(), colours, accent, file.getFullPathName().toRawUTF8());
      shot = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const double seconds = (juce::Time::getMillisecondCounterHiRes() - t0) / 1000.0;
  std::printf("  match finished in %.1f s: %s\n  stages seen: %zu\n", seconds, s.message.c_str(), stages.size());
  TM_CHECK(!s.running && !s.messageIsError && contains(s.message, "Matched in"));
  TM_CHECK(shot);
  TM_CHECK(stages.size() >= 5);

  const auto rigs = tmtest::onMessageThread([&p] { return p->matchedRigs(); });
  TM_CHECK(rigs.size() == 3);
  if (rigs.size() != 3) return destroy(std::move(p));
  TM_CHECK(p->activeMatchedRig() == 0);
  TM_CHECK(!rigs[0].amp.empty() && juce::File(rigs[0].amp.path).existsAsFile());
  TM_CHECK(sameRig(currentRig(*p), rigs[0]));
  TM_CHECK(p->slotStatus(SlotKind::Amp).state == SlotState::Loaded);
  TM_CHECK(contains(p->lastRigText(), rigs[0].amp.name));
  std::printf("  A: %s\n  B: %s\n  C: %s\n", rigs[0].describe().c_str(), rigs[1].describe().c_str(), rigs[2].describe().c_str());
  const auto wet = tmtest::render(*p, di, kBlock);
  std::vector<float> diff(wet.size());
  for (std::size_t i = 0; i < wet.size(); ++i) diff[i] = wet[i] - dry[i];
  const double change = tmtest::rms(diff.data(), diff.size()), level = tmtest::rms(dry.data(), dry.size());
  std::printf("  output changed: rms(after - before) = %.4f (DI rms %.4f)\n", change, level);
  TM_CHECK(change > 0.1 * level);

  // B re-applies its own rig and parameters, also after the knobs were moved.
  auto* gain = p->parameters().getParameter("inputGain");
  for (int round = 0; round < 2; ++round) {
    TM_CHECK(tmtest::onMessageThread([&p] { return p->chooseMatchedRig(1); }));
    TM_CHECK(sameRig(currentRig(*p), rigs[1]));
    TM_CHECK(p->activeMatchedRig() == 1);
    tmtest::onMessageThread([gain] { gain->setValueNotifyingHost(0.9f); return 0; });
  }
  TM_CHECK(!tmtest::onMessageThread([&p] { return p->chooseMatchedRig(3); }));

  // The set survives the session state.
  TM_CHECK(tmtest::onMessageThread([&p] { return p->chooseMatchedRig(2); }));
  juce::MemoryBlock blob;
  p->getStateInformation(blob);
  auto q = makeProcessor();
  q->setStateInformation(blob.getData(), static_cast<int>(blob.getSize()));
  const auto restored = q->matchedRigs();
  TM_CHECK(restored.size() == 3 && q->activeMatchedRig() == 2);
  if (restored.size() == 3) TM_CHECK(sameRig(restored[1], rigs[1]) && restored[1].loss == rigs[1].loss);
  TM_CHECK(sameRig(currentRig(*q), rigs[2]));
  destroy(std::move(q));

  tmtest::onMessageThread([editor] { delete editor; return 0; });
  destroy(std::move(p));
}

std::unique_ptr<ToneMatchProcessor> processorWithKnownRig() {
  auto p = makeProcessor();
  tmtest::onMessageThread([&p] { p->applyRig(knownRig()); return 0; });
  TM_CHECK(p->waitUntilLoaded(20000));
  tmtest::render(*p, tmtest::loadDi(), kBlock);  // 15 s played: enough to match
  return p;
}

void cancelKillsTheChild() {
  auto p = processorWithKnownRig();
  p->matcher().setOverrides({smallLibraryArgs(), std::nullopt});
  const auto before = currentRig(*p);
  TM_CHECK(tmtest::onMessageThread([&p] { return p->matcher().startMatch(reference()); }));
  // Wait until the CLI itself reports progress, then cancel.
  TM_CHECK(tmtest::waitFor([&p] { auto s = p->matcher().status(); return s.fraction > 0.05; }, 60000));
  const auto children = tmtest::childProcesses();
  std::printf("  cancelling at \"%s\"; children: %zu\n", status(*p).stage.c_str(), children.size());
  TM_CHECK(children.size() == 1);
  const auto t0 = juce::Time::getMillisecondCounterHiRes();
  tmtest::onMessageThread([&p] { p->matcher().cancel(); return 0; });
  TM_CHECK(tmtest::waitFor([&p] { return !p->matcher().status().running; }, 10000));
  std::printf("  stopped in %.0f ms: %s\n", juce::Time::getMillisecondCounterHiRes() - t0, status(*p).message.c_str());
  TM_CHECK(contains(status(*p).message, "cancelled"));
  for (int pid : children) TM_CHECK(!tmtest::processExists(pid));
  TM_CHECK(sameRig(currentRig(*p), before));
  TM_CHECK(p->matchedRigs().empty());

  // Destroying the processor mid-run (a host closing the session) kills the child too.
  TM_CHECK(tmtest::onMessageThread([&p] { return p->matcher().startMatch(reference()); }));
  TM_CHECK(tmtest::waitFor([&p] { return p->matcher().status().fraction > 0.05; }, 60000));
  const auto orphans = tmtest::childProcesses();
  TM_CHECK(orphans.size() == 1);
  destroy(std::move(p));
  for (int pid : orphans) TM_CHECK(!tmtest::processExists(pid));
}

void failingMatchKeepsTheRig() {
  auto p = processorWithKnownRig();
  const auto before = currentRig(*p);
  auto text = work.getChildFile("notes.wav");
  text.replaceWithText("this is not audio\n");
  auto shortRef = work.getChildFile("short.wav");
  {
    CapturedAudio second;
    second.sampleRate = kRate;
    second.samples = diSeconds(1.0);
    TM_CHECK(writeFloatWav(second, shortRef).empty());
  }
  for (auto [ref, expected] : {std::pair{text, "cannot read reference as audio"},
                               std::pair{shortRef, "at least 2 s is needed"}}) {
    const auto s = runToEnd(*p, ref, 60000);
    std::printf("  %s -> %s\n", ref.getFileName().toRawUTF8(), s.message.c_str());
    TM_CHECK(s.messageIsError && contains(s.message, expected));
    TM_CHECK(sameRig(currentRig(*p), before));
  }
  TM_CHECK(p->matchedRigs().empty());
  destroy(std::move(p));
}

// Fake interpreters (real child processes): bad output must be refused and change nothing.
void badMatcherOutputIsRefused() {
  auto p = processorWithKnownRig();
  const auto before = currentRig(*p);
  const juce::String head = "[ \"$1\" = \"-c\" ] && exit 0\n"  // the "import tonematch" check
                            "while [ $# -gt 0 ]; do [ \"$1\" = \"--out\" ] && out=\"$2\"; shift; done\n"
                            "echo '{\"stage\": \"grid\", \"done\": 3, \"total\": 10, \"message\": \"\"}'\n";
  struct Case {
    const char* name;
    juce::String body;
    const char* expected;
  };
  const std::vector<Case> cases{
      {"truncated", "printf '{\"rig\": {\"amp_nam_path\": \"/x.nam\", \"ir' > \"$out\"\necho '{\"stage\": \"done\"}'\n", "not valid JSON"},
      {"garbage", "echo 'hello, world' > \"$out\"\necho '{\"stage\": \"done\"}'\n", "not valid JSON"},
      {"no rig object", "echo '{\"params\": {}}' > \"$out\"\necho '{\"stage\": \"done\"}'\n", "missing the 'rig' object"},
      {"no file", "echo '{\"stage\": \"done\"}'\n", "wrote no rig JSON"},
      {"stderr only", "echo 'error: the reference is silent' >&2\nexit 2\n", "the reference is silent"},
      {"crash", "echo 'Traceback (most recent call last):'\necho 'RuntimeError: boom'\nexit 1\n", "RuntimeError: boom"},
      {"hangs", "exec sleep 60\n", "did not finish within"},
  };
  for (const auto& c : cases) {
    auto script = tmtest::writeScript(work, juce::String("fake_") + juce::String(c.name).replace(" ", "_"), head + c.body);
    setenv("TONEMATCH_PYTHON", script.getFullPathName().toRawUTF8(), 1);
    const bool hangs = juce::String(c.name) == "hangs";
    p->matcher().setOverrides({juce::StringArray{}, hangs ? std::optional<int>(1500) : std::nullopt});
    std::set<int> children;
    TM_CHECK(tmtest::onMessageThread([&p] { return p->matcher().startMatch(reference()); }));
    if (hangs) {
      TM_CHECK(tmtest::waitFor([] { return !tmtest::childProcesses().empty(); }, 5000));
      children = tmtest::childProcesses();
    }
    TM_CHECK(tmtest::waitFor([&p] { return !p->matcher().status().running; }, 20000));
    const auto s = status(*p);
    std::printf("  %s -> %s\n", c.name, s.message.c_str());
    TM_CHECK(s.messageIsError && contains(s.message, c.expected));
    for (int pid : children) TM_CHECK(!tmtest::processExists(pid));
    TM_CHECK(sameRig(currentRig(*p), before));
    TM_CHECK(p->matchedRigs().empty());
  }

  // No interpreter anywhere: the message says how to fix it.
  const juce::String path = juce::SystemStats::getEnvironmentVariable("PATH", {});
  setenv("TONEMATCH_PYTHON", "/nonexistent/python3", 1);
  setenv("PATH", "/usr/bin:/bin", 1);
  const auto s = runToEnd(*p, reference(), 20000);
  std::printf("  no interpreter -> %s\n", s.message.c_str());
  TM_CHECK(s.messageIsError && contains(s.message, "pip install tonematch") && contains(s.message, "TONEMATCH_PYTHON"));
  setenv("PATH", path.toRawUTF8(), 1);
  TM_CHECK(sameRig(currentRig(*p), before));
  destroy(std::move(p));
}

}  // namespace

int main() {
  juce::ScopedJuceInitialiser_GUI juce;
  if (std::getenv("TONEMATCH_PYTHON") == nullptr) {
    std::fprintf(stderr, "set TONEMATCH_PYTHON to a Python with tonematch installed\n");
    return 2;
  }
  const juce::String python = std::getenv("TONEMATCH_PYTHON");
  work = juce::File::getSpecialLocation(juce::File::tempDirectory).getNonexistentChildFile("tonematch-match-test", "", false);
  work.createDirectory();
  int rc = 1;
  std::thread tests([&] {
    tmtest::run("captureAndTrim", captureAndTrim);
    tmtest::run("tooLittleSignalStartsNothing", tooLittleSignalStartsNothing);
    tmtest::run("matchAppliesTheRig", matchAppliesTheRig);
    tmtest::run("cancelKillsTheChild", cancelKillsTheChild);
    tmtest::run("failingMatchKeepsTheRig", failingMatchKeepsTheRig);
    tmtest::run("badMatcherOutputIsRefused", badMatcherOutputIsRefused);
    setenv("TONEMATCH_PYTHON", python.toRawUTF8(), 1);
    rc = tmtest::finish();
    juce::MessageManager::callAsync([] { juce::MessageManager::getInstance()->stopDispatchLoop(); });
  });
  juce::MessageManager::getInstance()->runDispatchLoop();
  tests.join();
  work.deleteRecursively();
  return rc;
}
