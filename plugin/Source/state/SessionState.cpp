#include "state/SessionState.h"

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
  }
  if (auto* match = root->getChildByName(kMatchTag)) {
    state.matchedRigs = match->getAllSubText().toStdString();
    state.activeMatchedRig = match->getIntAttribute("active", -1);
  }
  return state;
}

}  // namespace tonematch::plugin
