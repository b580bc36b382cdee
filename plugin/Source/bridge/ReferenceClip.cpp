#include "bridge/ReferenceClip.h"

#include <juce_audio_formats/juce_audio_formats.h>

namespace tonematch::plugin {

bool coversWholeFile(const TimeRegion& region, double fileSeconds) {
  return region.start <= 0.005 && region.end >= fileSeconds - 0.005;
}

std::string writeRegion(const juce::File& source, const TimeRegion& region, const juce::File& dest) {
  const auto name = source.getFullPathName().toStdString();
  juce::AudioFormatManager formats;
  formats.registerBasicFormats();
  std::unique_ptr<juce::AudioFormatReader> reader(formats.createReaderFor(source));
  if (reader == nullptr)
    return source.existsAsFile() ? "cannot read " + name + " as audio" : name + ": file not found";
  const double rate = reader->sampleRate;
  const auto total = reader->lengthInSamples;
  const auto first = juce::jlimit<juce::int64>(0, total, static_cast<juce::int64>(region.start * rate));
  const auto last = juce::jlimit<juce::int64>(first, total, static_cast<juce::int64>(region.end * rate));
  if (rate <= 0 || last - first < static_cast<juce::int64>(kMinRegionSeconds * rate))
    return "the region of " + name + " is shorter than 1 s";

  dest.deleteFile();
  std::unique_ptr<juce::OutputStream> stream = std::make_unique<juce::FileOutputStream>(dest);
  if (!static_cast<juce::FileOutputStream*>(stream.get())->openedOk())
    return "cannot write " + dest.getFullPathName().toStdString();
  juce::WavAudioFormat wav;
  const int channels = static_cast<int>(reader->numChannels);
  std::unique_ptr<juce::AudioFormatWriter> writer(wav.createWriterFor(
      stream.get(), rate, static_cast<unsigned int>(channels), 32, {}, 0));
  if (writer == nullptr) return "cannot write a WAV with " + std::to_string(channels) + " channels";
  stream.release();  // the writer owns it now

  // Blocks of one second keep the memory small for a long region.
  const int block = juce::jmax(1, static_cast<int>(rate));
  juce::AudioBuffer<float> buffer(channels, block);
  for (auto pos = first; pos < last; pos += block) {
    const int n = static_cast<int>(juce::jmin<juce::int64>(block, last - pos));
    if (!reader->read(&buffer, 0, n, pos, true, true)) return "cannot read " + name + " as audio";
    if (!writer->writeFromAudioSampleBuffer(buffer, 0, n)) return "cannot write " + dest.getFullPathName().toStdString();
  }
  writer.reset();  // flushes the header
  return {};
}

}  // namespace tonematch::plugin
