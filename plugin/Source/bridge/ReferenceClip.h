// A region of the reference recording: the part the player marked on its waveform, written to a
// temporary WAV that the matcher reads instead of the whole file.
#pragma once

#include <optional>
#include <string>

#include <juce_core/juce_core.h>

namespace tonematch::plugin {

/// Seconds from the start of the file.
struct TimeRegion {
  double start = 0.0, end = 0.0;
  double length() const { return end - start; }
};

/// The shortest region worth matching (the matcher needs a few notes).
inline constexpr double kMinRegionSeconds = 1.0;

/// True when `region` is the whole of a file `fileSeconds` long (within a few milliseconds),
/// so the file itself can be passed on.
bool coversWholeFile(const TimeRegion& region, double fileSeconds);

/// Writes [start, end) of `source` to `dest` as a 32-bit float WAV with the source's rate and
/// channels. Returns "" on success, else what went wrong (naming the file). Reads the audio:
/// call it off the message thread.
std::string writeRegion(const juce::File& source, const TimeRegion& region, const juce::File& dest);

}  // namespace tonematch::plugin
