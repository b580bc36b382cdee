// The last N seconds of the plugin's (pre-chain, mono) input, for MATCH TONE!.
//
// Single producer (the audio thread) and a reader on the message thread. The audio thread only
// stores samples and then publishes how many it has written with one atomic store; it never
// allocates, locks or waits. The reader copies the newest samples and drops any that the writer
// may have overwritten while it copied, so a snapshot is never torn.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

namespace tonematch::plugin {

/// Mono audio at a sample rate, as captured.
struct CapturedAudio {
  std::vector<float> samples;
  double sampleRate = 0.0;
  double seconds() const { return sampleRate > 0.0 ? static_cast<double>(samples.size()) / sampleRate : 0.0; }
};

class CaptureRing {
 public:
  /// Allocates room for `seconds` at `sampleRate` and forgets what was captured. Not the audio
  /// thread (prepareToPlay): the host guarantees write() is not running.
  void prepare(double sampleRate, double seconds);

  /// Audio thread: appends n samples. Plain stores, then one atomic release of the new count.
  void write(const float* samples, int n) noexcept;

  /// Message thread: a copy of everything still held, oldest first.
  CapturedAudio snapshot() const;

 private:
  std::vector<float> buffer_;
  double sampleRate_ = 0.0;
  std::atomic<std::uint64_t> written_{0};  // total samples ever written (the write index)
  mutable std::mutex resizeMutex_;         // prepare() vs snapshot(); never the audio thread
};

}  // namespace tonematch::plugin
