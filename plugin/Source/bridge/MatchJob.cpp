#include "bridge/MatchJob.h"

#include <cstdint>
#include <thread>

#include "bridge/MatcherCommand.h"
#include "bridge/ProgressLine.h"
#include "bridge/Subprocess.h"

namespace tonematch::plugin {

namespace {
constexpr int kVerifyTimeoutMs = 20000;  // a cold `import tonematch` (numpy, scipy) on a busy disk
constexpr std::size_t kKeptLines = 20;
// Progress lines are a few hundred bytes; anything longer is cut as it is read, so a child that
// prints megabytes without a newline cannot fill memory.
constexpr std::size_t kMaxLineBytes = 64 * 1024;
// What the UI shows of a line that is not progress JSON, and of a stage name or message.
constexpr std::size_t kShownLineBytes = 300;
constexpr std::size_t kShownStageBytes = 80;
// After the child has exited, how long its output may still take to end. Longer means a process
// it left behind holds the pipe open; the job then ends without waiting for it.
constexpr double kDrainAfterExitMs = 2000.0;

// Valid UTF-8 without control characters, at most `limit` bytes (cut at a character boundary):
// the child may print anything, the UI needs one readable line.
std::string printable(const std::string& text, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = [&text](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char c = byte(i);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n > 1) {  // a well-formed, shortest-form sequence of a scalar value, or it is replaced
      std::uint32_t cp = c & (0x7F >> n);
      for (std::size_t k = 1; n > 0 && k < n; ++k) {
        if (i + k >= text.size() || (byte(i + k) & 0xC0) != 0x80) n = 0;
        else cp = (cp << 6) | (byte(i + k) & 0x3F);
      }
      static constexpr std::uint32_t kShortest[] = {0, 0, 0x80, 0x800, 0x10000};
      if (n > 1 && (cp < kShortest[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) n = 0;
    }
    const std::string piece = n == 0   ? std::string("?")
                              : n == 1 ? std::string(1, c < 0x20 || c == 0x7F ? ' ' : static_cast<char>(c))
                                       : text.substr(i, n);
    if (out.size() + piece.size() > limit) {
      out += "\xE2\x80\xA6";
      break;
    }
    out += piece;
    i += n == 0 ? 1 : n;
  }
  return out;
}

// The child's output as its reader thread collects it. Shared, because a reader blocked on a pipe
// that a left-behind process keeps open is detached rather than waited for (it ends, and frees
// this, when that process closes the pipe).
struct ChildOutput {
  std::mutex mutex;
  std::deque<std::string> lines;
  bool eof = false;
};
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
      errorLine_ = printable(p->message, kShownLineBytes);
    } else {
      // The bar only moves forward and stays within 0…1, whatever numbers the child sends.
      if (const double f = overallFraction(*p); f >= 0.0 && f <= 1.0)
        progress_.fraction = std::max(progress_.fraction, f);
      progress_.stage = printable(stageLabel(*p), kShownStageBytes);
      if (!p->message.empty()) progress_.message = printable(p->message, kShownLineBytes);
    }
    return;
  }
  const auto shown = printable(line, kShownLineBytes);
  if (juce::String::fromUTF8(shown.c_str()).trim().isEmpty()) return;
  otherLines_.push_back(shown);
  if (otherLines_.size() > kKeptLines) otherLines_.pop_front();
}

std::string MatchJob::failureText(const ExitStatus& exit) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (errorLine_ && !errorLine_->empty()) return *errorLine_;
  // No error line: prefer the CLI's "error: …" on stderr, else the last lines it printed.
  for (auto it = otherLines_.rbegin(); it != otherLines_.rend(); ++it)
    if (it->rfind("error: ", 0) == 0) return it->substr(7);
  std::string tail;
  for (std::size_t i = otherLines_.size() > 3 ? otherLines_.size() - 3 : 0; i < otherLines_.size(); ++i)
    tail += (tail.empty() ? "" : " | ") + otherLines_[i];
  const bool failed = exit.exited && exit.code != 0;
  return (failed ? "the matcher stopped (" + exit.describe() + ")"
                 : "the matcher stopped before it finished (" + exit.describe() + ")") +
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
  auto child = std::make_shared<Subprocess>();
  if (std::string startError; !child->start(args, startError))
    return finish(MatchOutcome::Kind::Failed, startError);

  // Reads block until data or EOF, so a reader thread collects lines while this thread hands
  // them on and watches Cancel, the timeout and the child itself.
  auto output = std::make_shared<ChildOutput>();
  std::thread reader([child, output] {
    std::string line;
    bool cut = false;
    auto push = [&] {
      std::lock_guard<std::mutex> lock(output->mutex);
      output->lines.push_back(cut ? line + "\xE2\x80\xA6" : line);
      line.clear();
      cut = false;
    };
    char buffer[4096];
    for (int n = 0; (n = child->read(buffer, sizeof buffer)) > 0;) {
      for (int i = 0; i < n; ++i) {
        if (buffer[i] == '\n') push();
        else if (line.size() < kMaxLineBytes) line += buffer[i];
        else cut = true;
      }
    }
    if (!line.empty()) push();
    std::lock_guard<std::mutex> lock(output->mutex);
    output->eof = true;
  });
  auto drain = [&] {
    std::deque<std::string> lines;
    bool eof = false;
    {
      std::lock_guard<std::mutex> lock(output->mutex);
      lines.swap(output->lines);
      eof = output->eof;
    }
    for (const auto& line : lines) handleLine(line);
    return eof;
  };

  auto kind = MatchOutcome::Kind::Succeeded;
  const double deadline = started + spec_.timeoutMs;
  double exitedAt = -1.0;
  for (;;) {
    const bool eof = drain();
    const double now = juce::Time::getMillisecondCounterHiRes();
    if (exitedAt < 0.0 && !child->isRunning()) exitedAt = now;
    // Done when the child has exited and its output ended; a child that closed its output but
    // runs on is still watched (Cancel, the timeout), and a pipe held open by a process the
    // child left behind is not waited for.
    if (exitedAt >= 0.0 && (eof || now - exitedAt > kDrainAfterExitMs)) break;
    if (cancelled_ || threadShouldExit()) kind = MatchOutcome::Kind::Cancelled;
    else if (now > deadline) kind = MatchOutcome::Kind::TimedOut;
    if (kind != MatchOutcome::Kind::Succeeded) {
      if (exitedAt < 0.0) {
        child->kill();
        child->waitForExit(2000);  // reaped: no zombie is left behind
      }
      break;
    }
    wait(20);
  }
  // Killing the child ends the reader with EOF unless something else holds the pipe.
  for (int i = 0; i < 25 && !drain(); ++i) wait(20);
  if (drain()) reader.join();
  else reader.detach();
  const auto exit = child->status();

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
  // Success needs "done" as well: a child can exit 0 halfway (or its status be unknown, where
  // the host reaps children itself).
  if (!exit.clean() || !done) return finish(MatchOutcome::Kind::Failed, failureText(exit));
  if (!spec_.output.existsAsFile())
    return finish(MatchOutcome::Kind::Failed, "the matcher finished but wrote no rig JSON");
  try {
    // The codec's own reading: regular files of at most 16 MiB only, so a FIFO or a device the
    // child left in the rig's place cannot block or flood this thread.
    out.rig = readRigFile(spec_.output.getFullPathName().toStdString());
  } catch (const RigError& e) {
    return finish(MatchOutcome::Kind::Failed, printable(e.what(), 4 * kShownLineBytes));
  }
  return finish(MatchOutcome::Kind::Succeeded, {});
}

}  // namespace tonematch::plugin
