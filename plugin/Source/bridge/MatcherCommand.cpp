#include "bridge/MatcherCommand.h"

#include <algorithm>

#include "bridge/Subprocess.h"

#if JUCE_LINUX || JUCE_MAC || JUCE_BSD
#include <unistd.h>
#endif

namespace tonematch::plugin {

namespace {

bool isExecutable(const juce::File& f) {
#if JUCE_WINDOWS
  return f.existsAsFile();
#else
  return f.existsAsFile() && ::access(f.getFullPathName().toRawUTF8(), X_OK) == 0;
#endif
}

juce::File findOnPath(const juce::String& name) {
  const auto path = juce::SystemStats::getEnvironmentVariable("PATH", {});
  juce::StringArray dirs;
  dirs.addTokens(path, juce::File::getSeparatorChar() == '\\' ? ";" : ":", {});
  for (const auto& d : dirs) {
    if (d.isEmpty() || !juce::File::isAbsolutePath(d)) continue;
    for (const auto& candidate : {name, name + ".exe"})
      if (auto f = juce::File(d).getChildFile(candidate); isExecutable(f)) return f;
  }
  return {};
}

// Runs a short check command; "" when it exits 0, else what went wrong. Its output is read as it
// comes (a chatty interpreter cannot fill the pipe and stall), and only its end is kept.
std::string check(const juce::StringArray& command, int timeoutMs) {
  const auto exe = command[0];
  if (exe.containsChar(juce::File::getSeparatorChar()) && !isExecutable(juce::File(exe)))
    return exe.toStdString() + " does not exist or is not executable";
  Subprocess child;
  if (std::string whyNot; !child.start(command, whyNot)) return whyNot;
  const auto deadline = juce::Time::getMillisecondCounterHiRes() + timeoutMs;
  auto remainingMs = [deadline] {
    return std::max(0, static_cast<int>(deadline - juce::Time::getMillisecondCounterHiRes()));
  };
  constexpr std::size_t kKeptBytes = 4096;
  std::string output;
  char buffer[4096];
  // Until its output ends, it has ended (a process it left behind may hold the pipe), or time is up.
  for (;;) {
    const int n = child.read(buffer, sizeof buffer, std::min(remainingMs(), 50));
    if (n == 0 || (n < 0 && (!child.isRunning() || remainingMs() == 0))) break;
    if (n < 0) continue;
    output.append(buffer, static_cast<std::size_t>(n));
    if (output.size() > 2 * kKeptBytes) output.erase(0, output.size() - kKeptBytes);
  }
  // What came as it ended (bounded: a process it left behind may print on and on).
  for (int i = 0, n = 0; i < 4 && (n = child.read(buffer, sizeof buffer, 0)) > 0; ++i)
    output.append(buffer, static_cast<std::size_t>(n));
  if (!child.waitForExit(remainingMs())) {
    child.kill();
    child.waitForExit(2000);
    return exe.toStdString() + " did not answer within " + std::to_string(timeoutMs / 1000) + " s";
  }
  const auto exit = child.status();
  if (exit.clean()) return {};
  auto text = juce::String::fromUTF8(output.data(), static_cast<int>(output.size())).trim();
  auto lastLine = juce::StringArray::fromLines(text).joinIntoString(" ").getLastCharacters(200);
  return command.joinIntoString(" ").toStdString() + " failed (" + exit.describe() + ")" +
         (lastLine.isEmpty() ? std::string() : ": " + lastLine.toStdString());
}

}  // namespace

std::optional<MatcherCommand> locateMatcher(const juce::String& settingPython, int verifyTimeoutMs,
                                            std::string& whyNot) {
  std::vector<MatcherCommand> candidates;
  auto python = [](const juce::String& exe, const char* origin) {
    return MatcherCommand{juce::StringArray{exe, "-m", "tonematch"}, origin};
  };
  if (settingPython.trim().isNotEmpty()) candidates.push_back(python(settingPython.trim(), "Settings"));
  const auto env = juce::SystemStats::getEnvironmentVariable("TONEMATCH_PYTHON", {}).trim();
  if (env.isNotEmpty()) candidates.push_back(python(env, "TONEMATCH_PYTHON"));
  if (auto exe = findOnPath("tonematch"); exe != juce::File())
    candidates.push_back({juce::StringArray{exe.getFullPathName()}, "PATH"});

  std::string tried;
  for (const auto& c : candidates) {
    juce::StringArray probe{c.prefix[0]};
    if (c.prefix.size() > 1) probe.addArray(juce::StringArray{"-c", "import tonematch"});
    else probe.add("--help");
    const auto problem = check(probe, verifyTimeoutMs);
    if (problem.empty()) return c;
    tried += c.origin.toStdString() + ": " + problem + ". ";
  }
  whyNot = (tried.empty() ? std::string("No Python interpreter with tonematch was found. ") : tried) +
           kInstallHint + ".";
  return std::nullopt;
}

}  // namespace tonematch::plugin
