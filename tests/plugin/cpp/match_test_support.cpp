#include "match_test_support.h"

#include <thread>

#include <sys/stat.h>
#include <unistd.h>

namespace tmtest {

bool waitFor(const std::function<bool()>& done, int timeoutMs) {
  const auto end = juce::Time::getMillisecondCounter() + static_cast<juce::uint32>(timeoutMs);
  while (juce::Time::getMillisecondCounter() < end) {
    if (onMessageThread(done)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return onMessageThread(done);
}

std::set<int> childProcesses() {
  std::set<int> out;
  const int self = static_cast<int>(::getpid());
  for (const auto& entry : juce::RangedDirectoryIterator(juce::File("/proc"), false, "*",
                                                         juce::File::findDirectories)) {
    const auto pid = entry.getFile().getFileName().getIntValue();
    if (pid <= 0) continue;
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so parse after ')'.
    const auto stat = entry.getFile().getChildFile("stat").loadFileAsString();
    const auto rest = stat.fromLastOccurrenceOf(")", false, false).trim();
    juce::StringArray fields;
    fields.addTokens(rest, " ", {});
    if (fields.size() > 1 && fields[1].getIntValue() == self && fields[0] != "Z") out.insert(pid);
  }
  return out;
}

bool processExists(int pid) { return juce::File("/proc/" + juce::String(pid)).isDirectory(); }

juce::File writeScript(const juce::File& folder, const juce::String& name, const juce::String& body) {
  auto f = folder.getChildFile(name);
  f.replaceWithText("#!/bin/sh\n" + body, false, false, "\n");  // not JUCE's default CRLF
  ::chmod(f.getFullPathName().toRawUTF8(), 0755);
  return f;
}

}  // namespace tmtest
