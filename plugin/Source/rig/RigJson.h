// The rig JSON in the plugin: the engine's codec (tonematch/engine/rig_json.h; docs/formats.md,
// rig JSON) under the names the presets, the session state and the MATCH TONE! bridge use.
#pragma once

#include <string>
#include <vector>

#include "Parameters.h"
#include "tonematch/engine/rig_json.h"

namespace tonematch::plugin {

using RigError = engine::RigFormatError;
using RigSlot = engine::RigSlot;
using RigSpec = engine::RigDocument;
/// The match EQ's band gains (dB) on engine::Chain::matchEqCentreHz(k); all zero = flat.
using MatchEqGains = engine::MatchEqValues;

/// True when every gain is zero.
bool isFlat(const MatchEqGains& gains);

/// Parses a JSON document. Relative paths resolve against baseDir (if not empty).
/// Throws RigError naming `source` on malformed input.
RigSpec parseRig(const std::string& text, const std::string& source,
                 const std::string& baseDir = {});

/// Reads and parses a file; relative paths resolve against the file's folder.
RigSpec readRigFile(const std::string& path);

/// Serialises a rig (with "name" when set) as indented JSON with absolute paths.
std::string serialiseRig(const RigSpec& rig);

/// What to tell the user about a rig: what reading changed, then the matcher's own warnings.
std::vector<std::string> rigMessages(const RigSpec& rig);

}  // namespace tonematch::plugin
