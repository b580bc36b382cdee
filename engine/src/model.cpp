#include "tonematch/engine/model.h"

#include <algorithm>
#include <stdexcept>

namespace tonematch::engine {

void Model::prepare(double sampleRate, int maxBlock) {
  if (maxBlock < 1) throw std::invalid_argument("maxBlock must be at least 1");
  sampleRate_ = sampleRate;
  maxBlock_ = maxBlock;
  allocate(maxBlock);
  prewarmBuffer_.assign(static_cast<std::size_t>(maxBlock), 0.0f);
  reset();
}

void Model::reset() {
  if (!isPrepared()) return;
  clearState();
  prewarm();
}

void Model::prewarm() {
  // Running silence through the network fills every stored history with the values the network
  // produces for silence, so the first real samples see no start-up transient.
  int remaining = prewarmSamples();
  while (remaining > 0) {
    const int n = std::min(remaining, maxBlock_);
    std::fill(prewarmBuffer_.begin(), prewarmBuffer_.begin() + n, 0.0f);
    process(prewarmBuffer_.data(), prewarmBuffer_.data(), n);
    remaining -= n;
  }
}

}  // namespace tonematch::engine
