#include "wavenet_spec.h"

#include <string>

namespace tonematch::engine {
namespace {

// Caps that keep a hostile file from asking for gigabytes; real models are far below them.
constexpr int kMaxChannels = 512;
constexpr int kMaxKernel = 64;
constexpr int kMaxDilation = 1 << 16;
constexpr int kMaxLayers = 256;
constexpr int kMaxArrays = 16;

const char* const kFilmNames[kFilmSlots] = {
    "conv_pre_film",      "conv_post_film",       "input_mixin_pre_film", "input_mixin_post_film",
    "activation_pre_film", "activation_post_film", "layer1x1_post_film",   "head1x1_post_film"};

Gating gatingFromName(const json& v, const std::string& where) {
  if (v.is_boolean()) return v.get<bool>() ? Gating::Gated : Gating::None;
  if (!v.is_string()) badConfig("field '" + where + "' must be \"none\", \"gated\" or \"blended\"");
  const std::string s = v.get<std::string>();
  if (s == "none") return Gating::None;
  if (s == "gated") return Gating::Gated;
  if (s == "blended") return Gating::Blended;
  badConfig("field '" + where + "' has unknown gating mode '" + s + "'");
}

// A per-layer value may be written once (applies to every layer) or as a list with one entry
// per layer.
const json& perLayer(const json& v, std::size_t i, std::size_t count, const std::string& where) {
  if (!v.is_array()) return v;
  if (v.size() != count)
    badConfig("field '" + where + "' has " + std::to_string(v.size()) + " entries for " +
              std::to_string(count) + " layers");
  return v[i];
}

LayerArraySpec parseLegacyArray(const ConfigReader& c) {
  LayerArraySpec a;
  a.inputSize = c.integer("input_size", 1, kMaxChannels);
  a.conditionSize = c.integer("condition_size", 1, kMaxChannels);
  a.channels = c.integer("channels", 1, kMaxChannels);
  a.bottleneck = a.channels;
  a.headOut = c.integer("head_size", 1, kMaxChannels);
  a.headBias = c.boolean("head_bias");
  const int kernel = c.integer("kernel_size", 1, kMaxKernel);
  const bool gated = c.boolean("gated");
  const Activation act = Activation::fromJson(c.at("activation"));
  for (int d : c.intList("dilations", 1, kMaxDilation)) {
    LayerSpec l;
    l.kernel = kernel;
    l.dilation = d;
    l.primary = act;
    if (gated) {
      l.gating = Gating::Gated;
      l.secondary = Activation::fromName("Sigmoid");
    }
    a.layers.push_back(l);
  }
  return a;
}

LayerArraySpec parseCurrentArray(const ConfigReader& c) {
  LayerArraySpec a;
  a.inputSize = c.integer("input_size", 1, kMaxChannels);
  a.conditionSize = c.integer("condition_size", 1, kMaxChannels);
  a.channels = c.integer("channels", 1, kMaxChannels);
  a.bottleneck = c.integer("bottleneck", 1, kMaxChannels, a.channels);
  const ConfigReader head = c.object("head");
  a.headOut = head.integer("out_channels", 1, kMaxChannels);
  a.headKernel = head.integer("kernel_size", 1, kMaxKernel);
  a.headBias = head.boolean("bias");
  if (c.present("layer1x1")) {
    const ConfigReader l = c.object("layer1x1");
    a.layer1x1 = l.boolean("active", true);
    a.layer1x1Groups = l.integer("groups", 1, kMaxChannels, 1);
  }
  if (c.present("head1x1")) {
    const ConfigReader h = c.object("head1x1");
    a.head1x1 = h.boolean("active", false);
    a.head1x1Out = h.integer("out_channels", 1, kMaxChannels, 1);
    a.head1x1Groups = h.integer("groups", 1, kMaxChannels, 1);
  }
  a.groupsInput = c.integer("groups_input", 1, kMaxChannels, 1);
  a.groupsMixin = c.integer("groups_input_mixin", 1, kMaxChannels, 1);
  for (int s = 0; s < kFilmSlots; ++s) {
    if (!c.present(kFilmNames[s])) continue;
    const ConfigReader f = c.object(kFilmNames[s]);
    a.film[s].active = f.boolean("active", false);
    a.film[s].shift = f.boolean("shift", true);
    a.film[s].groups = f.integer("groups", 1, kMaxChannels, 1);
  }
  if (c.present("packing")) badConfig("field '" + c.field("packing") + "' (packed WaveNet) is not supported");
  // "slimmable" only records how the model was trained; the exported weights are full width.

  const std::vector<int> dilations = c.intList("dilations", 1, kMaxDilation);
  const std::size_t count = dilations.size();
  const char* kernelKey = c.has("kernel_sizes") ? "kernel_sizes" : "kernel_size";
  std::vector<int> kernels = c.intList(kernelKey, 1, kMaxKernel);
  if (!c.at(kernelKey).is_array()) kernels.assign(count, kernels[0]);
  if (kernels.size() != count) badConfig("field '" + c.field(kernelKey) + "' must have one entry per dilation");
  const json& acts = c.at("activation");
  const json noGating = "none";
  const json& gating = c.present("gating_mode") ? c.at("gating_mode")
                       : c.present("gated")     ? c.at("gated")
                                                : noGating;
  const json none;
  const json& secondary = c.present("secondary_activation") ? c.at("secondary_activation") : none;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string idx = "[" + std::to_string(i) + "]";
    LayerSpec l;
    l.kernel = kernels[i];
    l.dilation = dilations[i];
    l.primary = Activation::fromJson(perLayer(acts, i, count, c.field("activation")));
    l.gating = gatingFromName(perLayer(gating, i, count, c.field("gating_mode")), c.field("gating_mode") + idx);
    if (l.gating != Gating::None) {
      const json& s = perLayer(secondary, i, count, c.field("secondary_activation"));
      // Older 0.7 writers omitted the secondary activation for plain gating: it is a sigmoid.
      l.secondary = s.is_null() ? Activation::fromName("Sigmoid") : Activation::fromJson(s);
    }
    a.layers.push_back(l);
  }
  return a;
}

void checkArray(const LayerArraySpec& a, const std::string& where) {
  if (a.layers.empty() || a.layers.size() > static_cast<std::size_t>(kMaxLayers))
    badConfig(where + " must have 1…" + std::to_string(kMaxLayers) + " layers");
  if (!a.layer1x1 && a.bottleneck != a.channels)
    badConfig(where + ": without layer1x1 the bottleneck (" + std::to_string(a.bottleneck) +
              ") must equal channels (" + std::to_string(a.channels) + ")");
  if (a.film[kLayer1x1Post].active && !a.layer1x1) badConfig(where + ": layer1x1_post_film needs layer1x1");
  if (a.film[kHead1x1Post].active && !a.head1x1) badConfig(where + ": head1x1_post_film needs head1x1");
  for (const LayerSpec& l : a.layers) {
    for (const Activation* act : {&l.primary, &l.secondary}) {
      const int need = act->requiredChannels();
      if (need != 0 && need != a.bottleneck)
        badConfig(where + ": PReLU has " + std::to_string(need) + " slopes for " +
                  std::to_string(a.bottleneck) + " channels");
    }
  }
}

}  // namespace

WaveNetSpec parseWaveNetSpec(const json& config, int conditionChannels, bool monoOutput) {
  const ConfigReader c(config, "config");
  // The weights carry the value actually used; the config copy must still be a number.
  c.number("head_scale", -3.0e38, 3.0e38);
  const json& layers = c.at("layers");
  if (!layers.is_array() || layers.empty() || layers.size() > static_cast<std::size_t>(kMaxArrays))
    badConfig("field 'config.layers' must be a list of 1…" + std::to_string(kMaxArrays) + " layer arrays");
  WaveNetSpec spec;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::string where = "config.layers[" + std::to_string(i) + "]";
    const ConfigReader lc(layers[i], where);
    LayerArraySpec a = lc.has("head_size") ? parseLegacyArray(lc) : parseCurrentArray(lc);
    checkArray(a, where);
    if (a.conditionSize != conditionChannels)
      badConfig(where + ": condition_size is " + std::to_string(a.conditionSize) + " but the condition has " +
                std::to_string(conditionChannels) + " channel(s)");
    if (i == 0 && a.inputSize != 1) badConfig(where + ": input_size must be 1 (mono input)");
    if (i > 0) {
      const LayerArraySpec& prev = spec.arrays.back();
      if (a.inputSize != prev.channels)
        badConfig(where + ": input_size " + std::to_string(a.inputSize) +
                  " does not match the previous array's channels " + std::to_string(prev.channels));
      if (a.headTermChannels() != prev.headOut)
        badConfig(where + ": head input has " + std::to_string(a.headTermChannels()) +
                  " channels but the previous array's head gives " + std::to_string(prev.headOut));
    }
    spec.arrays.push_back(std::move(a));
  }
  if (c.present("head")) {
    const ConfigReader h = c.object("head");
    HeadSpec head;
    head.channels = h.integer("channels", 1, kMaxChannels);
    head.outChannels = h.integer("out_channels", 1, monoOutput ? 1 : kMaxChannels);
    head.activation = Activation::fromJson(h.at("activation"));
    head.kernelSizes = h.intList("kernel_sizes", 1, kMaxKernel);
    if (head.kernelSizes.size() > static_cast<std::size_t>(kMaxLayers)) badConfig("config.head has too many blocks");
    if (head.activation.requiredChannels() != 0) badConfig("config.head: per-channel PReLU is not supported");
    spec.head = head;
  } else if (monoOutput && spec.arrays.back().headOut != 1) {
    badConfig("the last layer array's head gives " + std::to_string(spec.arrays.back().headOut) +
              " channels; a mono model needs 1");
  }
  return spec;
}

}  // namespace tonematch::engine
