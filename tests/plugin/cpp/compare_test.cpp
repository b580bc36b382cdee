// Compare (MATCHED / RIG / BYPASS) on the real processor with a bundled rig and the bundled DI:
// BYPASS plays the input times the level-matching gain (delayed by the latency at 44.1 kHz),
// RIG plays the rig before its post-cabinet stages, every mode keeps the latency and allocates
// nothing, a switch crossfades, the mode is not saved in the session state and a restored
// session plays MATCHED. TONEMATCH_COMPARE_WAVS=folder writes one pass of the DI in each mode
// (matched.wav, rig.wav, bypass.wav) for the loudness check in tests/plugin/test_compare.py.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <juce_audio_formats/juce_audio_formats.h>

#include "alloc_counter.h"
#include "test_support.h"

using namespace tonematch::plugin;

namespace {

constexpr int kBlock = 128;

// pedal + amp + cabinet, every post-cabinet stage on and the output 6 dB up: RIG and BYPASS
// differ from MATCHED in both tone and level.
RigSpec busyRig() {
  RigSpec rig;
  rig.pedal.path = tmtest::asset("nam_models/pedal_ts_mid.nam");
  rig.amp.path = tmtest::asset("nam_models/amp_british_crunch_g5.nam");
  rig.ir.path = tmtest::asset("impulse_responses/cab_4x12_closed_cap.wav");
  auto set = [&rig](const char* key, double v) { rig.params[tonematch::engine::paramIndex(key)] = v; };
  set("input_gain_db", 3.0);
  set("pre_eq_gain_db", 4.0);
  set("pre_eq_freq_hz", 1500.0);
  set("reverb_wet", 0.25);
  set("delay_mix", 0.2);
  set("delay_time_ms", 300.0);
  set("output_level_db", 6.0);
  for (std::size_t k = 0; k < rig.matchEqDb.size(); ++k) rig.matchEqDb[k] = 5.0 * std::sin(0.6 * k);
  return rig;
}

struct Stereo {
  std::vector<float> left, right;
};

// Plays `input` in blocks, allocation-counted; both output channels.
Stereo play(ToneMatchProcessor& p, const std::vector<float>& input, long& allocations) {
  juce::AudioBuffer<float> buffer(2, kBlock);
  juce::MidiBuffer midi;
  Stereo out;
  for (std::size_t start = 0; start + kBlock <= input.size(); start += kBlock) {
    buffer.clear();
    buffer.copyFrom(0, 0, input.data() + start, kBlock);
    const long before = tmtest::countedAllocations() + tmtest::countedFrees();
    {
      tmtest::ScopedAllocationCount counting;
      p.processBlock(buffer, midi);
    }
    allocations += tmtest::countedAllocations() + tmtest::countedFrees() - before;
    out.left.insert(out.left.end(), buffer.getReadPointer(0), buffer.getReadPointer(0) + kBlock);
    out.right.insert(out.right.end(), buffer.getReadPointer(1), buffer.getReadPointer(1) + kBlock);
  }
  return out;
}

void writeWav(const juce::File& file, const Stereo& x) {
  file.deleteFile();
  juce::WavAudioFormat wav;
  std::unique_ptr<juce::OutputStream> stream(file.createOutputStream().release());
  std::unique_ptr<juce::AudioFormatWriter> writer(
      wav.createWriterFor(stream.get(), 48000.0, 2, 32, {}, 0));
  TM_CHECK(writer != nullptr);
  if (writer == nullptr) return;
  stream.release();  // the writer owns it now
  const float* channels[2] = {x.left.data(), x.right.data()};
  TM_CHECK(writer->writeFromFloatArrays(channels, 2, static_cast<int>(x.left.size())));
}

double rmsDb(const std::vector<float>& x, std::size_t from) {
  return 20.0 * std::log10(tmtest::rms(x.data() + from, x.size() - from) + 1e-30);
}

void setUp(ToneMatchProcessor& p, double rate) {
  tmtest::prepare(p, rate, kBlock);
  p.applyRig(busyRig());
  TM_CHECK(p.waitUntilLoaded(20000));
  for (auto kind : kSlotKinds) TM_CHECK(p.slotStatus(kind).error.empty());
}

// One pass of the DI in each mode after a warm-up pass; BYPASS is the input (delayed by the
// latency) times the gain.
void modesAt48k() {
  ToneMatchProcessor p;
  setUp(p, 48000.0);
  const auto di = tmtest::loadDi();
  TM_CHECK(di.size() >= 10 * 48000);
  TM_CHECK(p.compareMode() == CompareMode::Matched);
  long allocations = 0;
  play(p, di, allocations);  // warm-up: the loudness window fills
  const auto matched = play(p, di, allocations);
  p.setCompareMode(CompareMode::Rig);
  const auto rig = play(p, di, allocations);
  p.setCompareMode(CompareMode::Bypass);
  const auto bypass = play(p, di, allocations);
  TM_CHECK(allocations == 0);
  // At the models' own rate the only latency is the output limiter's 2 ms lookahead.
  const auto lat = static_cast<std::size_t>(p.getLatencySamples());
  TM_CHECK(lat == 95);
  std::printf("  audio-thread allocations in all modes: %ld\n", allocations);
  std::printf("  latency at 48 kHz: %zu samples\n", lat);
  std::printf("  gains: RIG %+.2f dB, BYPASS %+.2f dB\n", p.compareGainDb(CompareMode::Rig),
              p.compareGainDb(CompareMode::Bypass));
  std::printf("  RMS over the pass: MATCHED %.2f dB, RIG %.2f dB, BYPASS %.2f dB\n",
              rmsDb(matched.left, 0), rmsDb(rig.left, 4800), rmsDb(bypass.left, 4800));

  // Steady BYPASS (after the 20 ms fade): both channels are the DI times the gain, nothing else.
  const float gain = std::pow(10.0f, p.compareGainDb(CompareMode::Bypass) / 20.0f);
  double worst = 0.0;
  const std::size_t n = bypass.left.size();
  for (std::size_t i = 4800; i < n; ++i) {
    TM_CHECK(bypass.left[i] == bypass.right[i]);
    worst = std::max(worst, static_cast<double>(std::abs(bypass.left[i] - di[i - lat] * gain)) /
                                (std::abs(di[i - lat] * gain) + 1e-3));
  }
  std::printf("  BYPASS vs DI x gain: worst relative difference %.2e\n", worst);
  // The gain holds while comparing: one number for the whole pass (up to its round trip in dB).
  TM_CHECK(worst < 1e-5);
  // RIG is mono and differs from MATCHED (no reverb: the channels are equal).
  for (std::size_t i = 4800; i < n; ++i) TM_CHECK(rig.left[i] == rig.right[i]);
  TM_CHECK(std::abs(rmsDb(matched.left, 0) - rmsDb(matched.right, 0)) < 3.0);

  if (const char* dir = std::getenv("TONEMATCH_COMPARE_WAVS")) {
    const juce::File folder(dir);
    TM_CHECK(folder.createDirectory());
    writeWav(folder.getChildFile("matched.wav"), matched);
    writeWav(folder.getChildFile("rig.wav"), rig);
    writeWav(folder.getChildFile("bypass.wav"), bypass);
    writeWav(folder.getChildFile("di.wav"), {di, di});
  }

  // Back to MATCHED: after the fade the output is bit for bit a processor that never compared.
  p.setCompareMode(CompareMode::Matched);
  ToneMatchProcessor fresh;
  setUp(fresh, 48000.0);
  long ignored = 0;
  play(fresh, di, ignored);
  play(fresh, di, ignored);
  play(fresh, di, ignored);
  play(fresh, di, ignored);
  const auto again = play(p, di, allocations);
  const auto reference = play(fresh, di, ignored);
  std::size_t differing = 0;
  for (std::size_t i = 4800; i < n; ++i)
    differing += again.left[i] != reference.left[i] || again.right[i] != reference.right[i];
  std::printf("  MATCHED again: %zu samples differ from a processor that never compared\n", differing);
  TM_CHECK(differing == 0);
}

// At 44.1 kHz the chain has latency: BYPASS is delayed by exactly that, RIG too, and no mode
// changes what the host is told.
void latencyAt44k() {
  ToneMatchProcessor p;
  setUp(p, 44100.0);
  const int latency = p.getLatencySamples();
  TM_CHECK(latency > 0);
  auto di = tmtest::loadDi();
  di.resize(6 * 44100);
  long allocations = 0;
  play(p, di, allocations);
  p.setCompareMode(CompareMode::Bypass);
  const auto bypass = play(p, di, allocations);
  TM_CHECK(p.getLatencySamples() == latency);
  p.setCompareMode(CompareMode::Rig);
  play(p, di, allocations);
  TM_CHECK(p.getLatencySamples() == latency);
  TM_CHECK(allocations == 0);
  const float gain = std::pow(10.0f, p.compareGainDb(CompareMode::Bypass) / 20.0f);
  // The gain holds while comparing: out[i] = di[i − latency] · gain after the fade.
  double worst = 0.0;
  for (std::size_t i = 4410; i < bypass.left.size(); ++i) {
    const float expected = di[i - static_cast<std::size_t>(latency)] * gain;
    worst = std::max(worst, static_cast<double>(std::abs(bypass.left[i] - expected)) /
                                (std::abs(expected) + 1e-3));
  }
  std::printf("  44.1 kHz: latency %d samples in every mode; BYPASS vs delayed DI: %.2e\n", latency,
              worst);
  TM_CHECK(worst < 1e-5);
}

// A switch fades over 20 ms: no sample jumps more than the signals themselves do.
void switchesCrossfade() {
  ToneMatchProcessor p;
  setUp(p, 48000.0);
  auto di = tmtest::loadDi();
  di.resize(4 * 48000);
  long allocations = 0;
  play(p, di, allocations);
  std::vector<float> piece(di.begin() + 48000, di.begin() + 48000 + 20 * kBlock);
  float largestJump = 0.0f, largestSignalJump = 0.0f;
  for (int round = 0; round < 6; ++round) {
    p.setCompareMode(nextCompareMode(p.compareMode()));
    const auto out = play(p, piece, allocations);
    for (std::size_t i = 1; i < out.left.size(); ++i)
      largestJump = std::max(largestJump, std::abs(out.left[i] - out.left[i - 1]));
  }
  p.setCompareMode(CompareMode::Matched);
  // The jumps of each mode played steadily, for scale.
  for (int m = 0; m < kCompareModeCount; ++m) {
    p.setCompareMode(static_cast<CompareMode>(m));
    play(p, piece, allocations);
    const auto out = play(p, piece, allocations);
    for (std::size_t i = 1; i < out.left.size(); ++i)
      largestSignalJump = std::max(largestSignalJump, std::abs(out.left[i] - out.left[i - 1]));
  }
  std::printf("  switching: largest step %.4f, steady modes' largest step %.4f\n",
              static_cast<double>(largestJump), static_cast<double>(largestSignalJump));
  TM_CHECK(largestJump <= 1.25f * largestSignalJump);
  TM_CHECK(allocations == 0);

  // The fade itself, against a twin that never compares: over the 20 ms after a switch to
  // BYPASS the output is (1 − t) · MATCHED + t · gain · DI with t rising linearly 0 → 1.
  ToneMatchProcessor a, twin;
  setUp(a, 48000.0);
  setUp(twin, 48000.0);
  play(a, di, allocations);
  play(twin, di, allocations);
  a.setCompareMode(CompareMode::Bypass);
  const auto faded = play(a, piece, allocations);
  const auto reference = play(twin, piece, allocations);
  const float gain = std::pow(10.0f, a.compareGainDb(CompareMode::Bypass) / 20.0f);
  const int fade = static_cast<int>(CompareMonitor::kFadeSeconds * 48000.0);
  // BYPASS plays the input delayed by the latency: at first the end of the DI played before.
  const auto lat = static_cast<std::size_t>(a.getLatencySamples());
  auto delayed = [&](std::size_t k) { return k >= lat ? piece[k - lat] : di[di.size() - lat + k]; };
  double worst = 0.0, midway = 0.0;
  for (int i = 0; i < fade + kBlock; ++i) {
    const auto k = static_cast<std::size_t>(i);
    const float t = std::min(1.0f, static_cast<float>(i) / static_cast<float>(fade));
    const float expected = (1.0f - t) * reference.left[k] + t * gain * delayed(k);
    worst = std::max(worst, static_cast<double>(std::abs(faded.left[k] - expected)));
    if (i == fade / 2) midway = std::abs(faded.left[k] - reference.left[k]);
  }
  std::printf("  the fade to BYPASS: %d samples, worst difference from the linear crossfade %.2e\n",
              fade, worst);
  TM_CHECK(worst < 1e-4);
  TM_CHECK(midway > 0.0);  // halfway through it is neither signal
}

// A mono output (the chain's channels averaged) compares the same way: BYPASS is the DI times
// the gain, RIG differs from it, and MATCHED is what the processor plays without Compare.
void monoOutput() {
  ToneMatchProcessor p;
  tmtest::prepare(p, 48000.0, kBlock, 1, 1);
  p.applyRig(busyRig());
  TM_CHECK(p.waitUntilLoaded(20000));
  auto di = tmtest::loadDi();
  di.resize(6 * 48000);
  const auto matched = tmtest::render(p, di, kBlock);
  p.setCompareMode(CompareMode::Bypass);
  const auto bypass = tmtest::render(p, di, kBlock);
  p.setCompareMode(CompareMode::Rig);
  const auto rig = tmtest::render(p, di, kBlock);
  const float gain = std::pow(10.0f, p.compareGainDb(CompareMode::Bypass) / 20.0f);
  TM_CHECK(gain > 2.0f);  // the rig is louder than the DI: the gain is not left at 1
  const auto lat = static_cast<std::size_t>(p.getLatencySamples());  // BYPASS keeps the latency
  double worst = 0.0;
  for (std::size_t i = 4800; i < bypass.size(); ++i)
    worst = std::max(worst, static_cast<double>(std::abs(bypass[i] - di[i - lat] * gain)) /
                                (std::abs(di[i - lat] * gain) + 1e-3));
  std::printf("  mono output: BYPASS vs DI x gain %.2e; RMS MATCHED %.2f dB, RIG %.2f dB\n", worst,
              rmsDb(matched, 48000), rmsDb(rig, 4800));
  TM_CHECK(worst < 1e-5);
  TM_CHECK(std::abs(rmsDb(rig, 4800) - rmsDb(matched, 48000)) < 3.0);
}

// BYPASS chosen before anything was played: the gain is found over the first ~3 s of playing
// (following it until then), then holds; it lands near the gain a MATCHED warm-up finds.
void comparingFromTheStart() {
  ToneMatchProcessor p;
  setUp(p, 48000.0);
  p.setCompareMode(CompareMode::Bypass);
  auto di = tmtest::loadDi();
  di.resize(8 * 48000);
  long allocations = 0;
  const auto out = play(p, di, allocations);
  const float gain = std::pow(10.0f, p.compareGainDb(CompareMode::Bypass) / 20.0f);
  const auto lat = static_cast<std::size_t>(p.getLatencySamples());  // BYPASS keeps the latency
  double worst = 0.0;
  for (std::size_t i = 4 * 48000; i < out.left.size(); ++i)
    worst = std::max(worst, static_cast<double>(std::abs(out.left[i] - di[i - lat] * gain)) /
                                (std::abs(di[i - lat] * gain) + 1e-3));
  ToneMatchProcessor q;
  setUp(q, 48000.0);
  play(q, di, allocations);
  const float warmed = q.compareGainDb(CompareMode::Bypass);
  std::printf("  BYPASS from the start: gain %+.2f dB (a MATCHED warm-up finds %+.2f dB), held "
              "after 4 s to %.2e\n", p.compareGainDb(CompareMode::Bypass), warmed, worst);
  TM_CHECK(worst < 1e-5);
  TM_CHECK(std::abs(p.compareGainDb(CompareMode::Bypass) - warmed) < 3.0f);
  TM_CHECK(allocations == 0);
}

// A/B/C (any rig applied) while comparing: the comparison is level-matched to the new rig over
// the next seconds of playing. Here the new rig is the same one 6 dB louder.
void newRigWhileComparing() {
  ToneMatchProcessor p;
  setUp(p, 48000.0);
  auto di = tmtest::loadDi();
  di.resize(8 * 48000);
  long allocations = 0;
  play(p, di, allocations);
  p.setCompareMode(CompareMode::Bypass);
  play(p, di, allocations);
  const float before = p.compareGainDb(CompareMode::Bypass);
  auto louder = busyRig();
  louder.params[tonematch::engine::paramIndex("output_level_db")] = 12.0;
  p.applyRig(louder);
  TM_CHECK(p.waitUntilLoaded(20000));
  play(p, di, allocations);
  const float after = p.compareGainDb(CompareMode::Bypass);
  std::printf("  a rig 6 dB louder while in BYPASS: the gain goes from %+.2f to %+.2f dB\n", before,
              after);
  // 6 dB, within what the window's material changes by (the first 3 s of the riff against the
  // last 3 s of the pass before: ~0.5 dB here, as a comparison chosen before playing shows).
  TM_CHECK(std::abs(after - before - 6.0f) < 1.0f);
  TM_CHECK(p.compareMode() == CompareMode::Bypass);  // choosing a rig does not end the comparison
  TM_CHECK(allocations == 0);
}

// Not a parameter, not in the state; a restored session plays MATCHED.
void notSaved() {
  ToneMatchProcessor p;
  setUp(p, 48000.0);
  const int parameters = p.getParameters().size();
  p.setCompareMode(CompareMode::Rig);
  TM_CHECK(p.getParameters().size() == parameters);
  juce::MemoryBlock state;
  p.getStateInformation(state);
  const auto text = state.toString();
  TM_CHECK(!text.containsIgnoreCase("compare"));
  p.setStateInformation(state.getData(), static_cast<int>(state.getSize()));
  TM_CHECK(p.compareMode() == CompareMode::Matched);
  ToneMatchProcessor other;
  TM_CHECK(other.compareMode() == CompareMode::Matched);
  TM_CHECK(nextCompareMode(CompareMode::Matched) == CompareMode::Rig);
  TM_CHECK(nextCompareMode(CompareMode::Rig) == CompareMode::Bypass);
  TM_CHECK(nextCompareMode(CompareMode::Bypass) == CompareMode::Matched);
}

}  // namespace

int main() {
  juce::ScopedJuceInitialiser_GUI juce;
  tmtest::run("compare modes at 48 kHz", modesAt48k);
  tmtest::run("compare latency at 44.1 kHz", latencyAt44k);
  tmtest::run("compare switches crossfade", switchesCrossfade);
  tmtest::run("compare on a mono output", monoOutput);
  tmtest::run("compare with a new rig", newRigWhileComparing);
  tmtest::run("compare chosen before playing", comparingFromTheStart);
  tmtest::run("compare is not saved", notSaved);
  return tmtest::finish();
}
