// Every activation the .nam exporter can write, applied in place to rows of a block.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "buffer.h"

namespace tonematch::engine {

/// One activation function with its parameters (slopes, limits, per-channel PReLU slopes).
class Activation {
 public:
  enum class Kind {
    Identity, Tanh, Hardtanh, ReLU, LeakyReLU, PReLU, Sigmoid, SiLU, Hardswish, Hardsigmoid,
    LeakyHardtanh, Softsign, Softsigmoid, GELU, ELU, Softplus,
  };
  Activation() = default;

  /// From a legacy name ("Tanh", "Fasttanh", "ReLU", …); throws FormatError if unknown.
  static Activation fromName(const std::string& name);
  /// From an exporter object {"type": "LeakyReLU", "negative_slope": 0.01, …}.
  static Activation fromJson(const nlohmann::json& j);

  /// Applies to rows [0, rows) of v over n samples; PReLU slopes are indexed by row + rowOffset.
  void apply(const View& v, int rows, int n, int rowOffset = 0) const noexcept;
  /// Per-channel PReLU needs this many channels (0 when it does not care).
  int requiredChannels() const { return static_cast<int>(slopes_.size() > 1 ? slopes_.size() : 0); }
  Kind kind() const { return kind_; }

 private:
  Kind kind_ = Kind::Identity;
  float a_ = 0.0f, b_ = 0.0f, c_ = 0.0f, d_ = 0.0f;
  std::vector<float> slopes_;
};

/// tanh with |error| < 5e-7, vectorisable; exposed for the LSTM and tests.
void tanhInPlace(float* x, int n) noexcept;
/// logistic sigmoid via tanh, same accuracy.
void sigmoidInPlace(float* x, int n) noexcept;

}  // namespace tonematch::engine
