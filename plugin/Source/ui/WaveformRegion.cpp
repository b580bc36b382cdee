#include "ui/WaveformRegion.h"

#include <cmath>

#include "ui/Theme.h"

namespace tonematch::plugin {

namespace {
constexpr float kHandleGrabPx = 8.0f;
}

WaveformRegion::WaveformRegion() {
  formats_.registerBasicFormats();
  // 512 source samples per overview point: a 5-minute file is ~28k points, drawn quickly.
  thumbnail_ = std::make_unique<juce::AudioThumbnail>(512, formats_, cache_);
  thumbnail_->addChangeListener(this);
}

WaveformRegion::~WaveformRegion() { thumbnail_->removeChangeListener(this); }

bool WaveformRegion::setFile(const juce::File& file) {
  length_ = 0.0;
  // Opening the reader here only reads the header; the samples come on the cache's thread.
  std::unique_ptr<juce::AudioFormatReader> probe(formats_.createReaderFor(file));
  if (probe == nullptr || probe->sampleRate <= 0 || probe->lengthInSamples <= 0) {
    thumbnail_->clear();
    repaint();
    return false;
  }
  length_ = static_cast<double>(probe->lengthInSamples) / probe->sampleRate;
  probe.reset();
  thumbnail_->setSource(new juce::FileInputSource(file));
  region_ = {0.0, length_};
  repaint();
  return true;
}

bool WaveformRegion::fullyLoaded() const { return length_ > 0.0 && thumbnail_->isFullyLoaded(); }

void WaveformRegion::setRegion(TimeRegion r) {
  const double minLength = juce::jmin(kMinRegionSeconds, length_);
  r.start = juce::jlimit(0.0, juce::jmax(0.0, length_ - minLength), r.start);
  r.end = juce::jlimit(r.start + minLength, length_, r.end);
  region_ = r;
  repaint();
  if (onRegionChanged) onRegionChanged();
}

void WaveformRegion::changeListenerCallback(juce::ChangeBroadcaster*) { repaint(); }

float WaveformRegion::xOf(double seconds) const {
  return length_ <= 0.0 ? 0.0f : static_cast<float>(seconds / length_ * getWidth());
}

double WaveformRegion::secondsAt(float x) const {
  return getWidth() <= 0 ? 0.0 : juce::jlimit(0.0, length_, static_cast<double>(x) / getWidth() * length_);
}

WaveformRegion::Drag WaveformRegion::handleAt(float x) const {
  const float start = xOf(region_.start), end = xOf(region_.end);
  if (std::abs(x - start) <= kHandleGrabPx && std::abs(x - start) <= std::abs(x - end)) return Drag::Start;
  if (std::abs(x - end) <= kHandleGrabPx) return Drag::End;
  if (x > start && x < end) return Drag::Move;
  return Drag::None;
}

void WaveformRegion::paint(juce::Graphics& g) {
  const auto bounds = getLocalBounds();
  g.setColour(theme::background);
  g.fillRect(bounds);
  if (length_ <= 0.0) {
    g.setColour(theme::dimText);
    g.drawText("No waveform for this file", bounds, juce::Justification::centred);
    return;
  }
  g.setColour(theme::text.withAlpha(0.8f));
  if (thumbnail_->getNumChannels() > 0)
    thumbnail_->drawChannels(g, bounds.reduced(0, 4), 0.0, length_, 1.0f);
  if (!thumbnail_->isFullyLoaded()) {
    g.setColour(theme::dimText);
    g.drawText(juce::String::fromUTF8("reading\xE2\x80\xA6"), bounds.reduced(6), juce::Justification::topRight);
  }
  // Outside the region is dimmed; the region's edges are amber handles.
  const float x0 = xOf(region_.start), x1 = xOf(region_.end);
  const auto h = static_cast<float>(getHeight());
  g.setColour(juce::Colours::black.withAlpha(0.55f));
  g.fillRect(0.0f, 0.0f, x0, h);
  g.fillRect(x1, 0.0f, static_cast<float>(getWidth()) - x1, h);
  g.setColour(theme::accent.withAlpha(0.12f));
  g.fillRect(x0, 0.0f, x1 - x0, h);
  g.setColour(theme::accent);
  for (const float x : {x0, x1}) {
    g.fillRect(juce::jlimit(0.0f, static_cast<float>(getWidth()) - 3.0f, x - 1.5f), 0.0f, 3.0f, h);
  }
  g.drawRect(bounds, 1);
}

void WaveformRegion::mouseMove(const juce::MouseEvent& e) {
  const auto d = handleAt(e.position.x);
  setMouseCursor(d == Drag::Start || d == Drag::End ? juce::MouseCursor::LeftRightResizeCursor
                 : d == Drag::Move                  ? juce::MouseCursor::DraggingHandCursor
                                                    : juce::MouseCursor::NormalCursor);
}

void WaveformRegion::mouseDown(const juce::MouseEvent& e) {
  if (length_ <= 0.0) return;
  drag_ = handleAt(e.position.x);
  dragStartRegion_ = region_;
  dragStartSeconds_ = secondsAt(e.position.x);
  if (drag_ == Drag::None) {
    // A press outside the region starts a new one there, dragged out by its end.
    region_ = {dragStartSeconds_, dragStartSeconds_};
    dragStartRegion_ = region_;
    drag_ = Drag::End;
  }
}

void WaveformRegion::mouseDrag(const juce::MouseEvent& e) {
  if (length_ <= 0.0 || drag_ == Drag::None) return;
  const double t = secondsAt(e.position.x);
  auto r = dragStartRegion_;
  switch (drag_) {
    case Drag::Start: r.start = juce::jmin(t, r.end - kMinRegionSeconds); break;
    case Drag::End:
      // Dragging left of where the new region began swaps the ends.
      r = t >= dragStartRegion_.start ? TimeRegion{dragStartRegion_.start, t} : TimeRegion{t, dragStartRegion_.start};
      if (r.length() < kMinRegionSeconds) r.end = r.start + kMinRegionSeconds;
      break;
    case Drag::Move: {
      const double shift = juce::jlimit(-r.start, length_ - r.end, t - dragStartSeconds_);
      r = {r.start + shift, r.end + shift};
      break;
    }
    case Drag::None: break;
  }
  setRegion(r);
}

void WaveformRegion::mouseDoubleClick(const juce::MouseEvent&) { setRegion({0.0, length_}); }

}  // namespace tonematch::plugin
