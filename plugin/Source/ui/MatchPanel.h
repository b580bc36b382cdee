// The AI matching zone: MATCH TONE!, Settings…, the progress bar with the matcher's stage and
// Cancel while a match runs, A/B/C to audition the matched rigs, and LAST RIG FOUND. It also
// gives the bridge the reference region dialog (ReferenceRegionPanel) while the editor is open.
#pragma once

#include <array>
#include <functional>

#include <juce_gui_basics/juce_gui_basics.h>

#include "ui/RigSummary.h"

namespace tonematch::plugin {

class ToneMatchProcessor;

class MatchPanel : public juce::Component {
 public:
  explicit MatchPanel(ToneMatchProcessor& processor);
  ~MatchPanel() override;
  /// Re-reads the processor and the bridge (the editor's timer calls this).
  void refresh();
  void resized() override;
  /// LAST RIG FOUND (the editor's layout test reads its lines).
  const RigSummary& rigSummary() const { return rigSummary_; }

  /// A new bridge message ("Matched …", an error) for the status line.
  std::function<void(const juce::String&, bool isError)> onMessage;

 private:
  void openSettings();

  ToneMatchProcessor& processor_;
  juce::TextButton matchTone_{"MATCH TONE!"};
  juce::TextButton settings_{juce::String::fromUTF8("Settings\xE2\x80\xA6")};
  juce::TextButton cancel_{"Cancel"};
  double progressValue_ = 0.0;  // read by the ProgressBar's own timer
  juce::ProgressBar progress_{progressValue_};
  juce::Label stage_;
  juce::Label indexNote_;  // while the library is indexed: why this step can be slow
  std::array<juce::TextButton, 3> choices_;
  RigSummary rigSummary_;
  juce::uint32 lastMessageSerial_ = 0;
  bool running_ = false;
  bool indexing_ = false;
};

}  // namespace tonematch::plugin
