// A vertical level meter: RMS bar, peak bar, a peak-hold line and a clip lamp that stays lit
// until clicked. It reads its MeterLevels 30 times a second on the message thread.
#pragma once

#include <juce_gui_basics/juce_gui_basics.h>

#include "ui/MeterLevels.h"

namespace tonematch::plugin {

class LevelMeter : public juce::Component, public juce::SettableTooltipClient, private juce::Timer {
 public:
  /// A meter titled `title` ("IN", "OUT") showing `levels`, which must outlive it.
  LevelMeter(MeterLevels& levels, const juce::String& title);

  void paint(juce::Graphics&) override;
  void mouseDown(const juce::MouseEvent&) override { clearClip(); }
  /// Puts the clip lamp out and the peak-hold line back to the peak.
  void clearClip();

  /// Reads the levels and repaints when they changed (the timer calls it; tests may too).
  void update();
  /// The shown levels in dBFS and the clip lamp, for tests.
  float rmsDb() const { return rmsDb_; }
  float peakDb() const { return peakDb_; }
  bool clipLit() const { return clip_; }

  static constexpr float kFloorDb = -60.0f, kTopDb = 6.0f;

 private:
  void timerCallback() override { update(); }
  float toY(float db, juce::Rectangle<float> bar) const;

  MeterLevels& levels_;
  juce::String title_;
  float rmsDb_ = kFloorDb, peakDb_ = kFloorDb, holdDb_ = kFloorDb;
  int holdTicks_ = 0;
  bool clip_ = false;
};

}  // namespace tonematch::plugin
