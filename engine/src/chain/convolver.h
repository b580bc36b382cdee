// Zero-latency partitioned convolution for the cabinet IR.
//
// Taps [0, 128) run in direct form, sample by sample. The rest is cut into uniform partitions
// whose spectra are precomputed: a 128-sample level for taps [128, 1024) and a 1024-sample
// level for taps [1024, end). A level of partition size Q computes, every time Q input samples
// have arrived (at absolute sample positions), its contribution to the next Q outputs: taps
// ≥ Q only reach outputs at or after the end of the chunk, so this is exact, adds no latency,
// and gives the same samples however the host cuts its blocks.
#pragma once

#include <memory>
#include <vector>

#include "fft.h"

namespace tonematch::engine::chain {

/// The IR cut for the convolver; immutable once built.
struct PartitionedIr {
  static constexpr int kHead = 128;  ///< direct-form taps (also the smallest partition)

  /// One level: `parts` partitions of `size` taps starting at tap `size`.
  struct Level {
    int size = 0;
    int parts = 0;
    std::vector<float> re, im;  // parts × (size + 1) bins of the 2·size-point spectra
  };
  std::vector<float> head;  ///< up to kHead taps
  std::vector<Level> levels;
  std::size_t length = 0;   ///< taps in all

  /// Cuts taps h[0..n) and computes the partition spectra (allocates).
  static PartitionedIr build(const float* h, std::size_t n);
};

/// The streaming state for one PartitionedIr (which must outlive it).
class Convolver {
 public:
  explicit Convolver(const PartitionedIr& ir);  ///< allocates
  /// Clears all history; no allocation.
  void reset() noexcept;
  /// Filters n samples; in and out may alias. Never allocates.
  void process(const float* in, float* out, int n) noexcept;

 private:
  struct LevelState {
    const PartitionedIr::Level* level = nullptr;
    std::unique_ptr<RealFft> fft;
    std::vector<float> input;       // the previous and the current chunk (2·size)
    std::vector<float> ringRe, ringIm;  // the last `parts` input spectra
    std::vector<float> accRe, accIm, time;
    std::vector<float> output;      // this chunk's contribution, size samples
    int newest = 0;                 // ring slot of the newest spectrum
    int pos = 0;                    // samples of the current chunk received
    void finishChunk() noexcept;
  };
  void runChunk(const float* in, float* out, int r) noexcept;

  const PartitionedIr& ir_;
  std::vector<float> history_;  // kHead − 1 past inputs, then the current run
  std::vector<float> sum_;
  std::vector<LevelState> levels_;
};

}  // namespace tonematch::engine::chain
