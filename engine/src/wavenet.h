// WaveNet: stacks of gated/plain dilated-convolution layers with a summed head.
#pragma once

#include <memory>
#include <vector>

#include "buffer.h"
#include "conv1d.h"
#include "tonematch/engine/model.h"
#include "wavenet_spec.h"

namespace tonematch::engine {

/// Feature-wise scale (and shift) computed from the input signal by a 1×1 convolution.
struct Film {
  Conv1D conv;
  bool shift = true;
  int dim = 0;
  Buffer scratch;
  /// x[r] = x[r]·scale[r](c) + shift[r](c) for r < dim.
  void apply(const View& x, const View& condition, int n) noexcept;
};

class WaveNet final : public Model {
 public:
  /// `conditionNet`, when given, computes the layers' condition from the input (condition_dsp).
  explicit WaveNet(WaveNetSpec spec, std::unique_ptr<WaveNet> conditionNet = nullptr);
  /// Channels of the final output (1 for a model, several for a condition network).
  int outputChannels() const;

  std::size_t weightCount() const;
  void readWeights(WeightReader& reader);

  void process(const float* in, float* out, int n) noexcept override;
  int receptiveField() const override { return receptiveField_; }
  std::size_t parameterCount() const override { return weightCount(); }
  /// Floats of state the network keeps between blocks at a given block size.
  std::size_t stateFloats(int maxBlock) const;

 protected:
  void allocate(int maxBlock) override;
  void clearState() override;

 private:
  struct Layer {
    LayerSpec spec;
    Conv1D conv, mixer, layer1x1, head1x1;
    std::unique_ptr<Film> film[kFilmSlots];
    Buffer input;         // the residual stream entering this layer, with conv history
    Buffer filmedInput;   // the conv's input when a FiLM sits before it
  };
  struct LayerArray {
    LayerArraySpec spec;
    Conv1D rechannel, headRechannel;
    std::vector<Layer> layers;
    Buffer output, headSum, headOut;
    Buffer z, mix, tmp, l1, h1, filmedCondition;
  };
  struct HeadBlock {
    Conv1D conv;
    Buffer input;
    Buffer output;
  };

  /// Runs one block and returns the final output rows.
  View run(const float* in, int n) noexcept;
  void runArray(LayerArray& a, const View& x, const View* previousHead, int n) noexcept;
  void runLayer(LayerArray& a, std::size_t index, int n) noexcept;
  std::vector<Conv1D*> convsInOrder();

  WaveNetSpec spec_;
  std::vector<LayerArray> arrays_;
  std::vector<HeadBlock> head_;
  float headScale_ = 1.0f;
  std::unique_ptr<WaveNet> conditionNet_;
  Buffer input_, output_;
  View conditionView_;
  int receptiveField_ = 1;
};

}  // namespace tonematch::engine
