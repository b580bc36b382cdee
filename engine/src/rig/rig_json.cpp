// The rig JSON reader and writer (docs/formats.md, rig JSON). ordered_json keeps the carried
// keys in the order the matcher wrote them.
#include "tonematch/engine/rig_json.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "json_depth.h"
#include "json_number_names.h"
#include "tonematch/engine/chain.h"

namespace tonematch::engine {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {


// Keys the codec interprets; everything else is carried through in extraJson.
constexpr const char* kKnownKeys[] = {"name",           "rig",      "params",      "match_eq",
                                      "loss",           "warnings", "alternatives",
                                      "schema_version"};

struct Slot {
  const char* nameKey;
  const char* pathKey;
  RigSlot RigDocument::*member;
};
constexpr Slot kSlots[] = {{"fx_nam", "fx_nam_path", &RigDocument::pedal},
                           {"amp_nam", "amp_nam_path", &RigDocument::amp},
                           {"ir", "ir_path", &RigDocument::ir}};

[[noreturn]] void fail(const std::string& source, const std::string& problem) {
  throw RigFormatError(source + ": " + problem);
}

std::string formatNumber(double v) {
  std::ostringstream s;
  s << v;  // %g-like, as the Python package prints them
  return s.str();
}

bool isFiniteNumber(const Json& v) { return v.is_number() && std::isfinite(v.get<double>()); }

// Clamps into [low, high] and notes a move, naming the value and the range.
double clampNoted(double raw, double low, double high, const std::string& what,
                  std::vector<std::string>& notes) {
  const double v = std::min(std::max(raw, low), high);
  if (v != raw)
    notes.push_back(what + "=" + formatNumber(raw) + " is outside " + formatNumber(low) + "…" +
                    formatNumber(high) + "; using " + formatNumber(v));
  return v;
}

std::string resolvePath(const std::string& value, const std::string& key,
                        const std::string& source, const std::string& baseDir) {
  std::string text = value;
  if (text[0] == '~') {
    // "~" and "~/…" are the user's home; "~name" is not expanded by this reader.
    if (text.size() > 1 && text[1] != '/') fail(source, "rig." + key + ": cannot expand " + value.substr(0, 60));
    const char* home = std::getenv("HOME");
    if (home == nullptr) fail(source, "rig." + key + ": cannot expand ~ (HOME is not set)");
    text = std::string(home) + text.substr(1);
  }
  fs::path p = fs::u8path(text);
  if (p.is_relative() && !baseDir.empty()) p = fs::u8path(baseDir) / p;
  return p.lexically_normal().u8string();
}

RigSlot parseSlot(const Json& rig, const Slot& slot, const std::string& source,
                  const std::string& baseDir) {
  RigSlot out;
  auto it = rig.find(slot.pathKey);
  if (it == rig.end() || it->is_null()) return out;
  if (!it->is_string()) fail(source, std::string("rig.") + slot.pathKey + " must be a path string or null");
  const auto& value = it->get_ref<const std::string&>();
  if (value.empty()) return out;
  if (value.find('\0') != std::string::npos)
    fail(source, std::string("rig.") + slot.pathKey + " contains a NUL character");
  out.path = resolvePath(value, slot.pathKey, source, baseDir);
  out.name = fs::u8path(out.path).stem().u8string();  // the file that loads names the slot
  return out;
}

// The gear loads from the *_path keys; the name keys only say what the file is. A slot named
// without its path (a path typed into the name key) would play as an empty slot: the DI through
// no amp, with nothing said. Keys the rig object does not hold are noted: a misspelt path key
// is the same trap.
void checkSlotKeys(const Json& rigObject, const std::string& source, RigDocument& rig) {
  for (const Slot& slot : kSlots) {
    auto it = rigObject.find(slot.nameKey);
    if (it == rigObject.end() || !it->is_string() || it->get_ref<const std::string&>().empty() ||
        !(rig.*slot.member).empty())
      continue;
    fail(source, std::string("rig.") + slot.nameKey + " names \"" +
                     it->get_ref<const std::string&>().substr(0, 80) + "\" but rig." +
                     slot.pathKey + " is missing: the gear is loaded from the *_path keys");
  }
  for (const auto& [key, value] : rigObject.items()) {
    const bool known = std::any_of(std::begin(kSlots), std::end(kSlots), [&](const Slot& s) {
      return key == s.nameKey || key == s.pathKey;
    });
    if (!known)
      rig.readNotes.push_back(source + ": rig." + key.substr(0, 60) +
                              " is not a rig key (fx_nam_path, amp_nam_path, ir_path and their "
                              "names fx_nam, amp_nam, ir); ignored");
  }
}

void parseParams(const Json& doc, const std::string& source, RigDocument& rig) {
  auto it = doc.find("params");
  if (it == doc.end()) return;  // every parameter at its default
  if (!it->is_object()) fail(source, "'params' must be an object");
  for (const auto& [key, value] : it->items()) {
    const bool known = std::any_of(std::begin(kParams), std::end(kParams),
                                   [&](const ParamSpec& p) { return key == p.jsonKey; });
    if (!known)
      rig.readNotes.push_back(source + ": params." + key.substr(0, 60) +
                              " is not a parameter (README lists them); ignored");
  }
  for (std::size_t i = 0; i < kParamCount; ++i) {
    const ParamSpec& spec = kParams[i];
    auto v = it->find(spec.jsonKey);
    if (v == it->end()) continue;  // a missing parameter keeps its default
    if (!isFiniteNumber(*v))
      fail(source, std::string("params.") + spec.jsonKey + " must be a finite number, got " +
                       v->dump().substr(0, 60));
    rig.params[i] = clampNoted(v->get<double>(), spec.low, spec.high,
                               source + ": " + spec.jsonKey, rig.readNotes);
  }
}

void parseMatchEq(const Json& doc, const std::string& source, RigDocument& rig) {
  auto it = doc.find("match_eq");
  if (it == doc.end() || it->is_null()) return;  // absent = flat
  if (!it->is_object()) fail(source, "'match_eq' must be an object");
  auto gains = it->find("gains_db");
  if (gains == it->end() || !gains->is_array() || gains->size() != rig.matchEqDb.size())
    fail(source, "match_eq.gains_db must be a list of " + std::to_string(rig.matchEqDb.size()) +
                     " numbers");
  for (std::size_t k = 0; k < rig.matchEqDb.size(); ++k) {
    const Json& g = (*gains)[k];
    if (!isFiniteNumber(g))
      fail(source, "match_eq.gains_db[" + std::to_string(k) + "] must be a finite number, got " +
                       g.dump().substr(0, 60));
    const double hz = std::round(Chain::matchEqCentreHz(static_cast<int>(k)));
    rig.matchEqDb[k] = clampNoted(g.get<double>(), -kMatchEqLimitDb, kMatchEqLimitDb,
                                  source + ": match_eq gain " + std::to_string(k) + " (" +
                                      formatNumber(hz) + " Hz)",
                                  rig.readNotes);
  }
}

RigDocument parseObject(const Json& doc, const std::string& source, const std::string& baseDir,
                        bool topLevel) {
  if (!doc.is_object()) fail(source, std::string("expected a JSON object, got ") + doc.type_name());
  auto rigIt = doc.find("rig");
  if (rigIt == doc.end() || !rigIt->is_object()) fail(source, "missing the 'rig' object");

  RigDocument rig;
  for (const Slot& slot : kSlots) rig.*slot.member = parseSlot(*rigIt, slot, source, baseDir);
  checkSlotKeys(*rigIt, source, rig);
  parseParams(doc, source, rig);
  parseMatchEq(doc, source, rig);
  if (auto it = doc.find("loss"); it != doc.end() && !it->is_null()) {
    if (!isFiniteNumber(*it)) fail(source, "'loss' must be a finite number or null");
    rig.loss = it->get<double>();
  }
  if (auto it = doc.find("name"); it != doc.end() && !it->is_null()) {
    if (!it->is_string()) fail(source, "'name' must be a string");
    rig.name = it->get<std::string>();
  }
  if (auto it = doc.find("warnings"); it != doc.end() && !it->is_null()) {
    if (!it->is_array()) fail(source, "'warnings' must be a list of strings");
    rig.warnings.emplace();
    for (const Json& w : *it) {
      if (!w.is_string()) fail(source, "'warnings' must be a list of strings");
      rig.warnings->push_back(w.get<std::string>());
    }
  }
  if (auto it = doc.find("alternatives"); topLevel && it != doc.end() && !it->is_null()) {
    if (!it->is_array()) fail(source, "'alternatives' must be a list of rig objects");
    int index = 0;
    for (const Json& alt : *it) {
      const std::string where = source + " alternative " + std::to_string(++index);
      try {
        RigDocument parsed = parseObject(alt, where, baseDir, false);
        for (auto& note : parsed.readNotes) rig.readNotes.push_back(std::move(note));
        parsed.readNotes.clear();
        rig.alternatives.push_back(std::move(parsed));
      } catch (const RigFormatError& e) {
        // One bad alternative must not cost the user the best rig: skip it and say so.
        rig.readNotes.push_back(std::string(e.what()) + "; alternative skipped");
      }
    }
  }
  Json extra = Json::object();
  for (const auto& [key, value] : doc.items()) {
    const bool known = std::any_of(std::begin(kKnownKeys), std::end(kKnownKeys),
                                   [&](const char* k) { return key == k; });
    if (!known) extra[key] = value;
  }
  rig.extraJson = extra.dump();
  return rig;
}

Json slotPath(const RigSlot& s) { return s.empty() ? Json(nullptr) : Json(s.path); }

Json toJson(const RigDocument& rig, bool topLevel) {
  Json out = Json::object();
  if (!rig.name.empty()) out["name"] = rig.name;
  Json slots = Json::object();
  for (const Slot& slot : kSlots) slots[slot.nameKey] = (rig.*slot.member).name;
  for (const Slot& slot : kSlots) slots[slot.pathKey] = slotPath(rig.*slot.member);
  out["rig"] = slots;
  Json params = Json::object();
  for (std::size_t i = 0; i < kParamCount; ++i) params[kParams[i].jsonKey] = rig.params[i];
  out["params"] = params;
  if (!rig.matchEqFlat()) {
    Json centres = Json::array(), gains = Json::array();
    for (std::size_t k = 0; k < rig.matchEqDb.size(); ++k) {
      centres.push_back(std::round(Chain::matchEqCentreHz(static_cast<int>(k)) * 1000.0) / 1000.0);
      gains.push_back(rig.matchEqDb[k]);
    }
    out["match_eq"] = {{"centres_hz", centres}, {"gains_db", gains}};
  }
  out["loss"] = rig.loss ? Json(*rig.loss) : Json(nullptr);
  if (topLevel) out["schema_version"] = kRigSchemaVersion;
  if (rig.warnings) out["warnings"] = *rig.warnings;
  if (topLevel && !rig.alternatives.empty()) {
    Json alts = Json::array();
    for (const auto& a : rig.alternatives) alts.push_back(toJson(a, false));
    out["alternatives"] = alts;
  }
  const Json extra = Json::parse(rig.extraJson.empty() ? "{}" : rig.extraJson);
  if (extra.is_object())
    for (const auto& [key, value] : extra.items())
      if (!out.contains(key)) out[key] = value;
  return out;
}

}  // namespace

std::string RigDocument::describe() const {
  auto part = [](const RigSlot& s, const char* none) { return s.empty() ? std::string(none) : s.name; };
  return part(pedal, "no pedal") + " \xE2\x86\x92 " + part(amp, "no amp") + " \xE2\x86\x92 " +
         part(ir, "no cab");
}

bool RigDocument::matchEqFlat() const {
  return std::all_of(matchEqDb.begin(), matchEqDb.end(), [](double g) { return g == 0.0; });
}

RigDocument parseRigJson(const std::string& text, const std::string& source,
                         const std::string& baseDir) {
  if (!rig::jsonDepthWithin(text, kRigMaxJsonDepth))
    fail(source, "not a usable JSON document (nested deeper than " +
                     std::to_string(kRigMaxJsonDepth) + " levels)");
  if (!rig::jsonObjectsWithin(text, kRigMaxObjectMembers))
    fail(source, "not a usable JSON document (an object with more than " +
                     std::to_string(kRigMaxObjectMembers) + " keys)");
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::parse_error& e) {
    if (auto named = rig::unrepresentableNumber(text)) fail(source, *named);
    fail(source, "not valid JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const Json::out_of_range&) {
    if (auto named = rig::unrepresentableNumber(text)) fail(source, *named);
    fail(source, "not valid JSON (a number too large for a double)");
  }
  return parseObject(doc, source, baseDir, true);
}

RigDocument readRigJsonFile(const std::string& path) {
  std::error_code ec;
  const fs::path file = fs::u8path(path);
  if (!fs::is_regular_file(file, ec)) fail(path, "not a readable rig file (missing or not a regular file)");
  if (fs::file_size(file, ec) > kRigMaxFileBytes) fail(path, "too large for a rig file (over 16 MiB)");
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(path, "cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  return parseRigJson(text.str(), path, fs::absolute(file, ec).parent_path().u8string());
}

std::string writeRigJson(const RigDocument& rig) {
  // Invalid UTF-8 in a carried string is replaced rather than refusing the whole document.
  return toJson(rig, true).dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace tonematch::engine
