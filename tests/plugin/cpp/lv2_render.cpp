// A minimal LV2 host (lilv) that runs a mono raw-float32 file through a plugin in blocks and
// writes the stereo output, interleaved raw float32. lv2apply cannot drive plugins with atom
// ports (JUCE's LV2 plugins take parameters through one), so the LV2 test uses this instead.
//
//   lv2_render URI IN.f32 OUT.f32 SAMPLE_RATE BLOCK   → prints "latency N" and "outputs K"
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/options/options.h>
#include <lv2/urid/urid.h>

namespace {

std::map<std::string, LV2_URID> gUrids;

LV2_URID mapUri(LV2_URID_Map_Handle, const char* uri) {
  auto it = gUrids.find(uri);
  if (it != gUrids.end()) return it->second;
  const auto id = static_cast<LV2_URID>(gUrids.size() + 1);
  gUrids.emplace(uri, id);
  return id;
}

int fail(const std::string& why) {
  std::fprintf(stderr, "lv2_render: %s\n", why.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) return fail("usage: lv2_render URI IN.f32 OUT.f32 SAMPLE_RATE BLOCK");
  const std::string uri = argv[1];
  const float rate = static_cast<float>(std::atof(argv[4]));
  const int32_t block = std::atoi(argv[5]);
  if (rate <= 0.0f || block <= 0) return fail("bad rate or block size");

  std::ifstream in(argv[2], std::ios::binary);
  if (!in) return fail(std::string("cannot read ") + argv[2]);
  in.seekg(0, std::ios::end);
  const auto bytes = static_cast<std::size_t>(in.tellg());
  std::vector<float> input(bytes / sizeof(float), 0.0f);
  in.seekg(0);
  in.read(reinterpret_cast<char*>(input.data()), static_cast<std::streamsize>(input.size() * sizeof(float)));

  LilvWorld* world = lilv_world_new();
  lilv_world_load_all(world);  // honours LV2_PATH
  LilvNode* uriNode = lilv_new_uri(world, uri.c_str());
  const LilvPlugin* plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world), uriNode);
  if (plugin == nullptr) return fail("plugin " + uri + " not found on LV2_PATH");

  LV2_URID_Map map{nullptr, mapUri};
  const LV2_URID atomFloat = mapUri(nullptr, LV2_ATOM__Float), atomInt = mapUri(nullptr, LV2_ATOM__Int);
  const int32_t minBlock = 1;
  const LV2_Options_Option options[] = {
      {LV2_OPTIONS_INSTANCE, 0, mapUri(nullptr, LV2_BUF_SIZE__maxBlockLength), sizeof(int32_t), atomInt, &block},
      {LV2_OPTIONS_INSTANCE, 0, mapUri(nullptr, LV2_BUF_SIZE__minBlockLength), sizeof(int32_t), atomInt, &minBlock},
      {LV2_OPTIONS_INSTANCE, 0, mapUri(nullptr, LV2_BUF_SIZE__nominalBlockLength), sizeof(int32_t), atomInt, &block},
      {LV2_OPTIONS_INSTANCE, 0, mapUri(nullptr, "http://lv2plug.in/ns/ext/parameters#sampleRate"), sizeof(float), atomFloat, &rate},
      {LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, nullptr}};
  LV2_Feature mapFeature{LV2_URID__map, &map};
  LV2_Feature optionsFeature{LV2_OPTIONS__options, const_cast<LV2_Options_Option*>(options)};
  LV2_Feature boundedFeature{LV2_BUF_SIZE__boundedBlockLength, nullptr};
  const LV2_Feature* features[] = {&mapFeature, &optionsFeature, &boundedFeature, nullptr};

  LilvInstance* instance = lilv_plugin_instantiate(plugin, rate, features);
  if (instance == nullptr) return fail("instantiation failed");

  LilvNode* audioClass = lilv_new_uri(world, LILV_URI_AUDIO_PORT);
  LilvNode* controlClass = lilv_new_uri(world, LILV_URI_CONTROL_PORT);
  LilvNode* atomClass = lilv_new_uri(world, LV2_ATOM__AtomPort);
  LilvNode* inputClass = lilv_new_uri(world, LILV_URI_INPUT_PORT);
  LilvNode* reportsLatency = lilv_new_uri(world, "http://lv2plug.in/ns/lv2core#reportsLatency");

  const uint32_t numPorts = lilv_plugin_get_num_ports(plugin);
  std::vector<float> controls(numPorts, 0.0f);
  std::vector<std::vector<float>> audioIn, audioOut;
  std::vector<std::vector<uint64_t>> atoms;  // 8-byte aligned atom buffers
  std::vector<std::pair<uint32_t, bool>> atomPorts;
  int latencyPort = -1;
  constexpr std::size_t kAtomBytes = 8192;
  audioIn.reserve(numPorts);
  audioOut.reserve(numPorts);
  atoms.reserve(numPorts);
  for (uint32_t i = 0; i < numPorts; ++i) {
    const LilvPort* port = lilv_plugin_get_port_by_index(plugin, i);
    const bool isInput = lilv_port_is_a(plugin, port, inputClass);
    if (lilv_port_is_a(plugin, port, audioClass)) {
      auto& buffers = isInput ? audioIn : audioOut;
      buffers.emplace_back(static_cast<std::size_t>(block), 0.0f);
      lilv_instance_connect_port(instance, i, buffers.back().data());
    } else if (lilv_port_is_a(plugin, port, controlClass)) {
      LilvNode* def = nullptr;
      lilv_port_get_range(plugin, port, &def, nullptr, nullptr);
      controls[i] = def ? lilv_node_as_float(def) : 0.0f;
      lilv_node_free(def);
      if (!isInput && lilv_port_has_property(plugin, port, reportsLatency))
        latencyPort = static_cast<int>(i);
      lilv_instance_connect_port(instance, i, &controls[i]);
    } else if (lilv_port_is_a(plugin, port, atomClass)) {
      atoms.emplace_back(kAtomBytes / sizeof(uint64_t), 0);
      atomPorts.emplace_back(i, isInput);
      lilv_instance_connect_port(instance, i, atoms.back().data());
    } else {
      lilv_instance_connect_port(instance, i, nullptr);
    }
  }
  if (audioIn.empty() || audioOut.empty()) return fail("plugin has no audio ports");

  const LV2_URID sequence = mapUri(nullptr, LV2_ATOM__Sequence), chunk = mapUri(nullptr, LV2_ATOM__Chunk);
  lilv_instance_activate(instance);
  std::vector<float> output;
  output.reserve(input.size() * audioOut.size());
  for (std::size_t start = 0; start < input.size(); start += static_cast<std::size_t>(block)) {
    const auto n = static_cast<uint32_t>(std::min<std::size_t>(static_cast<std::size_t>(block), input.size() - start));
    for (auto& buffer : audioIn) std::memcpy(buffer.data(), input.data() + start, n * sizeof(float));
    for (std::size_t a = 0; a < atoms.size(); ++a) {
      auto* seq = reinterpret_cast<LV2_Atom_Sequence*>(atoms[a].data());
      if (atomPorts[a].second) {  // empty input event sequence
        seq->atom.size = sizeof(LV2_Atom_Sequence_Body);
        seq->atom.type = sequence;
        seq->body.unit = 0;
        seq->body.pad = 0;
      } else {  // output: tell the plugin how much room there is
        seq->atom.size = kAtomBytes - sizeof(LV2_Atom);
        seq->atom.type = chunk;
      }
    }
    lilv_instance_run(instance, n);
    for (uint32_t i = 0; i < n; ++i)
      for (auto& buffer : audioOut) output.push_back(buffer[i]);
  }
  lilv_instance_deactivate(instance);

  std::ofstream out(argv[3], std::ios::binary);
  out.write(reinterpret_cast<const char*>(output.data()), static_cast<std::streamsize>(output.size() * sizeof(float)));
  std::printf("latency %d\noutputs %zu\n", latencyPort >= 0 ? static_cast<int>(controls[static_cast<std::size_t>(latencyPort)]) : -1,
              audioOut.size());

  lilv_instance_free(instance);
  for (LilvNode* node : {uriNode, audioClass, controlClass, atomClass, inputClass, reportsLatency}) lilv_node_free(node);
  lilv_world_free(world);
  return out ? 0 : fail(std::string("cannot write ") + argv[3]);
}
