#include "bridge/MatcherCommand.h"

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

// Runs a short check command; "" when it exits 0, else what went wrong.
std::string check(const juce::StringArray& command, int timeoutMs) {
  const auto exe = command[0];
  if (exe.containsChar(juce::File::getSeparatorChar()) && !isExecutable(juce::File(exe)))
    return exe.toStdString() + " does not exist or is not executable";
  juce::ChildProcess child;
  if (!child.start(command)) return "cannot start " + exe.toStdString();
  if (!child.waitForProcessToFinish(timeoutMs)) {
    child.kill();
    child.waitForProcessToFinish(2000);
    return exe.toStdString() + " did not answer within " + std::to_string(timeoutMs / 1000) + " s";
  }
  const auto code = child.getExitCode();
  if (code == 0) return {};
  auto output = child.readAllProcessOutput().trim();
  auto lastLine = juce::StringArray::fromLines(output).joinIntoString(" ").getLastCharacters(200);
  return command.joinIntoString(" ").toStdString() + " failed (exit " + std::to_string(code) + ")" +
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
