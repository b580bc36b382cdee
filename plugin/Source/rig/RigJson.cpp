#include "rig/RigJson.h"

#include <algorithm>

namespace tonematch::plugin {

bool isFlat(const MatchEqGains& gains) {
  return std::all_of(gains.begin(), gains.end(), [](double g) { return g == 0.0; });
}

RigSpec parseRig(const std::string& text, const std::string& source, const std::string& baseDir) {
  return engine::parseRigJson(text, source, baseDir);
}

RigSpec readRigFile(const std::string& path) { return engine::readRigJsonFile(path); }

std::string serialiseRig(const RigSpec& rig) { return engine::writeRigJson(rig); }

std::vector<std::string> rigMessages(const RigSpec& rig) {
  std::vector<std::string> out = rig.readNotes;
  if (rig.warnings) out.insert(out.end(), rig.warnings->begin(), rig.warnings->end());
  return out;
}

}  // namespace tonematch::plugin
