// ConvNet (dilated kernel-2 convolutions with optional batch norm) and Linear (one FIR).
#pragma once

#include <vector>

#include "activation.h"
#include "buffer.h"
#include "conv1d.h"
#include "tonematch/engine/model.h"

namespace tonematch::engine {

class ConvNet final : public Model {
 public:
  ConvNet(int channels, std::vector<int> dilations, bool batchnorm, Activation activation);
  static std::size_t countWeights(int channels, const std::vector<int>& dilations, bool batchnorm);
  void readWeights(WeightReader& reader);

  void process(const float* in, float* out, int n) noexcept override;
  int receptiveField() const override;
  std::size_t parameterCount() const override { return countWeights(channels_, dilations_, batchnorm_); }

 protected:
  void allocate(int maxBlock) override;
  void clearState() override;

 private:
  int channels_;
  std::vector<int> dilations_;
  bool batchnorm_;
  Activation activation_;
  std::vector<Conv1D> blocks_;
  std::vector<Buffer> inputs_;  // input of each block, with its history
  Conv1D head_;
  Buffer last_, out_;
};

/// A single FIR filter over the last `receptiveField` samples, with optional bias.
class Linear final : public Model {
 public:
  Linear(int receptiveField, bool bias);
  std::size_t weightCount() const { return conv_.weightCount(); }
  void readWeights(WeightReader& reader) { conv_.readWeights(reader); }

  void process(const float* in, float* out, int n) noexcept override;
  int receptiveField() const override { return receptiveField_; }
  std::size_t parameterCount() const override { return weightCount(); }

 protected:
  void allocate(int maxBlock) override;
  void clearState() override { input_.clear(); }

 private:
  int receptiveField_;
  Conv1D conv_;
  Buffer input_, out_;
};

}  // namespace tonematch::engine
