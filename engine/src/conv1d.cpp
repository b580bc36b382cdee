#include "conv1d.h"

#include <algorithm>

#include "simd.h"

namespace tonematch::engine {
namespace {

constexpr int kRowsPerBlock = 4;

// `init` (one row pointer per output row, or null for zeros) is what the sums start from: the
// output itself to accumulate, or another signal to add the convolution to.
using Rows4Fn = void (*)(const float*, const long*, int, const float*, float* const*,
                         const float* const*, const float*, int);
using Row1Fn = void (*)(const float*, const long*, int, const float*, float*, const float*, float,
                        int);

// Four output rows at once: each input vector is loaded once and used four times, and U
// vectors per row give 4·U independent accumulators to hide the multiply-add latency.
template <class V, int U>
TM_INLINE int rows4Steps(const float* w, const long* offsets, int taps, const float* in,
                         float* const* o, const float* const* init, const float* bias, int t,
                         int n) {
#if TM_HAVE_VECTORS
  constexpr int L = sizeof(V) / sizeof(float);
  for (; t + U * L <= n; t += U * L) {
    V a[4][U];
    for (int r = 0; r < 4; ++r)
      for (int u = 0; u < U; ++u)
        a[r][u] = (init ? simd::load<V>(init[r] + t + u * L) : V{}) + bias[r];
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
  return t;
}

template <class V>
TM_INLINE void rows4(const float* w, const long* offsets, int taps, const float* in,
                     float* const* o, const float* const* init, const float* bias, int n) {
  int t = rows4Steps<V, 2>(w, offsets, taps, in, o, init, bias, 0, n);
  t = rows4Steps<V, 1>(w, offsets, taps, in, o, init, bias, t, n);
  if (t == n) return;
#if TM_HAVE_VECTORS
  const int m = n - t;
  V a[4];
  for (int r = 0; r < 4; ++r) a[r] = (init ? simd::loadPartial<V>(init[r] + t, m) : V{}) + bias[r];
  for (int j = 0; j < taps; ++j) {
    const V x = simd::loadPartial<V>(in + offsets[j] + t, m);
    for (int r = 0; r < 4; ++r) a[r] += w[4 * j + r] * x;
  }
  for (int r = 0; r < 4; ++r) simd::storePartial<V>(o[r] + t, a[r], m);
#else
  for (; t < n; ++t) {
    float a[4];
    for (int r = 0; r < 4; ++r) a[r] = bias[r] + (init ? init[r][t] : 0.0f);
    for (int j = 0; j < taps; ++j) {
      const float x = in[offsets[j] + t];
      for (int r = 0; r < 4; ++r) a[r] += w[4 * j + r] * x;
    }
    for (int r = 0; r < 4; ++r) o[r][t] = a[r];
  }
#endif
}

template <class V, int U>
TM_INLINE int row1Steps(const float* w, const long* offsets, int taps, const float* in, float* o,
                        const float* init, float bias, int t, int n) {
#if TM_HAVE_VECTORS
  constexpr int L = sizeof(V) / sizeof(float);
  for (; t + U * L <= n; t += U * L) {
    V a[U];
    for (int u = 0; u < U; ++u) a[u] = (init ? simd::load<V>(init + t + u * L) : V{}) + bias;
    for (int j = 0; j < taps; ++j)
      for (int u = 0; u < U; ++u) a[u] += w[j] * simd::load<V>(in + offsets[j] + t + u * L);
    for (int u = 0; u < U; ++u) simd::store<V>(o + t + u * L, a[u]);
  }
#endif
  return t;
}

template <class V>
TM_INLINE void row1(const float* w, const long* offsets, int taps, const float* in, float* o,
                    const float* init, float bias, int n) {
  int t = row1Steps<V, 4>(w, offsets, taps, in, o, init, bias, 0, n);
  t = row1Steps<V, 1>(w, offsets, taps, in, o, init, bias, t, n);
  if (t == n) return;
#if TM_HAVE_VECTORS
  const int m = n - t;
  V a = (init ? simd::loadPartial<V>(init + t, m) : V{}) + bias;
  for (int j = 0; j < taps; ++j) a += w[j] * simd::loadPartial<V>(in + offsets[j] + t, m);
  simd::storePartial<V>(o + t, a, m);
#else
  for (; t < n; ++t) {
    float a = bias + (init ? init[t] : 0.0f);
    for (int j = 0; j < taps; ++j) a += w[j] * in[offsets[j] + t];
    o[t] = a;
  }
#endif
}

#if TM_HAVE_VECTORS
using Base = simd::f4;
#else
using Base = float;
#endif

void rows4Base(const float* w, const long* off, int taps, const float* in, float* const* o, const float* const* i0, const float* b, int n) {
  rows4<Base>(w, off, taps, in, o, i0, b, n);
}
void row1Base(const float* w, const long* off, int taps, const float* in, float* o, const float* i0, float b, int n) {
  row1<Base>(w, off, taps, in, o, i0, b, n);
}

#if TM_X86_DISPATCH
__attribute__((target("avx2,fma"))) void rows4Avx2(const float* w, const long* off, int taps,
                                                   const float* in, float* const* o, const float* const* i0, const float* b, int n) {
  rows4<simd::f8>(w, off, taps, in, o, i0, b, n);
}
__attribute__((target("avx2,fma"))) void row1Avx2(const float* w, const long* off, int taps,
                                                  const float* in, float* o, const float* i0, float b, int n) {
  row1<simd::f8>(w, off, taps, in, o, i0, b, n);
}
__attribute__((target("avx512f,avx2,fma"))) void rows4Avx512(const float* w, const long* off,
                                                             int taps, const float* in,
                                                             float* const* o, const float* const* i0, const float* b, int n) {
  rows4<simd::f16>(w, off, taps, in, o, i0, b, n);
}
__attribute__((target("avx512f,avx2,fma"))) void row1Avx512(const float* w, const long* off,
                                                            int taps, const float* in, float* o, const float* i0, float b, int n) {
  row1<simd::f16>(w, off, taps, in, o, i0, b, n);
}
#endif

struct Kernels {
  Rows4Fn rows4 = rows4Base;
  Row1Fn row1 = row1Base;
  Kernels() {
#if TM_X86_DISPATCH
    const int isa = simd::bestIsa();
    if (isa >= 2) {
      rows4 = rows4Avx512;
      row1 = row1Avx512;
    } else if (isa == 1) {
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
  applyOnto(in, out, n, accumulate ? &out : nullptr);
}

void Conv1D::applyOnto(const View& in, const View& out, int n, const View* init) const noexcept {
  const int taps = tapsPerGroup();
  for (const RowBlock& b : blocks_) {
    const float* w = packed_.data() + b.weightOffset;
    const long* offs = offsets_.data() + static_cast<std::size_t>(b.group) * taps;
    if (b.rows == kRowsPerBlock) {
      float* const rows[4] = {out.row(b.firstRow), out.row(b.firstRow + 1), out.row(b.firstRow + 2),
                              out.row(b.firstRow + 3)};
      const float* const initRows[4] = {
          init ? init->row(b.firstRow) : nullptr, init ? init->row(b.firstRow + 1) : nullptr,
          init ? init->row(b.firstRow + 2) : nullptr, init ? init->row(b.firstRow + 3) : nullptr};
      kKernels.rows4(w, offs, taps, in.p, rows, init ? initRows : nullptr, bias_.data() + b.firstRow,
                     n);
    } else {
      kKernels.row1(w, offs, taps, in.p, out.row(b.firstRow), init ? init->row(b.firstRow) : nullptr,
                    bias_[b.firstRow], n);
    }
  }
}

}  // namespace tonematch::engine
