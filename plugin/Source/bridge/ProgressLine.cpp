#include "bridge/ProgressLine.h"

#include <array>

#include <nlohmann/json.hpp>

namespace tonematch::plugin {

namespace {
struct StageInfo {
  const char* id;
  const char* label;
  double weight;  // rough share of a `normal` match's time
};
// "amps" runs only when the DI plays the reference's part (amps compared note for note).
constexpr std::array<StageInfo, 9> kStages{{{"load", "Reading audio", 2},
                                            {"index", "Indexing the library", 5},
                                            {"analyse", "Analysing the reference", 5},
                                            {"amps", "Comparing amps", 5},
                                            {"pedals", "Choosing pedals", 8},
                                            {"grid", "Searching rigs", 35},
                                            {"exact", "Exact renders", 10},
                                            {"post_fx", "Tuning EQ, delay and reverb", 30},
                                            {"verify", "Verifying", 5}}};
}  // namespace

std::optional<ProgressLine> parseProgressLine(const std::string& line) {
  const auto doc = nlohmann::json::parse(line, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  auto stage = doc.find("stage");
  if (stage == doc.end() || !stage->is_string()) return std::nullopt;
  ProgressLine out;
  out.stage = stage->get<std::string>();
  if (auto it = doc.find("done"); it != doc.end() && it->is_number_integer()) out.done = it->get<int>();
  if (auto it = doc.find("total"); it != doc.end() && it->is_number_integer()) out.total = it->get<int>();
  if (auto it = doc.find("message"); it != doc.end() && it->is_string()) out.message = it->get<std::string>();
  return out;
}

double overallFraction(const ProgressLine& line) {
  if (line.stage == "done") return 1.0;
  double sum = 0.0, before = 0.0;
  for (const auto& s : kStages) sum += s.weight;
  for (const auto& s : kStages) {
    if (line.stage == s.id) {
      const double within = line.total > 0 ? std::min(1.0, double(line.done) / line.total) : 0.0;
      return (before + within * s.weight) / sum;
    }
    before += s.weight;
  }
  return -1.0;  // unknown stage: the caller keeps the last fraction
}

std::string stageLabel(const ProgressLine& line) {
  std::string label = line.stage;
  for (const auto& s : kStages)
    if (line.stage == s.id) label = s.label;
  if (line.total > 0) label += " " + std::to_string(line.done) + "/" + std::to_string(line.total);
  return label;
}

}  // namespace tonematch::plugin
