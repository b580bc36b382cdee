#include "bridge/Subprocess.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#if !JUCE_WINDOWS
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

extern char** environ;
#endif

namespace tonematch::plugin {

namespace {

std::string signalName(int signal) {
#if !JUCE_WINDOWS
  switch (signal) {
    case SIGKILL: return "SIGKILL";
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGPIPE: return "SIGPIPE";
    case SIGHUP: return "SIGHUP";
    default: break;
  }
#endif
  return "signal " + std::to_string(signal);
}

}  // namespace

std::string ExitStatus::describe() const {
  if (exited) return "exit code " + std::to_string(code);
  if (signal != 0) return "killed by " + signalName(signal);
  return "no exit code";
}

#if JUCE_WINDOWS

// Windows has no posix_spawn; JUCE's CreateProcess-based child has no fork problem there.
struct Subprocess::Native {
  juce::ChildProcess child;
  bool started = false;
};

Subprocess::Subprocess() : native_(std::make_unique<Native>()) {}

Subprocess::~Subprocess() {
  if (native_->started && native_->child.isRunning()) native_->child.kill();
}

bool Subprocess::start(const juce::StringArray& args, std::string& whyNot) {
  native_->started = native_->child.start(args);
  if (!native_->started) whyNot = "cannot start " + args[0].toStdString();
  return native_->started;
}

int Subprocess::read(char* dest, int size, int timeoutMs) {
  // JUCE's read blocks; with a timeout, only read once the child has ended.
  if (timeoutMs >= 0 && native_->child.isRunning()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(timeoutMs, 20)));
    return -1;
  }
  return std::max(0, native_->child.readProcessOutput(dest, size));
}

bool Subprocess::isRunning() { return native_->started && native_->child.isRunning(); }

bool Subprocess::waitForExit(int timeoutMs) { return native_->child.waitForProcessToFinish(timeoutMs); }

void Subprocess::kill() {
  if (native_->started) native_->child.kill();
}

ExitStatus Subprocess::status() {
  ExitStatus s;
  s.exited = true;
  s.code = static_cast<int>(native_->child.getExitCode());
  return s;
}

#else

struct Subprocess::Native {
  pid_t pid = -1;
  int fd = -1;  // the read end of the child's stdout and stderr
  bool reaped = false;
  ExitStatus status;
};

namespace {

// Close-on-exec, and off 0–2: a host started with stdout closed hands those numbers out, and the
// child's own stdout must not be the read end.
int privateDescriptor(int fd) {
  if (fd < 0) return fd;
  if (fd <= 2) {
    const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    ::close(fd);
    return moved;
  }
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  return fd;
}

// Reaps the child without blocking (options WNOHANG) or blocking; true once it has ended.
bool reap(pid_t pid, bool& reaped, ExitStatus& status, int options) {
  if (pid <= 0 || reaped) return true;
  int state = 0;
  pid_t r = 0;
  do r = ::waitpid(pid, &state, options);
  while (r < 0 && errno == EINTR);
  if (r == 0) return false;
  reaped = true;
  // r < 0 (ECHILD): a host that ignores SIGCHLD has its children reaped for it; no status then.
  if (r == pid && WIFEXITED(state)) {
    status.exited = true;
    status.code = WEXITSTATUS(state);
  } else if (r == pid && WIFSIGNALED(state)) {
    status.signal = WTERMSIG(state);
  }
  return true;
}

}  // namespace

Subprocess::Subprocess() : native_(std::make_unique<Native>()) {}

Subprocess::~Subprocess() {
  if (native_->pid > 0 && !native_->reaped) {
    ::kill(native_->pid, SIGKILL);
    reap(native_->pid, native_->reaped, native_->status, 0);
  }
  if (native_->fd >= 0) ::close(native_->fd);
}

bool Subprocess::start(const juce::StringArray& args, std::string& whyNot) {
  if (args.isEmpty() || args[0].isEmpty()) {
    whyNot = "no program to start";
    return false;
  }
  if (native_->pid > 0) {
    whyNot = "already started";
    return false;
  }
  int fds[2] = {-1, -1};
  if (::pipe(fds) != 0) {
    whyNot = std::string("cannot create a pipe: ") + std::strerror(errno);
    return false;
  }
  const int readEnd = privateDescriptor(fds[0]), writeEnd = privateDescriptor(fds[1]);
  if (readEnd < 0 || writeEnd < 0) {
    if (readEnd >= 0) ::close(readEnd);
    if (writeEnd >= 0) ::close(writeEnd);
    whyNot = "cannot create a pipe";
    return false;
  }

  // Everything the child needs is built here, before it exists.
  std::vector<std::string> strings;
  for (const auto& a : args) strings.push_back(a.toStdString());
  strings[0] = args[0].unquoted().toStdString();
  std::vector<char*> argv;
  for (auto& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, writeEnd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, writeEnd, STDERR_FILENO);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#endif
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
#ifdef POSIX_SPAWN_CLOEXEC_DEFAULT
  flags |= POSIX_SPAWN_CLOEXEC_DEFAULT;  // macOS: the same as closefrom above
#endif
  posix_spawnattr_setflags(&attributes, flags);
  // The host's blocked and ignored signals (SIGPIPE is often ignored) are not the matcher's.
  sigset_t none, defaults;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) sigaddset(&defaults, s);
  posix_spawnattr_setsigdefault(&attributes, &defaults);

  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  ::close(writeEnd);  // the child holds its own copy; EOF comes when it (and its children) close it
  if (rc != 0) {
    ::close(readEnd);
    whyNot = "cannot start " + strings[0] + ": " + std::strerror(rc);
    return false;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  native_->pid = pid;
  native_->fd = readEnd;
  return true;
}

int Subprocess::read(char* dest, int size, int timeoutMs) {
  const int fd = native_->fd;
  if (fd < 0 || size <= 0) return 0;
  if (timeoutMs >= 0) {
    pollfd p{fd, POLLIN, 0};
    int r = 0;
    do r = ::poll(&p, 1, timeoutMs);
    while (r < 0 && errno == EINTR);
    if (r == 0) return -1;
  }
  for (;;) {
    const auto n = ::read(fd, dest, static_cast<size_t>(size));
    if (n >= 0) return static_cast<int>(n);
    if (errno != EINTR) return 0;
  }
}

bool Subprocess::isRunning() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (native_->pid <= 0) return false;
  return !reap(native_->pid, native_->reaped, native_->status, WNOHANG);
}

bool Subprocess::waitForExit(int timeoutMs) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  for (;;) {
    if (!isRunning()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Subprocess::kill() {
  std::lock_guard<std::mutex> lock(mutex_);
  // Only a child not yet reaped: a reaped child's number may already belong to another process.
  if (native_->pid > 0 && !native_->reaped) ::kill(native_->pid, SIGKILL);
}

ExitStatus Subprocess::status() {
  std::lock_guard<std::mutex> lock(mutex_);
  return native_->status;
}

#endif

}  // namespace tonematch::plugin
