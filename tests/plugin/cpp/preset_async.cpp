// LOAD PRESET as the editor runs it (PresetManager::loadAsync): a preset applies exactly what the
// synchronous load applies; of two loads in a row only the later is applied and reported; a
// preset on a mount that never answers leaves the message thread responsive, a processor
// destroyed meanwhile is neither touched nor held up, and once the mount answers the load ends
// with the preset named and nothing changed.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>

#include "bad_input_support.h"
#include "match_test_support.h"
#include "rig/RigJson.h"
#include "state/PresetManager.h"
#include "test_support.h"

using namespace tonematch::plugin;

namespace badinput {

namespace {

double nowMs() { return juce::Time::getMillisecondCounterHiRes(); }

// What one asynchronous load reported; written on the message thread, read by the test thread.
struct Outcome {
  std::atomic<int> calls{0};
  std::mutex mutex;
  juce::Result result = juce::Result::ok();
  std::string message() {
    std::lock_guard<std::mutex> lock(mutex);
    return result.getErrorMessage().toStdString();
  }
  bool failed() {
    std::lock_guard<std::mutex> lock(mutex);
    return result.failed();
  }
};

// Starts the load on the message thread; returns how long the call held it (ms).
double startLoad(ToneMatchProcessor& p, const juce::File& file, const std::shared_ptr<Outcome>& o) {
  return tmtest::onMessageThread([&p, &file, o] {
    const double t0 = nowMs();
    PresetManager::loadAsync(p, file, [o](const juce::Result& r) {
      {
        std::lock_guard<std::mutex> lock(o->mutex);
        o->result = r;
      }
      ++o->calls;
    });
    return nowMs() - t0;
  });
}

bool waitForCall(const Outcome& o, int timeoutMs) {
  const double deadline = nowMs() + timeoutMs;
  while (o.calls.load() == 0 && nowMs() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return o.calls.load() > 0;
}

// How long a message posted now waits before the message thread handles it (ms).
double messageLatencyMs() {
  auto handled = std::make_shared<std::promise<double>>();
  auto future = handled->get_future();
  const double t0 = nowMs();
  juce::MessageManager::callAsync([handled, t0] { handled->set_value(nowMs() - t0); });
  return future.get();
}

juce::File writePreset(const juce::File& file, double gainDb, double matchEqDb) {
  RigSpec rig;
  rig.amp = {"amp_brown_g7", tmtest::asset("nam_models/amp_brown_g7.nam")};
  rig.ir = {"cab_4x12_closed_cap", tmtest::asset("impulse_responses/cab_4x12_closed_cap.wav")};
  rig.params[tonematch::engine::paramIndex("input_gain_db")] = gainDb;
  rig.params[tonematch::engine::paramIndex("delay_mix")] = 0.1;
  rig.matchEqDb[2] = matchEqDb;
  rig.name = file.getFileNameWithoutExtension().toStdString();
  TM_CHECK(file.replaceWithText(juce::String::fromUTF8(serialiseRig(rig).c_str())));
  return file;
}

void report(const char* name, double t0, const std::string& what, bool ok) {
  std::printf("  async preset | %s | %.2f s: %.200s\n", name, (nowMs() - t0) / 1000.0, what.c_str());
  if (!ok) std::fprintf(stderr, "async preset case failed: %s\n", name);
  TM_CHECK(ok);
  ++counts()["async preset"];
}

void sameAsLoad(ToneMatchProcessor& p, const juce::File& folder) {
  const auto file = writePreset(folder.getChildFile("crunch.json"), 7.0, -1.5);
  TM_CHECK(tmtest::onMessageThread([&] { return PresetManager::load(p, file); }).wasOk());
  const auto loaded = snapshot(p);
  restoreKnownRig(p);
  const auto before = snapshot(p);

  const double t0 = nowMs();
  auto o = std::make_shared<Outcome>();
  startLoad(p, file, o);
  const bool called = waitForCall(*o, 15000);
  const auto after = snapshot(p);
  report("applies what load applies", t0, called ? "loaded" : "no answer",
         called && !o->failed() && after == loaded && !(after == before) &&
             std::abs(param(p, "input_gain_db") - 7.0f) < 1e-3f && audioFlows(p));
}

void laterWins(ToneMatchProcessor& p, const juce::File& folder) {
  restoreKnownRig(p);
  const auto first = writePreset(folder.getChildFile("first.json"), 9.0, 1.0);
  const auto second = writePreset(folder.getChildFile("second.json"), 2.0, -2.0);
  const double t0 = nowMs();
  auto o1 = std::make_shared<Outcome>(), o2 = std::make_shared<Outcome>();
  startLoad(p, first, o1);
  startLoad(p, second, o2);
  const bool called = waitForCall(*o2, 15000);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // time for a stray first result
  report("two in a row: the later wins", t0, called ? "second loaded" : "no answer",
         called && !o2->failed() && o1->calls.load() == 0 && o2->calls.load() == 1 &&
             std::abs(param(p, "input_gain_db") - 2.0f) < 1e-3f &&
             std::abs(p.matchEq()[2] + 2.0) < 1e-6);
}

// The test prints "waiting" and the Python side then releases the mount (reads fail with EIO).
void stalledMount(ToneMatchProcessor& p, const juce::File& stalled) {
  restoreKnownRig(p);
  const auto before = snapshot(p);
  const double t0 = nowMs();
  auto o = std::make_shared<Outcome>();
  const double callMs = startLoad(p, stalled, o);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the read is stuck by now
  const double latencyMs = messageLatencyMs();
  const bool stuck = o->calls.load() == 0;

  // A processor destroyed while its preset read is stuck: not held up, never called back.
  auto orphan = std::make_shared<Outcome>();
  auto q = tmtest::onMessageThread([] { return std::make_unique<ToneMatchProcessor>(); });
  startLoad(*q, stalled, orphan);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const double d0 = nowMs();
  destroy(std::move(q));
  const double destroyMs = nowMs() - d0;

  std::printf("  async preset | on a stalled mount | waiting (call %.1f ms, message %.1f ms, "
              "destroyed in %.1f ms)\n", callMs, latencyMs, destroyMs);
  std::fflush(stdout);
  const bool called = waitForCall(*o, 20000);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto message = o->message();
  report("on a stalled mount", t0, called ? message : "no answer",
         callMs < 50.0 && latencyMs < 100.0 && stuck && destroyMs < 1000.0 && called &&
             o->failed() && contains(message, stalled.getFileName().toStdString()) &&
             validUtf8(message) && snapshot(p) == before && orphan->calls.load() == 0 &&
             audioFlows(p));
}

}  // namespace

void presetAsync() {
  auto p = makeProcessor();
  const auto folder = work().getChildFile("async presets");
  folder.createDirectory();
  sameAsLoad(*p, folder);
  laterWins(*p, folder);
  if (const char* stalled = std::getenv("TONEMATCH_STALLED_FILE"))
    stalledMount(*p, juce::File(stalled));
  destroy(std::move(p));
}

}  // namespace badinput
