#include "conv1d.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "simd.h"

namespace tonematch::engine {
namespace {

constexpr int kRowsPerBlock = 4;
// Samples per inner step: enough independent accumulators to hide multiply-add latency.
constexpr int kStep = 16;

using Rows4Fn = void (*)(const float*, const long*, int, const float*, float* const*, const float*,
                         int, bool);
using Row1Fn = void (*)(const float*, const long*, int, const float*, float*, float, int, bool);

// Four output rows at once: each input vector is loaded once and used four times, which keeps
// the loop bound by multiply-adds rather than by loads.
template <class V>
TM_INLINE void rows4(const float* w, const long* offsets, int taps, const float* in,
                     float* const* o, const float* bias, int n, bool accumulate) {
  int t = 0;
#if TM_HAVE_VECTORS
  constexpr int L = sizeof(V) / sizeof(float);
  constexpr int U = kStep / L;
  for (; t + kStep <= n; t += kStep) {
    V a[4][U];
    for (int r = 0; r < 4; ++r)
      for (int u = 0; u < U; ++u)
        a[r][u] = (accumulate ? simd::load<V>(o[r] + t + u * L) : V{}) + bias[r];
    for (int j = 0; j < taps; ++j) {
      const float* src = in + offsets[j] + t;
      const float* wj = w + 4 * j;
      for (int u = 0; u < U; ++u) {
        const V x = simd::load<V>(src + u * L);
        for (int r = 0; r < 4; ++r) a[r][u] += wj[r] * x;
      }
    }
    for (int r = 0; r < 4; ++r)
      for (int u = 0; u < U; ++u) simd::store<V>(o[r] + t + u * L, a[r][u]);
  }
#endif
  for (; t < n; ++t) {
    float a[4];
    for (int r = 0; r < 4; ++r) a[r] = bias[r] + (accumulate ? o[r][t] : 0.0f);
    for (int j = 0; j < taps; ++j) {
      const float x = in[offsets[j] + t];
      for (int r = 0; r < 4; ++r) a[r] += w[4 * j + r] * x;
    }
    for (int r = 0; r < 4; ++r) o[r][t] = a[r];
  }
}

template <class V>
TM_INLINE void row1(const float* w, const long* offsets, int taps, const float* in, float* o,
                    float bias, int n, bool accumulate) {
  int t = 0;
#if TM_HAVE_VECTORS
  constexpr int L = sizeof(V) / sizeof(float);
  constexpr int U = kStep / L;
  for (; t + kStep <= n; t += kStep) {
    V a[U];
    for (int u = 0; u < U; ++u) a[u] = (accumulate ? simd::load<V>(o + t + u * L) : V{}) + bias;
    for (int j = 0; j < taps; ++j)
      for (int u = 0; u < U; ++u) a[u] += w[j] * simd::load<V>(in + offsets[j] + t + u * L);
    for (int u = 0; u < U; ++u) simd::store<V>(o + t + u * L, a[u]);
  }
#endif
  for (; t < n; ++t) {
    float a = bias + (accumulate ? o[t] : 0.0f);
    for (int j = 0; j < taps; ++j) a += w[j] * in[offsets[j] + t];
    o[t] = a;
  }
}

#if TM_HAVE_VECTORS
using Base = simd::f4;
#else
using Base = float;
#endif

void rows4Base(const float* w, const long* off, int taps, const float* in, float* const* o,
               const float* b, int n, bool acc) {
  rows4<Base>(w, off, taps, in, o, b, n, acc);
}
void row1Base(const float* w, const long* off, int taps, const float* in, float* o, float b, int n,
              bool acc) {
  row1<Base>(w, off, taps, in, o, b, n, acc);
}

#if TM_X86_DISPATCH
__attribute__((target("avx2,fma"))) void rows4Avx2(const float* w, const long* off, int taps,
                                                   const float* in, float* const* o,
                                                   const float* b, int n, bool acc) {
  rows4<simd::f8>(w, off, taps, in, o, b, n, acc);
}
__attribute__((target("avx2,fma"))) void row1Avx2(const float* w, const long* off, int taps,
                                                  const float* in, float* o, float b, int n,
                                                  bool acc) {
  row1<simd::f8>(w, off, taps, in, o, b, n, acc);
}
__attribute__((target("avx512f,avx2,fma"))) void rows4Avx512(const float* w, const long* off,
                                                             int taps, const float* in,
                                                             float* const* o, const float* b,
                                                             int n, bool acc) {
  rows4<simd::f16>(w, off, taps, in, o, b, n, acc);
}
__attribute__((target("avx512f,avx2,fma"))) void row1Avx512(const float* w, const long* off,
                                                            int taps, const float* in, float* o,
                                                            float b, int n, bool acc) {
  row1<simd::f16>(w, off, taps, in, o, b, n, acc);
}
#endif

struct Kernels {
  Rows4Fn rows4 = rows4Base;
  Row1Fn row1 = row1Base;
  Kernels() {
#if TM_X86_DISPATCH
    // TONEMATCH_ENGINE_ISA=avx2|baseline caps the choice, so benchmarks can compare paths.
    const char* cap = std::getenv("TONEMATCH_ENGINE_ISA");
    const std::string limit = cap ? cap : "";
    __builtin_cpu_init();
    if (limit == "baseline") return;
    if (limit != "avx2" && __builtin_cpu_supports("avx512f")) {
      rows4 = rows4Avx512;
      row1 = row1Avx512;
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
      rows4 = rows4Avx2;
      row1 = row1Avx2;
    }
#endif
  }
};

// Chosen once, before any model can be prepared.
const Kernels kKernels;

}  // namespace

Conv1D::Conv1D(int inChannels, int outChannels, int kernel, int dilation, int groups, bool bias)
    : in_(inChannels), out_(outChannels), kernel_(kernel), dilation_(dilation), groups_(groups),
      hasBias_(bias) {
  if (in_ <= 0 || out_ <= 0 || kernel_ <= 0 || dilation_ <= 0 || groups_ <= 0)
    badConfig("convolution sizes must be positive");
  if (in_ % groups_ != 0 || out_ % groups_ != 0)
    badConfig("convolution channels (" + std::to_string(in_) + " in, " + std::to_string(out_) +
              " out) are not divisible by groups (" + std::to_string(groups_) + ")");
}

std::size_t Conv1D::weightCount() const {
  return static_cast<std::size_t>(out_) * tapsPerGroup() + (hasBias_ ? out_ : 0);
}

void Conv1D::readWeights(WeightReader& reader) {
  // Storage is sized here, not in the constructor, so that a file describing an absurdly large
  // network is refused by its weight count before anything big is allocated.
  raw_.assign(static_cast<std::size_t>(out_) * tapsPerGroup(), 0.0f);
  bias_.assign(out_, 0.0f);
  reader.read(raw_.data(), raw_.size());
  if (hasBias_) reader.read(bias_.data(), bias_.size());
  repack();
}

void Conv1D::foldAffine(const std::vector<float>& scale, const std::vector<float>& shift) {
  const int taps = tapsPerGroup();
  for (int o = 0; o < out_; ++o) {
    for (int j = 0; j < taps; ++j) raw_[static_cast<std::size_t>(o) * taps + j] *= scale[o];
    bias_[o] = hasBias_ ? bias_[o] * scale[o] + shift[o] : shift[o];
  }
  hasBias_ = true;
  repack();
}

void Conv1D::repack() {
  const int taps = tapsPerGroup();
  const int outPerGroup = out_ / groups_;
  packed_.clear();
  blocks_.clear();
  for (int g = 0; g < groups_; ++g) {
    int row = g * outPerGroup;
    const int end = row + outPerGroup;
    while (row < end) {
      const int rows = (end - row >= kRowsPerBlock) ? kRowsPerBlock : 1;
      blocks_.push_back({row, rows, g, packed_.size()});
      for (int j = 0; j < taps; ++j)
        for (int r = 0; r < rows; ++r)
          packed_.push_back(raw_[static_cast<std::size_t>(row + r) * taps + j]);
      row += rows;
    }
  }
}

void Conv1D::bind(int inputStride) {
  const int inPerGroup = in_ / groups_;
  offsets_.clear();
  for (int g = 0; g < groups_; ++g)
    for (int i = 0; i < inPerGroup; ++i)
      for (int k = 0; k < kernel_; ++k) {
        const long channel = g * inPerGroup + i;
        offsets_.push_back(channel * inputStride - static_cast<long>(kernel_ - 1 - k) * dilation_);
      }
  boundStride_ = inputStride;
}

void Conv1D::apply(const View& in, const View& out, int n, bool accumulate) const noexcept {
  const int taps = tapsPerGroup();
  for (const RowBlock& b : blocks_) {
    const float* w = packed_.data() + b.weightOffset;
    const long* offs = offsets_.data() + static_cast<std::size_t>(b.group) * taps;
    if (b.rows == kRowsPerBlock) {
      float* const rows[4] = {out.row(b.firstRow), out.row(b.firstRow + 1), out.row(b.firstRow + 2),
                              out.row(b.firstRow + 3)};
      kKernels.rows4(w, offs, taps, in.p, rows, bias_.data() + b.firstRow, n, accumulate);
    } else {
      kKernels.row1(w, offs, taps, in.p, out.row(b.firstRow), bias_[b.firstRow], n, accumulate);
    }
  }
}

}  // namespace tonematch::engine
