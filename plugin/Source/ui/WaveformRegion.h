// The reference recording's waveform with a start/end region the player drags. The overview is
// read by juce::AudioThumbnail on its cache's background thread, so a long file never blocks
// the message thread; the view repaints as the overview arrives.
#pragma once

#include <functional>
#include <memory>

#include <juce_audio_utils/juce_audio_utils.h>

#include "bridge/ReferenceClip.h"

namespace tonematch::plugin {

class WaveformRegion : public juce::Component, private juce::ChangeListener {
 public:
  WaveformRegion();
  ~WaveformRegion() override;

  /// Starts reading `file`'s overview; false (and nothing shown) when it is not readable audio.
  bool setFile(const juce::File& file);
  /// The file's length in seconds (0 before setFile or when unreadable).
  double lengthSeconds() const { return length_; }
  /// True once the whole overview has been read.
  bool fullyLoaded() const;
  TimeRegion region() const { return region_; }
  /// Sets the region, kept inside the file and at least kMinRegionSeconds long.
  void setRegion(TimeRegion region);
  /// Called while the player drags.
  std::function<void()> onRegionChanged;

  void paint(juce::Graphics&) override;
  void mouseDown(const juce::MouseEvent&) override;
  void mouseDrag(const juce::MouseEvent&) override;
  void mouseDoubleClick(const juce::MouseEvent&) override;
  void mouseMove(const juce::MouseEvent&) override;

 private:
  enum class Drag { None, Start, End, Move };
  void changeListenerCallback(juce::ChangeBroadcaster*) override;
  float xOf(double seconds) const;
  double secondsAt(float x) const;
  Drag handleAt(float x) const;

  juce::AudioFormatManager formats_;
  juce::AudioThumbnailCache cache_{1};
  std::unique_ptr<juce::AudioThumbnail> thumbnail_;
  double length_ = 0.0;
  TimeRegion region_;
  Drag drag_ = Drag::None;
  TimeRegion dragStartRegion_;
  double dragStartSeconds_ = 0.0;
};

}  // namespace tonematch::plugin
