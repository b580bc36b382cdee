#include "json_config.h"

#include <cmath>

namespace tonematch::engine {

ConfigReader::ConfigReader(const json& object, std::string where)
    : object_(object), where_(std::move(where)) {
  if (!object_.is_object()) badConfig((where_.empty() ? std::string("config") : where_) + " must be an object");
}

bool ConfigReader::has(const char* key) const { return object_.contains(key); }

bool ConfigReader::present(const char* key) const {
  return object_.contains(key) && !object_.at(key).is_null();
}

const json& ConfigReader::at(const char* key) const {
  if (!object_.contains(key)) badConfig("missing field '" + field(key) + "'");
  return object_.at(key);
}

int ConfigReader::checkInt(const json& v, const std::string& name, int lo, int hi) const {
  // JSON writers may store integers as 16.0; accept exact integral values only.
  if (!v.is_number()) badConfig("field '" + name + "' must be an integer");
  const double d = v.get<double>();
  if (!std::isfinite(d) || d != std::floor(d)) badConfig("field '" + name + "' must be an integer");
  if (d < lo || d > hi)
    badConfig("field '" + name + "' is " + v.dump() + ", outside " + std::to_string(lo) + "…" +
              std::to_string(hi));
  return static_cast<int>(d);
}

int ConfigReader::integer(const char* key, int lo, int hi) const {
  return checkInt(at(key), field(key), lo, hi);
}

int ConfigReader::integer(const char* key, int lo, int hi, int fallback) const {
  return present(key) ? integer(key, lo, hi) : fallback;
}

double ConfigReader::number(const char* key, double lo, double hi) const {
  const json& v = at(key);
  if (!v.is_number()) badConfig("field '" + field(key) + "' must be a number");
  const double d = v.get<double>();
  if (!std::isfinite(d) || d < lo || d > hi) badConfig("field '" + field(key) + "' is out of range");
  return d;
}

double ConfigReader::number(const char* key, double lo, double hi, double fallback) const {
  return present(key) ? number(key, lo, hi) : fallback;
}

bool ConfigReader::boolean(const char* key) const {
  const json& v = at(key);
  if (!v.is_boolean()) badConfig("field '" + field(key) + "' must be true or false");
  return v.get<bool>();
}

bool ConfigReader::boolean(const char* key, bool fallback) const {
  return present(key) ? boolean(key) : fallback;
}

std::string ConfigReader::string(const char* key) const {
  const json& v = at(key);
  if (!v.is_string()) badConfig("field '" + field(key) + "' must be a string");
  return v.get<std::string>();
}

std::vector<int> ConfigReader::intList(const char* key, int lo, int hi) const {
  const json& v = at(key);
  std::vector<int> out;
  if (v.is_array()) {
    if (v.empty()) badConfig("field '" + field(key) + "' must not be empty");
    for (std::size_t i = 0; i < v.size(); ++i)
      out.push_back(checkInt(v[i], field(key) + "[" + std::to_string(i) + "]", lo, hi));
  } else {
    out.push_back(checkInt(v, field(key), lo, hi));
  }
  return out;
}

ConfigReader ConfigReader::object(const char* key) const { return ConfigReader(at(key), field(key)); }

}  // namespace tonematch::engine
