// One line of `tonematch match --progress jsonl` output (docs/formats.md, progress JSON lines),
// and how far along the whole match is. Lines that are not progress JSON (warnings, tracebacks on
// the merged stderr) are kept by the caller as possible error text.
#pragma once

#include <optional>
#include <string>

namespace tonematch::plugin {

struct ProgressLine {
  std::string stage;    ///< load, index, analyse, pedals, grid, exact, post_fx, verify, done, error
  int done = 0, total = 0;
  std::string message;  ///< for "error": the matcher's one-line reason
};

/// Parses a line; nullopt when it is not a JSON object with a string "stage".
std::optional<ProgressLine> parseProgressLine(const std::string& line);

/// 0…1 over the whole match, from the stage and its step count (stages weighted by their usual
/// share of the run time).
double overallFraction(const ProgressLine& line);

/// What a person reads for a stage ("Grid search 12/40").
std::string stageLabel(const ProgressLine& line);

}  // namespace tonematch::plugin
