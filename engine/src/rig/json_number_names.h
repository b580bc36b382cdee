// Names the value a JSON parser refused because JSON cannot hold it: NaN, Infinity, -Infinity
// (which Python, JavaScript and hand edits produce) or a number beyond a double. A byte offset
// means nothing to someone fixing a preset; "params.input_gain_db is NaN" does. Run only after
// the strict parse failed, so it costs nothing on a good document.
#pragma once

#include <cctype>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tonematch::engine::rig {

namespace detail {

using Json = nlohmann::ordered_json;

// Follows the parse to the refusal: the path of the value being read when it came.
class NumberPathTracker : public nlohmann::json_sax<Json> {
 public:
  explicit NumberPathTracker(const std::string& text) : text_(text) {}

  std::optional<std::string> named;  ///< set when the refusal was such a value

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override { return open(false); }
  bool key(string_t& k) override {
    frames_.back().key = k;
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(true); }
  bool end_array() override { return close(); }

  bool parse_error(std::size_t end, const std::string& token,
                   const nlohmann::detail::exception& e) override {
    // `end` is the byte after the last one read: after the number that overflowed (the token
    // is the whole number), or after the first character of a literal that is not JSON's.
    if (e.id == 406) {
      // Thousands of digits are not a number anyone wrote: left as invalid JSON, as Python's
      // reader leaves integers of over 4300 digits.
      if (token.size() <= 4300) name(end - token.size(), "a number too large for a double");
    } else if (end >= 1) {
      std::size_t start = end - 1;
      if (start >= 1 && text_[start] == 'I' && text_[start - 1] == '-') --start;
      for (const char* literal : {"NaN", "Infinity", "-Infinity"})
        if (isLiteral(start, literal))
          name(start, std::string(literal) + ", not a finite number (JSON has no " + literal + ")",
               false);
    }
    return false;
  }

 private:
  struct Frame {
    bool array;
    std::string key;        // an object's latest key
    std::size_t count = 0;  // an array's elements so far
  };

  bool value() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().count;
    return true;
  }
  bool open(bool array) {
    value();
    frames_.push_back({array, {}, 0});
    return true;
  }
  bool close() {
    frames_.pop_back();
    return true;
  }

  bool isLiteral(std::size_t start, const char* literal) const {
    const std::size_t n = std::strlen(literal);
    if (text_.compare(start, n, literal) != 0) return false;
    const char next = start + n < text_.size() ? text_[start + n] : ' ';
    return !std::isalnum(static_cast<unsigned char>(next)) && next != '_';
  }

  // Sets `named` when the value at `start` stands where a value belongs (after ':' in an
  // object, after '[' or ',' in an array); anything else is a plain syntax error.
  void name(std::size_t start, const std::string& what, bool isNumber = true) {
    if (frames_.empty()) return;
    std::size_t before = start;
    while (before > 0 && std::strchr(" \t\r\n", text_[before - 1]) != nullptr) --before;
    if (before == 0) return;
    const char prev = text_[before - 1];
    if (frames_.back().array ? (prev != '[' && prev != ',') : prev != ':') return;
    std::vector<std::string> parts;  // "key" or "[i]"
    for (std::size_t i = 0; i < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      const bool innermost = i + 1 == frames_.size();
      // An enclosing array counted the container it holds; the refused value was not counted.
      parts.push_back(f.array ? "[" + std::to_string(innermost ? f.count : f.count - 1) + "]"
                              : f.key);
    }
    std::string where;
    if (parts.size() == 1) {
      where = "'" + parts[0] + "'";
    } else {
      for (std::size_t i = 0; i < parts.size(); ++i)
        where += (i == 0 || frames_[i].array) ? parts[i] : "." + parts[i];
    }
    named = where + " is " + what + (isNumber ? ", not a finite number" : "");
  }

  const std::string& text_;
  std::vector<Frame> frames_;
};

}  // namespace detail

/// "<where> is NaN, not a finite number (JSON has no NaN)" or "<where> is a number too large
/// for a double, not a finite number" when the strict parse of `text` failed on such a value
/// (where: 'loss' at the top level, else params.input_gain_db, match_eq.gains_db[0], …).
inline std::optional<std::string> unrepresentableNumber(const std::string& text) {
  detail::NumberPathTracker tracker(text);
  detail::Json::sax_parse(text, &tracker);
  return tracker.named;
}

}  // namespace tonematch::engine::rig
