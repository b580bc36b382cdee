// Turns a capture snapshot into the DI file the matcher reads: leading and trailing silence cut,
// written as a 32-bit float WAV at the host rate (the matcher resamples).
#pragma once

#include <string>

#include <juce_core/juce_core.h>

#include "capture/CaptureRing.h"

namespace tonematch::plugin {

/// How the silence gate judges a capture.
struct TrimOptions {
  double thresholdDb = -50.0;  ///< a 20 ms frame below this RMS (dBFS) is silence
  double frameMs = 20.0;
  double marginMs = 100.0;     ///< kept before the first and after the last loud frame
};

/// A capture with its silent ends removed, and how much of it is actually playing.
struct TrimmedCapture {
  CapturedAudio audio;
  double playingSeconds = 0.0;  ///< loud frames only (gaps inside the take do not count)
};

/// Cuts leading/trailing silence; playingSeconds counts the frames above the threshold.
TrimmedCapture trimSilence(const CapturedAudio& capture, const TrimOptions& options = {});

/// Writes mono float WAV; returns an error message, or "" on success.
std::string writeFloatWav(const CapturedAudio& audio, const juce::File& file);

}  // namespace tonematch::plugin
