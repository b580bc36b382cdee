// Shape checks run before a JSON document is parsed: a hostile one never reaches the parser's
// recursion, nor the ordered object's key lookup (linear per key, so quadratic per object).
#pragma once

#include <string>
#include <vector>

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

/// False when an object holds more than `limit` members (commas counted, strings skipped); one
/// linear scan. Call after jsonDepthWithin, which bounds the stack.
inline bool jsonObjectsWithin(const std::string& text, std::size_t limit) {
  std::vector<std::size_t> members;  // per open bracket: members so far; npos for an array
  constexpr auto kArray = static_cast<std::size_t>(-1);
  bool inString = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      if (c == '\\') ++i;
      else if (c == '"') inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '{' || c == '[') {
      members.push_back(c == '{' ? 1 : kArray);
    } else if ((c == '}' || c == ']') && !members.empty()) {
      members.pop_back();
    } else if (c == ',' && !members.empty() && members.back() != kArray) {
      if (++members.back() > limit) return false;
    }
  }
  return true;
}

}  // namespace tonematch::engine::rig
