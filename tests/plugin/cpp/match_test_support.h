// Helpers for the MATCH TONE! test: run code on the JUCE message thread from the test thread,
// wait for conditions, and see this process's child processes in /proc.
#pragma once

#include <functional>
#include <future>
#include <set>
#include <string>

#include <juce_events/juce_events.h>

namespace tmtest {

/// Runs f on the message thread (the dispatch loop runs on main) and returns its result.
template <typename F>
auto onMessageThread(F&& f) -> decltype(f()) {
  using R = decltype(f());
  auto task = std::make_shared<std::packaged_task<R()>>(std::forward<F>(f));
  auto result = task->get_future();
  juce::MessageManager::callAsync([task] { (*task)(); });
  return result.get();
}

/// Polls `done` (on the message thread) every 50 ms; false after timeoutMs.
bool waitFor(const std::function<bool()>& done, int timeoutMs);

/// PIDs of this process's live (not zombie) children.
std::set<int> childProcesses();
/// True while /proc/<pid> exists (a zombie counts: it was not reaped).
bool processExists(int pid);

/// A small executable shell script (a fake interpreter) in `folder`.
juce::File writeScript(const juce::File& folder, const juce::String& name, const juce::String& body);

}  // namespace tmtest
