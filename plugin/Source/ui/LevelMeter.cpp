#include "ui/LevelMeter.h"

#include <algorithm>
#include <cmath>

#include "ui/Theme.h"

namespace tonematch::plugin {

namespace {
constexpr int kFps = 30;
// The peak falls at 20 dB/s (a PPM-like return, readable at 30 fps) and the hold line waits
// 1.5 s before it follows.
constexpr float kPeakFallDbPerTick = 20.0f / kFps;
constexpr int kHoldTicks = kFps * 3 / 2;

float toDb(float level) {
  return level > 0.0f ? std::max(LevelMeter::kFloorDb, 20.0f * std::log10(level))
                      : LevelMeter::kFloorDb;
}
}  // namespace

LevelMeter::LevelMeter(MeterLevels& levels, const juce::String& title)
    : levels_(levels), title_(title) {
  setTooltip(title + ": RMS (bar), peak (light bar) and peak hold (line); the lamp on top "
             "lights when a sample reaches 0 dBFS and stays lit until clicked");
  startTimerHz(kFps);
}

void LevelMeter::update() {
  const auto r = levels_.take();
  const float rms = toDb(r.rms);
  const float peak = std::max(toDb(r.peak), peakDb_ - kPeakFallDbPerTick);
  const float holdBefore = holdDb_;
  if (peak >= holdDb_) {
    holdDb_ = peak;
    holdTicks_ = kHoldTicks;
  } else if (holdTicks_ > 0) {
    --holdTicks_;
  } else {
    holdDb_ = std::max(peak, holdDb_ - kPeakFallDbPerTick);
  }
  const bool changed = rms != rmsDb_ || peak != peakDb_ || holdDb_ != holdBefore ||
                       (r.clipped && !clip_);
  rmsDb_ = rms;
  peakDb_ = peak;
  clip_ = clip_ || r.clipped;
  if (changed) repaint();
}

void LevelMeter::clearClip() {
  clip_ = false;
  holdDb_ = peakDb_;
  repaint();
}

float LevelMeter::toY(float db, juce::Rectangle<float> bar) const {
  const float t = (std::clamp(db, kFloorDb, kTopDb) - kFloorDb) / (kTopDb - kFloorDb);
  return bar.getBottom() - t * bar.getHeight();
}

void LevelMeter::paint(juce::Graphics& g) {
  auto area = getLocalBounds().toFloat();
  g.setColour(theme::dimText);
  g.setFont(juce::Font(11.0f, juce::Font::bold));
  g.drawText(title_, area.removeFromBottom(14.0f), juce::Justification::centred);
  const float width = std::min(14.0f, area.getWidth());
  auto column = area.withSizeKeepingCentre(width, area.getHeight());
  const auto lamp = column.removeFromTop(6.0f);
  column.removeFromTop(3.0f);
  const auto bar = column;

  g.setColour(clip_ ? theme::warning : theme::track);
  g.fillRect(lamp);
  g.setColour(theme::track);
  g.fillRect(bar);
  g.setColour(theme::accent.withAlpha(0.4f));
  g.fillRect(bar.withTop(toY(peakDb_, bar)));
  g.setColour(theme::accent);
  g.fillRect(bar.withTop(toY(rmsDb_, bar)));
  if (holdDb_ > kFloorDb) {
    g.setColour(theme::text);
    g.fillRect(bar.withTop(toY(holdDb_, bar)).withHeight(2.0f));
  }
  // 0 dBFS: where the clip lamp lights.
  g.setColour(theme::dimText);
  g.fillRect(bar.withTop(toY(0.0f, bar)).withHeight(1.0f).expanded(2.0f, 0.0f));
}

}  // namespace tonematch::plugin
