// The rigs of the last match (A = best, B and C = the matcher's alternatives) and which one is
// playing. Part of the session state, so A/B/C survive a reload. Message thread.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "rig/RigJson.h"

namespace tonematch::plugin {

class MatchedRigs {
 public:
  /// Replaces the set with the matcher's best rig and its alternatives; A becomes active.
  void set(const RigSpec& best);
  void clear();
  /// A, B, C… (without their own alternatives); empty before any match.
  std::vector<RigSpec> rigs() const;
  /// Index of the rig last applied from the set, -1 when none.
  int active() const;
  void setActive(int index);

  /// The set as one rig JSON (best + "alternatives") and the active index, for the session.
  std::string toJson() const;
  /// Restores from toJson(); a malformed document leaves the set empty.
  void restore(const std::string& json, int active);

 private:
  mutable std::mutex mutex_;
  std::vector<RigSpec> rigs_;
  int active_ = -1;
};

}  // namespace tonematch::plugin
