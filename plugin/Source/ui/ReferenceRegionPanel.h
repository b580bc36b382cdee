// The dialog after the reference is chosen: its waveform, the region to match (default: the
// whole file; drag the edges, drag inside to move it, double-click for the whole file), and
// Match / Cancel.
#pragma once

#include <functional>
#include <optional>

#include <juce_gui_basics/juce_gui_basics.h>

#include "bridge/ReferenceClip.h"
#include "ui/WaveformRegion.h"

namespace tonematch::plugin {

class ReferenceRegionPanel : public juce::Component {
 public:
  /// Called once: (false, —) on Cancel or close; (true, nullopt) to match the whole file (also
  /// when the file cannot be drawn: the matcher then says what is wrong with it); (true, region).
  using Done = std::function<void(bool match, std::optional<TimeRegion> region)>;

  ReferenceRegionPanel(const juce::File& reference, Done done);
  ~ReferenceRegionPanel() override;
  void resized() override;
  void paint(juce::Graphics&) override;

  WaveformRegion& waveform() { return waveform_; }

  /// Opens the dialog (non-modal, owned by its window) centred on `parent`.
  static void show(juce::Component* parent, const juce::File& reference, Done done);

 private:
  void finish(bool match);
  void updateTimes();

  juce::File reference_;
  Done done_;
  bool drawable_ = false;
  WaveformRegion waveform_;
  juce::Label title_, times_, hint_;
  juce::TextButton whole_{"Whole file"}, match_{"Match this region"}, cancel_{"Cancel"};
};

/// "1:05.3" for 65.3 s.
juce::String formatTime(double seconds);

}  // namespace tonematch::plugin
