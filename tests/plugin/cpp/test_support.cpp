#include "test_support.h"

#include <cmath>

#include <juce_audio_formats/juce_audio_formats.h>

namespace tmtest {

int& failures() {
  static int count = 0;
  return count;
}

void run(const char* name, void (*test)()) {
  const int before = failures();
  std::printf("[ RUN  ] %s\n", name);
  std::fflush(stdout);
  test();
  std::printf("[ %s ] %s\n", failures() == before ? " OK " : "FAIL", name);
  std::fflush(stdout);
}

int finish() {
  std::printf(failures() == 0 ? "all checks passed\n" : "%d check(s) failed\n", failures());
  return failures() == 0 ? 0 : 1;
}

std::string asset(const std::string& relative) { return std::string(TONEMATCH_ASSETS) + "/" + relative; }

std::vector<float> loadDi() {
  juce::AudioFormatManager formats;
  formats.registerBasicFormats();
  std::unique_ptr<juce::AudioFormatReader> reader(
      formats.createReaderFor(juce::File(asset("examples/di_riff_a.wav"))));
  if (reader == nullptr) return {};
  const int n = static_cast<int>(reader->lengthInSamples);
  juce::AudioBuffer<float> buffer(static_cast<int>(reader->numChannels), n);
  reader->read(&buffer, 0, n, 0, true, true);
  return {buffer.getReadPointer(0), buffer.getReadPointer(0) + n};
}

void prepare(tonematch::plugin::ToneMatchProcessor& p, double rate, int block, int inputs,
             int outputs) {
  juce::AudioProcessor::BusesLayout layout;
  layout.inputBuses.add(juce::AudioChannelSet::canonicalChannelSet(inputs));
  layout.outputBuses.add(juce::AudioChannelSet::canonicalChannelSet(outputs));
  const bool ok = p.setBusesLayout(layout);
  TM_CHECK(ok);
  p.setRateAndBufferSizeDetails(rate, block);
  p.prepareToPlay(rate, block);
}

std::vector<float> render(tonematch::plugin::ToneMatchProcessor& p, const std::vector<float>& input,
                          int block) {
  const int channels = std::max(p.getTotalNumInputChannels(), p.getTotalNumOutputChannels());
  juce::AudioBuffer<float> buffer(channels, block);
  juce::MidiBuffer midi;
  std::vector<float> out;
  out.reserve(input.size());
  for (std::size_t start = 0; start < input.size(); start += static_cast<std::size_t>(block)) {
    const int n = static_cast<int>(std::min(static_cast<std::size_t>(block), input.size() - start));
    buffer.setSize(channels, n, false, false, true);
    for (int c = 0; c < p.getTotalNumInputChannels(); ++c)
      buffer.copyFrom(c, 0, input.data() + start, n);
    p.processBlock(buffer, midi);
    out.insert(out.end(), buffer.getReadPointer(0), buffer.getReadPointer(0) + n);
  }
  return out;
}

bool allFinite(const std::vector<float>& x) {
  for (float v : x)
    if (!std::isfinite(v)) return false;
  return true;
}

double rms(const float* x, std::size_t n) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
  return n == 0 ? 0.0 : std::sqrt(s / static_cast<double>(n));
}

}  // namespace tmtest
