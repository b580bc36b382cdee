// The editor and the MATCH TONE! settings without a real matcher run: the named program, the
// library folders becoming matcher arguments, the reference region written as a WAV (and both
// reaching a fake matcher's command line), LAST RIG FOUND with
// very long rig names at the editor's smallest, default and largest sizes (every line inside its
// zone, the loss always shown), and the reference region dialog drawn with its waveform.
// TONEMATCH_EDITOR_SCREENSHOT and TONEMATCH_REGION_SCREENSHOT keep the two images. The input and
// output meters follow a signal played through the processor.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <typeinfo>
#include <tuple>
#include <vector>

#include <juce_audio_formats/juce_audio_formats.h>

#include "PluginProcessor.h"
#include "bridge/MatchController.h"
#include "bridge/MatcherArgs.h"
#include "bridge/ReferenceClip.h"
#include "match_test_support.h"
#include "state/PluginSettings.h"
#include "test_support.h"
#include "ui/CompareButton.h"
#include "ui/Knob.h"
#include "ui/LevelMeter.h"
#include "ui/MatchPanel.h"
#include "ui/ReferenceRegionPanel.h"

using namespace tonematch::plugin;

namespace {

juce::File work;

const char* const kLongRig =
    "pedal_klon_centaur_clone_with_the_treble_control_at_two_oclock_and_full_gain_v3 \xE2\x86\x92 "
    "amp_mesa_boogie_dual_rectifier_2_channel_revision_g_modern_red_channel_high_gain_di_capture \xE2\x86\x92 "
    "cab_4x12_oversized_vintage_30_celestion_sm57_cap_edge_one_inch_plus_room_r121_blend";

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

void programName() {
  auto p = tmtest::onMessageThread([] { return std::make_unique<ToneMatchProcessor>(); });
  TM_CHECK(p->getNumPrograms() == 1);
  TM_CHECK(p->getProgramName(0) == "Default");
  tmtest::onMessageThread([&p] { p.reset(); return 0; });
}

void libraryFoldersBecomeArguments() {
  const auto nam = work.getChildFile("my nam"), irs = work.getChildFile("irs");
  TM_CHECK(nam.createDirectory() && irs.createDirectory());
  MatchSettings s;
  s.budget = "fast";
  s.extraArgs = "--seed 3 --no-match-eq";
  std::string problem;
  auto bundled = matcherArguments(s, problem);
  TM_CHECK(bundled && *bundled == juce::StringArray({"--budget", "fast", "--seed", "3", "--no-match-eq"}));

  s.namFolder = nam;
  s.irFolder = irs;
  auto own = matcherArguments(s, problem);
  TM_CHECK(own && own->joinIntoString("|") == "--budget|fast|--library|" + nam.getFullPathName() + "|--irs|" +
                                                  irs.getFullPathName() + "|--seed|3|--no-match-eq");

  // Remembered in the settings file (HOME is the test's own folder).
  PluginSettings().write(s);
  const auto back = PluginSettings().read();
  TM_CHECK(back.namFolder == nam && back.irFolder == irs && back.extraArgs == s.extraArgs);

  // A folder that vanished refuses the match with its name instead of using the bundled library.
  TM_CHECK(nam.deleteRecursively());
  problem.clear();
  TM_CHECK(!matcherArguments(s, problem));
  TM_CHECK(contains(problem, "NAM folder") && contains(problem, nam.getFullPathName().toStdString()));
  TM_CHECK(PluginSettings().read().namFolder == nam);  // still remembered: the drive may come back
  s.namFolder = juce::File();
  s.irFolder = juce::File();
  PluginSettings().write(s);
  TM_CHECK(PluginSettings().read().namFolder == juce::File());
  std::printf("  refused: %s\n", problem.c_str());
}

void regionIsWrittenAsWav() {
  const juce::File source(tmtest::asset("examples/ref_library_rig.wav"));
  const auto out = work.getChildFile("region.wav");
  TM_CHECK(writeRegion(source, {1.0, 3.5}, out).empty());
  juce::AudioFormatManager formats;
  formats.registerBasicFormats();
  std::unique_ptr<juce::AudioFormatReader> a(formats.createReaderFor(source)), b(formats.createReaderFor(out));
  TM_CHECK(a != nullptr && b != nullptr);
  if (a == nullptr || b == nullptr) return;
  TM_CHECK(b->sampleRate == a->sampleRate && b->numChannels == a->numChannels);
  const auto offset = static_cast<juce::int64>(1.0 * a->sampleRate);
  const auto length = static_cast<int>(2.5 * a->sampleRate);
  TM_CHECK(b->lengthInSamples == length);
  juce::AudioBuffer<float> x(static_cast<int>(a->numChannels), length), y(static_cast<int>(b->numChannels), length);
  a->read(&x, 0, length, offset, true, true);
  b->read(&y, 0, length, 0, true, true);
  float worst = 0.0f;
  for (int c = 0; c < x.getNumChannels(); ++c)
    for (int i = 0; i < length; ++i) worst = std::max(worst, std::abs(x.getSample(c, i) - y.getSample(c, i)));
  std::printf("  region 1.0-3.5 s: %lld samples, largest difference %g\n",
              static_cast<long long>(b->lengthInSamples), static_cast<double>(worst));
  TM_CHECK(worst < 1e-4f);  // 32-bit float copy of 16/24-bit or float source

  TM_CHECK(coversWholeFile({0.0, 10.0}, 10.0) && !coversWholeFile({0.5, 10.0}, 10.0));
  // Bad input: a message naming the file, never a crash.
  const auto text = work.getChildFile("notes.wav");
  text.replaceWithText("not audio");
  const auto bad = writeRegion(text, {0.0, 2.0}, out);
  TM_CHECK(contains(bad, "cannot read") && contains(bad, text.getFullPathName().toStdString()));
  const auto gone = writeRegion(work.getChildFile("gone.wav"), {0.0, 2.0}, out);
  TM_CHECK(contains(gone, "gone.wav") && contains(gone, "not found"));
  TM_CHECK(contains(writeRegion(source, {2.0, 2.5}, out), "shorter than 1 s"));
  std::printf("  refused: %s\n", bad.c_str());
}

MatchPanel* findMatchPanel(juce::Component& c) {
  if (auto* m = dynamic_cast<MatchPanel*>(&c)) return m;
  for (auto* child : c.getChildren())
    if (auto* m = findMatchPanel(*child)) return m;
  return nullptr;
}

// The visible label under `c` whose text contains `part`, if any.
juce::Label* findLabel(juce::Component& c, const juce::String& part) {
  if (auto* l = dynamic_cast<juce::Label*>(&c); l != nullptr && l->isVisible() && l->getText().contains(part)) return l;
  for (auto* child : c.getChildren())
    if (auto* l = findLabel(*child, part)) return l;
  return nullptr;
}

// The whole path with a fake interpreter (a real child process) that records what it was given:
// Settings' folders arrive as --library/--irs and the matcher reads a WAV of just the region,
// which is removed with the match's temporary folder.
void matcherGetsFoldersAndRegion() {
  const auto nam = work.getChildFile("nam"), irs = work.getChildFile("irs2");
  TM_CHECK(nam.createDirectory() && irs.createDirectory());
  const auto seen = work.getChildFile("ref_seen.wav"), args = work.getChildFile("args.txt");
  const auto fake = tmtest::writeScript(work, "fake-python",
      "[ \"$1\" = -c ] && exit 0\n"
      "echo \"$@\" > '" + args.getFullPathName() + "'\n"
      "while [ $# -gt 0 ]; do [ \"$1\" = --ref ] && cp \"$2\" '" + seen.getFullPathName() + "'; shift; done\n"
      "echo '{\"stage\": \"error\", \"message\": \"fake matcher: arguments recorded\"}'\nexit 1\n");
  MatchSettings s;
  s.pythonPath = fake.getFullPathName();
  s.budget = "fast";
  s.namFolder = nam;
  s.irFolder = irs;
  PluginSettings().write(s);

  auto p = tmtest::onMessageThread([] { return std::make_unique<ToneMatchProcessor>(); });
  tmtest::prepare(*p, 48000.0, 128);
  tmtest::render(*p, tmtest::loadDi(), 128);  // the capture the match takes
  const juce::File reference(tmtest::asset("examples/ref_library_rig.wav"));
  TM_CHECK(tmtest::onMessageThread([&p, &reference] { return p->matcher().startMatch(reference, TimeRegion{1.0, 4.0}); }));
  TM_CHECK(tmtest::waitFor([&p] { return !p->matcher().status().running; }, 60000));
  const auto status = tmtest::onMessageThread([&p] { return p->matcher().status(); });
  std::printf("  fake matcher -> %s\n  its arguments: %s\n", status.message.c_str(),
              args.loadFileAsString().trim().toRawUTF8());
  TM_CHECK(status.messageIsError && contains(status.message, "fake matcher: arguments recorded"));
  const auto given = args.loadFileAsString();
  TM_CHECK(given.contains("--budget fast --library " + nam.getFullPathName() + " --irs " + irs.getFullPathName()));
  TM_CHECK(!given.contains(reference.getFullPathName()));  // the region's WAV, not the whole file
  juce::AudioFormatManager formats;
  formats.registerBasicFormats();
  std::unique_ptr<juce::AudioFormatReader> r(formats.createReaderFor(seen));
  TM_CHECK(r != nullptr && std::abs(static_cast<double>(r->lengthInSamples) / r->sampleRate - 3.0) < 1e-3);
  r.reset();

  // A folder that vanished: nothing starts and the status line names it.
  TM_CHECK(nam.deleteRecursively());
  TM_CHECK(!tmtest::onMessageThread([&p, &reference] { return p->matcher().startMatch(reference); }));
  const auto refused = tmtest::onMessageThread([&p] { return p->matcher().status(); });
  TM_CHECK(refused.messageIsError && contains(refused.message, nam.getFullPathName().toStdString()));
  PluginSettings().write(MatchSettings{});
  tmtest::onMessageThread([&p] { p.reset(); return 0; });
}


bool writePng(const juce::Image& image, const char* envName, const juce::String& fallbackName) {
  const char* path = std::getenv(envName);
  auto file = path != nullptr ? juce::File(path) : work.getChildFile(fallbackName);
  file.deleteFile();
  juce::FileOutputStream out(file);
  juce::PNGImageFormat png;
  const bool ok = out.openedOk() && png.writeImageToStream(image, out);
  std::printf("  screenshot %dx%d -> %s\n", image.getWidth(), image.getHeight(), file.getFullPathName().toRawUTF8());
  return ok;
}

// While the matcher indexes the library the panel says why that can take minutes; a fake
// interpreter reports the index stage and waits.
void indexNoteShows() {
  const auto fake = tmtest::writeScript(work, "indexing-python",
      "[ \"$1\" = -c ] && exit 0\n"
      "echo '{\"stage\": \"index\", \"done\": 3, \"total\": 40, \"message\": \"checking the library\"}'\n"
      "exec sleep 30\n");  // exec: Cancel kills the process that holds the output pipe
  MatchSettings s;
  s.pythonPath = fake.getFullPathName();
  PluginSettings().write(s);
  auto p = tmtest::onMessageThread([] { return std::make_unique<ToneMatchProcessor>(); });
  tmtest::prepare(*p, 48000.0, 128);
  tmtest::render(*p, tmtest::loadDi(), 128);
  auto* editor = tmtest::onMessageThread([&p] { return p->createEditor(); });
  const juce::File reference(tmtest::asset("examples/ref_library_rig.wav"));
  TM_CHECK(tmtest::onMessageThread([&p, &reference] { return p->matcher().startMatch(reference); }));
  TM_CHECK(tmtest::waitFor([&p] { return p->matcher().status().stage.rfind("Indexing", 0) == 0; }, 30000));
  const auto shown = tmtest::onMessageThread([editor] {
    auto* panel = findMatchPanel(*editor);
    panel->refresh();
    auto* note = findLabel(*panel, "first index of a large folder takes minutes");
    auto* stage = findLabel(*panel, "Indexing the library 3/40");
    // Inside the panel, and two lines are enough for the whole note (nothing squeezed or cut).
    const bool inside = note != nullptr && panel->getLocalBounds().contains(note->getBounds()) &&
                        note->getFont().getStringWidthFloat(note->getText()) < 2.0f * static_cast<float>(note->getWidth()) - 20.0f;
    return std::pair{stage != nullptr, inside};
  });
  std::printf("  index stage shown: %s, note shown inside the panel: %s\n", shown.first ? "yes" : "no",
              shown.second ? "yes" : "no");
  TM_CHECK(shown.first && shown.second);
  const auto image = tmtest::onMessageThread([editor] { return editor->createComponentSnapshot(editor->getLocalBounds()); });
  TM_CHECK(writePng(image, "TONEMATCH_INDEX_SCREENSHOT", "indexing.png"));
  tmtest::onMessageThread([&p] { p->matcher().cancel(); return 0; });
  TM_CHECK(tmtest::waitFor([&p] { return !p->matcher().status().running; }, 20000));
  PluginSettings().write(MatchSettings{});
  tmtest::onMessageThread([&p, editor] {
    delete editor;
    p.reset();
    return 0;
  });
}

void restoreLongNames(ToneMatchProcessor& p) {
  juce::XmlElement root("ToneMatchAI");
  root.setAttribute("version", "0.1.0");
  auto* param = root.createNewChildElement("PARAMETERS")->createNewChildElement("PARAM");
  param->setAttribute("id", "inputGain");
  param->setAttribute("value", 0.0);
  auto* rig = root.createNewChildElement("Rig");
  rig->setAttribute("lastRig", juce::String::fromUTF8(kLongRig));
  rig->setAttribute("loss", 0.0812);
  juce::MemoryBlock blob;
  juce::AudioProcessor::copyXmlToBinary(root, blob);
  p.setStateInformation(blob.getData(), static_cast<int>(blob.getSize()));
}

void longRigNamesFit() {
  auto p = tmtest::onMessageThread([] { return std::make_unique<ToneMatchProcessor>(); });
  tmtest::prepare(*p, 48000.0, 128);
  tmtest::onMessageThread([&p] { restoreLongNames(*p); return 0; });
  TM_CHECK(contains(p->lastRigText(), "loss 0.0812"));
  auto* editor = tmtest::onMessageThread([&p] { return p->createEditor(); });
  // 900x530: the Standalone's window, whose notice bar takes some of the editor's height.
  const std::pair<int, int> sizes[] = {{760, 480}, {900, 530}, {900, 560}, {1600, 1000}};
  for (const auto& [w, h] : sizes) {
    const auto lines = tmtest::onMessageThread([editor, w = w, h = h] {
      editor->setSize(w, h);
      auto* panel = findMatchPanel(*editor);
      TM_CHECK(panel != nullptr);
      panel->refresh();
      const auto& summary = panel->rigSummary();
      // The summary lies inside its panel, and the panel inside the editor.
      TM_CHECK(panel->getLocalBounds().contains(summary.getBounds()));
      TM_CHECK(editor->getLocalBounds().contains(editor->getLocalArea(panel, panel->getLocalBounds())));
      const auto area = summary.getLocalBounds();
      auto laidOut = summary.layoutLines();
      for (const auto& line : laidOut) {
        TM_CHECK(area.contains(line.bounds));
        const juce::Font font = line.isLoss ? juce::Font(13.0f) : juce::Font(static_cast<float>(line.bounds.getHeight() - 2));
        TM_CHECK(font.getStringWidthFloat(line.text) <= static_cast<float>(line.bounds.getWidth()) + 0.5f);
      }
      return laidOut;
    });
    int names = 0, elided = 0;
    bool loss = false;
    std::string shown;
    for (const auto& line : lines) {
      loss = loss || (line.isLoss && line.text == "loss 0.0812");
      names += line.isLoss ? 0 : 1;
      elided += line.elided ? 1 : 0;
      if (!line.isLoss) shown += line.text.toStdString() + "\n";
    }
    // Every stage keeps the start of its name, in order, however little room there is.
    const auto pedal = shown.find("pedal"), amp = shown.find("\xE2\x86\x92 amp"),
               cab = shown.find("\xE2\x86\x92 cab");
    TM_CHECK(pedal != std::string::npos && amp != std::string::npos && cab != std::string::npos);
    TM_CHECK(pedal < amp && amp < cab);
    std::printf("  %dx%d: %d name line(s), %d elided, loss shown: %s\n%s", w, h, names, elided, loss ? "yes" : "no",
                shown.c_str());
    TM_CHECK(loss);
    TM_CHECK(names >= 1);
    if (h >= 560) TM_CHECK(names == 3);  // one line per stage from the default size up
    if (w == 900 && h == 560) {
      const auto image = tmtest::onMessageThread([editor] { return editor->createComponentSnapshot(editor->getLocalBounds()); });
      TM_CHECK(writePng(image, "TONEMATCH_EDITOR_SCREENSHOT", "editor_long_names.png"));
    }
  }
  tmtest::onMessageThread([&p, editor] {
    delete editor;
    p.reset();
    return 0;
  });
}

void regionDialogDrawsTheWaveform() {
  const juce::File reference(tmtest::asset("examples/ref_outside_rig.wav"));
  bool called = false, matched = false;
  std::optional<TimeRegion> chosen;
  auto* panel = tmtest::onMessageThread([&] {
    return new ReferenceRegionPanel(reference, [&](bool match, std::optional<TimeRegion> region) {
      called = true;
      matched = match;
      chosen = region;
    });
  });
  const double length = tmtest::onMessageThread([panel] { return panel->waveform().lengthSeconds(); });
  TM_CHECK(length > 5.0);
  TM_CHECK(tmtest::waitFor([panel] { return panel->waveform().fullyLoaded(); }, 20000));
  tmtest::onMessageThread([panel, length] {
    panel->setSize(720, 300);
    panel->waveform().setRegion({length * 0.25, length * 0.6});
    return 0;
  });
  const auto image = tmtest::onMessageThread([panel] { return panel->createComponentSnapshot(panel->getLocalBounds()); });
  // The waveform (light), the region's amber edges and the dimmed outside are all drawn.
  const auto wave = tmtest::onMessageThread([panel] { return panel->waveform().getBoundsInParent(); });
  int light = 0, amber = 0;
  for (int y = wave.getY(); y < wave.getBottom(); ++y)
    for (int x = wave.getX(); x < wave.getRight(); ++x) {
      const auto c = image.getPixelAt(x, y);
      if (c.getRed() > 200 && c.getGreen() > 130 && c.getGreen() < 190 && c.getBlue() < 90) ++amber;
      else if (c.getBrightness() > 0.55f) ++light;
    }
  std::printf("  region dialog: %d waveform pixels, %d amber pixels\n", light, amber);
  TM_CHECK(light > 2000 && amber > 2 * wave.getHeight());
  TM_CHECK(writePng(image, "TONEMATCH_REGION_SCREENSHOT", "reference_region.png"));

  // Closing the dialog without Match is a Cancel.
  tmtest::onMessageThread([panel] { delete panel; return 0; });
  TM_CHECK(called && !matched);
  (void)chosen;

  // A file that cannot be drawn still matches, as the whole file.
  const auto text = work.getChildFile("notes.wav");
  text.replaceWithText("not audio");
  called = false;
  auto* undrawable = tmtest::onMessageThread([&] {
    return new ReferenceRegionPanel(text, [&](bool match, std::optional<TimeRegion> region) {
      called = true;
      matched = match;
      chosen = region;
    });
  });
  TM_CHECK(tmtest::onMessageThread([undrawable] { return undrawable->waveform().lengthSeconds(); }) == 0.0);
  tmtest::onMessageThread([undrawable] { delete undrawable; return 0; });
  TM_CHECK(called && !matched);
}

// The meters follow the signal: silence leaves them at the floor; a loud sine through the
// processor lifts the input and output bars, and a sample at 0 dBFS lights the clip lamp, which
// stays lit until clicked. The meter's pixels change with the signal.
std::vector<LevelMeter*> findMeters(juce::Component& root) {
  std::vector<LevelMeter*> found;
  for (auto* child : root.getChildren()) {
    if (auto* meter = dynamic_cast<LevelMeter*>(child)) found.push_back(meter);
    for (auto* inner : findMeters(*child)) found.push_back(inner);
  }
  return found;
}

int amberPixels(const juce::Image& image) {
  int count = 0;
  for (int y = 0; y < image.getHeight(); ++y)
    for (int x = 0; x < image.getWidth(); ++x) {
      const auto c = image.getPixelAt(x, y);
      if (c.getRed() > 200 && c.getGreen() > 120 && c.getGreen() < 190 && c.getBlue() < 90) ++count;
    }
  return count;
}

void playBlocks(ToneMatchProcessor& p, float amplitude, int blocks) {
  juce::AudioBuffer<float> buffer(2, 128);
  juce::MidiBuffer midi;
  for (int b = 0; b < blocks; ++b) {
    for (int i = 0; i < 128; ++i) {
      const float s = amplitude * std::sin(2.0f * 3.14159265f * 441.0f * static_cast<float>(b * 128 + i) / 48000.0f);
      buffer.setSample(0, i, s);
      buffer.setSample(1, i, 0.0f);
    }
    p.processBlock(buffer, midi);
  }
}

void metersFollowTheSignal() {
  auto p = tmtest::onMessageThread([] { return std::make_unique<ToneMatchProcessor>(); });
  tmtest::prepare(*p, 48000.0, 128);
  auto* editor = tmtest::onMessageThread([&p] { return p->createEditor(); });
  const auto meters = tmtest::onMessageThread([editor] { return findMeters(*editor); });
  TM_CHECK(meters.size() == 2);  // IN and OUT
  auto read = [&](LevelMeter* m) {
    return tmtest::onMessageThread([m] {
      m->update();
      return std::make_tuple(m->rmsDb(), m->peakDb(), m->clipLit(),
                             amberPixels(m->createComponentSnapshot(m->getLocalBounds())));
    });
  };
  playBlocks(*p, 0.0f, 40);
  for (auto* m : meters) {
    const auto [rms, peak, clip, amber] = read(m);
    TM_CHECK(rms <= LevelMeter::kFloorDb && peak <= LevelMeter::kFloorDb && !clip);
    std::printf("meter at silence: %d amber pixels\n", amber);
    TM_CHECK(amber == 0);
  }
  // 1.2 s of a sine peaking at +1 dBFS (past the RMS window), through the empty chain.
  playBlocks(*p, 1.122f, 450);
  for (auto* m : meters) {
    const auto [rms, peak, clip, amber] = read(m);
    std::printf("meter with a +1 dBFS sine: RMS %.1f dB, peak %.1f dB, clip %s, %d amber pixels\n",
                static_cast<double>(rms), static_cast<double>(peak), clip ? "lit" : "dark", amber);
    TM_CHECK(std::abs(rms - (1.0f - 3.01f)) < 0.3f && std::abs(peak - 1.0f) < 0.3f && clip);
    TM_CHECK(amber > 100);
  }
  // Quiet again: the clip lamp holds until clicked.
  playBlocks(*p, 0.01f, 40);
  TM_CHECK(std::get<2>(read(meters[0])));
  tmtest::onMessageThread([m = meters[0]] { m->clearClip(); return 0; });  // what a click does
  TM_CHECK(!std::get<2>(read(meters[0])));
  tmtest::onMessageThread([editor] { delete editor; return 0; });
}

// The Compare button: in the top bar at every size, overlapping nothing (nor do the knobs, with
// the Match EQ amount in the matching zone); each click steps MATCHED → RIG → BYPASS → MATCHED on
// the processor and says so; a restored session shows MATCHED again.
void compareButtonCycles() {
  auto p = tmtest::onMessageThread([] { return std::make_unique<ToneMatchProcessor>(); });
  tmtest::prepare(*p, 48000.0, 128);
  auto* editor = tmtest::onMessageThread([&p] { return p->createEditor(); });
  const std::pair<int, int> sizes[] = {{760, 480}, {900, 560}, {1600, 1000}};
  for (const auto& [w, h] : sizes) {
    const auto overlaps = tmtest::onMessageThread([editor, w = w, h = h] {
      editor->setSize(w, h);
      int found = 0, knobs = 0, overlapping = 0;
      std::vector<juce::Component*> children;
      for (auto* c : editor->getChildren())  // the resize corner lies over the edge by design
        if (c->isVisible() && dynamic_cast<juce::ResizableCornerComponent*>(c) == nullptr)
          children.push_back(c);
      for (auto* c : children) {
        if (auto* b = dynamic_cast<CompareButton*>(c)) {
          ++found;
          TM_CHECK(b->getY() >= 0 && b->getBottom() <= 50 && b->getWidth() >= 150);
          TM_CHECK(juce::Font(15.0f).getStringWidthFloat(b->getButtonText()) < b->getWidth());
        }
        if (dynamic_cast<Knob*>(c) != nullptr) ++knobs;
        TM_CHECK(editor->getLocalBounds().contains(c->getBounds()));
      }
      for (std::size_t i = 0; i < children.size(); ++i)
        for (std::size_t j = i + 1; j < children.size(); ++j)
          if (children[i]->getBounds().intersects(children[j]->getBounds())) {
            ++overlapping;
            std::printf("  overlap: %s / %s\n", typeid(*children[i]).name(), typeid(*children[j]).name());
          }
      TM_CHECK(found == 1);
      TM_CHECK(knobs == 12);
      return overlapping;
    });
    std::printf("  %dx%d: compare button in the top bar, %d overlapping components\n", w, h, overlaps);
    TM_CHECK(overlaps == 0);
  }
  const auto seen = tmtest::onMessageThread([editor, &p] {
    CompareButton* button = nullptr;
    for (auto* c : editor->getChildren())
      if (auto* b = dynamic_cast<CompareButton*>(c)) button = b;
    std::string out;
    if (button == nullptr) return out;
    for (int i = 0; i < 4; ++i) {
      out += button->getButtonText().toStdString() + "=" + compareModeName(p->compareMode()) + " ";
      button->onClick();  // what a click does
    }
    // The processor is the truth: a restored session plays MATCHED, and the button follows.
    juce::MemoryBlock state;
    p->getStateInformation(state);
    p->setStateInformation(state.getData(), static_cast<int>(state.getSize()));
    return out;
  });
  std::printf("  clicks: %s\n", seen.c_str());
  TM_CHECK(seen == "COMPARE: MATCHED=MATCHED COMPARE: RIG=RIG COMPARE: BYPASS=BYPASS COMPARE: MATCHED=MATCHED ");
  // Four clicks left RIG on; the restored session plays MATCHED and, at the editor's next
  // refresh (10 per second), the button says so.
  TM_CHECK(p->compareMode() == CompareMode::Matched);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const auto shown = tmtest::onMessageThread([editor] {
    juce::String text;
    for (auto* c : editor->getChildren())
      if (auto* b = dynamic_cast<CompareButton*>(c)) text = b->getButtonText();
    return text;
  });
  TM_CHECK(shown == "COMPARE: MATCHED");
  tmtest::onMessageThread([editor] { delete editor; return 0; });
}

}  // namespace

int main() {
  juce::ScopedJuceInitialiser_GUI juce;
  work = juce::File::getSpecialLocation(juce::File::tempDirectory).getNonexistentChildFile("tonematch-editor-test", "", false);
  work.createDirectory();
  int rc = 1;
  std::thread tests([&] {
    tmtest::run("programName", programName);
    tmtest::run("libraryFoldersBecomeArguments", libraryFoldersBecomeArguments);
    tmtest::run("regionIsWrittenAsWav", regionIsWrittenAsWav);
    tmtest::run("matcherGetsFoldersAndRegion", matcherGetsFoldersAndRegion);
    tmtest::run("indexNoteShows", indexNoteShows);
    tmtest::run("longRigNamesFit", longRigNamesFit);
    tmtest::run("regionDialogDrawsTheWaveform", regionDialogDrawsTheWaveform);
    tmtest::run("metersFollowTheSignal", metersFollowTheSignal);
    tmtest::run("compareButtonCycles", compareButtonCycles);
    rc = tmtest::finish();
    juce::MessageManager::callAsync([] { juce::MessageManager::getInstance()->stopDispatchLoop(); });
  });
  juce::MessageManager::getInstance()->runDispatchLoop();
  tests.join();
  work.deleteRecursively();
  return rc;
}
