#include "bridge/MatchJob.h"

#include <thread>

#include "bridge/MatcherCommand.h"
#include "bridge/ProgressLine.h"

namespace tonematch::plugin {

namespace {
constexpr int kVerifyTimeoutMs = 20000;  // a cold `import tonematch` (numpy, scipy) on a busy disk
constexpr std::size_t kKeptLines = 20;
}  // namespace

MatchJob::MatchJob(MatchJobSpec spec, std::function<void()> onFinished)
    : juce::Thread("ToneMatch matcher"), spec_(std::move(spec)), onFinished_(std::move(onFinished)) {}

MatchJob::~MatchJob() {
  cancel();
  // run() kills the child and returns within milliseconds once asked to; the long limit only
  // keeps JUCE from killing the thread if the system is very slow.
  stopThread(30000);
}

void MatchJob::cancel() {
  cancelled_ = true;
  signalThreadShouldExit();
  notify();
}

MatchProgress MatchJob::progress() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return progress_;
}

MatchOutcome MatchJob::outcome() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return outcome_;
}

void MatchJob::run() {
  auto result = runMatch();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    outcome_ = std::move(result);
  }
  finished_ = true;
  if (onFinished_) onFinished_();
}

void MatchJob::handleLine(const std::string& line) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto p = parseProgressLine(line)) {
    if (p->stage == "done") {
      sawDone_ = true;
      progress_.fraction = 1.0;
    } else if (p->stage == "error") {
      errorLine_ = p->message;
    } else {
      if (const double f = overallFraction(*p); f >= 0.0) progress_.fraction = std::max(progress_.fraction, f);
      progress_.stage = stageLabel(*p);
      if (!p->message.empty()) progress_.message = p->message;
    }
    return;
  }
  if (juce::String(line).trim().isEmpty()) return;
  otherLines_.push_back(line);
  if (otherLines_.size() > kKeptLines) otherLines_.pop_front();
}

std::string MatchJob::failureText(int exitCode) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (errorLine_ && !errorLine_->empty()) return *errorLine_;
  // No error line: prefer the CLI's "error: …" on stderr, else the last lines it printed.
  for (auto it = otherLines_.rbegin(); it != otherLines_.rend(); ++it)
    if (it->rfind("error: ", 0) == 0) return it->substr(7);
  std::string tail;
  for (std::size_t i = otherLines_.size() > 3 ? otherLines_.size() - 3 : 0; i < otherLines_.size(); ++i)
    tail += (tail.empty() ? "" : " | ") + otherLines_[i];
  return "the matcher stopped (exit code " + std::to_string(exitCode) + ")" +
         (tail.empty() ? std::string() : ": " + tail);
}

MatchOutcome MatchJob::runMatch() {
  const auto started = juce::Time::getMillisecondCounterHiRes();
  MatchOutcome out;
  auto finish = [&](MatchOutcome::Kind kind, std::string error) {
    out.kind = kind;
    out.error = std::move(error);
    out.seconds = (juce::Time::getMillisecondCounterHiRes() - started) / 1000.0;
    return out;
  };
  {
    std::lock_guard<std::mutex> lock(mutex_);
    progress_.stage = "Starting the matcher";
  }
  auto reference = spec_.reference;
  if (spec_.region) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      progress_.stage = "Cutting the reference region";
    }
    if (auto problem = writeRegion(spec_.reference, *spec_.region, spec_.regionFile); !problem.empty())
      return finish(MatchOutcome::Kind::Failed, problem);
    reference = spec_.regionFile;
  }
  std::string whyNot;
  const auto command = locateMatcher(spec_.settingPython, kVerifyTimeoutMs, whyNot);
  if (cancelled_) return finish(MatchOutcome::Kind::Cancelled, "cancelled");
  if (!command) return finish(MatchOutcome::Kind::Failed, whyNot);

  juce::StringArray args(command->prefix);
  args.addArray(juce::StringArray{"match", "--di", spec_.di.getFullPathName(), "--ref",
                                  reference.getFullPathName(), "--out",
                                  spec_.output.getFullPathName(), "--progress", "jsonl"});
  args.addArray(spec_.extraArgs);
  spec_.output.deleteFile();  // a stale file must never pass for this run's result

  // stdout and stderr merged: progress JSON on stdout, the CLI's "error: …" and Python's
  // warnings or tracebacks on stderr; handleLine tells them apart.
  juce::ChildProcess child;
  if (!child.start(args))
    return finish(MatchOutcome::Kind::Failed, "cannot start " + args[0].toStdString());

  // ChildProcess reads block until data or EOF, so a reader thread feeds lines while this
  // thread watches Cancel and the timeout; killing the child ends the reader with EOF.
  std::atomic<bool> eof{false};
  std::thread reader([&] {
    std::string line;
    char c = 0;
    while (child.readProcessOutput(&c, 1) == 1) {
      if (c != '\n') {
        line += c;
        continue;
      }
      handleLine(line);
      line.clear();
    }
    if (!line.empty()) handleLine(line);
    eof = true;
    notify();
  });

  auto kind = MatchOutcome::Kind::Succeeded;
  const double deadline = started + spec_.timeoutMs;
  while (!eof) {
    if (cancelled_ || threadShouldExit()) kind = MatchOutcome::Kind::Cancelled;
    else if (juce::Time::getMillisecondCounterHiRes() > deadline) kind = MatchOutcome::Kind::TimedOut;
    if (kind != MatchOutcome::Kind::Succeeded) {
      child.kill();
      break;
    }
    wait(100);
  }
  reader.join();
  // Reap the child so no zombie is left behind (and its exit code is known).
  child.waitForProcessToFinish(10000);
  const int exitCode = static_cast<int>(child.getExitCode());

  if (kind == MatchOutcome::Kind::Cancelled) return finish(kind, "Match cancelled; the rig was not changed");
  if (kind == MatchOutcome::Kind::TimedOut) {
    const auto limit = spec_.timeoutMs >= 60000 ? std::to_string(spec_.timeoutMs / 60000) + " min"
                                                : juce::String(spec_.timeoutMs / 1000.0, 1).toStdString() + " s";
    return finish(kind, "The matcher did not finish within " + limit +
                            " and was stopped (the timeout is in Settings)");
  }
  bool done = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done = sawDone_ && !errorLine_;
  }
  // JUCE reports exit code 0 for a child killed by a signal, so success also needs "done".
  if (exitCode != 0 || !done) return finish(MatchOutcome::Kind::Failed, failureText(exitCode));
  if (!spec_.output.existsAsFile())
    return finish(MatchOutcome::Kind::Failed, "the matcher finished but wrote no rig JSON");
  try {
    out.rig = parseRig(spec_.output.loadFileAsString().toStdString(), "the matcher's rig JSON",
                       spec_.output.getParentDirectory().getFullPathName().toStdString());
  } catch (const RigError& e) {
    return finish(MatchOutcome::Kind::Failed, e.what());
  }
  return finish(MatchOutcome::Kind::Succeeded, {});
}

}  // namespace tonematch::plugin
