#include "bridge/MatchController.h"

#include <cstdio>

#include "PluginProcessor.h"
#include "bridge/MatcherArgs.h"
#include "state/PluginSettings.h"

namespace tonematch::plugin {

MatchController::MatchController(ToneMatchProcessor& processor) : processor_(processor) {
  processor_.onMatchTone = [this] { matchToneClicked(); };
}

MatchController::~MatchController() {
  processor_.onMatchTone = nullptr;
  job_.reset();  // kills the child and joins before the updater below goes away
  cancelPendingUpdate();
  removeWorkFolder();
}

void MatchController::setMessage(std::string text, bool isError) {
  message_ = std::move(text);
  messageIsError_ = isError;
  ++messageSerial_;
}

std::optional<TrimmedCapture> MatchController::usableCapture() {
  auto trimmed = trimSilence(processor_.captureSnapshot());
  if (trimmed.playingSeconds < kMinPlayingSeconds) {
    setMessage("Play at least 3 s of guitar, then press MATCH TONE! again", true);
    lastStage_ = "Waiting for guitar";
    return std::nullopt;
  }
  return trimmed;
}

void MatchController::matchToneClicked() {
  if (job_ != nullptr) return;
  // Take the capture now: it is what was played before the button was pressed.
  auto capture = usableCapture();
  if (!capture) return;
  const auto settings = PluginSettings().read();
  auto folder = settings.lastReferenceFolder.isDirectory()
                    ? settings.lastReferenceFolder
                    : juce::File::getSpecialLocation(juce::File::userMusicDirectory);
  chooser_ = std::make_unique<juce::FileChooser>("Choose the reference recording to match", folder,
                                                 "*.wav;*.aif;*.aiff;*.flac;*.ogg;*.mp3");
  chooser_->launchAsync(juce::FileBrowserComponent::openMode | juce::FileBrowserComponent::canSelectFiles,
                        [this, captured = std::move(*capture)](const juce::FileChooser& fc) {
                          const auto file = fc.getResult();
                          if (!file.existsAsFile()) return;  // cancelled
                          PluginSettings().setLastReferenceFolder(file.getParentDirectory());
                          if (!chooseRegion) {
                            startMatch(captured, file, std::nullopt);
                            return;
                          }
                          std::weak_ptr<bool> alive = alive_;
                          chooseRegion(file, [this, alive, captured, file](bool match, std::optional<TimeRegion> region) {
                            if (alive.expired() || !match) return;
                            startMatch(captured, file, region);
                          });
                        });
}

bool MatchController::startMatch(const juce::File& reference, std::optional<TimeRegion> region) {
  if (job_ != nullptr) return false;
  auto capture = usableCapture();
  return capture && startMatch(*capture, reference, region);
}

bool MatchController::startMatch(const TrimmedCapture& capture, const juce::File& reference,
                                 std::optional<TimeRegion> region) {
  if (job_ != nullptr) return false;
  if (!reference.existsAsFile()) {
    setMessage("The reference " + reference.getFullPathName().toStdString() + " does not exist any more", true);
    return false;
  }
  const auto settings = PluginSettings().read();
  juce::StringArray matcherArgs;
  if (overrides_.matcherArgs) {
    matcherArgs = *overrides_.matcherArgs;
  } else {
    std::string problem;
    auto args = matcherArguments(settings, problem);
    if (!args) {
      setMessage(problem, true);
      lastStage_ = "Library folder missing";
      return false;
    }
    matcherArgs = *args;
  }
  removeWorkFolder();
  workFolder_ = juce::File::getSpecialLocation(juce::File::tempDirectory)
                    .getNonexistentChildFile("ToneMatchAI-match", "", false);
  if (!workFolder_.createDirectory()) {
    setMessage("Cannot create a temporary folder for the match", true);
    return false;
  }
  const auto di = workFolder_.getChildFile("di.wav");
  if (auto problem = writeFloatWav(capture.audio, di); !problem.empty()) {
    setMessage("Cannot save the captured DI: " + problem, true);
    return false;
  }
  MatchJobSpec spec;
  spec.settingPython = settings.pythonPath;
  spec.di = di;
  spec.reference = reference;
  spec.output = workFolder_.getChildFile("rig.json");
  spec.extraArgs = matcherArgs;
  if (region) {
    spec.region = region;
    spec.regionFile = workFolder_.getChildFile("reference.wav");
  }
  spec.timeoutMs = overrides_.timeoutMs.value_or(settings.timeoutMinutes * 60 * 1000);
  job_ = std::make_unique<MatchJob>(std::move(spec), [this] { triggerAsyncUpdate(); });
  job_->start();
  auto what = reference.getFileName().toStdString();
  if (region) {
    char span[64];
    std::snprintf(span, sizeof span, " (%.1f\xE2\x80\x93%.1f s)", region->start, region->end);
    what += span;
  }
  setMessage(juce::String::formatted("Matching %.1f s of DI to ", capture.audio.seconds()).toStdString() + what +
                 "\xE2\x80\xA6",
             false);
  return true;
}

void MatchController::cancel() {
  if (job_ != nullptr) job_->cancel();
}

void MatchController::handleAsyncUpdate() {
  if (job_ == nullptr || !job_->finished()) return;
  const auto outcome = job_->outcome();
  job_.reset();
  removeWorkFolder();
  using Kind = MatchOutcome::Kind;
  if (outcome.kind != Kind::Succeeded || !outcome.rig) {
    lastStage_ = outcome.kind == Kind::Cancelled ? "Cancelled" : "Match failed";
    setMessage(outcome.kind == Kind::Failed ? "Match failed: " + outcome.error : outcome.error,
               outcome.kind != Kind::Cancelled);
    return;
  }
  processor_.applyMatchedRigs(*outcome.rig);
  lastStage_ = juce::String::formatted("Matched in %.1f s", outcome.seconds).toStdString();
  setMessage(lastStage_ + ": " + outcome.rig->describe(), false);
}

MatchStatus MatchController::status() const {
  MatchStatus s;
  s.running = job_ != nullptr;
  if (s.running) {
    const auto p = job_->progress();
    s.fraction = p.fraction;
    s.stage = p.stage;
  } else {
    s.stage = lastStage_;
  }
  s.message = message_;
  s.messageIsError = messageIsError_;
  s.messageSerial = messageSerial_;
  return s;
}

void MatchController::removeWorkFolder() {
  if (workFolder_ != juce::File()) workFolder_.deleteRecursively();
  workFolder_ = juce::File();
}

}  // namespace tonematch::plugin
