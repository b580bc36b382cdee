// The WaveNet description read from a .nam config, in either the 0.5 or the 0.7 layout.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "activation.h"
#include "json_config.h"

namespace tonematch::engine {

enum class Gating { None, Gated, Blended };

/// Where a FiLM (feature-wise scale and shift from the input signal) may sit in a layer.
enum FilmSlot {
  kConvPre, kConvPost, kInputMixinPre, kInputMixinPost, kActivationPre, kActivationPost,
  kLayer1x1Post, kHead1x1Post, kFilmSlots
};

struct FilmSpec {
  bool active = false;
  bool shift = true;
  int groups = 1;
};

struct LayerSpec {
  int kernel = 3;
  int dilation = 1;
  Activation primary, secondary;
  Gating gating = Gating::None;
};

struct LayerArraySpec {
  int inputSize = 1, conditionSize = 1, channels = 1, bottleneck = 1;
  int headOut = 1, headKernel = 1;
  bool headBias = false;
  bool layer1x1 = true;
  int layer1x1Groups = 1;
  bool head1x1 = false;
  int head1x1Out = 1, head1x1Groups = 1;
  int groupsInput = 1, groupsMixin = 1;
  std::array<FilmSpec, kFilmSlots> film{};
  std::vector<LayerSpec> layers;

  int midChannels(const LayerSpec& l) const { return l.gating == Gating::None ? bottleneck : 2 * bottleneck; }
  int headTermChannels() const { return head1x1 ? head1x1Out : bottleneck; }
};

/// Optional output head: `kernelSizes.size()` blocks of activation → convolution.
struct HeadSpec {
  int channels = 1, outChannels = 1;
  Activation activation;
  std::vector<int> kernelSizes;
};

struct WaveNetSpec {
  std::vector<LayerArraySpec> arrays;
  std::optional<HeadSpec> head;
};

/// Parses and cross-checks a WaveNet config; throws FormatError naming the bad field.
/// `conditionChannels` is what each layer array's condition_size must be (1 = the mono input);
/// a mono model must produce one output channel, a condition network may produce several.
WaveNetSpec parseWaveNetSpec(const json& config, int conditionChannels = 1, bool monoOutput = true);

}  // namespace tonematch::engine
