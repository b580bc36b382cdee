#include "state/SessionState.h"

#include <cmath>
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
