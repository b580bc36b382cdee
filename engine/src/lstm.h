// LSTM: stacked recurrent cells with a linear read-out, one sample at a time.
#pragma once

#include <vector>

#include "tonematch/engine/model.h"
#include "weight_reader.h"

namespace tonematch::engine {

class Lstm final : public Model {
 public:
  Lstm(int layers, int hidden);
  static std::size_t countWeights(int layers, int hidden);
  void readWeights(WeightReader& reader);

  void process(const float* in, float* out, int n) noexcept override;
  int receptiveField() const override { return 1; }
  std::size_t parameterCount() const override { return countWeights(layers_, hidden_); }

 protected:
  void allocate(int maxBlock) override;
  void clearState() override;
  // The file stores the state reached after a second of silence, so no further prewarm is needed.
  int prewarmSamples() const override { return 0; }

 private:
  struct Cell {
    int inputs = 0;
    std::vector<float> weightsT;  // (inputs + hidden) × 4·hidden, column of the file's matrix per row
    std::vector<float> bias, h0, c0, h, c;
  };
  int layers_, hidden_;
  std::vector<Cell> cells_;
  std::vector<float> headWeights_, gates_, xh_;
  float headBias_ = 0.0f;
};

}  // namespace tonematch::engine
