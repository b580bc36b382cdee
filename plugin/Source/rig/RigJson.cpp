#include "rig/RigJson.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace tonematch::plugin {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string formatNumber(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::string resolvePath(const std::string& value, const std::string& baseDir) {
  fs::path p = fs::u8path(value);
  if (!value.empty() && value[0] == '~') {
    if (const char* home = std::getenv("HOME"))
      p = fs::u8path(std::string(home) + value.substr(1));
  }
  if (p.is_relative() && !baseDir.empty()) p = fs::u8path(baseDir) / p;
  return p.lexically_normal().u8string();
}

RigSlot parseSlot(const json& rig, const char* nameKey, const char* pathKey,
                  const std::string& source, const std::string& baseDir) {
  RigSlot slot;
  if (auto it = rig.find(pathKey); it != rig.end() && !it->is_null()) {
    if (!it->is_string())
      throw RigError(source + ": rig." + pathKey + " must be a path string or null");
    if (!it->get<std::string>().empty()) slot.path = resolvePath(it->get<std::string>(), baseDir);
  }
  if (auto it = rig.find(nameKey); it != rig.end() && it->is_string())
    slot.name = it->get<std::string>();
  if (slot.name.empty() && !slot.path.empty()) slot.name = fs::u8path(slot.path).stem().u8string();
  return slot;
}

RigSpec parseObject(const json& doc, const std::string& source, const std::string& baseDir,
                    bool allowAlternatives) {
  if (!doc.is_object()) throw RigError(source + ": expected a JSON object");
  auto rigIt = doc.find("rig");
  if (rigIt == doc.end() || !rigIt->is_object())
    throw RigError(source + ": missing the 'rig' object");

  RigSpec spec;
  spec.pedal = parseSlot(*rigIt, "fx_nam", "fx_nam_path", source, baseDir);
  spec.amp = parseSlot(*rigIt, "amp_nam", "amp_nam_path", source, baseDir);
  spec.ir = parseSlot(*rigIt, "ir", "ir_path", source, baseDir);

  if (auto it = doc.find("params"); it != doc.end()) {
    if (!it->is_object()) throw RigError(source + ": 'params' must be an object");
    for (std::size_t i = 0; i < kParams.size(); ++i) {
      const auto& p = kParams[i];
      auto v = it->find(p.jsonKey);
      if (v == it->end()) continue;
      if (!v->is_number() || !std::isfinite(v->get<double>()))
        throw RigError(source + ": params." + p.jsonKey + " must be a finite number");
      const double raw = v->get<double>();
      const double clamped = std::min<double>(std::max<double>(raw, p.low), p.high);
      if (clamped != raw)
        spec.warnings.push_back(source + ": " + p.jsonKey + "=" + formatNumber(raw) +
                                " is outside " + formatNumber(p.low) + "…" +
                                formatNumber(p.high) + "; using " + formatNumber(clamped));
      spec.params[i] = static_cast<float>(clamped);
    }
  }
  if (auto it = doc.find("match_eq"); it != doc.end() && !it->is_null()) {
    if (!it->is_object()) throw RigError(source + ": 'match_eq' must be an object");
    auto gains = it->find("gains_db");
    if (gains == it->end() || !gains->is_array() || gains->size() != spec.matchEqDb.size())
      throw RigError(source + ": match_eq.gains_db must be a list of " +
                     std::to_string(spec.matchEqDb.size()) + " numbers");
    const double limit = engine::Chain::kMatchEqMaxDb;
    for (std::size_t k = 0; k < spec.matchEqDb.size(); ++k) {
      const auto& v = (*gains)[k];
      if (!v.is_number() || !std::isfinite(v.get<double>()))
        throw RigError(source + ": match_eq.gains_db[" + std::to_string(k) +
                       "] must be a finite number");
      const double raw = v.get<double>();
      const double clamped = std::min(std::max(raw, -limit), limit);
      if (clamped != raw)
        spec.warnings.push_back(source + ": match_eq gain " + std::to_string(k) + " (" +
                                formatNumber(std::round(engine::Chain::matchEqCentreHz(static_cast<int>(k)))) +
                                " Hz)=" + formatNumber(raw) + " is outside " +
                                formatNumber(-limit) + "…" + formatNumber(limit) + "; using " +
                                formatNumber(clamped));
      spec.matchEqDb[k] = static_cast<float>(clamped);
    }
  }
  if (auto it = doc.find("loss"); it != doc.end() && !it->is_null()) {
    if (!it->is_number()) throw RigError(source + ": 'loss' must be a number or null");
    spec.loss = it->get<double>();
  }
  if (auto it = doc.find("name"); it != doc.end() && it->is_string()) spec.name = it->get<std::string>();

  if (allowAlternatives) {
    if (auto it = doc.find("alternatives"); it != doc.end() && it->is_array()) {
      int index = 0;
      for (const auto& alt : *it) {
        auto parsed = parseObject(alt, source + " alternative " + std::to_string(++index),
                                  baseDir, false);
        for (auto& w : parsed.warnings) spec.warnings.push_back(std::move(w));
        parsed.warnings.clear();
        spec.alternatives.push_back(std::move(parsed));
      }
    }
  }
  return spec;
}

json slotPath(const RigSlot& s) { return s.empty() ? json(nullptr) : json(s.path); }

json toJson(const RigSpec& rig) {
  json out = json::object();
  if (!rig.name.empty()) out["name"] = rig.name;
  out["rig"] = {{"fx_nam", rig.pedal.name},        {"amp_nam", rig.amp.name},
                {"ir", rig.ir.name},               {"fx_nam_path", slotPath(rig.pedal)},
                {"amp_nam_path", slotPath(rig.amp)}, {"ir_path", slotPath(rig.ir)}};
  json params = json::object();
  for (std::size_t i = 0; i < kParams.size(); ++i)
    params[kParams[i].jsonKey] = static_cast<double>(rig.params[i]);
  out["params"] = params;
  if (!isFlat(rig.matchEqDb)) {
    json centres = json::array(), gains = json::array();
    for (std::size_t k = 0; k < rig.matchEqDb.size(); ++k) {
      centres.push_back(std::round(engine::Chain::matchEqCentreHz(static_cast<int>(k)) * 1000.0) / 1000.0);
      gains.push_back(static_cast<double>(rig.matchEqDb[k]));
    }
    out["match_eq"] = {{"centres_hz", centres}, {"gains_db", gains}};
  }
  out["loss"] = rig.loss ? json(*rig.loss) : json(nullptr);
  if (!rig.alternatives.empty()) {
    json alts = json::array();
    for (const auto& a : rig.alternatives) alts.push_back(toJson(a));
    out["alternatives"] = alts;
  }
  return out;
}

}  // namespace

bool isFlat(const MatchEqGains& gains) {
  for (float g : gains)
    if (g != 0.0f) return false;
  return true;
}

std::string RigSpec::describe() const {
  auto part = [](const RigSlot& s, const char* none) { return s.empty() ? std::string(none) : s.name; };
  return part(pedal, "no pedal") + " \xE2\x86\x92 " + part(amp, "no amp") + " \xE2\x86\x92 " +
         part(ir, "no cab");
}

RigSpec parseRig(const std::string& text, const std::string& source, const std::string& baseDir) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw RigError(source + ": not valid JSON (byte " + std::to_string(e.byte) + ")");
  }
  return parseObject(doc, source, baseDir, true);
}

RigSpec readRigFile(const std::string& path) {
  std::ifstream in(fs::u8path(path), std::ios::binary);
  if (!in) throw RigError(path + ": cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  const auto base = fs::absolute(fs::u8path(path)).parent_path().u8string();
  return parseRig(text.str(), path, base);
}

std::string serialiseRig(const RigSpec& rig) { return toJson(rig).dump(2) + "\n"; }

}  // namespace tonematch::plugin
