#include "state/AsyncPresetLoader.h"

#include <juce_events/juce_events.h>

#include "PluginProcessor.h"
#include "loading/IrFile.h"
#include "state/PresetManager.h"

namespace tonematch::plugin {

AsyncPresetLoader::AsyncPresetLoader(ToneMatchProcessor& processor)
    : juce::Thread("ToneMatch preset"), target_(std::make_shared<Target>()) {
  target_->processor = &processor;
}

AsyncPresetLoader::~AsyncPresetLoader() {
  {
    // Waits for a rig being applied (a host destroying the processor off the message thread).
    std::lock_guard<std::mutex> lock(target_->mutex);
    target_->processor = nullptr;
  }
  // The read checks threadShouldExit every 20 ms; the reader's own limit bounds the rest.
  stopThread(kFileReadTimeoutMs + 2000);
}

void AsyncPresetLoader::load(const juce::File& file, OnDone onDone) {
  std::uint64_t id = 0;
  {
    std::lock_guard<std::mutex> lock(target_->mutex);
    id = target_->latest.load() + 1;
    target_->latest = id;  // from now on the worker's stop check abandons an earlier read
    target_->onDone = std::move(onDone);
  }
  {
    std::lock_guard<std::mutex> lock(requestMutex_);
    pendingFile_ = file;
    pendingId_ = id;
  }
  // Started on first use: most sessions never load a preset.
  if (!isThreadRunning()) startThread(juce::Thread::Priority::low);
  notify();
}

void AsyncPresetLoader::run() {
  while (!threadShouldExit()) {
    juce::File file;
    std::uint64_t id = 0;
    {
      std::lock_guard<std::mutex> lock(requestMutex_);
      file = pendingFile_;
      std::swap(id, pendingId_);
    }
    if (id == 0) {
      wait(-1);  // notify() from load() or stopThread()
      continue;
    }
    const auto target = target_;
    const auto stop = [this, &target, id] {
      return threadShouldExit() || target->latest.load() != id;
    };
    auto rig = std::make_shared<RigSpec>();
    const auto result = PresetManager::read(file, *rig, stop);
    if (stop()) continue;  // replaced by a later load, or the processor is going
    juce::MessageManager::callAsync([target, id, rig, result] {
      OnDone onDone;
      {
        std::lock_guard<std::mutex> lock(target->mutex);
        if (target->processor == nullptr || target->latest.load() != id) return;
        if (result.wasOk()) target->processor->applyRig(*rig);
        onDone = std::move(target->onDone);
        target->onDone = nullptr;
      }
      // Outside the lock: the callback may start another load.
      if (onDone) onDone(result);
    });
  }
}

}  // namespace tonematch::plugin
