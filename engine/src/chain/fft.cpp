#include "fft.h"

#include <cmath>
#include <stdexcept>
#include <utility>

namespace tonematch::engine::chain {

RealFft::RealFft(int size) : n_(size), m_(size / 2) {
  if (size < 4 || (size & (size - 1)) != 0)
    throw std::invalid_argument("FFT size must be a power of two >= 4");
  bitReverse_.resize(m_);
  int bits = 0;
  while ((1 << bits) < m_) ++bits;
  for (int i = 0; i < m_; ++i) {
    int r = 0;
    for (int b = 0; b < bits; ++b) r |= ((i >> b) & 1) << (bits - 1 - b);
    bitReverse_[i] = r;
  }
  // Twiddles are computed in double so that every table entry is correctly rounded.
  const double pi = 3.14159265358979323846;
  cosM_.resize(m_ / 2 + 1);
  sinM_.resize(m_ / 2 + 1);
  for (int k = 0; k <= m_ / 2; ++k) {
    cosM_[k] = static_cast<float>(std::cos(2.0 * pi * k / m_));
    sinM_[k] = static_cast<float>(std::sin(2.0 * pi * k / m_));
  }
  cosN_.resize(m_ + 1);
  sinN_.resize(m_ + 1);
  for (int k = 0; k <= m_; ++k) {
    cosN_[k] = static_cast<float>(std::cos(2.0 * pi * k / n_));
    sinN_[k] = static_cast<float>(std::sin(2.0 * pi * k / n_));
  }
  zr_.resize(m_);
  zi_.resize(m_);
}

void RealFft::complexTransform(bool inverse) noexcept {
  float* re = zr_.data();
  float* im = zi_.data();
  for (int i = 0; i < m_; ++i) {
    const int j = bitReverse_[i];
    if (j > i) {
      std::swap(re[i], re[j]);
      std::swap(im[i], im[j]);
    }
  }
  const float sign = inverse ? 1.0f : -1.0f;
  for (int len = 2; len <= m_; len <<= 1) {
    const int half = len >> 1;
    const int stride = m_ / len;  // twiddle k·stride is exp(∓2πi k / len)
    for (int start = 0; start < m_; start += len) {
      for (int k = 0; k < half; ++k) {
        const float wr = cosM_[k * stride];
        const float wi = sign * sinM_[k * stride];
        const int a = start + k, b = a + half;
        const float tr = re[b] * wr - im[b] * wi;
        const float ti = re[b] * wi + im[b] * wr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
}

void RealFft::forward(const float* in, float* re, float* im) noexcept {
  // Even samples in the real part, odd samples in the imaginary part of a half-size FFT.
  for (int k = 0; k < m_; ++k) {
    zr_[k] = in[2 * k];
    zi_[k] = in[2 * k + 1];
  }
  complexTransform(false);
  // E = (Z[k] + conj Z[M−k]) / 2, O = (Z[k] − conj Z[M−k]) / 2i, X[k] = E + W^k O.
  for (int k = 0; k <= m_; ++k) {
    const int a = k == m_ ? 0 : k;
    const int b = k == 0 ? 0 : m_ - k;
    const float er = 0.5f * (zr_[a] + zr_[b]);
    const float ei = 0.5f * (zi_[a] - zi_[b]);
    const float orr = 0.5f * (zi_[a] + zi_[b]);
    const float oi = -0.5f * (zr_[a] - zr_[b]);
    const float wr = cosN_[k], wi = -sinN_[k];
    re[k] = er + (orr * wr - oi * wi);
    im[k] = ei + (orr * wi + oi * wr);
  }
}

void RealFft::inverse(const float* re, const float* im, float* out) noexcept {
  // E = (X[k] + conj X[M−k]) / 2, O = (X[k] − conj X[M−k]) W^−k / 2, Z = E + iO.
  for (int k = 0; k < m_; ++k) {
    const int b = m_ - k;
    const float er = 0.5f * (re[k] + re[b]);
    const float ei = 0.5f * (im[k] - im[b]);
    const float dr = 0.5f * (re[k] - re[b]);
    const float di = 0.5f * (im[k] + im[b]);
    const float wr = cosN_[k], wi = sinN_[k];
    const float orr = dr * wr - di * wi;
    const float oi = dr * wi + di * wr;
    zr_[k] = er - oi;
    zi_[k] = ei + orr;
  }
  complexTransform(true);
  const float scale = 1.0f / static_cast<float>(m_);
  for (int k = 0; k < m_; ++k) {
    out[2 * k] = zr_[k] * scale;
    out[2 * k + 1] = zi_[k] * scale;
  }
}

}  // namespace tonematch::engine::chain
