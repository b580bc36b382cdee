// Hostile presets through PresetManager::load (LOAD PRESET's loadAsync reads them the same way,
// preset_async.cpp) on the real processor:
// malformed or crafted JSON, numbers JSON cannot hold, deep nesting, oversized files, bad
// encodings, and preset paths or slot paths that are not regular files. A refused preset changes
// nothing; a preset whose model or IR cannot be read loads the rest and the status names the file.
#include <cmath>
#include <cstdlib>
#include <functional>
#include <thread>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "bad_input_support.h"
#include "match_test_support.h"
#include "state/PresetManager.h"
#include "test_support.h"

using namespace tonematch::plugin;

namespace badinput {

namespace {

enum class Want { Refused, Partial, Loads };

struct PresetCase {
  std::string name;
  Want want;
  std::function<juce::File(const juce::File& path)> make;  ///< creates what is at `path`
  std::string badFile{};  ///< Partial: the slot file the status must name
  bool stalled = false;  ///< on a mount that never answers a read: not read to fingerprint it
  std::string says{};    ///< Refused: words the message must hold (the value's place, not a byte)
};

std::string amp7() { return tmtest::asset("nam_models/amp_brown_g7.nam"); }
std::string cab4() { return tmtest::asset("impulse_responses/cab_4x12_closed_cap.wav"); }

// A good preset, with pieces swapped for hostile ones. The gain (7 dB) differs from the known
// rig's, so a refused preset that leaked a value would show.
std::string preset(const std::string& gain = "7", const std::string& amp = "\"" + amp7() + "\"",
                   const std::string& ir = "\"" + cab4() + "\"", const std::string& extra = "") {
  return "{\"name\": \"Hostile\", \"rig\": {\"amp_nam_path\": " + amp + ", \"ir_path\": " + ir +
         "}, \"params\": {\"input_gain_db\": " + gain + ", \"delay_mix\": 0.1}, \"loss\": 0.3" +
         (extra.empty() ? "" : ", " + extra) + "}";
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  out.reserve(s.size() * static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::string gains(int n, const std::string& value) {
  std::string out;
  for (int i = 0; i < n; ++i) out += (i ? ", " : "") + value;
  return "\"match_eq\": {\"gains_db\": [" + out + "]}";
}

juce::File text(const juce::File& f, const std::string& body) {
  f.replaceWithData(body.data(), body.size());
  return f;
}

auto writes(std::string body) {
  return [body = std::move(body)](const juce::File& f) { return text(f, body); };
}

juce::File fifo(const juce::File& f) {
  ::mkfifo(f.getFullPathName().toRawUTF8(), 0644);
  return f;
}

juce::File unixSocket(const juce::File& f) {
  const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", f.getFullPathName().toRawUTF8());
  ::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::close(s);
  return f;
}

juce::File link(const juce::File& f, const char* target) {
  ::symlink(target, f.getFullPathName().toRawUTF8());
  return f;
}

std::string quoted(const juce::File& f) { return nlohmann::json(f.getFullPathName().toStdString()).dump(); }

// A preset whose amp (or IR) slot points at `bad`, made by `make`.
PresetCase slotCase(const std::string& name, bool ir, const std::string& badName,
                    std::function<void(const juce::File&)> make) {
  return {name, Want::Partial,
          [ir, badName, make](const juce::File& f) {
            const auto bad = f.getParentDirectory().getChildFile(badName);
            make(bad);
            return text(f, ir ? preset("7", "\"" + amp7() + "\"", quoted(bad))
                              : preset("7", quoted(bad)));
          },
          badName};
}

std::string withKeys(int n) {
  std::string extra = "\"x\": {";
  for (int i = 0; i < n; ++i) extra += (i ? ", \"k" : "\"k") + std::to_string(i) + "\": " + std::to_string(i);
  return preset("7", "\"" + amp7() + "\"", "\"" + cab4() + "\"", extra + "}");
}

std::vector<PresetCase> cases() {
  const auto good = preset();
  juce::Random rng(13);
  std::string junk(4096, '\0');
  for (auto& c : junk) c = static_cast<char>(rng.nextInt(256));
  std::string utf16 = "\xFF\xFE";
  for (char c : good) utf16 += std::string{c, '\0'};
  auto at = [&good](const char* marker) { return good.substr(0, good.find(marker)); };

  std::vector<PresetCase> out{
      {"empty file", Want::Refused, writes("")},
      {"whitespace only", Want::Refused, writes(" \n\t\r\n ")},
      {"truncated in half", Want::Refused, writes(good.substr(0, good.size() / 2))},
      {"truncated inside a string", Want::Refused, writes(good.substr(0, good.find("amp_brown") + 4))},
      {"truncated after a comma", Want::Refused, writes(at("\"loss\""))},
      {"binary junk", Want::Refused, writes(junk)},
      {"4 KiB of zeros", Want::Refused, writes(std::string(4096, '\0'))},
      {"top-level array", Want::Refused, writes("[" + good + "]")},
      {"top-level string", Want::Refused, writes("\"Hostile\"")},
      {"top-level number", Want::Refused, writes("42")},
      {"top-level null", Want::Refused, writes("null")},
      {"no rig object", Want::Refused, writes(R"({"name": "x", "params": {"input_gain_db": 7}})")},
      {"rig is an array", Want::Refused, writes(R"({"rig": [], "params": {}})")},
      {"rig is a string", Want::Refused, writes(R"({"rig": "amp.nam", "params": {}})")},
      {"params is an array", Want::Refused, writes(R"({"rig": {}, "params": [7, 0.1]})")},
      {"param is a string", Want::Refused, writes(preset("\"7\""))},
      {"param is true", Want::Refused, writes(preset("true"))},
      {"param is null", Want::Refused, writes(preset("null"))},
      {"param is an object", Want::Refused, writes(preset("{\"db\": 7}"))},
      {"param is an array", Want::Refused, writes(preset("[7]"))},
      {"param NaN", Want::Refused, writes(preset("NaN")), "", false, "params.input_gain_db is NaN, not a finite number (JSON has no NaN)"},
      {"param nan", Want::Refused, writes(preset("nan"))},
      {"param Infinity", Want::Refused, writes(preset("Infinity")), "", false, "params.input_gain_db is Infinity, not a finite number"},
      {"param -Infinity", Want::Refused, writes(preset("-Infinity")), "", false, "params.input_gain_db is -Infinity, not a finite number"},
      {"param 1e400 (beyond a double)", Want::Refused, writes(preset("1e400")), "", false, "params.input_gain_db is a number too large for a double"},
      {"param -1e400", Want::Refused, writes(preset("-1e400")), "", false, "params.input_gain_db is a number too large for a double"},
      {"param 400 digits", Want::Refused, writes(preset("1" + std::string(400, '0'))), "", false, "params.input_gain_db is a number too large for a double"},
      {"param hex", Want::Refused, writes(preset("0x10"))},
      {"param with a plus sign", Want::Refused, writes(preset("+7"))},
      {"param with a trailing dot", Want::Refused, writes(preset("7."))},
      {"match EQ NaN", Want::Refused, writes(preset("7", "\"" + amp7() + "\"", "\"" + cab4() + "\"", gains(24, "NaN"))), "", false, "match_eq.gains_db[0] is NaN"},
      {"match EQ 1e400", Want::Refused, writes(preset("7", "\"" + amp7() + "\"", "\"" + cab4() + "\"", gains(24, "1e400"))), "", false, "match_eq.gains_db[0] is a number too large"},
      {"match EQ 23 gains", Want::Refused, writes(preset("7", "\"" + amp7() + "\"", "\"" + cab4() + "\"", gains(23, "1")))},
      {"match EQ 25 gains", Want::Refused, writes(preset("7", "\"" + amp7() + "\"", "\"" + cab4() + "\"", gains(25, "1")))},
      {"match EQ strings", Want::Refused, writes(preset("7", "\"" + amp7() + "\"", "\"" + cab4() + "\"", gains(24, "\"1\"")))},
      {"match EQ is a number", Want::Refused, writes(preset("7", "\"" + amp7() + "\"", "\"" + cab4() + "\"", "\"match_eq\": 3"))},
      {"amp path is a number", Want::Refused, writes(preset("7", "12"))},
      {"amp path is an object", Want::Refused, writes(preset("7", "{\"path\": \"a.nam\"}"))},
      {"amp path is true", Want::Refused, writes(preset("7", "true"))},
      {"IR path is an array", Want::Refused, writes(preset("7", "\"" + amp7() + "\"", "[\"" + cab4() + "\"]"))},
      {"loss is a string", Want::Refused, writes(R"({"rig": {}, "params": {}, "loss": "low"})")},
      {"loss NaN", Want::Refused, writes(R"({"rig": {}, "params": {}, "loss": NaN})"), "", false, "'loss' is NaN"},
      {"warnings are numbers", Want::Refused, writes(R"({"rig": {}, "params": {}, "warnings": [1, 2]})")},
      {"100 000 nested arrays", Want::Refused, writes(preset("7", "\"" + amp7() + "\"", "\"" + cab4() + "\"", "\"x\": " + repeat("[", 100000) + repeat("]", 100000)))},
      {"65 nested objects", Want::Refused, writes(preset("7", "\"" + amp7() + "\"", "\"" + cab4() + "\"", "\"x\": " + repeat("{\"a\": ", 65) + "1" + repeat("}", 65)))},
      {"1 000 000 unclosed brackets", Want::Refused, writes(repeat("[", 1000000))},
      {"nested inside params", Want::Refused, writes("{\"rig\": {}, \"params\": {\"input_gain_db\": " + repeat("[", 5000) + repeat("]", 5000) + "}}")},
      {"17 MiB file", Want::Refused, writes(preset("7", "\"" + amp7() + "\"", "\"" + cab4() + "\"", "\"pad\": \"" + std::string(17u << 20, 'x') + "\""))},
      {"invalid UTF-8 in the name", Want::Refused, writes("{\"name\": \"Crunch \xFF\xFE\", \"rig\": {}, \"params\": {}}")},
      {"overlong UTF-8", Want::Refused, writes("{\"name\": \"\xC0\xAF\", \"rig\": {}, \"params\": {}}")},
      {"lone surrogate escape", Want::Refused, writes(R"({"name": "\ud800", "rig": {}, "params": {}})")},
      {"UTF-16 with a BOM", Want::Refused, writes(utf16)},
      {"raw control character in a string", Want::Refused, writes("{\"name\": \"a\x01" "b\", \"rig\": {}, \"params\": {}}")},
      {"NUL byte between tokens", Want::Refused, writes(good.substr(0, 1) + std::string(1, '\0') + good.substr(1))},
      {"trailing garbage", Want::Refused, writes(good + " and then some")},
      {"two documents", Want::Refused, writes(good + "\n" + good)},
      {"a comment", Want::Refused, writes("// my preset\n" + good)},
      {"single quotes", Want::Refused, writes("{'rig': {}, 'params': {}}")},
      {"unquoted keys", Want::Refused, writes("{rig: {}, params: {}}")},
      {"preset is a folder", Want::Refused, [](const juce::File& f) { f.createDirectory(); return f; }},
      {"preset is a FIFO", Want::Refused, fifo},
      {"preset is a socket", Want::Refused, unixSocket},
      {"preset links to /dev/zero", Want::Refused, [](const juce::File& f) { return link(f, "/dev/zero"); }},
      {"preset links to /dev/urandom", Want::Refused, [](const juce::File& f) { return link(f, "/dev/urandom"); }},
      {"dangling link", Want::Refused, [](const juce::File& f) { return link(f, "/nonexistent/preset.json"); }},
      {"link loop", Want::Refused, [](const juce::File& f) { return link(f, f.getFullPathName().toRawUTF8()); }},
      {"vanished before loading", Want::Refused, [](const juce::File& f) { return f; }},

      slotCase("amp file missing", false, "gone.nam", [](const juce::File&) {}),
      slotCase("IR file missing", true, "gone.wav", [](const juce::File&) {}),
      slotCase("amp is a folder", false, "folder.nam", [](const juce::File& b) { b.createDirectory(); }),
      slotCase("IR is a folder", true, "folder.wav", [](const juce::File& b) { b.createDirectory(); }),
      slotCase("amp is a FIFO", false, "pipe.nam", [](const juce::File& b) { fifo(b); }),
      slotCase("IR is a FIFO", true, "pipe.wav", [](const juce::File& b) { fifo(b); }),
      slotCase("amp is a socket", false, "socket.nam", [](const juce::File& b) { unixSocket(b); }),
      slotCase("amp links to /dev/zero", false, "zero.nam", [](const juce::File& b) { link(b, "/dev/zero"); }),
      slotCase("IR links to /dev/urandom", true, "random.wav", [](const juce::File& b) { link(b, "/dev/urandom"); }),
      slotCase("amp is text", false, "notes.nam", [](const juce::File& b) { text(b, "not a model\n"); }),
      slotCase("amp is empty", false, "empty.nam", [](const juce::File& b) { text(b, ""); }),
      slotCase("IR is text", true, "notes.wav", [](const juce::File& b) { text(b, "RIFF but not really"); }),
      slotCase("IR is a model", true, "model.wav", [](const juce::File& b) { juce::File(amp7()).copyFileTo(b); }),
      slotCase("amp with a newline in its name", false, "two\nlines.nam", [](const juce::File&) {}),
      {"amp relative and missing", Want::Partial, writes(preset("7", "\"models/none.nam\"")), "none.nam"},
      {"amp with a NUL escape", Want::Refused, writes(preset("7", "\"" + amp7() + "\\u0000.txt\""))},
      {"amp path of 5000 characters", Want::Partial, writes(preset("7", "\"/" + std::string(5000, 'a') + ".nam\"")), "aaaa.nam"},
      {"amp is a Windows path", Want::Partial, writes(preset("7", R"("C:\\Amps\\brown.nam")")), "brown.nam"},

      {"UTF-8 BOM", Want::Loads, writes("\xEF\xBB\xBF" + good)},
      {"CRLF line ends", Want::Loads, writes(juce::String(good).replace(", ", ",\r\n").toStdString())},
      {"1e300 (clamped)", Want::Loads, writes(preset("1e300"))},
      {"smallest denormal", Want::Loads, writes(preset("5e-324"))},
      {"negative zero", Want::Loads, writes(preset("-0.0"))},
      {"duplicate keys", Want::Loads, writes(preset("7", "\"" + amp7() + "\"", "\"" + cab4() + "\"", "\"loss\": 0.5"))},
      {"1 MB name", Want::Loads, writes("{\"name\": \"" + std::string(1u << 20, 'n') + "\", \"rig\": {}, \"params\": {}}")},
      {"4000 unknown keys", Want::Loads, [](const juce::File& f) { return text(f, withKeys(4000)); }},
      // The ordered parser looks keys up one by one: 100 000 took 20 s, 16 MiB of them hours.
      {"100 000 unknown keys", Want::Refused, [](const juce::File& f) { return text(f, withKeys(100000)); }},
      {"a bad alternative", Want::Loads, writes(preset("7", "\"" + amp7() + "\"", "\"" + cab4() + "\"", R"("alternatives": [{"rig": {"amp_nam_path": 7}}])"))},
      {"name is a number", Want::Refused, writes(R"({"name": 5, "rig": {}, "params": {}})")},
  };
  // A preset on a mount that stopped answering (the test serves one with FUSE when it can).
  if (const char* stalled = std::getenv("TONEMATCH_STALLED_FILE"))
    out.push_back({"on a stalled mount", Want::Refused, [stalled](const juce::File&) { return juce::File(stalled); },
                   "", true});
  if (::geteuid() != 0)  // root reads any file
    out.push_back({"unreadable (mode 000)", Want::Refused, [good](const juce::File& f) {
                     text(f, good);
                     ::chmod(f.getFullPathName().toRawUTF8(), 0);
                     return f;
                   }});
  return out;
}

}  // namespace

void presetCorpus() {
  auto p = makeProcessor();
  const auto folder = work().getChildFile("presets");
  folder.createDirectory();
  int i = 0;
  for (const auto& c : cases()) {
    const auto file = c.make(folder.getChildFile("case" + juce::String(i++).paddedLeft('0', 3) + ".json"));
    const auto before = snapshot(*p);
    const auto print = c.stalled ? std::string() : fingerprint(file);
    const auto t0 = juce::Time::getMillisecondCounterHiRes();
    const auto result = tmtest::onMessageThread([&p, &file] { return PresetManager::load(*p, file); });
    TM_CHECK(p->waitUntilLoaded(30000));
    const double seconds = (juce::Time::getMillisecondCounterHiRes() - t0) / 1000.0;
    const auto message = result.getErrorMessage().toStdString();
    const auto status = p->statusLine();
    const char* want = c.want == Want::Refused ? "refused" : c.want == Want::Partial ? "partial" : "loads";
    std::printf("  preset | %s | %s in %.2f s: %.200s\n", c.name.c_str(), want, seconds,
                (result.failed() ? message : status).c_str());
    bool ok = seconds < kCaseSeconds && (c.stalled || fingerprint(file) == print);
    if (c.want == Want::Refused) {
      ok = ok && result.failed() && contains(message, file.getFileName().toStdString()) &&
           contains(message, c.says) &&
           validUtf8(message) && message.size() < 2000 && snapshot(*p) == before;
    } else {
      ok = ok && result.wasOk() && validUtf8(status);
      if (c.want == Want::Partial)
        ok = ok && contains(status, c.badFile) && std::abs(param(*p, "input_gain_db") - 7.0f) < 1e-3f &&
             (contains(status, "AMP") || contains(status, "IR"));
    }
    ok = ok && audioFlows(*p);
    if (!ok) std::fprintf(stderr, "preset case failed: %s\n", c.name.c_str());
    TM_CHECK(ok);
    ++counts()["preset"];
    if (c.want != Want::Refused) restoreKnownRig(*p);
  }
  destroy(std::move(p));
}

}  // namespace badinput
