// The reverb: a Freeverb-style stereo network (Jezar's published design), written for this
// engine. Per channel, 8 lowpass-feedback combs in parallel feed 4 Schroeder allpasses in
// series; the right channel's delays are 23 samples (at 44.1 kHz) longer, which decorrelates
// the channels. Room size sets the comb feedback (0.7 … 0.98); damping is fixed. Delay lengths
// and the damping lowpass are scaled to the sample rate so the sound does not change with it.
//
//   out = (1 − wet) · dry + wet · reverb(dry)      (dry = 1 − wet; docs/architecture.md, the chain)
// reverb() keeps Freeverb's input gain 0.015 and wet scale 3; with them, white noise comes out
// of the wet path at the noise's own power within 0.3 dB at room size 0.5 (−1.5 dB at 0,
// +3.6 dB at 1), so the wet knob trades dry for a reverb of about the same loudness.
#pragma once

#include <vector>

#include "smoother.h"

namespace tonematch::engine::chain {

class Reverb {
 public:
  void prepare(double sampleRate);
  void reset() noexcept;
  /// Mono in, stereo out; `in` may alias `left`.
  void process(const float* in, float* left, float* right, int n) noexcept;
  Smoother<float>& wet() { return wet_; }
  Smoother<float>& roomSize() { return room_; }

 private:
  struct Line {
    std::vector<float> buf;
    std::size_t pos = 0;
    float store = 0.0f;  // comb lowpass state
  };
  struct Channel {
    Line combs[8];
    Line allpasses[4];
    float run(float input, float feedback, float damp) noexcept;
  };
  Channel channels_[2];
  float damp_ = 0.2f;
  Smoother<float> wet_, room_;
};

}  // namespace tonematch::engine::chain
