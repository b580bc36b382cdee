// Dilated, grouped 1-D convolution over channel-major blocks: the engine's arithmetic core.
#pragma once

#include <cstddef>
#include <vector>

#include "buffer.h"
#include "weight_reader.h"

namespace tonematch::engine {

/// Causal "valid" convolution with torch's Conv1d weight layout (out, in/groups, kernel).
/// Output at time t reads input at t - (kernel-1-k)·dilation for k = 0…kernel-1.
class Conv1D {
 public:
  Conv1D() = default;
  Conv1D(int inChannels, int outChannels, int kernel, int dilation, int groups, bool bias);

  /// Number of weights this layer takes from the file (weights, then bias).
  std::size_t weightCount() const;
  /// Reads weights in the exporter's order and repacks them for the kernels.
  void readWeights(WeightReader& reader);
  /// Multiplies every output row o by scale[o] and sets the bias to shift[o] (batch-norm fold).
  void foldAffine(const std::vector<float>& scale, const std::vector<float>& shift);
  /// Precomputes input offsets for a fixed input row stride; call after buffers are allocated.
  void bind(int inputStride);

  /// out (+)= bias + W * in over n samples; `in` must hold history() samples before the block.
  void apply(const View& in, const View& out, int n, bool accumulate) const noexcept;
  /// out = init + bias + W * in (init may be null for zeros, or out itself).
  void applyOnto(const View& in, const View& out, int n, const View* init) const noexcept;

  int history() const { return (kernel_ - 1) * dilation_; }
  int inChannels() const { return in_; }
  int outChannels() const { return out_; }

 private:
  struct RowBlock {
    int firstRow, rows, group;
    std::size_t weightOffset;
  };
  int in_ = 0, out_ = 0, kernel_ = 1, dilation_ = 1, groups_ = 1;
  bool hasBias_ = false;
  std::vector<float> raw_;      // torch layout, kept for folding and repacking
  std::vector<float> bias_;     // out_ (zeros when the layer has none)
  std::vector<float> packed_;   // per row block: [tap][row] weights
  std::vector<RowBlock> blocks_;
  std::vector<long> offsets_;   // per group: [tap] input offset
  int boundStride_ = -1;

  void repack();
  int tapsPerGroup() const { return (in_ / groups_) * kernel_; }
};

}  // namespace tonematch::engine
