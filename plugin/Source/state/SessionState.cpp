#include "state/SessionState.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iomanip>
#include <locale>
#include <sstream>

namespace tonematch::plugin {

namespace {
const char* const kRootTag = "ToneMatchAI";
const char* const kRigTag = "Rig";
const char* const kStatusTag = "Status";
const char* const kMatchTag = "Match";
const std::array<const char*, 3> kSlotAttributes{"pedal", "amp", "ir"};
constexpr juce::uint32 kXmlBinaryMagic = 0x21324356;  // juce::AudioProcessor's copyXmlToBinary

// How deeply the elements of an XML text nest, stopping early past `limit`. A linear scan with
// no recursion: juce::XmlDocument parses children recursively, so a crafted or corrupt state
// nesting tens of thousands of elements would overflow the host's stack before any check of
// ours could run. Comments, CDATA, processing instructions, declarations and quoted attribute
// values are skipped so a '<' or '>' inside them is not counted.
int xmlDepth(const char* text, std::size_t size, int limit) {
  int depth = 0;
  int deepest = 0;
  std::size_t i = 0;
  auto startsWith = [&](std::size_t at, const char* what) {
    const std::size_t n = std::strlen(what);
    return at + n <= size && std::memcmp(text + at, what, n) == 0;
  };
  auto skipPast = [&](std::size_t from, const char* end) {
    const std::size_t n = std::strlen(end);
    for (std::size_t k = from; k + n <= size; ++k)
      if (std::memcmp(text + k, end, n) == 0) return k + n;
    return size;
  };
  while (i < size) {
    if (text[i] != '<') {
      ++i;
      continue;
    }
    if (startsWith(i, "<!--")) {
      i = skipPast(i + 4, "-->");
    } else if (startsWith(i, "<![CDATA[")) {
      i = skipPast(i + 9, "]]>");
    } else if (startsWith(i, "<?")) {
      i = skipPast(i + 2, "?>");
    } else if (startsWith(i, "<!")) {
      i = skipPast(i + 2, ">");
    } else if (startsWith(i, "</")) {
      i = skipPast(i + 2, ">");
      if (depth > 0) --depth;
    } else {
      // An opening tag: find its end outside quoted attribute values.
      std::size_t k = i + 1;
      char quote = 0;
      for (; k < size; ++k) {
        if (quote != 0) {
          if (text[k] == quote) quote = 0;
        } else if (text[k] == '"' || text[k] == '\'') {
          quote = text[k];
        } else if (text[k] == '>') {
          break;
        }
      }
      const bool selfClosing = k < size && k > i + 1 && text[k - 1] == '/';
      if (!selfClosing) {
        deepest = std::max(deepest, ++depth);
        if (deepest > limit) return deepest;
      }
      i = k + 1;
    }
  }
  return deepest;
}
}  // namespace

void writeSessionState(const SessionState& state, const std::string& statusLine, bool loading,
                       juce::MemoryBlock& dest) {
  juce::XmlElement root(kRootTag);
  root.setAttribute("version", TONEMATCH_VERSION);
  if (auto params = state.parameters.createXml()) root.addChildElement(params.release());

  auto* rig = root.createNewChildElement(kRigTag);
  for (std::size_t i = 0; i < kSlotAttributes.size(); ++i)
    rig->setAttribute(kSlotAttributes[i], juce::String::fromUTF8(state.slotPaths[i].c_str()));
  rig->setAttribute("lastRig", juce::String::fromUTF8(state.lastRig.c_str()));
  if (state.lastLoss) rig->setAttribute("loss", *state.lastLoss);
  if (!isFlat(state.matchEqDb)) {
    std::ostringstream gains;  // 9 significant digits: every float reads back exactly
    gains.imbue(std::locale::classic());
    gains << std::setprecision(9);
    for (std::size_t k = 0; k < state.matchEqDb.size(); ++k)
      gains << (k ? " " : "") << state.matchEqDb[k];
    rig->setAttribute("matchEq", juce::String(gains.str()));
  }
  if (state.matchEqBypassed) rig->setAttribute("matchEqBypass", 1);
  if (!state.matchedRigs.empty()) {
    auto* match = root.createNewChildElement(kMatchTag);
    match->setAttribute("active", state.activeMatchedRig);
    match->addTextElement(juce::String::fromUTF8(state.matchedRigs.c_str()));
  }

  auto* status = root.createNewChildElement(kStatusTag);
  status->setAttribute("line", juce::String::fromUTF8(statusLine.c_str()));
  status->setAttribute("loading", loading ? 1 : 0);

  juce::AudioProcessor::copyXmlToBinary(root, dest);
}

std::optional<SessionState> readSessionState(const void* data, int size,
                                             const juce::Identifier& parametersType,
                                             std::string& whyNot) {
  if (data == nullptr || size <= 0) {
    whyNot = "empty state";
    return std::nullopt;
  }
  // Same framing getXmlFromBinary() reads (magic, length, UTF-8 XML): the depth is checked on
  // the raw text before JUCE's recursive parser sees it.
  if (size > 8 && juce::ByteOrder::littleEndianInt(data) == kXmlBinaryMagic) {
    const auto length = static_cast<int>(
        juce::ByteOrder::littleEndianInt(juce::addBytesToPointer(data, 4)));
    if (length > 0) {
      const auto n = static_cast<std::size_t>(std::min(size - 8, length));
      const int depth = xmlDepth(static_cast<const char*>(data) + 8, n, kMaxStateDepth);
      if (depth > kMaxStateDepth) {
        whyNot = "the state nests deeper than " + std::to_string(kMaxStateDepth) +
                 " elements (corrupt or crafted)";
        return std::nullopt;
      }
    }
  }
  auto root = juce::AudioProcessor::getXmlFromBinary(data, size);
  if (root == nullptr) {
    whyNot = "not a JUCE XML state blob";
    return std::nullopt;
  }
  if (!root->hasTagName(kRootTag)) {
    whyNot = "unexpected root element <" + root->getTagName().toStdString() + ">";
    return std::nullopt;
  }
  auto* params = root->getChildByName(parametersType);
  if (params == nullptr) {
    whyNot = "no parameters in the state";
    return std::nullopt;
  }
  SessionState state;
  state.parameters = juce::ValueTree::fromXml(*params);
  if (!state.parameters.isValid()) {
    whyNot = "unreadable parameters";
    return std::nullopt;
  }
  if (auto* rig = root->getChildByName(kRigTag)) {
    for (std::size_t i = 0; i < kSlotAttributes.size(); ++i)
      state.slotPaths[i] = rig->getStringAttribute(kSlotAttributes[i]).toStdString();
    state.lastRig = rig->getStringAttribute("lastRig").toStdString();
    if (rig->hasAttribute("loss")) state.lastLoss = rig->getDoubleAttribute("loss");
    if (rig->hasAttribute("matchEq")) {
      // Strict, like the rest: 24 finite numbers within range, or the state is not restored.
      const auto text = rig->getStringAttribute("matchEq").trim();
      juce::StringArray gains;
      gains.addTokens(text, " ", "");
      gains.removeEmptyStrings();
      if (gains.size() != static_cast<int>(state.matchEqDb.size())) {
        whyNot = "unreadable match EQ (" + std::to_string(gains.size()) + " gains)";
        return std::nullopt;
      }
      for (std::size_t k = 0; k < state.matchEqDb.size(); ++k) {
        const auto token = gains[static_cast<int>(k)].toStdString();
        std::istringstream in(token);
        in.imbue(std::locale::classic());
        double g = 0.0;
        in >> g;
        if (in.fail() || !in.eof() || !std::isfinite(g) ||
            std::abs(g) > engine::Chain::kMatchEqMaxDb) {
          whyNot = "unreadable match EQ gain '" + token + "'";
          return std::nullopt;
        }
        state.matchEqDb[k] = static_cast<float>(g);
      }
    }
    state.matchEqBypassed = rig->getIntAttribute("matchEqBypass", 0) != 0;
  }
  if (auto* match = root->getChildByName(kMatchTag)) {
    state.matchedRigs = match->getAllSubText().toStdString();
    state.activeMatchedRig = match->getIntAttribute("active", -1);
  }
  return state;
}

}  // namespace tonematch::plugin
