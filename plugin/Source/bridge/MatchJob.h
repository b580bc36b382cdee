// One run of `tonematch match` as a child process (docs/formats.md, progress JSON lines),
// supervised on its own thread: progress lines are read as they come, Cancel and the timeout
// kill the child, and the rig JSON is parsed strictly when the child says it is done. Nothing
// here touches the processor; the owner applies the outcome on the message thread.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include <juce_core/juce_core.h>

#include "bridge/ReferenceClip.h"
#include "bridge/Subprocess.h"
#include "rig/RigJson.h"

namespace tonematch::plugin {

/// What to run.
struct MatchJobSpec {
  juce::String settingPython;   ///< Settings' interpreter (may be empty)
  juce::File di, reference, output;
  std::optional<TimeRegion> region;  ///< only this part of the reference, written to regionFile
  juce::File regionFile;
  juce::StringArray extraArgs;  ///< appended after the fixed arguments (--budget, --library, …)
  int timeoutMs = 10 * 60 * 1000;
};

/// How a job ended.
struct MatchOutcome {
  enum class Kind { Succeeded, Failed, Cancelled, TimedOut };
  Kind kind = Kind::Failed;
  std::optional<RigSpec> rig;  ///< only when Succeeded
  std::string error;           ///< one or a few lines for the UI
  double seconds = 0.0;
};

/// Where a running job is, for the progress bar.
struct MatchProgress {
  double fraction = 0.0;  ///< 0…1
  std::string stage;      ///< "Searching rigs 12/40"
  std::string message;    ///< the matcher's message for the step, if any
};

class MatchJob : private juce::Thread {
 public:
  /// `onFinished` is called once, on the job's thread, when outcome() is ready.
  MatchJob(MatchJobSpec spec, std::function<void()> onFinished);
  /// Kills the child (if any) and joins the thread.
  ~MatchJob() override;

  void start() { startThread(); }
  /// Kills the child; the outcome becomes Cancelled. Any thread.
  void cancel();
  bool finished() const { return finished_.load(); }
  MatchProgress progress() const;
  /// Valid once finished().
  MatchOutcome outcome() const;

 private:
  void run() override;
  MatchOutcome runMatch();
  void handleLine(const std::string& line);
  std::string failureText(const ExitStatus& exit) const;

  const MatchJobSpec spec_;
  std::function<void()> onFinished_;
  std::atomic<bool> cancelled_{false}, finished_{false};

  mutable std::mutex mutex_;  // everything below; never held while waiting for the child
  MatchProgress progress_;
  std::deque<std::string> otherLines_;  // not progress JSON: stderr, warnings, tracebacks
  std::optional<std::string> errorLine_;
  bool sawDone_ = false;
  MatchOutcome outcome_;
};

}  // namespace tonematch::plugin
