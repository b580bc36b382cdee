// The rig JSON (DESIGN §4): matcher output and preset body. One strict parser and one writer,
// shared by presets, the session state and (later) the MATCH TONE! bridge.
//
// Rules (the same as tonematch/rig.py): fixed keys, unknown keys ignored; a missing param keeps
// its default; a param that is not a finite number is an error; a param outside its range is
// clamped and a warning is recorded; paths may be null/empty (= empty slot), "~/..." or relative
// to the file's folder. The match EQ's 24 band gains are a top-level "match_eq" object
// ({"centres_hz": [...], "gains_db": [...]}): absent = flat, written only when not flat; the
// gains must be 24 finite numbers, and are clamped to ±12 dB with a warning.
#pragma once

#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "Parameters.h"

namespace tonematch::plugin {

/// A rig or preset document that cannot be used; what() names the source and the problem.
class RigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RigSlot {
  std::string name;  ///< display name (file stem when the JSON has none)
  std::string path;  ///< absolute after parsing with a base folder; empty = empty slot
  bool empty() const { return path.empty(); }
};

/// The match EQ's band gains (dB) on engine::Chain::matchEqCentreHz(k); all zero = flat.
using MatchEqGains = std::array<float, engine::Chain::kMatchEqBands>;

/// True when every gain is zero.
bool isFlat(const MatchEqGains& gains);

struct RigSpec {
  std::string name;  ///< preset name; empty for matcher output
  RigSlot pedal, amp, ir;
  ParamValues params = defaultParamValues();
  MatchEqGains matchEqDb{};
  std::optional<double> loss;
  std::vector<RigSpec> alternatives;  ///< the matcher's next-best rigs, if it sent any
  std::vector<std::string> warnings;  ///< e.g. clamped parameters, for the UI and logs

  /// "pedal → amp → cab" for people, with "no pedal" etc. for empty slots.
  std::string describe() const;
};

/// Parses a JSON document. Relative paths resolve against baseDir (if not empty).
/// Throws RigError naming `source` on malformed input.
RigSpec parseRig(const std::string& text, const std::string& source,
                 const std::string& baseDir = {});

/// Reads and parses a file; relative paths resolve against the file's folder.
RigSpec readRigFile(const std::string& path);

/// Serialises a rig (with "name" when set) as indented JSON with absolute paths.
std::string serialiseRig(const RigSpec& rig);

}  // namespace tonematch::plugin
