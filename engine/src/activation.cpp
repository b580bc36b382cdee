#include "activation.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "format_error.h"
#include "simd.h"

namespace tonematch::engine {
namespace {

// tanh(x) ≈ x·P(x²)/Q(x²) on |x| ≤ 9 (beyond it tanh is 1 in float). Coefficients fitted for
// this engine by iteratively reweighted least squares; max error 4.7e-7 against double tanh.
constexpr float kP[] = {1.0f, -0.15887317061424255f, 0.031420741230249405f,
                        0.007953789085149765f, 0.0002261082991026342f, 1.342844257123943e-06f,
                        8.52081127877824e-10f};
constexpr float kQ[] = {1.0f, 0.1744600534439087f, -0.04375894367694855f,
                        0.024074066430330276f, 0.0016313440864905715f, 2.143995152437128e-05f,
                        5.0255152928002644e-08f};

template <class T>
TM_INLINE T tanhApprox(T x) {
  const T lo = T{} - 9.0f, hi = T{} + 9.0f;
  x = x < lo ? lo : x;
  x = x > hi ? hi : x;
  const T u = x * x;
  const T p = (((((kP[6] * u + kP[5]) * u + kP[4]) * u + kP[3]) * u + kP[2]) * u + kP[1]) * u + kP[0];
  const T q = (((((kQ[6] * u + kQ[5]) * u + kQ[4]) * u + kQ[3]) * u + kQ[2]) * u + kQ[1]) * u + kQ[0];
  T y = x * p / q;
  const T one = T{} + 1.0f, minusOne = T{} - 1.0f;
  y = y > one ? one : y;
  return y < minusOne ? minusOne : y;
}

enum class Curve { Tanh, Sigmoid, SiLU };

// One template for the three tanh-based curves, instantiated per register width.
template <class V, Curve C>
TM_INLINE V curveOf(V v) {
  if constexpr (C == Curve::Tanh) return tanhApprox<V>(v);
  else if constexpr (C == Curve::Sigmoid) return 0.5f + 0.5f * tanhApprox<V>(0.5f * v);
  else return v * (0.5f + 0.5f * tanhApprox<V>(0.5f * v));
}

template <class V, Curve C>
TM_INLINE void curve(float* x, int n) {
#if TM_HAVE_VECTORS
  constexpr int L = sizeof(V) / sizeof(float);
  int i = 0;
  for (; i + L <= n; i += L) simd::store<V>(x + i, curveOf<V, C>(simd::load<V>(x + i)));
  if (i < n) simd::storePartial<V>(x + i, curveOf<V, C>(simd::loadPartial<V>(x + i, n - i)), n - i);
#else
  for (int i = 0; i < n; ++i) x[i] = curveOf<float, C>(x[i]);
#endif
}

using CurveFn = void (*)(float*, int);

#if TM_HAVE_VECTORS
#define TM_CURVES(SUFFIX, ATTR, V)                                                        \
  ATTR void tanh##SUFFIX(float* x, int n) { curve<V, Curve::Tanh>(x, n); }               \
  ATTR void sigmoid##SUFFIX(float* x, int n) { curve<V, Curve::Sigmoid>(x, n); }         \
  ATTR void silu##SUFFIX(float* x, int n) { curve<V, Curve::SiLU>(x, n); }
TM_CURVES(Base, , simd::f4)
#else
#define TM_CURVES(SUFFIX, ATTR, V)                                                        \
  ATTR void tanh##SUFFIX(float* x, int n) { curve<float, Curve::Tanh>(x, n); }           \
  ATTR void sigmoid##SUFFIX(float* x, int n) { curve<float, Curve::Sigmoid>(x, n); }     \
  ATTR void silu##SUFFIX(float* x, int n) { curve<float, Curve::SiLU>(x, n); }
TM_CURVES(Base, , float)
#endif
#if TM_X86_DISPATCH
TM_CURVES(Avx2, __attribute__((target("avx2,fma"))), simd::f8)
TM_CURVES(Avx512, __attribute__((target("avx512f,avx2,fma"))), simd::f16)
#endif

struct Curves {
  CurveFn tanh = tanhBase, sigmoid = sigmoidBase, silu = siluBase;
  Curves() {
#if TM_X86_DISPATCH
    const int isa = simd::bestIsa();
    if (isa >= 2) {
      tanh = tanhAvx512;
      sigmoid = sigmoidAvx512;
      silu = siluAvx512;
    } else if (isa == 1) {
      tanh = tanhAvx2;
      sigmoid = sigmoidAvx2;
      silu = siluAvx2;
    }
#endif
  }
};

const Curves kCurves;

void tanhLoop(float* x, int n) { kCurves.tanh(x, n); }
void sigmoidLoop(float* x, int n) { kCurves.sigmoid(x, n); }
void siluLoop(float* x, int n) { kCurves.silu(x, n); }

float number(const nlohmann::json& j, const char* key, float fallback) {
  if (!j.contains(key)) return fallback;
  const auto& v = j.at(key);
  if (!v.is_number()) badConfig(std::string("activation field '") + key + "' must be a number");
  const double d = v.get<double>();
  if (!std::isfinite(d) || std::fabs(d) > 3.0e38) badConfig(std::string("activation field '") + key + "' is not finite");
  return static_cast<float>(d);
}

}  // namespace

void tanhInPlace(float* x, int n) noexcept { tanhLoop(x, n); }
void sigmoidInPlace(float* x, int n) noexcept { sigmoidLoop(x, n); }

Activation Activation::fromName(const std::string& rawName) {
  // Older exporters wrote Python class names with a leading underscore.
  std::string name = rawName;
  while (!name.empty() && name.front() == '_') name.erase(name.begin());
  Activation a;
  using K = Kind;
  if (name == "Tanh" || name == "Fasttanh" || name == "FastTanh") a.kind_ = K::Tanh;
  else if (name == "Hardtanh") { a.kind_ = K::Hardtanh; a.a_ = -1.0f; a.b_ = 1.0f; }
  else if (name == "ReLU") a.kind_ = K::ReLU;
  else if (name == "LeakyReLU") { a.kind_ = K::LeakyReLU; a.a_ = 0.01f; }
  else if (name == "PReLU") { a.kind_ = K::PReLU; a.slopes_ = {0.25f}; }
  else if (name == "Sigmoid") a.kind_ = K::Sigmoid;
  else if (name == "SiLU" || name == "Swish") a.kind_ = K::SiLU;
  else if (name == "Hardswish") a.kind_ = K::Hardswish;
  else if (name == "Hardsigmoid") a.kind_ = K::Hardsigmoid;
  else if (name == "LeakyHardtanh") { a.kind_ = K::LeakyHardtanh; a.a_ = -1; a.b_ = 1; a.c_ = 0.01f; a.d_ = 0.01f; }
  else if (name == "Softsign") a.kind_ = K::Softsign;
  else if (name == "Softsigmoid") a.kind_ = K::Softsigmoid;
  else if (name == "GELU") a.kind_ = K::GELU;
  else if (name == "ELU") { a.kind_ = K::ELU; a.a_ = 1.0f; }
  else if (name == "Softplus") { a.kind_ = K::Softplus; a.a_ = 1.0f; a.b_ = 20.0f; }
  else if (name == "Identity") a.kind_ = K::Identity;
  else badConfig("unknown activation '" + rawName + "'");
  return a;
}

Activation Activation::fromJson(const nlohmann::json& j) {
  if (j.is_string()) return fromName(j.get<std::string>());
  // The exporter writes {"type": ...} for layers and {"name": ...} for the output head.
  const char* key = j.is_object() && j.contains("type") ? "type" : "name";
  if (!j.is_object() || !j.contains(key) || !j.at(key).is_string())
    badConfig("an activation must be a name or an object with a 'type'");
  Activation a = fromName(j.at(key).get<std::string>());
  switch (a.kind_) {
    case Kind::Hardtanh:
      a.a_ = number(j, "min_val", -1.0f);
      a.b_ = number(j, "max_val", 1.0f);
      break;
    case Kind::LeakyReLU: a.a_ = number(j, "negative_slope", 0.01f); break;
    case Kind::LeakyHardtanh:
      a.a_ = number(j, "min_val", -1.0f);
      a.b_ = number(j, "max_val", 1.0f);
      a.c_ = number(j, "min_slope", 0.01f);
      a.d_ = number(j, "max_slope", 0.01f);
      break;
    case Kind::ELU: a.a_ = number(j, "alpha", 1.0f); break;
    case Kind::Softplus:
      a.a_ = number(j, "beta", 1.0f);
      a.b_ = number(j, "threshold", 20.0f);
      break;
    case Kind::PReLU:
      if (j.contains("negative_slopes")) {
        const auto& s = j.at("negative_slopes");
        if (!s.is_array() || s.empty() || s.size() > 4096) badConfig("PReLU negative_slopes must be a non-empty list");
        a.slopes_.clear();
        for (const auto& v : s) {
          if (!v.is_number()) badConfig("PReLU negative_slopes must be numbers");
          const double d = v.get<double>();
          if (!std::isfinite(d) || std::fabs(d) > 3.0e38) badConfig("PReLU slope is not finite");
          a.slopes_.push_back(static_cast<float>(d));
        }
      } else {
        a.slopes_ = {number(j, "negative_slope", 0.25f)};
      }
      break;
    default: break;
  }
  if (a.kind_ == Kind::Hardtanh && a.a_ > a.b_) badConfig("Hardtanh min_val is above max_val");
  if (a.kind_ == Kind::LeakyHardtanh && a.a_ > a.b_) badConfig("LeakyHardtanh min_val is above max_val");
  return a;
}

void Activation::apply(const View& v, int rows, int n, int rowOffset) const noexcept {
  for (int r = 0; r < rows; ++r) {
    float* x = v.row(r);
    switch (kind_) {
      case Kind::Identity: break;
      case Kind::Tanh: tanhLoop(x, n); break;
      case Kind::Sigmoid: sigmoidLoop(x, n); break;
      case Kind::SiLU: siluLoop(x, n); break;
      case Kind::Hardtanh:
        for (int i = 0; i < n; ++i) x[i] = x[i] < a_ ? a_ : (x[i] > b_ ? b_ : x[i]);
        break;
      case Kind::ReLU:
        for (int i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
        break;
      case Kind::LeakyReLU:
        for (int i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : a_ * x[i];
        break;
      case Kind::PReLU: {
        const std::size_t idx = slopes_.size() > 1 ? static_cast<std::size_t>(r + rowOffset) : 0;
        const float s = idx < slopes_.size() ? slopes_[idx] : slopes_.back();
        for (int i = 0; i < n; ++i) x[i] = x[i] >= 0.0f ? x[i] : s * x[i];
        break;
      }
      case Kind::Hardswish:
        for (int i = 0; i < n; ++i) {
          const float r6 = std::fmin(std::fmax(x[i] + 3.0f, 0.0f), 6.0f);
          x[i] = x[i] * r6 / 6.0f;
        }
        break;
      case Kind::Hardsigmoid:
        for (int i = 0; i < n; ++i) x[i] = std::fmin(std::fmax(x[i] / 6.0f + 0.5f, 0.0f), 1.0f);
        break;
      case Kind::LeakyHardtanh:
        for (int i = 0; i < n; ++i) {
          const float y = x[i];
          x[i] = y < a_ ? (y - a_) * c_ + a_ : (y > b_ ? (y - b_) * d_ + b_ : y);
        }
        break;
      case Kind::Softsign:
        for (int i = 0; i < n; ++i) x[i] = x[i] / (1.0f + std::fabs(x[i]));
        break;
      case Kind::Softsigmoid:
        for (int i = 0; i < n; ++i) x[i] = 0.5f * (1.0f + x[i] / (1.0f + std::fabs(x[i])));
        break;
      case Kind::GELU:
        for (int i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * 0.70710678118654752f));
        break;
      case Kind::ELU:
        for (int i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : a_ * std::expm1(x[i]);
        break;
      case Kind::Softplus:
        for (int i = 0; i < n; ++i) {
          const float bx = a_ * x[i];
          x[i] = bx > b_ ? x[i] : std::log1p(std::exp(bx)) / a_;
        }
        break;
    }
  }
}

}  // namespace tonematch::engine
