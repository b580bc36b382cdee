// Typed, range-checked reads from a .nam config object; every failure names the field.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "format_error.h"

namespace tonematch::engine {

using json = nlohmann::json;

/// Reads fields of one JSON object; `where` prefixes error messages ("layers[1]").
class ConfigReader {
 public:
  ConfigReader(const json& object, std::string where);

  bool has(const char* key) const;
  /// True when the key is present and not null.
  bool present(const char* key) const;
  const json& at(const char* key) const;
  int integer(const char* key, int lo, int hi) const;
  int integer(const char* key, int lo, int hi, int fallback) const;
  double number(const char* key, double lo, double hi) const;
  double number(const char* key, double lo, double hi, double fallback) const;
  bool boolean(const char* key) const;
  bool boolean(const char* key, bool fallback) const;
  std::string string(const char* key) const;
  /// An int, or a list of ints, as a list (broadcast to `count` when a single int).
  std::vector<int> intList(const char* key, int lo, int hi) const;
  ConfigReader object(const char* key) const;
  std::string field(const char* key) const { return where_.empty() ? key : where_ + "." + key; }
  const std::string& where() const { return where_; }
  const json& raw() const { return object_; }

 private:
  int checkInt(const json& v, const std::string& name, int lo, int hi) const;
  const json& object_;
  std::string where_;
};

}  // namespace tonematch::engine
