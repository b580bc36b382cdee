// A child process whose stdout and stderr come back through one pipe, for the matcher and its
// interpreter check. On Linux and macOS it is started with posix_spawn: nothing runs in the child
// between fork and exec. juce::ChildProcess forks and then builds the argument list in the child;
// a forked copy of a multithreaded host whose other threads held an allocator lock at that moment
// can deadlock there and never run the matcher (seen under AddressSanitizer). Its stdin is
// /dev/null and it inherits none of the host's open files (audio devices, sockets, projects).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <juce_core/juce_core.h>

namespace tonematch::plugin {

/// How a child ended.
struct ExitStatus {
  bool exited = false;  ///< it returned an exit code
  int code = 0;         ///< when exited
  int signal = 0;       ///< when killed by a signal (POSIX)
  /// "exit code 3", "killed by SIGSEGV".
  std::string describe() const;
  /// Exit code 0, or no status at all (a host that ignores SIGCHLD has its children reaped for
  /// it): nothing says the child failed.
  bool clean() const { return exited ? code == 0 : signal == 0; }
};

class Subprocess {
 public:
  Subprocess();
  /// Kills and reaps a child still running.
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  /// Starts args[0] (found on PATH when it has no folder) with the other arguments as they are.
  /// False with the reason in `whyNot` when it cannot be started.
  bool start(const juce::StringArray& args, std::string& whyNot);
  /// Reads what the child printed: the number of bytes (> 0), 0 at the end of its output, or -1
  /// when nothing came within timeoutMs (< 0: wait as long as it takes). Any one thread.
  int read(char* dest, int size, int timeoutMs = -1);
  /// Whether the child is still running (reaps it once it has ended).
  bool isRunning();
  /// Waits up to timeoutMs for the child to end; true when it has.
  bool waitForExit(int timeoutMs);
  /// Kills the child (SIGKILL); it still has to be reaped (isRunning, waitForExit).
  void kill();
  /// Valid once the child has ended.
  ExitStatus status();

 private:
  struct Native;
  std::unique_ptr<Native> native_;
  std::mutex mutex_;  // the child's state (not the pipe: one reader reads it)
};

}  // namespace tonematch::plugin
