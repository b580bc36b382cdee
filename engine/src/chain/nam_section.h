// The NAM stages (pedal → amp) at the models' 48 kHz, whatever the host rate.
//
// At 48 kHz the models run directly (no latency). At any other rate one resampler pair wraps
// both models: host → 48 kHz → models → host. The host→48k filter delays by d_up host samples
// (its kernel half-width) and the 48k→host filter by a fractional delay chosen so that the
// total is a whole number of host samples: latency() is exact. The return resampler can run a
// few samples ahead of the host; a small FIFO hands back exactly n samples per block.
//
// Between the two resamplers the models run on whole multiples of kQuantum samples (the
// WaveNet kernels' vector width: a 139-sample block costs nearly twice a 128-sample one). The
// 48 kHz stream starts with kQuantum samples of silence, so a multiple is always ready when the
// host needs it; those kQuantum samples are part of latency().
#pragma once

#include <vector>

#include "fade.h"
#include "resampler.h"
#include "tonematch/engine/model.h"

namespace tonematch::engine::chain {

class NamSection {
 public:
  static constexpr double kModelRate = 48000.0;
  static constexpr int kQuantum = 16;
  /// Allocates for blocks of up to maxBlock host samples.
  void prepare(double hostRate, int maxBlock);
  /// Most 48 kHz samples one host block becomes (the models' maxBlock).
  int modelBlock() const { return modelBlock_; }
  /// Host samples of delay added by the resamplers (0 at 48 kHz).
  int latency() const { return latency_; }
  void reset() noexcept;
  /// One model slot as the section runs it: the model (null = bypass) and, while `fade` is
  /// active, the model it replaces (null = bypass), crossfaded at the model rate.
  struct SlotRun {
    Model* now = nullptr;
    Model* before = nullptr;
    Fade* fade = nullptr;
  };
  /// Runs n host samples in place through pedal then amp.
  void process(float* x, int n, const SlotRun& pedal, const SlotRun& amp) noexcept;

 private:
  bool direct_ = true;
  int modelBlock_ = 0, latency_ = 0, fifoCount_ = 0;
  int pending_ = 0;  // 48 kHz samples waiting for a whole quantum, at the front of model_
  void runModels(float* m, int count, const SlotRun& pedal, const SlotRun& amp) noexcept;
  void runSlot(float* m, int count, const SlotRun& slot) noexcept;

  StreamResampler up_, down_;
  std::vector<float> model_, fifo_, before_;
};

}  // namespace tonematch::engine::chain
