// LOAD PRESET off the message thread: the preset is read and parsed on a worker thread (a read
// on a stalled network mount may take the reader's full 10 s) and the rig is applied on the
// message thread. Owned by the processor, so nothing outlives it that could touch it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include <juce_core/juce_core.h>

namespace tonematch::plugin {

class ToneMatchProcessor;

class AsyncPresetLoader : private juce::Thread {
 public:
  using OnDone = std::function<void(const juce::Result&)>;

  explicit AsyncPresetLoader(ToneMatchProcessor& processor);
  /// Returns within ~20 ms even while a read is stuck: the read gives up when asked to stop
  /// (its helper thread is abandoned, as the loader's are; docs/architecture.md "Stalled reads").
  ~AsyncPresetLoader() override;

  /// Message thread. Returns at once; reads `file`, then applies it and calls `onDone` on the
  /// message thread. A later load replaces this one: its rig is never applied and its `onDone`
  /// never called. Neither happens once the processor is being destroyed.
  void load(const juce::File& file, OnDone onDone);

 private:
  void run() override;

  // Shared with the messages the worker posts: they may be delivered after the processor is
  // gone, so they reach it only through here.
  struct Target {
    std::mutex mutex;  // held while a rig is applied, and by the destructor to end that
    ToneMatchProcessor* processor = nullptr;  // null once the processor is being destroyed
    std::atomic<std::uint64_t> latest{0};     // the load that counts; earlier ones are dropped
    OnDone onDone;                            // the latest load's
  };
  std::shared_ptr<Target> target_;

  std::mutex requestMutex_;
  juce::File pendingFile_;
  std::uint64_t pendingId_ = 0;  // 0: nothing pending
};

}  // namespace tonematch::plugin
