#include "capture/CaptureFile.h"

#include <cmath>

#include <juce_audio_formats/juce_audio_formats.h>

namespace tonematch::plugin {

TrimmedCapture trimSilence(const CapturedAudio& capture, const TrimOptions& options) {
  TrimmedCapture out;
  out.audio.sampleRate = capture.sampleRate;
  const auto& x = capture.samples;
  const auto frame = static_cast<std::size_t>(std::max(1.0, capture.sampleRate * options.frameMs / 1000.0));
  if (capture.sampleRate <= 0.0 || x.size() < frame) return out;

  // Compare mean squares, not dB per frame: no log in the loop.
  const double threshold = std::pow(10.0, options.thresholdDb / 10.0);
  std::size_t first = x.size(), last = 0, loudFrames = 0;
  for (std::size_t start = 0; start + frame <= x.size(); start += frame) {
    double sum = 0.0;
    for (std::size_t i = start; i < start + frame; ++i) sum += static_cast<double>(x[i]) * x[i];
    if (sum / static_cast<double>(frame) < threshold) continue;
    ++loudFrames;
    first = std::min(first, start);
    last = start + frame;
  }
  if (loudFrames == 0) return out;
  const auto margin = static_cast<std::size_t>(capture.sampleRate * options.marginMs / 1000.0);
  const std::size_t begin = first > margin ? first - margin : 0;
  const std::size_t end = std::min(x.size(), last + margin);
  out.audio.samples.assign(x.begin() + static_cast<std::ptrdiff_t>(begin),
                           x.begin() + static_cast<std::ptrdiff_t>(end));
  out.playingSeconds = static_cast<double>(loudFrames * frame) / capture.sampleRate;
  return out;
}

std::string writeFloatWav(const CapturedAudio& audio, const juce::File& file) {
  file.deleteFile();
  std::unique_ptr<juce::OutputStream> stream = std::make_unique<juce::FileOutputStream>(file);
  if (!static_cast<juce::FileOutputStream*>(stream.get())->openedOk())
    return "cannot write " + file.getFullPathName().toStdString();
  juce::WavAudioFormat wav;
  std::unique_ptr<juce::AudioFormatWriter> writer(
      wav.createWriterFor(stream.get(), audio.sampleRate, 1, 32, {}, 0));
  if (writer == nullptr) return "cannot write a WAV at " + std::to_string(audio.sampleRate) + " Hz";
  stream.release();  // the writer owns it now
  const float* channels[1] = {audio.samples.data()};
  if (!writer->writeFromFloatArrays(channels, 1, static_cast<int>(audio.samples.size())))
    return "cannot write " + file.getFullPathName().toStdString();
  return {};
}

}  // namespace tonematch::plugin
