#include "rig/MatchedRigs.h"

namespace tonematch::plugin {

void MatchedRigs::set(const RigSpec& best) {
  std::vector<RigSpec> rigs{best};
  rigs.front().alternatives.clear();
  for (const auto& alt : best.alternatives) rigs.push_back(alt);
  std::lock_guard<std::mutex> lock(mutex_);
  rigs_ = std::move(rigs);
  active_ = 0;
}

void MatchedRigs::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  rigs_.clear();
  active_ = -1;
}

std::vector<RigSpec> MatchedRigs::rigs() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return rigs_;
}

int MatchedRigs::active() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return active_;
}

void MatchedRigs::setActive(int index) {
  std::lock_guard<std::mutex> lock(mutex_);
  active_ = index >= 0 && index < static_cast<int>(rigs_.size()) ? index : -1;
}

std::string MatchedRigs::toJson() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (rigs_.empty()) return {};
  RigSpec best = rigs_.front();
  best.alternatives.assign(rigs_.begin() + 1, rigs_.end());
  return serialiseRig(best);
}

void MatchedRigs::restore(const std::string& json, int active) {
  if (json.empty()) {
    clear();
    return;
  }
  try {
    set(parseRig(json, "session state (matched rigs)"));
    setActive(active);
  } catch (const RigError&) {
    clear();  // an unreadable set only loses A/B/C; the rig itself is restored separately
  }
}

}  // namespace tonematch::plugin
