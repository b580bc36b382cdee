// The rig JSON: the matcher's output and the plugin's preset body, read and written in one place
// for the plugin, the session state and (through tonematch._native) the Python package. The
// format is described in docs/formats.md, rig JSON.
//
// Reading is strict: malformed JSON, a missing "rig" object, a parameter or match EQ gain that
// is not a finite number, a path that is not a string, a "loss" that is not a finite number or
// null, "warnings" that are not strings: RigFormatError naming the source and the problem.
// NaN, Infinity or a number beyond a double (which JSON cannot hold) is named by where it
// stands: "params.input_gain_db is NaN, not a finite number (JSON has no NaN)".
// Values outside a range are clamped and a note says so (never silently). Keys the reader does
// not interpret are carried through unchanged (the matcher's analysis, timings, …).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tonematch/engine/rig_params.h"

namespace tonematch::engine {

/// The rig JSON's schema version, written at the top level of every document.
inline constexpr int kRigSchemaVersion = 1;
/// Documents nest a few levels; deeper ones are hostile or broken and are refused before parsing.
inline constexpr int kRigMaxJsonDepth = 64;
/// A rig's objects hold a few dozen keys; one with more is refused before parsing (the ordered
/// parser's key lookup is linear, so 16 MiB of keys would take hours).
inline constexpr std::size_t kRigMaxObjectMembers = 4096;
/// A rig file (or preset) is a few kB; a larger one than this is refused unread (whole disks
/// or media given by mistake). Every reader of rig files uses this limit.
inline constexpr std::size_t kRigMaxFileBytes = 16u << 20;

/// A rig document that cannot be used; what() names the source and the problem.
class RigFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One gear slot. Its name is always the file's stem, so what is shown is what loads (the
/// "fx_nam"/"amp_nam"/"ir" names in a file are written for people and not read back).
struct RigSlot {
  std::string name;  ///< file stem; empty for an empty slot
  std::string path;  ///< as resolved on reading (absolute when the base folder is); empty = empty slot
  bool empty() const { return path.empty(); }
};

/// The match EQ's band gains (dB) in band order; all zero = flat.
using MatchEqValues = std::array<double, kMatchEqBandCount>;

/// A parsed rig (or preset, or one of a rig's alternatives).
struct RigDocument {
  std::string name;  ///< preset name; empty for the matcher's output
  RigSlot pedal, amp, ir;
  ParamValues params = defaultParamValues();  ///< in kParams order, inside their ranges
  MatchEqValues matchEqDb{};                  ///< inside ±kMatchEqLimitDb
  std::optional<double> loss;
  std::vector<RigDocument> alternatives;  ///< the matcher's next-best rigs (none of their own)
  /// The document's "warnings" (the matcher's cautions); absent stays absent, empty stays empty.
  std::optional<std::vector<std::string>> warnings;
  std::string extraJson = "{}";           ///< keys not interpreted here, as a JSON object, in order
  std::vector<std::string> readNotes;     ///< what reading changed (clamps, skipped alternatives); never written

  /// "pedal → amp → cab" for people, with "no pedal" etc. for empty slots.
  std::string describe() const;
  /// True when every match EQ gain is zero.
  bool matchEqFlat() const;
};

/// Parses a rig document; relative paths resolve against baseDir (when not empty). A bad
/// alternative is skipped with a note naming it, so the best rig still loads.
RigDocument parseRigJson(const std::string& text, const std::string& source,
                         const std::string& baseDir = {});

/// Reads and parses a file (at most 16 MiB); relative paths resolve against its folder.
RigDocument readRigJsonFile(const std::string& path);

/// The document as indented JSON: name (when set), rig, params, match_eq (when not flat), loss,
/// schema_version, warnings (when present), alternatives (when any), then the carried keys.
std::string writeRigJson(const RigDocument& rig);

}  // namespace tonematch::engine
