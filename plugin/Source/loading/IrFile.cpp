#include "loading/IrFile.h"

#include <cmath>

#include <juce_audio_formats/juce_audio_formats.h>

namespace tonematch::plugin {

IrSource readIrFile(const std::string& path) {
  const juce::File file(juce::String::fromUTF8(path.c_str()));
  auto fail = [&](const std::string& why) { return std::runtime_error(path + ": " + why); };
  if (!file.existsAsFile()) throw fail("file not found");

  juce::AudioFormatManager formats;
  formats.registerBasicFormats();
  std::unique_ptr<juce::AudioFormatReader> reader(formats.createReaderFor(file));
  if (reader == nullptr) throw fail("not an audio file JUCE can read (WAV, AIFF, FLAC, Ogg)");
  if (reader->sampleRate < 8000.0 || reader->sampleRate > 384000.0)
    throw fail("unsupported sample rate " + std::to_string(reader->sampleRate));
  if (reader->lengthInSamples <= 0) throw fail("the file holds no samples");
  if (reader->lengthInSamples > static_cast<juce::int64>(kMaxIrSeconds * reader->sampleRate))
    throw fail("longer than " + std::to_string(static_cast<int>(kMaxIrSeconds)) +
               " s; not a cabinet impulse response");
  const int channels = static_cast<int>(reader->numChannels);
  if (channels < 1) throw fail("the file has no channels");

  const int n = static_cast<int>(reader->lengthInSamples);
  juce::AudioBuffer<float> buffer(channels, n);
  if (!reader->read(&buffer, 0, n, 0, true, true)) throw fail("read error");

  IrSource ir;
  ir.sampleRate = reader->sampleRate;
  ir.name = file.getFileNameWithoutExtension().toStdString();
  ir.samples.assign(static_cast<std::size_t>(n), 0.0f);
  const float scale = 1.0f / static_cast<float>(channels);
  for (int c = 0; c < channels; ++c) {
    const float* src = buffer.getReadPointer(c);
    for (int i = 0; i < n; ++i) ir.samples[static_cast<std::size_t>(i)] += src[i] * scale;
  }
  for (float v : ir.samples)
    if (!std::isfinite(v)) throw fail("holds non-finite samples");
  return ir;
}

}  // namespace tonematch::plugin
