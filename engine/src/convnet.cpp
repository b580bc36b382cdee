#include "convnet.h"

#include <cmath>
#include <cstring>

#include "format_error.h"

namespace tonematch::engine {

ConvNet::ConvNet(int channels, std::vector<int> dilations, bool batchnorm, Activation activation)
    : channels_(channels), dilations_(std::move(dilations)), batchnorm_(batchnorm),
      activation_(activation) {
  int cin = 1;
  for (int d : dilations_) {
    blocks_.emplace_back(cin, channels_, 2, d, 1, !batchnorm_);
    cin = channels_;
  }
  head_ = Conv1D(channels_, 1, 1, 1, 1, true);
}

std::size_t ConvNet::countWeights(int channels, const std::vector<int>& dilations, bool batchnorm) {
  std::size_t n = 0;
  std::size_t cin = 1;
  for (std::size_t i = 0; i < dilations.size(); ++i) {
    n += static_cast<std::size_t>(channels) * cin * 2 + (batchnorm ? 4 * channels + 1 : channels);
    cin = channels;
  }
  return n + channels + 1;
}

void ConvNet::readWeights(WeightReader& reader) {
  for (Conv1D& block : blocks_) {
    block.readWeights(reader);
    if (!batchnorm_) continue;
    // Inference-time batch norm is an affine map per channel: fold it into the convolution.
    std::vector<float> mean(channels_), var(channels_), weight(channels_), bias(channels_);
    reader.read(mean.data(), channels_);
    reader.read(var.data(), channels_);
    reader.read(weight.data(), channels_);
    reader.read(bias.data(), channels_);
    const float eps = reader.next();
    std::vector<float> scale(channels_), shift(channels_);
    for (int c = 0; c < channels_; ++c) {
      const float denom = var[c] + eps;
      if (!(denom > 0.0f)) badConfig("batch norm variance plus eps must be positive");
      scale[c] = weight[c] / std::sqrt(denom);
      shift[c] = bias[c] - mean[c] * scale[c];
      if (!std::isfinite(scale[c]) || !std::isfinite(shift[c])) badConfig("batch norm parameters overflow");
    }
    block.foldAffine(scale, shift);
  }
  head_.readWeights(reader);
}

int ConvNet::receptiveField() const {
  int rf = 1;
  for (int d : dilations_) rf += d;
  return rf;
}

void ConvNet::allocate(int maxBlock) {
  inputs_.assign(blocks_.size(), Buffer{});
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    inputs_[i].allocate(blocks_[i].inChannels(), blocks_[i].history(), maxBlock);
    blocks_[i].bind(inputs_[i].stride());
  }
  last_.allocate(channels_, 0, maxBlock);
  out_.allocate(1, 0, maxBlock);
  head_.bind(last_.stride());
}

void ConvNet::clearState() {
  for (Buffer& b : inputs_) b.clear();
}

void ConvNet::process(const float* in, float* out, int n) noexcept {
  inputs_[0].beginBlock(n);
  std::memcpy(inputs_[0].view().p, in, sizeof(float) * n);
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    Buffer& dst = i + 1 < blocks_.size() ? inputs_[i + 1] : last_;
    dst.beginBlock(n);
    blocks_[i].apply(inputs_[i].view(), dst.view(), n, false);
    activation_.apply(dst.view(), channels_, n);
    inputs_[i].endBlock(n);
  }
  head_.apply(last_.view(), out_.view(), n, false);
  std::memcpy(out, out_.view().p, sizeof(float) * n);
}

Linear::Linear(int receptiveField, bool bias)
    : receptiveField_(receptiveField), conv_(1, 1, receptiveField, 1, 1, bias) {}

void Linear::allocate(int maxBlock) {
  input_.allocate(1, receptiveField_ - 1, maxBlock);
  out_.allocate(1, 0, maxBlock);
  conv_.bind(input_.stride());
}

void Linear::process(const float* in, float* out, int n) noexcept {
  input_.beginBlock(n);
  std::memcpy(input_.view().p, in, sizeof(float) * n);
  conv_.apply(input_.view(), out_.view(), n, false);
  input_.endBlock(n);
  std::memcpy(out, out_.view().p, sizeof(float) * n);
}

}  // namespace tonematch::engine
