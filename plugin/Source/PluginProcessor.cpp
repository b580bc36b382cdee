#include "PluginProcessor.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "PluginEditor.h"
#include "bridge/MatchController.h"
#include "state/PluginSettings.h"
#include "state/SessionState.h"

namespace tonematch::plugin {

ToneMatchProcessor::ToneMatchProcessor()
    : AudioProcessor(BusesProperties()
                         .withInput("Input", juce::AudioChannelSet::mono(), true)
                         .withOutput("Output", juce::AudioChannelSet::stereo(), true)),
      apvts_(*this, nullptr, "PARAMETERS", createParameterLayout()),
      loader_(chain_) {
  for (std::size_t i = 0; i < kParams.size(); ++i) {
    paramPointers_[i] = apvts_.getRawParameterValue(kParams[i].apvtsId);
    jassert(paramPointers_[i] != nullptr);
  }
  matcher_ = std::make_unique<MatchController>(*this);
}

ToneMatchProcessor::~ToneMatchProcessor() = default;

bool ToneMatchProcessor::isBusesLayoutSupported(const BusesLayout& layouts) const {
  const auto in = layouts.getMainInputChannelSet();
  const auto out = layouts.getMainOutputChannelSet();
  const auto mono = juce::AudioChannelSet::mono();
  const auto stereo = juce::AudioChannelSet::stereo();
  // mono → mono, mono → stereo, stereo (summed to mono) → stereo
  return (in == mono && (out == mono || out == stereo)) || (in == stereo && out == stereo);
}

ParamValues ToneMatchProcessor::readParams() const noexcept {
  ParamValues v{};
  for (std::size_t i = 0; i < kParams.size(); ++i) {
    const float x = paramPointers_[i]->load(std::memory_order_relaxed);
    v[i] = std::isfinite(x) ? x : kParams[i].defaultValue;  // a corrupt automation value
  }
  return v;
}

engine::ChainParams ToneMatchProcessor::chainParams() const noexcept {
  engine::ChainParams p = toChainParams(readParams());
  if (!matchEqBypass_.load(std::memory_order_relaxed))
    for (std::size_t k = 0; k < matchEqDb_.size(); ++k)
      p.matchEqDb[k] = matchEqDb_[k].load(std::memory_order_relaxed);
  return p;  // the chain clamps the gains
}

MatchEqGains ToneMatchProcessor::matchEq() const noexcept {
  MatchEqGains g{};
  for (std::size_t k = 0; k < g.size(); ++k) g[k] = matchEqDb_[k].load(std::memory_order_relaxed);
  return g;
}

void ToneMatchProcessor::setMatchEq(const MatchEqGains& gains) noexcept {
  for (std::size_t k = 0; k < gains.size(); ++k) {
    const float g = static_cast<float>(gains[k]);
    const float limit = engine::Chain::kMatchEqMaxDb;
    matchEqDb_[k].store(std::isfinite(g) ? std::min(std::max(g, -limit), limit) : 0.0f,
                        std::memory_order_relaxed);
  }
  ++metaChanges_;
}

void ToneMatchProcessor::setCompareMode(CompareMode mode) {
  compare_.setMode(mode);
  ++metaChanges_;
}

void ToneMatchProcessor::setMatchEqBypassed(bool bypassed) {
  matchEqBypass_.store(bypassed, std::memory_order_relaxed);
  ++metaChanges_;
}

std::string ToneMatchProcessor::matchEqText() const {
  const auto gains = matchEq();
  float largest = 0.0f;
  for (float g : gains) largest = std::max(largest, std::abs(g));
  std::string text = "MATCH EQ: flat";
  if (!isFlat(gains)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "MATCH EQ: %d bands, \xC2\xB1%.1f dB",
                  static_cast<int>(gains.size()), static_cast<double>(largest));
    text = buf;
  }
  return matchEqBypassed() ? text + " (bypassed)" : text;
}

void ToneMatchProcessor::prepareToPlay(double sampleRate, int maximumExpectedSamplesPerBlock) {
  // Hosts call this off the audio thread with processing stopped: the place to allocate.
  const int maxBlock = std::max(1, maximumExpectedSamplesPerBlock);
  prepared_.store(false);
  try {
    loader_.prepareChain(sampleRate, maxBlock);
  } catch (const std::exception& e) {
    // e.g. a rate outside 8…768 kHz: output silence rather than take the host down.
    juce::Logger::writeToLog("ToneMatch AI: cannot prepare: " + juce::String(e.what()));
    return;
  }
  scratch_.assign(static_cast<std::size_t>(maxBlock), 0.0f);
  capture_.prepare(sampleRate, PluginSettings().read().captureSeconds);
  inputLevels_.prepare(sampleRate);
  outputLevels_.prepare(sampleRate);
  compare_.prepare(sampleRate, maxBlock, chain_.latencySamples());
  preparedBlock_ = maxBlock;
  chain_.setParamsImmediate(chainParams());
  setLatencySamples(chain_.latencySamples());
  prepared_.store(true);
}

void ToneMatchProcessor::reset() {
  chain_.reset();
  compare_.reset();
  // Start a new pass at the current settings instead of gliding from the previous ones, so an
  // offline render matches `tonematch render` from the first sample.
  chain_.setParamsImmediate(chainParams());
}

void ToneMatchProcessor::processBlock(juce::AudioBuffer<float>& buffer, juce::MidiBuffer&) {
  juce::ScopedNoDenormals noDenormals;
  const int numIn = std::min(getTotalNumInputChannels(), buffer.getNumChannels());
  const int numOut = std::min(getTotalNumOutputChannels(), buffer.getNumChannels());
  const int n = buffer.getNumSamples();
  if (!prepared_.load(std::memory_order_acquire) || numOut == 0) {
    buffer.clear();
    return;
  }
  chain_.setParams(chainParams());

  float* const* channels = buffer.getArrayOfWritePointers();
  for (int start = 0; start < n; start += preparedBlock_) {
    // Some hosts send more samples than announced in prepareToPlay: run them in pieces.
    const int len = std::min(preparedBlock_, n - start);
    float* piece[2] = {channels[0] + start, numOut > 1 ? channels[1] + start : nullptr};
    if (numIn > 1) piece[1] = channels[1] + start;
    processChunk(piece, numIn, numOut, len);
  }
  for (int c = 2; c < buffer.getNumChannels(); ++c) buffer.clear(c, 0, n);
  inputLevels_.publish();
  outputLevels_.publish();
}

void ToneMatchProcessor::processChunk(float* const* ch, int numIn, int numOut, int n) noexcept {
  float* in = ch[0];
  if (numIn == 0) {
    std::fill(in, in + n, 0.0f);
  } else if (numIn > 1) {
    // Stereo input is one guitar on two channels: average (not sum) keeps its level.
    for (int i = 0; i < n; ++i) in[i] = 0.5f * (ch[0][i] + ch[1][i]);
  }
  capture_.write(in, n);  // the DI as played, before the chain changes it in place
  inputLevels_.measure(in, nullptr, n);
  compare_.pushDry(in, n);
  if (numOut > 1) {
    chain_.process(in, ch[0], ch[1], compare_.rigTap(), n);
    compare_.process(ch[0], ch[1], n);
    outputLevels_.measure(ch[0], ch[1], n);
  } else {
    float* right = scratch_.data();
    chain_.process(in, ch[0], right, compare_.rigTap(), n);
    for (int i = 0; i < n; ++i) ch[0][i] = 0.5f * (ch[0][i] + right[i]);
    compare_.process(ch[0], nullptr, n);
    outputLevels_.measure(ch[0], nullptr, n);
  }
}

juce::AudioProcessorEditor* ToneMatchProcessor::createEditor() {
  return new ToneMatchEditor(*this);
}

// --- rig API -----------------------------------------------------------------------------

void ToneMatchProcessor::applyRig(const RigSpec& rig) {
  for (std::size_t i = 0; i < kParams.size(); ++i) {
    auto* p = apvts_.getParameter(kParams[i].apvtsId);
    p->beginChangeGesture();
    p->setValueNotifyingHost(p->convertTo0to1(static_cast<float>(rig.params[i])));
    p->endChangeGesture();
  }
  setMatchEq(rig.matchEqDb);
  compare_.remeasure();  // a comparison in progress is level-matched to the new rig
  loader_.request(SlotKind::Pedal, rig.pedal.path, OnFailure::Clear);
  loader_.request(SlotKind::Amp, rig.amp.path, OnFailure::Clear);
  loader_.request(SlotKind::Ir, rig.ir.path, OnFailure::Clear);
  auto messages = rigMessages(rig);
  for (const auto& w : messages) juce::Logger::writeToLog("ToneMatch AI: " + juce::String::fromUTF8(w.c_str()));
  setMeta(&rig, std::move(messages));
}

void ToneMatchProcessor::setMeta(const RigSpec* rig, std::vector<std::string> warnings) {
  {
    std::lock_guard<std::mutex> lock(metaMutex_);
    if (rig != nullptr) {
      lastRigName_ = rig->name;
      lastLoss_ = rig->loss;
      lastRig_ = (rig->name.empty() ? std::string() : rig->name + ": ") + rig->describe();
    }
    warnings_ = std::move(warnings);
  }
  ++metaChanges_;
}

RigSpec ToneMatchProcessor::currentRig() const {
  RigSpec rig;
  for (std::size_t i = 0; i < kParams.size(); ++i)
    rig.params[i] = apvts_.getParameter(kParams[i].apvtsId)->convertFrom0to1(
        apvts_.getParameter(kParams[i].apvtsId)->getValue());
  rig.matchEqDb = matchEq();
  auto slot = [this](SlotKind k) {
    const auto s = loader_.status(k);
    RigSlot out;
    out.path = s.path;
    out.name = s.name.empty() && !s.path.empty()
                   ? juce::File(juce::String::fromUTF8(s.path.c_str()))
                         .getFileNameWithoutExtension().toStdString()
                   : s.name;
    return out;
  };
  rig.pedal = slot(SlotKind::Pedal);
  rig.amp = slot(SlotKind::Amp);
  rig.ir = slot(SlotKind::Ir);
  std::lock_guard<std::mutex> lock(metaMutex_);
  rig.name = lastRigName_;
  rig.loss = lastLoss_;
  return rig;
}

void ToneMatchProcessor::loadSlot(SlotKind kind, const juce::File& file) {
  loader_.request(kind, file.getFullPathName().toStdString(), OnFailure::Keep);
}

void ToneMatchProcessor::clearSlot(SlotKind kind) {
  loader_.request(kind, {}, OnFailure::Clear);
}

std::string ToneMatchProcessor::statusLine() const {
  std::string problems;
  bool loading = false;
  for (auto kind : kSlotKinds) {
    const auto s = loader_.status(kind);
    if (s.state == SlotState::Loading) loading = true;
    if (s.error.empty()) continue;
    if (!problems.empty()) problems += "  \xC2\xB7  ";
    problems += std::string(slotLabel(kind)) +
                (s.state == SlotState::Missing ? " missing: " : " failed: ") + s.error;
  }
  if (loading) return problems.empty() ? "Loading\xE2\x80\xA6" : problems + "  (loading\xE2\x80\xA6)";
  if (!problems.empty()) return problems;
  std::lock_guard<std::mutex> lock(metaMutex_);
  if (!warnings_.empty()) return "Warning: " + warnings_.front();
  return "Ready";
}

std::string ToneMatchProcessor::lastRigText() const {
  std::lock_guard<std::mutex> lock(metaMutex_);
  if (lastRig_.empty()) return {};
  if (!lastLoss_) return lastRig_;
  return lastRig_ + juce::String::formatted("\nloss %.4g", *lastLoss_).toStdString();
}

std::vector<std::string> ToneMatchProcessor::warnings() const {
  std::lock_guard<std::mutex> lock(metaMutex_);
  return warnings_;
}

void ToneMatchProcessor::applyMatchedRigs(const RigSpec& best) {
  matched_.set(best);
  chooseMatchedRig(0);
}

bool ToneMatchProcessor::chooseMatchedRig(int index) {
  const auto rigs = matched_.rigs();
  if (index < 0 || index >= static_cast<int>(rigs.size())) return false;
  applyRig(rigs[static_cast<std::size_t>(index)]);
  matched_.setActive(index);
  ++metaChanges_;
  return true;
}

// --- session state -------------------------------------------------------------------------

void ToneMatchProcessor::getStateInformation(juce::MemoryBlock& destData) {
  SessionState state;
  state.parameters = apvts_.copyState();
  for (auto kind : kSlotKinds)
    state.slotPaths[static_cast<std::size_t>(kind)] = loader_.status(kind).path;
  {
    std::lock_guard<std::mutex> lock(metaMutex_);
    state.lastRig = lastRig_;
    state.lastLoss = lastLoss_;
  }
  state.matchEqDb = matchEq();
  state.matchEqBypassed = matchEqBypassed();
  state.matchedRigs = matched_.toJson();
  state.activeMatchedRig = matched_.active();
  writeSessionState(state, statusLine(), isLoading(), destData);
}

void ToneMatchProcessor::setStateInformation(const void* data, int sizeInBytes) {
  std::string whyNot;
  auto state = readSessionState(data, sizeInBytes, apvts_.state.getType(), whyNot);
  if (!state) {
    // A corrupt or foreign blob changes nothing: the plugin keeps playing as it was.
    juce::Logger::writeToLog("ToneMatch AI: state not restored: " + juce::String(whyNot));
    setMeta(nullptr, {"session state not restored (" + whyNot + ")"});
    return;
  }
  apvts_.replaceState(state->parameters);
  setMatchEq(state->matchEqDb);
  matchEqBypass_.store(state->matchEqBypassed, std::memory_order_relaxed);
  for (auto kind : kSlotKinds)
    loader_.request(kind, state->slotPaths[static_cast<std::size_t>(kind)], OnFailure::Clear);
  {
    std::lock_guard<std::mutex> lock(metaMutex_);
    lastRig_ = state->lastRig;
    lastLoss_ = state->lastLoss;
    warnings_.clear();
  }
  matched_.restore(state->matchedRigs, state->activeMatchedRig);
  // A restored session plays what it was saved for: the matched sound, not a comparison.
  compare_.setMode(CompareMode::Matched);
  ++metaChanges_;
}

}  // namespace tonematch::plugin

juce::AudioProcessor* JUCE_CALLTYPE createPluginFilter() {
  return new tonematch::plugin::ToneMatchProcessor();
}
