#include "reverb.h"

#include <algorithm>
#include <cmath>

namespace tonematch::engine::chain {

namespace {
// Freeverb's tunings in samples at 44.1 kHz.
constexpr int kCombTuning[8] = {1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617};
constexpr int kAllpassTuning[4] = {556, 441, 341, 225};
constexpr int kStereoSpread = 23;
constexpr double kTuningRate = 44100.0;
constexpr float kInputGain = 0.015f;
constexpr float kAllpassFeedback = 0.5f;
constexpr float kDamping = 0.2f;  // Freeverb's default damp 0.5 × its scale 0.4, at 44.1 kHz
constexpr float kRoomScale = 0.28f, kRoomOffset = 0.7f;
constexpr float kWetGain = 3.0f;  // Freeverb's wet scale (see the header for the level)
}  // namespace

void Reverb::prepare(double sampleRate) {
  const double scale = sampleRate / kTuningRate;
  for (int c = 0; c < 2; ++c) {
    const int spread = c == 0 ? 0 : kStereoSpread;
    for (int i = 0; i < 8; ++i) {
      const auto len = static_cast<std::size_t>(std::lround((kCombTuning[i] + spread) * scale));
      channels_[c].combs[i].buf.assign(std::max<std::size_t>(len, 1), 0.0f);
    }
    for (int i = 0; i < 4; ++i) {
      const auto len = static_cast<std::size_t>(std::lround((kAllpassTuning[i] + spread) * scale));
      channels_[c].allpasses[i].buf.assign(std::max<std::size_t>(len, 1), 0.0f);
    }
  }
  // The one-pole lowpass y = (1 − d)·x + d·y keeps its cutoff when d becomes d^(44100/rate).
  damp_ = static_cast<float>(std::pow(static_cast<double>(kDamping), kTuningRate / sampleRate));
  reset();
}

void Reverb::reset() noexcept {
  auto clear = [](Line& line) {
    std::fill(line.buf.begin(), line.buf.end(), 0.0f);
    line.pos = 0;
    line.store = 0.0f;
  };
  for (auto& ch : channels_) {
    for (auto& c : ch.combs) clear(c);
    for (auto& a : ch.allpasses) clear(a);
  }
}

float Reverb::Channel::run(float input, float feedback, float damp) noexcept {
  float sum = 0.0f;
  for (auto& c : combs) {
    const float out = c.buf[c.pos];
    c.store = out * (1.0f - damp) + c.store * damp;
    c.buf[c.pos] = input + c.store * feedback;
    if (++c.pos == c.buf.size()) c.pos = 0;
    sum += out;
  }
  for (auto& a : allpasses) {
    const float delayed = a.buf[a.pos];
    a.buf[a.pos] = sum + delayed * kAllpassFeedback;
    if (++a.pos == a.buf.size()) a.pos = 0;
    sum = delayed - sum;
  }
  return sum;
}

void Reverb::process(const float* in, float* left, float* right, int n) noexcept {
  for (int i = 0; i < n; ++i) {
    const float dry = in[i];
    const float feedback = room_.next() * kRoomScale + kRoomOffset;
    const float input = dry * kInputGain;
    const float l = channels_[0].run(input, feedback, damp_) * kWetGain;
    const float r = channels_[1].run(input, feedback, damp_) * kWetGain;
    const float w = wet_.next();
    left[i] = (1.0f - w) * dry + w * l;
    right[i] = (1.0f - w) * dry + w * r;
  }
}

}  // namespace tonematch::engine::chain
