// The chain's non-audio side: prepare(), loading models and IRs, collecting retired objects.
#include <cmath>
#include <stdexcept>
#include <string>

#include "chain_impl.h"

namespace tonematch::engine {

namespace {
constexpr double kMaxDelaySeconds = 0.5;  // delayTimeMs tops out at 500 ms

std::string modelName(const Model& model, std::string name) {
  if (!name.empty()) return name;
  if (!model.metadata().name.empty()) return model.metadata().name;
  return model.metadata().architecture.empty() ? std::string("model") : model.metadata().architecture;
}

// IRs are made for one host rate; at another they are rebuilt from their original samples.
std::unique_ptr<const ImpulseResponse> remake(const ImpulseResponse& ir, double rate, int maxBlock) {
  const auto& i = ir.impl();
  return ImpulseResponse::make(i.original.data(), i.original.size(), i.originalRate, rate,
                               maxBlock, i.name);
}
}  // namespace

void Chain::prepare(double sampleRate, int maxBlock) {
  if (!(sampleRate >= 8000.0 && sampleRate <= 768000.0))
    throw std::invalid_argument("sample rate must be between 8 kHz and 768 kHz, got " +
                                std::to_string(sampleRate));
  if (maxBlock < 1 || maxBlock > (1 << 20))
    throw std::invalid_argument("maxBlock must be between 1 and 1048576, got " +
                                std::to_string(maxBlock));
  Impl& s = *impl_;
  std::lock_guard<std::mutex> lock(s.loaderMutex);
  s.collect();
  s.rate = sampleRate;
  s.maxBlock = maxBlock;
  s.nam.prepare(sampleRate, maxBlock);
  s.mono.assign(static_cast<std::size_t>(maxBlock), 0.0f);
  s.cabinetBefore.assign(static_cast<std::size_t>(maxBlock), 0.0f);
  s.modelFadeLength = static_cast<int>(std::lround(chain::kFadeSeconds * kModelRate));
  s.hostFadeLength = static_cast<int>(std::lround(chain::kFadeSeconds * sampleRate));
  // Audio is stopped: fades end here, and what they were fading out is deleted.
  for (auto* slot : {&s.pedal, &s.amp}) slot->dropFading();
  s.cabinet.dropFading();
  s.gate.prepare(sampleRate, maxBlock);
  s.limiter.prepare(sampleRate, maxBlock);
  s.matchEq.prepare(sampleRate, maxBlock);
  s.eq.prepare(sampleRate, kPreEqQ);
  s.delay.prepare(sampleRate, kMaxDelaySeconds);
  s.reverb.prepare(sampleRate);
  const int smooth = static_cast<int>(std::lround(chain::kSmoothSeconds * sampleRate));
  for (auto* g : {&s.inputGain, &s.outputGain}) g->setRampLength(smooth);
  s.eq.gainDb().setRampLength(smooth);
  s.eq.freqHz().setRampLength(smooth);
  s.delay.mix().setRampLength(smooth);
  const int glide = static_cast<int>(std::lround(chain::kDelayGlideSeconds * sampleRate));
  s.delay.timeSamples().setRampLength(glide);
  s.reverb.wet().setRampLength(smooth);
  s.reverb.roomSize().setRampLength(smooth);

  // Loaded and staged objects follow the new rate and block size.
  for (auto* slot : {&s.pedal, &s.amp})
    for (auto* stage : {slot->active(), slot->staged()})
      if (stage && stage->model) stage->model->prepare(kModelRate, s.nam.modelBlock());
  if (auto* a = s.cabinet.active(); a && a->ir && a->ir->sampleRate() != sampleRate)
    delete s.cabinet.replaceActive(new chain::CabinetStage(remake(*a->ir, sampleRate, maxBlock)));
  if (auto* st = s.cabinet.staged(); st && st->ir && st->ir->sampleRate() != sampleRate)
    delete s.cabinet.replaceStaged(new chain::CabinetStage(remake(*st->ir, sampleRate, maxBlock)));
  s.prepared = true;
  s.applyParams(true);
  s.snapRequested.store(false);
  s.clearState();
}

void Chain::setPedal(std::unique_ptr<Model> model) { setPedal(std::move(model), {}); }
void Chain::setAmp(std::unique_ptr<Model> model) { setAmp(std::move(model), {}); }

// Prepares a model for the chain (off the audio thread) and stages it in one NAM slot.
// A template only because Chain::Impl is private; it is always that type.
template <typename ChainImpl>
static void stageModel(ChainImpl& s, chain::Slot<chain::ModelStage>& slot,
                       std::unique_ptr<Model> model, std::string name) {
  auto stage = std::make_unique<chain::ModelStage>();
  if (model) stage->name = modelName(*model, std::move(name));
  std::lock_guard<std::mutex> lock(s.loaderMutex);
  if (model && s.prepared) model->prepare(Chain::kModelRate, s.nam.modelBlock());
  stage->model = std::move(model);
  slot.stage(stage.release());
}

void Chain::setPedal(std::unique_ptr<Model> model, std::string name) {
  stageModel(*impl_, impl_->pedal, std::move(model), std::move(name));
}

void Chain::setAmp(std::unique_ptr<Model> model, std::string name) {
  stageModel(*impl_, impl_->amp, std::move(model), std::move(name));
}

void Chain::setImpulseResponse(std::unique_ptr<const ImpulseResponse> ir) {
  Impl& s = *impl_;
  std::lock_guard<std::mutex> lock(s.loaderMutex);
  if (s.prepared && ir && ir->sampleRate() != s.rate) ir = remake(*ir, s.rate, s.maxBlock);
  s.cabinet.stage(new chain::CabinetStage(std::move(ir)));
}

void Chain::Impl::collect() {
  while (chain::Retirable* r = retired.pop()) delete r;
}

void Chain::collectGarbage() {
  std::lock_guard<std::mutex> lock(impl_->loaderMutex);
  impl_->collect();
}

// A published object is deleted only by collect() under the same mutex, so it stays alive
// while the name is copied.
std::string Chain::pedalName() const {
  std::lock_guard<std::mutex> lock(impl_->loaderMutex);
  const auto* p = impl_->pedal.published();
  return p ? p->name : std::string();
}

std::string Chain::ampName() const {
  std::lock_guard<std::mutex> lock(impl_->loaderMutex);
  const auto* p = impl_->amp.published();
  return p ? p->name : std::string();
}

std::string Chain::impulseResponseName() const {
  std::lock_guard<std::mutex> lock(impl_->loaderMutex);
  const auto* p = impl_->cabinet.published();
  if (!p || !p->ir) return {};
  return p->ir->name().empty() ? std::string("impulse response") : p->ir->name();
}

}  // namespace tonematch::engine
