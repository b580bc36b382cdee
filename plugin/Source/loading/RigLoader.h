// Loads .nam models and cabinet IRs on a background thread and hands them to the engine chain,
// which publishes them to the audio thread lock-free. The same thread frees what the audio
// thread swapped out (Chain::collectGarbage), so neither the audio nor the message thread ever
// parses a file or frees a model.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <juce_core/juce_core.h>

#include "loading/IrFile.h"
#include "tonematch/engine/chain.h"

namespace tonematch::plugin {

enum class SlotKind : int { Pedal = 0, Amp = 1, Ir = 2 };
inline constexpr std::array<SlotKind, 3> kSlotKinds{SlotKind::Pedal, SlotKind::Amp, SlotKind::Ir};
const char* slotLabel(SlotKind kind);  ///< "FX", "AMP", "IR"

enum class SlotState { Empty, Loading, Loaded, Missing, Failed };

struct SlotStatus {
  SlotState state = SlotState::Empty;
  std::string path;   ///< what the slot is set to (kept when the file is missing, for the session)
  std::string name;   ///< what plays (file stem), empty when nothing plays
  std::string error;  ///< one line when Missing/Failed
};

/// What to do with the current object when a new file cannot be loaded.
enum class OnFailure {
  Clear,  ///< rigs, presets, sessions: the slot plays what the rig says, or nothing
  Keep,   ///< a single file picked in the UI: keep playing the previous one
};

class RigLoader : private juce::Thread {
 public:
  explicit RigLoader(engine::Chain& chain);
  ~RigLoader() override;

  /// Queues a load (empty path = empty the slot). Any thread; returns at once.
  void request(SlotKind kind, const std::string& path, OnFailure onFailure);

  /// Prepares the chain for a host rate/block size, then re-stages what depends on them (the IR
  /// is rebuilt at the new rate; models parked before the first prepare are handed over).
  /// Not for the audio thread; the host guarantees process() is not running.
  void prepareChain(double sampleRate, int maxBlock);

  SlotStatus status(SlotKind kind) const;
  /// True when no request is queued or in progress.
  bool idle() const;
  /// Blocks until idle() or the timeout; for tests and offline hosts. Not for the audio thread.
  bool waitUntilIdle(int timeoutMs) const;
  /// Bumped on every status change, so the UI can repaint only when something happened.
  juce::uint32 changeCount() const { return changes_.load(); }

 private:
  struct Request {
    std::string path;
    OnFailure onFailure = OnFailure::Clear;
  };

  void run() override;
  void handle(SlotKind kind, const Request& request);
  void loadModel(SlotKind kind, const Request& request);
  void loadIr(const Request& request);
  void stageModel(SlotKind kind, std::unique_ptr<engine::Model> model);  // chainMutex_ held
  void stageIr();                                                          // chainMutex_ held
  void setStatus(SlotKind kind, SlotStatus status);

  engine::Chain& chain_;

  // Requests and statuses: short critical sections, never taken by the audio thread.
  mutable std::mutex stateMutex_;
  std::array<std::optional<Request>, 3> pending_;
  std::array<SlotStatus, 3> status_;
  int inFlight_ = 0;
  std::atomic<juce::uint32> changes_{0};

  // Every non-audio call into the chain (prepare, set*, collectGarbage) is serialised here.
  std::mutex chainMutex_;
  double rate_ = 0.0;
  int maxBlock_ = 0;
  std::array<std::unique_ptr<engine::Model>, 2> parked_;  // loaded before the first prepare
  std::optional<IrSource> irSource_;  // kept to rebuild the IR when the host rate changes
  double irBuiltRate_ = 0.0;
  int irBuiltBlock_ = 0;
};

}  // namespace tonematch::plugin
