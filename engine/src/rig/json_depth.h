// A nesting check run before a JSON document is parsed, so a hostile one never reaches the
// parser's recursion.
#pragma once

#include <string>

namespace tonematch::engine::rig {

/// False when brackets nest deeper than limit (strings skipped); one linear scan.
inline bool jsonDepthWithin(const std::string& text, int limit) {
  int depth = 0;
  bool inString = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      if (c == '\\') ++i;  // the escaped character cannot end the string
      else if (c == '"') inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

}  // namespace tonematch::engine::rig
