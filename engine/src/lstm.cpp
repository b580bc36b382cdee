#include "lstm.h"

#include <algorithm>

#include "activation.h"
#include "format_error.h"
#include "simd.h"

namespace tonematch::engine {
namespace {

// gates += Wᵀ-row · v for every input (axpy form: contiguous, vectorises over the gates).
TM_DISPATCH void accumulateGates(const float* weightsT, const float* v, int inputs, int gates,
                                 float* out) {
  for (int j = 0; j < inputs; ++j) {
    const float x = v[j];
    const float* w = weightsT + static_cast<std::size_t>(j) * gates;
    for (int g = 0; g < gates; ++g) out[g] += w[g] * x;
  }
}

}  // namespace

Lstm::Lstm(int layers, int hidden) : layers_(layers), hidden_(hidden) {
  if (layers < 1 || hidden < 1) badConfig("LSTM needs at least one layer and one hidden unit");
}

std::size_t Lstm::countWeights(int layers, int hidden) {
  std::size_t n = 0;
  for (int l = 0; l < layers; ++l) {
    const std::size_t inputs = (l == 0 ? 1 : hidden) + hidden;
    n += 4 * static_cast<std::size_t>(hidden) * inputs + 4 * static_cast<std::size_t>(hidden) + 2 * hidden;
  }
  return n + hidden + 1;
}

void Lstm::readWeights(WeightReader& reader) {
  const int gates = 4 * hidden_;
  cells_.assign(layers_, Cell{});
  for (int l = 0; l < layers_; ++l) {
    Cell& cell = cells_[l];
    cell.inputs = (l == 0 ? 1 : hidden_) + hidden_;
    // The file stores the (gates × inputs) matrix row by row; we keep it transposed.
    cell.weightsT.assign(static_cast<std::size_t>(cell.inputs) * gates, 0.0f);
    for (int g = 0; g < gates; ++g)
      for (int j = 0; j < cell.inputs; ++j)
        cell.weightsT[static_cast<std::size_t>(j) * gates + g] = reader.next();
    cell.bias.resize(gates);
    reader.read(cell.bias.data(), gates);
    cell.h0.resize(hidden_);
    cell.c0.resize(hidden_);
    reader.read(cell.h0.data(), hidden_);
    reader.read(cell.c0.data(), hidden_);
    cell.h = cell.h0;
    cell.c = cell.c0;
  }
  headWeights_.resize(hidden_);
  reader.read(headWeights_.data(), hidden_);
  headBias_ = reader.next();
}

void Lstm::allocate(int) {
  gates_.assign(4 * static_cast<std::size_t>(hidden_), 0.0f);
  xh_.assign(2 * static_cast<std::size_t>(hidden_), 0.0f);
}

void Lstm::clearState() {
  for (Cell& cell : cells_) {
    cell.h = cell.h0;
    cell.c = cell.c0;
  }
}

void Lstm::process(const float* in, float* out, int n) noexcept {
  const int H = hidden_;
  float* gates = gates_.data();
  for (int t = 0; t < n; ++t) {
    float x = in[t];
    const float* layerInput = &x;
    for (Cell& cell : cells_) {
      const int inputs = cell.inputs - H;
      // torch's gate order: input, forget, cell candidate, output.
      std::copy(cell.bias.begin(), cell.bias.end(), gates);
      accumulateGates(cell.weightsT.data(), layerInput, inputs, 4 * H, gates);
      accumulateGates(cell.weightsT.data() + static_cast<std::size_t>(inputs) * 4 * H, cell.h.data(), H,
                      4 * H, gates);
      sigmoidInPlace(gates, 2 * H);
      tanhInPlace(gates + 2 * H, H);
      sigmoidInPlace(gates + 3 * H, H);
      for (int k = 0; k < H; ++k) cell.c[k] = gates[H + k] * cell.c[k] + gates[k] * gates[2 * H + k];
      std::copy(cell.c.begin(), cell.c.end(), xh_.begin());
      tanhInPlace(xh_.data(), H);
      for (int k = 0; k < H; ++k) cell.h[k] = gates[3 * H + k] * xh_[k];
      layerInput = cell.h.data();
    }
    float y = headBias_;
    for (int k = 0; k < H; ++k) y += headWeights_[k] * layerInput[k];
    out[t] = y;
  }
}

}  // namespace tonematch::engine
