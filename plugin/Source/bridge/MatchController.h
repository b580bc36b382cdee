// MATCH TONE! on the message thread: checks the captured DI, asks for a reference recording and
// (through the editor) the region of it to match, writes the DI to a private temporary folder,
// runs a MatchJob and applies its rig (A/B/C) to the processor. Owned by the processor;
// destroying it kills a running match.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <juce_events/juce_events.h>
#include <juce_gui_basics/juce_gui_basics.h>

#include "bridge/MatchJob.h"
#include "capture/CaptureFile.h"

namespace tonematch::plugin {

class ToneMatchProcessor;

/// What the AI matching zone shows.
struct MatchStatus {
  bool running = false;
  double fraction = 0.0;       ///< 0…1 while running
  std::string stage;           ///< stage label while running, or the last outcome
  std::string message;         ///< last outcome or refusal, one line ("" = none)
  bool messageIsError = false;
  juce::uint32 messageSerial = 0;  ///< bumped with every new message
};

/// Settings that tests (and scripts) may force instead of reading the settings file.
struct MatchOverrides {
  std::optional<juce::StringArray> matcherArgs;  ///< replaces --budget and Settings' extra args
  std::optional<int> timeoutMs;
};

class MatchController : private juce::AsyncUpdater {
 public:
  explicit MatchController(ToneMatchProcessor& processor);
  ~MatchController() override;

  /// MATCH TONE!: refuses too little signal; otherwise opens the reference chooser (async).
  void matchToneClicked();
  /// Starts matching the current capture against `reference` (only `region` of it, if given);
  /// false (and a message) if it cannot start.
  bool startMatch(const juce::File& reference, std::optional<TimeRegion> region = std::nullopt);
  /// Kills a running match; the rig is left as it is.
  void cancel();
  MatchStatus status() const;
  void setOverrides(MatchOverrides overrides) { overrides_ = std::move(overrides); }

  /// Seconds of playing (above -50 dBFS) a match needs.
  static constexpr double kMinPlayingSeconds = 3.0;

  /// Called once: `match` false when the player cancelled; `region` nullopt = the whole file.
  using RegionChosen = std::function<void(bool match, std::optional<TimeRegion> region)>;
  /// Set by the editor: shows the chosen reference's waveform and lets the player mark the part
  /// to match. Without it (no editor open) the whole file is matched.
  std::function<void(const juce::File& reference, RegionChosen done)> chooseRegion;

 private:
  void handleAsyncUpdate() override;
  std::optional<TrimmedCapture> usableCapture();
  bool startMatch(const TrimmedCapture& capture, const juce::File& reference,
                  std::optional<TimeRegion> region);
  void setMessage(std::string text, bool isError);
  void removeWorkFolder();

  ToneMatchProcessor& processor_;
  MatchOverrides overrides_;
  std::unique_ptr<juce::FileChooser> chooser_;
  juce::File workFolder_;  // this instance's temporary folder for di.wav and rig.json
  std::unique_ptr<MatchJob> job_;
  std::string lastStage_;
  std::string message_;
  bool messageIsError_ = false;
  juce::uint32 messageSerial_ = 0;
  // Callbacks handed to the editor hold a weak copy, so one arriving after this controller is
  // gone does nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tonematch::plugin
