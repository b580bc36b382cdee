// Sequential reader over a model's flat weight list, in the exporter's order.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "format_error.h"

namespace tonematch::engine {

/// Hands out weights in order; the loader checks beforehand that the count is exact.
class WeightReader {
 public:
  explicit WeightReader(const std::vector<float>& w) : w_(w) {}

  float next() {
    if (i_ >= w_.size()) throw FormatError(LoadErrorKind::BadWeights, "too few weights");
    return w_[i_++];
  }
  void read(float* dst, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) dst[k] = next();
  }
  std::size_t consumed() const { return i_; }
  std::size_t remaining() const { return w_.size() - i_; }

 private:
  const std::vector<float>& w_;
  std::size_t i_ = 0;
};

}  // namespace tonematch::engine
