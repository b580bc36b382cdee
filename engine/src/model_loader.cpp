#include <cmath>
#include <filesystem>
#include <fstream>

#include "convnet.h"
#include "format_error.h"
#include "json_config.h"
#include "lstm.h"
#include "tonematch/engine/loader.h"
#include "wavenet.h"

namespace tonematch::engine {

std::unique_ptr<Model> finishLoad(std::unique_ptr<Model> model, ModelMetadata metadata);

namespace {

constexpr int kMaxJsonDepth = 64;
constexpr int kMaxReceptiveField = 1 << 20;
constexpr std::size_t kMaxStateFloats = 32u * 1024u * 1024u;

[[noreturn]] void fail(LoadErrorKind kind, const std::string& problem) { throw FormatError(kind, problem); }

// nlohmann's parser copes with deep nesting, but a .nam document is never deeper than a few
// levels; refusing early keeps hostile input cheap and the message clear.
void checkNesting(const std::string& text) {
  int depth = 0;
  bool inString = false, escaped = false;
  for (char ch : text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (ch == '\\') escaped = true;
      else if (ch == '"') inString = false;
    } else if (ch == '"') {
      inString = true;
    } else if (ch == '[' || ch == '{') {
      if (++depth > kMaxJsonDepth) fail(LoadErrorKind::NotJson, "JSON is nested too deeply to be a .nam file");
    } else if (ch == ']' || ch == '}') {
      --depth;
    }
  }
}

json parseJson(const std::string& text) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) fail(LoadErrorKind::Io, "file is empty");
  checkNesting(text);
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    const auto cut = what.find("] ");
    if (cut != std::string::npos) what = what.substr(cut + 2);
    fail(LoadErrorKind::NotJson, "not valid JSON (truncated or corrupt?): " + what);
  }
}

void checkVersion(const json& doc) {
  if (!doc.contains("version")) fail(LoadErrorKind::BadFormat, "missing field 'version'");
  if (!doc.at("version").is_string()) fail(LoadErrorKind::BadFormat, "field 'version' must be a string");
  const std::string v = doc.at("version").get<std::string>();
  // Exactly major.minor.patch, digits only.
  int parts[3] = {-1, -1, -1};
  int part = 0;
  bool parsed = !v.empty() && v.size() < 32;
  for (std::size_t i = 0; parsed && i < v.size(); ++i) {
    const char ch = v[i];
    if (ch == '.') {
      parsed = parts[part] >= 0 && ++part < 3;
    } else if (ch >= '0' && ch <= '9') {
      parts[part] = (parts[part] < 0 ? 0 : parts[part] * 10) + (ch - '0');
    } else {
      parsed = false;
    }
  }
  parsed = parsed && part == 2 && parts[2] >= 0;
  const int major = parts[0], minor = parts[1];
  // 0.5 is the layout most files in the wild use; 0.7 is the current exporter's.
  if (!parsed || major != 0 || minor < 5 || minor > 7)
    fail(LoadErrorKind::UnsupportedVersion, "unsupported .nam version '" + v + "' (supported: 0.5 to 0.7)");
}

std::optional<double> optionalNumber(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) return std::nullopt;
  const json& v = object.at(key);
  if (!v.is_number()) return std::nullopt;  // metadata is informational: odd values are ignored
  const double d = v.get<double>();
  return std::isfinite(d) ? std::optional<double>(d) : std::nullopt;
}

ModelMetadata readMetadata(const json& doc) {
  ModelMetadata m;
  m.version = doc.at("version").get<std::string>();
  m.architecture = doc.at("architecture").get<std::string>();
  if (doc.contains("sample_rate") && !doc.at("sample_rate").is_null()) {
    const json& sr = doc.at("sample_rate");
    const double rate = sr.is_number() ? sr.get<double>() : 0.0;
    // Older writers use -1 for "unknown".
    if (sr.is_number() && rate == -1.0) {
    } else if (!sr.is_number() || !std::isfinite(rate) || rate < 1000.0 || rate > 1.0e6) {
      fail(LoadErrorKind::BadFormat, "field 'sample_rate' must be a rate in Hz (got " + sr.dump() + ")");
    } else {
      m.sampleRate = rate;
    }
  }
  if (doc.contains("metadata") && doc.at("metadata").is_object()) {
    const json& md = doc.at("metadata");
    m.loudness = optionalNumber(md, "loudness");
    m.gain = optionalNumber(md, "gain");
    m.inputLevelDbu = optionalNumber(md, "input_level_dbu");
    m.outputLevelDbu = optionalNumber(md, "output_level_dbu");
    if (md.contains("name") && md.at("name").is_string()) m.name = md.at("name").get<std::string>();
  }
  return m;
}

std::vector<float> readWeightList(const json& doc, const LoadOptions& options) {
  if (!doc.contains("weights")) fail(LoadErrorKind::BadFormat, "missing field 'weights'");
  const json& w = doc.at("weights");
  if (!w.is_array()) fail(LoadErrorKind::BadFormat, "field 'weights' must be a list of numbers");
  if (w.size() > options.maxWeights)
    fail(LoadErrorKind::TooLarge, std::to_string(w.size()) + " weights is above the limit of " +
                                      std::to_string(options.maxWeights));
  std::vector<float> out;
  out.reserve(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (!w[i].is_number()) fail(LoadErrorKind::BadWeights, "weight " + std::to_string(i) + " is not a number");
    const double d = w[i].get<double>();
    if (!std::isfinite(d) || std::fabs(d) > 3.4e38)
      fail(LoadErrorKind::BadWeights, "weight " + std::to_string(i) + " is not a finite float (" + w[i].dump() + ")");
    out.push_back(static_cast<float>(d));
  }
  return out;
}

void checkCount(std::size_t expected, std::size_t actual, const LoadOptions& options) {
  if (expected > options.maxWeights)
    fail(LoadErrorKind::TooLarge, "the config describes " + std::to_string(expected) +
                                      " weights, above the limit of " + std::to_string(options.maxWeights));
  if (expected != actual)
    fail(LoadErrorKind::BadWeights, "the config needs " + std::to_string(expected) + " weights but the file has " +
                                        std::to_string(actual));
}

template <class M>
void readAll(M& model, const std::vector<float>& weights) {
  WeightReader reader(weights);
  model.readWeights(reader);
  if (reader.remaining() != 0) fail(LoadErrorKind::BadWeights, "weights left over after reading the network");
}

std::unique_ptr<Model> buildNetwork(const json& doc, const LoadOptions& options, int depth);

std::unique_ptr<Model> buildContainer(const json& doc, const LoadOptions& options, int depth) {
  if (depth > 0) badConfig("a SlimmableContainer cannot contain another container");
  const ConfigReader c(doc.at("config"), "config");
  const json& subs = c.at("submodels");
  if (!subs.is_array() || subs.empty()) badConfig("field 'config.submodels' must be a non-empty list");
  // Submodels are chosen by their max_value: the first (smallest) one that covers `slim`.
  if (doc.contains("weights") && !(doc.at("weights").is_array() && doc.at("weights").empty()))
    fail(LoadErrorKind::BadFormat, "a SlimmableContainer keeps its weights in its submodels; 'weights' must be []");
  const json* chosen = nullptr;
  double chosenMax = 0.0;
  for (std::size_t i = 0; i < subs.size(); ++i) {
    const ConfigReader s(subs[i], "config.submodels[" + std::to_string(i) + "]");
    const double maxValue = s.number("max_value", 0.0, 1.0);
    if (!s.at("model").is_object()) badConfig(s.field("model") + " must be an object");
    if (maxValue >= options.slim && (!chosen || maxValue < chosenMax)) {
      chosen = &s.at("model");
      chosenMax = maxValue;
    }
    if (!chosen && i + 1 == subs.size()) chosen = &s.at("model");
  }
  // Every submodel is validated, not only the one chosen, so a broken file is refused whatever
  // size is asked for.
  std::unique_ptr<Model> inner;
  for (std::size_t i = 0; i < subs.size(); ++i) {
    const json& sub = subs[i].at("model");
    try {
      auto model = buildNetwork(sub, options, depth + 1);
      if (&sub == chosen) inner = std::move(model);
    } catch (const FormatError& e) {
      throw FormatError(e.kind, "config.submodels[" + std::to_string(i) + "]: " + e.what());
    }
  }
  return inner;
}

std::unique_ptr<Model> buildNetwork(const json& doc, const LoadOptions& options, int depth) {
  if (!doc.is_object()) fail(LoadErrorKind::BadFormat, "the document must be a JSON object");
  checkVersion(doc);
  if (!doc.contains("architecture") || !doc.at("architecture").is_string())
    fail(LoadErrorKind::BadFormat, "missing or non-string field 'architecture'");
  if (!doc.contains("config") || !doc.at("config").is_object())
    fail(LoadErrorKind::BadFormat, "missing or non-object field 'config'");
  ModelMetadata meta = readMetadata(doc);
  const std::string& arch = meta.architecture;
  const json& config = doc.at("config");

  std::unique_ptr<Model> model;
  if (arch == "SlimmableContainer") {
    model = buildContainer(doc, options, depth);
    // The chosen submodel's own measurements describe what will actually play.
    const ModelMetadata& inner = model->metadata();
    if (!meta.sampleRate) meta.sampleRate = inner.sampleRate;
    if (inner.loudness) meta.loudness = inner.loudness;
    if (inner.gain) meta.gain = inner.gain;
    return finishLoad(std::move(model), meta);
  }
  const std::vector<float> weights = readWeightList(doc, options);
  if (arch == "WaveNet") {
    // condition_dsp: a nested WaveNet document that turns the input into the condition.
    std::unique_ptr<WaveNet> conditionNet;
    if (config.contains("condition_dsp") && !config.at("condition_dsp").is_null()) {
      if (depth > 0) badConfig("a condition_dsp cannot have its own condition_dsp");
      const json& cd = config.at("condition_dsp");
      try {
        if (!cd.is_object()) fail(LoadErrorKind::BadFormat, "must be an object");
        checkVersion(cd);
        if (!cd.contains("architecture") || cd.at("architecture") != "WaveNet")
          badConfig("only a WaveNet condition network is supported");
        if (!cd.contains("config") || !cd.at("config").is_object())
          fail(LoadErrorKind::BadFormat, "missing or non-object field 'config'");
        if (cd.at("config").contains("condition_dsp") && !cd.at("config").at("condition_dsp").is_null())
          badConfig("a condition_dsp cannot have its own condition_dsp");
        conditionNet = std::make_unique<WaveNet>(parseWaveNetSpec(cd.at("config"), 1, false));
        const std::vector<float> cw = readWeightList(cd, options);
        checkCount(conditionNet->weightCount(), cw.size(), options);
        readAll(*conditionNet, cw);
      } catch (const FormatError& e) {
        throw FormatError(e.kind, std::string("config.condition_dsp: ") + e.what());
      }
    }
    const int conditionChannels = conditionNet ? conditionNet->outputChannels() : 1;
    auto net = std::make_unique<WaveNet>(parseWaveNetSpec(config, conditionChannels), std::move(conditionNet));
    if (net->receptiveField() > kMaxReceptiveField) badConfig("receptive field is implausibly long");
    if (net->stateFloats(4096) > kMaxStateFloats) fail(LoadErrorKind::TooLarge, "the network needs too much memory");
    checkCount(net->weightCount(), weights.size(), options);
    readAll(*net, weights);
    model = std::move(net);
  } else if (arch == "LSTM") {
    const ConfigReader c(config, "config");
    if (c.integer("input_size", 1, 1, 1) != 1) badConfig("LSTM input_size must be 1");
    const int hidden = c.integer("hidden_size", 1, 512);
    const int layers = c.integer("num_layers", 1, 16, 1);
    checkCount(Lstm::countWeights(layers, hidden), weights.size(), options);
    auto net = std::make_unique<Lstm>(layers, hidden);
    readAll(*net, weights);
    model = std::move(net);
  } else if (arch == "ConvNet") {
    const ConfigReader c(config, "config");
    const int channels = c.integer("channels", 1, 512);
    const json& d = c.at("dilations");
    if (!d.is_array() || d.empty() || d.size() > 256) badConfig("field 'config.dilations' must be a list of 1…256 dilations");
    const std::vector<int> dilations = c.intList("dilations", 1, 1 << 16);
    const bool batchnorm = c.boolean("batchnorm", false);
    const Activation act = Activation::fromJson(c.at("activation"));
    if (act.requiredChannels() != 0 && act.requiredChannels() != channels) badConfig("PReLU slopes do not match channels");
    checkCount(ConvNet::countWeights(channels, dilations, batchnorm), weights.size(), options);
    auto net = std::make_unique<ConvNet>(channels, dilations, batchnorm, act);
    if (net->receptiveField() > kMaxReceptiveField) badConfig("receptive field is implausibly long");
    readAll(*net, weights);
    model = std::move(net);
  } else if (arch == "Linear") {
    const ConfigReader c(config, "config");
    const int rf = c.integer("receptive_field", 1, 1 << 16);
    auto net = std::make_unique<Linear>(rf, c.boolean("bias", false));
    checkCount(net->weightCount(), weights.size(), options);
    readAll(*net, weights);
    model = std::move(net);
  } else {
    fail(LoadErrorKind::UnknownArchitecture, "unknown architecture '" + arch +
                                                 "' (supported: WaveNet, LSTM, ConvNet, Linear, SlimmableContainer)");
  }
  return finishLoad(std::move(model), meta);
}

}  // namespace

std::unique_ptr<Model> finishLoad(std::unique_ptr<Model> model, ModelMetadata metadata) {
  model->metadata_ = std::move(metadata);
  return model;
}

namespace {

// Messages quote text from the file; keep them one line of valid UTF-8 whatever the file holds.
std::string oneLine(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      out += ' ';
      ++i;
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    int len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool valid = len > 0 && i + len <= text.size();
    for (int k = 1; valid && k < len; ++k)
      valid = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    if (valid) {
      out.append(text, i, len);
      i += len;
    } else {
      out += '?';
      ++i;
    }
  }
  if (out.size() > 400) out = out.substr(0, 400) + "...";
  return out;
}

}  // namespace

LoadError::LoadError(LoadErrorKind kind, const std::string& source, const std::string& problem)
    : std::runtime_error(oneLine(source) + ": " + oneLine(problem)), kind_(kind), source_(source),
      problem_(oneLine(problem)) {}

std::unique_ptr<Model> loadModelFromString(const std::string& text, const std::string& source,
                                           const LoadOptions& options) {
  try {
    if (text.size() > options.maxFileBytes)
      fail(LoadErrorKind::TooLarge, "file is larger than " + std::to_string(options.maxFileBytes >> 20) + " MiB");
    return buildNetwork(parseJson(text), options, 0);
  } catch (const FormatError& e) {
    throw LoadError(e.kind, source, e.what());
  } catch (const json::exception& e) {
    std::string what = e.what();
    const auto cut = what.find("] ");
    if (cut != std::string::npos) what = what.substr(cut + 2);
    throw LoadError(LoadErrorKind::BadFormat, source, "unexpected JSON content: " + what);
  } catch (const std::bad_alloc&) {
    throw LoadError(LoadErrorKind::TooLarge, source, "not enough memory to load the network");
  } catch (const std::length_error&) {
    throw LoadError(LoadErrorKind::TooLarge, source, "the network is too large");
  }
}

std::unique_ptr<Model> loadModel(const std::string& path, const LoadOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p = fs::u8path(path);
  if (!fs::exists(p, ec)) throw LoadError(LoadErrorKind::Io, path, "file not found");
  if (fs::is_directory(p, ec)) throw LoadError(LoadErrorKind::Io, path, "is a folder, not a .nam file");
  const auto size = fs::file_size(p, ec);
  if (ec) throw LoadError(LoadErrorKind::Io, path, "cannot read file size: " + ec.message());
  if (size == 0) throw LoadError(LoadErrorKind::Io, path, "file is empty");
  if (size > options.maxFileBytes)
    throw LoadError(LoadErrorKind::TooLarge, path,
                    "file is larger than " + std::to_string(options.maxFileBytes >> 20) + " MiB");
  std::ifstream in(p, std::ios::binary);
  if (!in) throw LoadError(LoadErrorKind::Io, path, "cannot open file for reading");
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (in.gcount() != static_cast<std::streamsize>(size)) throw LoadError(LoadErrorKind::Io, path, "could not read the whole file");
  return loadModelFromString(text, path, options);
}

}  // namespace tonematch::engine
