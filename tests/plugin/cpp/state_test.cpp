// Rig JSON parsing, session state round trips, corrupt state blobs, presets on disk, and
// rigs whose files are missing — all through the real processor.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "rig/RigJson.h"
#include "state/PresetManager.h"
#include "test_support.h"

using namespace tonematch::plugin;

namespace {

std::string amp() { return tmtest::asset("nam_models/amp_brown_g5.nam"); }
std::string pedal() { return tmtest::asset("nam_models/pedal_ts_mid.nam"); }
std::string cab() { return tmtest::asset("impulse_responses/cab_2x12_open_cap.wav"); }

RigSpec sampleRig() {
  RigSpec rig;
  rig.pedal = {"pedal_ts_mid", pedal()};
  rig.amp = {"amp_brown_g5", amp()};
  rig.ir = {"cab_2x12_open_cap", cab()};
  // The original eight parameters; the later ones (gate, limiter, match EQ amount) keep their
  // defaults rather than zero.
  const double first[] = {3.5, -4.0, 1500.0, 0.25, 0.8, 320.0, 0.2, -1.5};
  for (std::size_t i = 0; i < 8; ++i) rig.params[i] = first[i];
  rig.loss = 0.125;
  rig.name = "Sample";
  return rig;
}

float paramValue(ToneMatchProcessor& p, int index) {
  auto* param = p.parameters().getParameter(kParams[static_cast<std::size_t>(index)].apvtsId);
  return param->convertFrom0to1(param->getValue());
}

void rigJsonParsing() {
  const std::string doc = R"({"rig": {"fx_nam": null, "amp_nam": "a", "ir": "c",
      "fx_nam_path": null, "amp_nam_path": "models/a.nam", "ir_path": "/abs/c.wav"},
      "params": {"input_gain_db": 30, "pre_eq_freq_hz": 1200.5, "delay_mix": -1},
      "loss": 0.5, "future_key": {"x": 1},
      "alternatives": [{"rig": {"amp_nam_path": "b.nam"}, "params": {}, "loss": 0.7}]})";
  const auto rig = parseRig(doc, "doc", "/base");
  TM_CHECK(rig.pedal.empty());
  TM_CHECK(rig.amp.path == "/base/models/a.nam");
  TM_CHECK(rig.amp.name == "a");
  TM_CHECK(rig.ir.path == "/abs/c.wav");
  TM_CHECK(rig.params[tonematch::engine::paramIndex("input_gain_db")] == 24.0f);           // clamped
  TM_CHECK(rig.params[tonematch::engine::paramIndex("delay_mix")] == 0.0f);             // clamped
  TM_CHECK(rig.params[tonematch::engine::paramIndex("pre_eq_freq_hz")] == 1200.5f);
  TM_CHECK(rig.params[tonematch::engine::paramIndex("reverb_room_size")] == 0.5f);           // missing → default
  TM_CHECK(rig.readNotes.size() == 2);
  TM_CHECK(rig.loss && *rig.loss == 0.5);
  TM_CHECK(rig.alternatives.size() == 1 && rig.alternatives[0].amp.name == "b");

  // One bad alternative is skipped with a note; the best rig and the good alternatives load.
  const auto mixed = parseRig(R"({"rig": {"amp_nam_path": "/a.nam"}, "alternatives": [
      {"rig": {"amp_nam_path": 7}}, {"rig": {"amp_nam_path": "/b.nam"}}]})", "mixed.json");
  TM_CHECK(mixed.amp.path == "/a.nam" && mixed.alternatives.size() == 1);
  TM_CHECK(mixed.readNotes.size() == 1 &&
           mixed.readNotes[0].find("mixed.json alternative 1: rig.amp_nam_path") == 0);

  auto throws = [](const std::string& text) {
    try {
      parseRig(text, "bad.json");
    } catch (const RigError& e) {
      return std::string(e.what()).rfind("bad.json: ", 0) == 0;
    }
    return false;
  };
  TM_CHECK(throws("{"));
  TM_CHECK(throws("[]"));
  TM_CHECK(throws(R"({"params": {}})"));
  TM_CHECK(throws(R"({"rig": {}, "params": {"reverb_wet": "0.3"}})"));
  TM_CHECK(throws(R"({"rig": {}, "params": {"reverb_wet": true}})"));
  TM_CHECK(throws(R"({"rig": {"amp_nam_path": 3}})"));
  TM_CHECK(throws(R"({"rig": {}, "loss": "low"})"));

  // Serialise → parse is the identity on what a preset holds.
  const auto back = parseRig(serialiseRig(sampleRig()), "round trip");
  TM_CHECK(back.name == "Sample" && back.amp.path == amp() && back.ir.name == "cab_2x12_open_cap");
  TM_CHECK(back.params == sampleRig().params);
  TM_CHECK(back.loss && *back.loss == 0.125);
}

void sessionRoundTrip() {
  juce::MemoryBlock blob;
  {
    ToneMatchProcessor a;
    tmtest::prepare(a, 48000.0, 256);
    a.applyRig(sampleRig());
    TM_CHECK(a.waitUntilLoaded(20000));
    TM_CHECK(a.statusLine() == "Ready");
    a.getStateInformation(blob);
  }
  ToneMatchProcessor b;
  b.setStateInformation(blob.getData(), static_cast<int>(blob.getSize()));
  TM_CHECK(b.waitUntilLoaded(20000));
  tmtest::prepare(b, 48000.0, 256);
  for (int i = 0; i < 8; ++i) TM_CHECK(std::abs(paramValue(b, i) - sampleRig().params[static_cast<std::size_t>(i)]) < 1e-3);
  TM_CHECK(b.slotStatus(SlotKind::Pedal).name == "pedal_ts_mid");
  TM_CHECK(b.slotStatus(SlotKind::Amp).state == SlotState::Loaded);
  TM_CHECK(b.slotStatus(SlotKind::Ir).path == cab());
  TM_CHECK(b.lastRigText().find("amp_brown_g5") != std::string::npos);
  auto di = tmtest::loadDi();
  di.resize(24000);
  const auto out = tmtest::render(b, di, 256);
  TM_CHECK(tmtest::allFinite(out) && tmtest::rms(out.data(), out.size()) > 1e-3);
}

void corruptStateChangesNothing() {
  ToneMatchProcessor p;
  tmtest::prepare(p, 48000.0, 256);
  p.applyRig(sampleRig());
  TM_CHECK(p.waitUntilLoaded(20000));
  juce::MemoryBlock good;
  p.getStateInformation(good);

  std::vector<juce::MemoryBlock> bad;
  bad.emplace_back();                                             // empty
  bad.emplace_back(good.getData(), good.getSize() / 2);           // truncated
  juce::MemoryBlock flipped(good);
  for (std::size_t i = 8; i < flipped.getSize(); i += 7) flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
  bad.push_back(flipped);                                         // bit rot
  juce::Random rng(7);
  juce::MemoryBlock noise(4096);
  for (std::size_t i = 0; i < noise.getSize(); ++i) noise[i] = static_cast<char>(rng.nextInt(256));
  bad.push_back(noise);                                           // random bytes
  juce::MemoryBlock foreign;
  juce::AudioProcessor::copyXmlToBinary(juce::XmlElement("SomethingElse"), foreign);
  bad.push_back(foreign);                                         // another plugin's state

  for (const auto& blob : bad) {
    p.setStateInformation(blob.getData(), static_cast<int>(blob.getSize()));
    TM_CHECK(p.waitUntilLoaded(20000));
    TM_CHECK(std::abs(paramValue(p, tonematch::engine::paramIndex("input_gain_db")) - 3.5f) < 1e-3f);
    TM_CHECK(p.slotStatus(SlotKind::Amp).name == "amp_brown_g5");
    TM_CHECK(!p.warnings().empty());
  }
  auto di = tmtest::loadDi();
  di.resize(12000);
  const auto out = tmtest::render(p, di, 256);
  TM_CHECK(tmtest::allFinite(out) && tmtest::rms(out.data(), out.size()) > 1e-3);
}

void missingFilesLoadWhatTheyCan() {
  ToneMatchProcessor p;
  tmtest::prepare(p, 48000.0, 256);
  auto rig = sampleRig();
  rig.amp = {"gone", "/nonexistent/folder/gone.nam"};
  p.applyRig(rig);
  TM_CHECK(p.waitUntilLoaded(20000));
  TM_CHECK(p.slotStatus(SlotKind::Amp).state == SlotState::Missing);
  TM_CHECK(p.slotStatus(SlotKind::Amp).name.empty());     // nothing plays in that slot
  TM_CHECK(p.slotStatus(SlotKind::Pedal).state == SlotState::Loaded);
  TM_CHECK(p.slotStatus(SlotKind::Ir).state == SlotState::Loaded);
  const auto line = p.statusLine();
  std::printf("  status: %s\n", line.c_str());
  TM_CHECK(line.find("AMP missing") != std::string::npos);
  TM_CHECK(line.find("gone.nam") != std::string::npos);

  // A broken file picked in the UI keeps the current model and says why.
  p.loadSlot(SlotKind::Pedal, juce::File(tmtest::asset("examples/references.json")));
  TM_CHECK(p.waitUntilLoaded(20000));
  TM_CHECK(p.slotStatus(SlotKind::Pedal).name == "pedal_ts_mid");
  TM_CHECK(!p.slotStatus(SlotKind::Pedal).error.empty());
  // A .nam in the IR slot is not audio: refused with a message.
  p.loadSlot(SlotKind::Ir, juce::File(amp()));
  TM_CHECK(p.waitUntilLoaded(20000));
  TM_CHECK(p.slotStatus(SlotKind::Ir).error.find("not an audio file") != std::string::npos);

  // The missing path survives a session round trip, so the file loads once it is back.
  juce::MemoryBlock blob;
  p.getStateInformation(blob);
  ToneMatchProcessor q;
  q.setStateInformation(blob.getData(), static_cast<int>(blob.getSize()));
  TM_CHECK(q.waitUntilLoaded(20000));
  TM_CHECK(q.slotStatus(SlotKind::Amp).path == "/nonexistent/folder/gone.nam");
}

// The Match EQ Amount knob: a host parameter that reaches the sound (0 % plays what a flat match
// EQ plays, bit for bit; 100 % the EQ as matched), kept by the session state and by presets.
void matchEqAmount() {
  auto amount = [](ToneMatchProcessor& p) { return p.parameters().getParameter("matchEqAmount"); };
  RigSpec shaped = sampleRig();
  for (int k = 0; k < 24; ++k) shaped.matchEqDb[static_cast<std::size_t>(k)] = 6.0f * std::sin(static_cast<float>(k));
  RigSpec flat = sampleRig();
  auto di = tmtest::loadDi();
  di.resize(24000);
  auto play = [&di](ToneMatchProcessor& p) {
    p.reset();
    return tmtest::render(p, di, 256);
  };
  ToneMatchProcessor f;
  tmtest::prepare(f, 48000.0, 256);
  f.applyRig(flat);
  TM_CHECK(f.waitUntilLoaded(20000));
  const auto flatOut = play(f);

  ToneMatchProcessor a;
  tmtest::prepare(a, 48000.0, 256);
  a.applyRig(shaped);
  TM_CHECK(a.waitUntilLoaded(20000));
  TM_CHECK(amount(a) != nullptr && amount(a)->getName(64) == "Match EQ Amount");
  TM_CHECK(amount(a)->getLabel() == "%");
  TM_CHECK(std::abs(amount(a)->convertFrom0to1(amount(a)->getValue()) - 100.0f) < 1e-4f);
  const auto full = play(a);
  TM_CHECK(full != flatOut);
  amount(a)->setValueNotifyingHost(0.0f);  // as a host's automation does
  TM_CHECK(play(a) == flatOut);
  amount(a)->setValueNotifyingHost(0.35f);
  const auto partly = play(a);
  TM_CHECK(partly != flatOut && partly != full);

  juce::MemoryBlock blob;
  a.getStateInformation(blob);
  ToneMatchProcessor b;
  b.setStateInformation(blob.getData(), static_cast<int>(blob.getSize()));
  TM_CHECK(b.waitUntilLoaded(20000));
  tmtest::prepare(b, 48000.0, 256);
  TM_CHECK(std::abs(amount(b)->convertFrom0to1(amount(b)->getValue()) - 35.0f) < 1e-3f);
  TM_CHECK(play(b) == partly);

  const auto file = PresetManager::fileFor("Amount");
  TM_CHECK(PresetManager::save(a, file, "Amount").wasOk());
  const auto doc = nlohmann::json::parse(file.loadFileAsString().toStdString());
  TM_CHECK(std::abs(doc["params"]["match_eq_amount"].get<double>() - 35.0) < 1e-3);
  ToneMatchProcessor q;
  tmtest::prepare(q, 48000.0, 256);
  TM_CHECK(PresetManager::load(q, file).wasOk());
  TM_CHECK(q.waitUntilLoaded(20000));
  TM_CHECK(std::abs(amount(q)->convertFrom0to1(amount(q)->getValue()) - 35.0f) < 1e-3f);
  TM_CHECK(play(q) == partly);
  // A preset written before the amount existed plays the match EQ in full.
  auto old = doc;
  old["params"].erase("match_eq_amount");
  TM_CHECK(std::abs(parseRig(old.dump(), "old.json").params[tonematch::engine::paramIndex("match_eq_amount")] - 100.0) < 1e-9);
  TM_CHECK(file.deleteFile());
}

void presetsOnDisk() {
  const auto home = juce::File::getSpecialLocation(juce::File::userHomeDirectory);
  TM_CHECK(PresetManager::defaultFolder() == home.getChildFile("Documents/ToneMatchAI/Presets"));
  ToneMatchProcessor p;
  tmtest::prepare(p, 48000.0, 256);
  p.applyRig(sampleRig());
  TM_CHECK(p.waitUntilLoaded(20000));
  const auto file = PresetManager::fileFor("My: Crunch?");
  TM_CHECK(file.getParentDirectory() == PresetManager::defaultFolder());
  TM_CHECK(PresetManager::save(p, file, "My Crunch").wasOk());
  TM_CHECK(file.existsAsFile());

  const auto doc = nlohmann::json::parse(file.loadFileAsString().toStdString());
  TM_CHECK(doc["name"] == "My Crunch");
  for (const char* key : {"fx_nam", "amp_nam", "ir", "fx_nam_path", "amp_nam_path", "ir_path"})
    TM_CHECK(doc["rig"].contains(key));
  TM_CHECK(doc["rig"]["amp_nam_path"] == amp());
  TM_CHECK(doc["params"].size() == kParams.size());
  TM_CHECK(std::abs(doc["params"]["delay_time_ms"].get<double>() - 320.0) < 1e-3);
  TM_CHECK(doc["loss"] == 0.125);

  ToneMatchProcessor q;
  tmtest::prepare(q, 48000.0, 256);
  TM_CHECK(PresetManager::load(q, file).wasOk());
  TM_CHECK(q.waitUntilLoaded(20000));
  for (int i = 0; i < 8; ++i) TM_CHECK(std::abs(paramValue(q, i) - sampleRig().params[static_cast<std::size_t>(i)]) < 1e-3);
  TM_CHECK(q.slotStatus(SlotKind::Ir).name == "cab_2x12_open_cap");
  TM_CHECK(q.lastRigText().find("My Crunch") != std::string::npos);

  // Relative paths resolve against the preset's folder; bad presets fail with the file named.
  const auto folder = PresetManager::defaultFolder();
  TM_CHECK(folder.getChildFile("models").createDirectory().wasOk());
  TM_CHECK(juce::File(amp()).copyFileTo(folder.getChildFile("models/amp.nam")));
  folder.getChildFile("relative.json").replaceWithText(
      R"({"name": "rel", "rig": {"amp_nam_path": "models/amp.nam"}, "params": {"reverb_wet": 0.9}, "loss": null})");
  TM_CHECK(PresetManager::load(q, folder.getChildFile("relative.json")).wasOk());
  TM_CHECK(q.waitUntilLoaded(20000));
  TM_CHECK(q.slotStatus(SlotKind::Amp).state == SlotState::Loaded);
  TM_CHECK(q.slotStatus(SlotKind::Ir).path.empty());
  TM_CHECK(std::abs(paramValue(q, tonematch::engine::paramIndex("reverb_wet")) - 0.7f) < 1e-4f);  // clamped, with a warning
  TM_CHECK(!q.warnings().empty());
  folder.getChildFile("broken.json").replaceWithText("{\"rig\": ");
  const auto result = PresetManager::load(q, folder.getChildFile("broken.json"));
  TM_CHECK(result.failed() && result.getErrorMessage().contains("broken.json"));
}

void matchEq() {
  // JSON: strict 24 finite numbers, clamped with a warning, written only when not flat.
  std::string gains;
  for (int k = 0; k < 24; ++k) gains += (k ? ", " : "") + std::to_string(k == 3 ? 20.0 : 0.5 * k);
  const auto rig = parseRig(R"({"rig": {}, "match_eq": {"gains_db": [)" + gains + "]}}", "eq.json");
  TM_CHECK(rig.matchEqDb[3] == 12.0f && rig.matchEqDb[5] == 2.5f);
  TM_CHECK(rig.readNotes.size() == 1 && rig.readNotes[0].find("match_eq gain 3") != std::string::npos);
  TM_CHECK(isFlat(parseRig(R"({"rig": {}})", "flat.json").matchEqDb));
  auto throws = [](const std::string& text) {
    try {
      parseRig(text, "bad.json");
    } catch (const RigError& e) {
      return std::string(e.what()).find("match_eq") != std::string::npos;
    }
    return false;
  };
  TM_CHECK(throws(R"({"rig": {}, "match_eq": [1, 2]})"));
  TM_CHECK(throws(R"({"rig": {}, "match_eq": {"gains_db": [1, 2]}})"));
  TM_CHECK(throws(R"({"rig": {}, "match_eq": {"gains_db": [)" + gains + R"(, 1]}})"));
  std::string strings;
  for (int k = 0; k < 24; ++k) strings += k ? ", \"1\"" : "\"1\"";
  TM_CHECK(throws(R"({"rig": {}, "match_eq": {"gains_db": [)" + strings + "]}}"));
  RigSpec shaped = sampleRig();
  for (int k = 0; k < 24; ++k) shaped.matchEqDb[static_cast<std::size_t>(k)] = 6.0f * std::sin(static_cast<float>(k));
  const auto json = nlohmann::json::parse(serialiseRig(shaped));
  TM_CHECK(json["params"].size() == kParams.size() && json["match_eq"]["gains_db"].size() == 24);
  TM_CHECK(parseRig(serialiseRig(shaped), "round trip").matchEqDb == shaped.matchEqDb);
  TM_CHECK(nlohmann::json::parse(serialiseRig(sampleRig())).count("match_eq") == 0);

  // The processor: applyRig sets it, currentRig (presets) returns it, the session keeps it and
  // the bypass; bypassed plays exactly what a flat rig plays.
  auto di = tmtest::loadDi();
  di.resize(24000);
  auto play = [&di](ToneMatchProcessor& p) {
    p.reset();  // from a clean state at the current settings
    return tmtest::render(p, di, 256);
  };
  auto maxDiff = [](const std::vector<float>& x, const std::vector<float>& y) {
    float d = x.size() == y.size() ? 0.0f : 1e9f;
    for (std::size_t i = 0; i < std::min(x.size(), y.size()); ++i) d = std::max(d, std::abs(x[i] - y[i]));
    return d;
  };
  juce::MemoryBlock blob;
  std::vector<float> shapedOut;
  {
    ToneMatchProcessor a;
    tmtest::prepare(a, 48000.0, 256);
    a.applyRig(shaped);
    TM_CHECK(a.waitUntilLoaded(20000));
    TM_CHECK(a.currentRig().matchEqDb == shaped.matchEqDb);
    TM_CHECK(a.matchEqText().rfind("MATCH EQ: 24 bands, \xC2\xB1", 0) == 0);
    shapedOut = play(a);
    a.setMatchEqBypassed(true);
    a.getStateInformation(blob);
  }
  ToneMatchProcessor b;
  b.setStateInformation(blob.getData(), static_cast<int>(blob.getSize()));
  TM_CHECK(b.waitUntilLoaded(20000));
  tmtest::prepare(b, 48000.0, 256);
  TM_CHECK(b.matchEq() == shaped.matchEqDb && b.matchEqBypassed());
  TM_CHECK(b.matchEqText().find("(bypassed)") != std::string::npos);
  const auto bypassed = play(b);
  b.setMatchEqBypassed(false);
  TM_CHECK(maxDiff(play(b), shapedOut) < 1e-5f);
  ToneMatchProcessor c;
  tmtest::prepare(c, 48000.0, 256);
  c.applyRig(sampleRig());
  TM_CHECK(c.waitUntilLoaded(20000));
  TM_CHECK(c.matchEqText() == "MATCH EQ: flat");
  TM_CHECK(maxDiff(play(c), bypassed) < 1e-5f);
  TM_CHECK(maxDiff(bypassed, shapedOut) > 1e-3f);
}

}  // namespace

int main() {
  // Presets live under $HOME; never touch the real one.
  const auto home = juce::File::createTempFile("tonematch_home");
  home.createDirectory();
  setenv("HOME", home.getFullPathName().toRawUTF8(), 1);
  juce::ScopedJuceInitialiser_GUI juce;
  tmtest::run("rigJsonParsing", rigJsonParsing);
  tmtest::run("sessionRoundTrip", sessionRoundTrip);
  tmtest::run("matchEq", matchEq);
  tmtest::run("corruptStateChangesNothing", corruptStateChangesNothing);
  tmtest::run("missingFilesLoadWhatTheyCan", missingFilesLoadWhatTheyCan);
  tmtest::run("presetsOnDisk", presetsOnDisk);
  tmtest::run("matchEqAmount", matchEqAmount);
  const int rc = tmtest::finish();
  home.deleteRecursively();
  return rc;
}
