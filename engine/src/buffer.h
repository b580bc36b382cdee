// Channel-major sample buffers with optional history, used by every network stage.
#pragma once

#include <algorithm>
#include <cstring>
#include <vector>

namespace tonematch::engine {

/// A window onto a buffer: row r, time t of the current block is p[r * stride + t].
struct View {
  float* p = nullptr;
  int stride = 0;
  float* row(int r) const { return p + static_cast<long>(r) * stride; }
};

/// rows × (history + capacity) floats. Each block is written at the current position, right
/// after the `history` samples that dilated convolutions read; when the end is reached the
/// history is moved back to the front (amortised: one move per `capacity` samples).
class Buffer {
 public:
  void allocate(int rows, int history, int maxBlock) {
    rows_ = rows;
    history_ = history;
    capacity_ = history > 0 ? std::max(2 * maxBlock, 2048) : maxBlock;
    stride_ = history_ + capacity_;
    data_.assign(static_cast<std::size_t>(rows_) * stride_, 0.0f);
    pos_ = history_;
  }
  void clear() {
    std::fill(data_.begin(), data_.end(), 0.0f);
    pos_ = history_;
  }
  /// Makes room for a block of n samples (n ≤ maxBlock); never allocates.
  void beginBlock(int n) {
    if (pos_ + n <= stride_) return;
    for (int r = 0; r < rows_; ++r) {
      float* row = data_.data() + static_cast<long>(r) * stride_;
      std::memmove(row, row + pos_ - history_, sizeof(float) * history_);
    }
    pos_ = history_;
  }
  void endBlock(int n) { pos_ += n; }
  View view() { return {data_.data() + pos_, stride_}; }
  int rows() const { return rows_; }
  int stride() const { return stride_; }
  std::size_t floats() const { return data_.size(); }

 private:
  std::vector<float> data_;
  int rows_ = 0, history_ = 0, capacity_ = 0, stride_ = 0, pos_ = 0;
};

}  // namespace tonematch::engine
