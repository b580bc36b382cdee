// Reading a cabinet impulse response from an audio file (WAV, AIFF, FLAC, Ogg) with JUCE.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace tonematch::plugin {

/// A mono IR at its file's rate, before resampling to the host rate.
struct IrSource {
  std::vector<float> samples;
  double sampleRate = 0.0;
  std::string name;  ///< file stem
};

/// Longest IR accepted: cabinet IRs are well under a second; this refuses whole songs.
inline constexpr double kMaxIrSeconds = 10.0;

/// Reads the file and averages its channels (a stereo IR → one mono IR, levels kept).
/// Throws std::runtime_error with a one-line message naming the file on any problem.
IrSource readIrFile(const std::string& path);

}  // namespace tonematch::plugin
