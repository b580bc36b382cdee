#include "loading/RigLoader.h"

#include <chrono>
#include <thread>

#include "tonematch/engine/loader.h"

namespace tonematch::plugin {

namespace {
constexpr int kGarbageIntervalMs = 50;

std::string stemOf(const std::string& path) {
  return juce::File(juce::String::fromUTF8(path.c_str())).getFileNameWithoutExtension().toStdString();
}
bool isAbsolute(const std::string& path) {
  return juce::File::isAbsolutePath(juce::String::fromUTF8(path.c_str()));
}
constexpr std::size_t kMaxModelFileBytes = engine::LoadOptions{}.maxFileBytes;
}  // namespace

const char* slotLabel(SlotKind kind) {
  switch (kind) {
    case SlotKind::Pedal: return "FX";
    case SlotKind::Amp: return "AMP";
    case SlotKind::Ir: return "IR";
  }
  return "?";
}

RigLoader::RigLoader(engine::Chain& chain) : juce::Thread("ToneMatch loader"), chain_(chain) {
  startThread(juce::Thread::Priority::low);
}

// Every read the loader waits for gives up as soon as the thread is asked to exit (see
// readRegularFile), so this never has to kill the thread by force.
RigLoader::~RigLoader() { stopThread(5000); }

void RigLoader::request(SlotKind kind, const std::string& path, OnFailure onFailure) {
  {
    std::lock_guard<std::mutex> lock(stateMutex_);
    pending_[static_cast<std::size_t>(kind)] = Request{path, onFailure};
    auto& status = status_[static_cast<std::size_t>(kind)];
    if (!path.empty()) status.state = SlotState::Loading;
    // A session saved while this loads must name the new file, not the one it replaces.
    if (onFailure == OnFailure::Clear) status.path = path;
  }
  ++changes_;
  notify();
}

SlotStatus RigLoader::status(SlotKind kind) const {
  std::lock_guard<std::mutex> lock(stateMutex_);
  return status_[static_cast<std::size_t>(kind)];
}

bool RigLoader::idle() const {
  std::lock_guard<std::mutex> lock(stateMutex_);
  if (inFlight_ > 0) return false;
  for (const auto& p : pending_)
    if (p) return false;
  return true;
}

bool RigLoader::waitUntilIdle(int timeoutMs) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (!idle()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void RigLoader::setStatus(SlotKind kind, SlotStatus status) {
  {
    std::lock_guard<std::mutex> lock(stateMutex_);
    status_[static_cast<std::size_t>(kind)] = std::move(status);
  }
  ++changes_;
}

void RigLoader::run() {
  while (!threadShouldExit()) {
    for (auto kind : kSlotKinds) {
      std::optional<Request> next;
      {
        std::lock_guard<std::mutex> lock(stateMutex_);
        next.swap(pending_[static_cast<std::size_t>(kind)]);
        if (next) ++inFlight_;
      }
      if (!next) continue;
      handle(kind, *next);
      {
        std::lock_guard<std::mutex> lock(stateMutex_);
        --inFlight_;
      }
      ++changes_;
    }
    {
      std::lock_guard<std::mutex> lock(chainMutex_);
      chain_.collectGarbage();
    }
    wait(kGarbageIntervalMs);
  }
}

void RigLoader::handle(SlotKind kind, const Request& request) {
  if (request.path.empty()) {
    {
      std::lock_guard<std::mutex> lock(chainMutex_);
      if (kind == SlotKind::Ir) {
        irSource_.reset();
        stageIr();
      } else {
        stageModel(kind, nullptr);
      }
    }
    setStatus(kind, SlotStatus{});
    return;
  }
  if (kind == SlotKind::Ir)
    loadIr(request);
  else
    loadModel(kind, request);
}

void RigLoader::loadModel(SlotKind kind, const Request& request) {
  SlotStatus result;
  result.path = request.path;
  std::unique_ptr<engine::Model> model;
  if (!isAbsolute(request.path)) {
    result.state = SlotState::Missing;
    result.error = request.path + ": file not found";
  } else {
    try {
      // Read here (regular files only, with a timeout), parsed from memory: the engine's own
      // file reading would block for ever on a FIFO or a stalled mount.
      const auto text = readRegularFile(request.path, kMaxModelFileBytes, kFileReadTimeoutMs,
                                        [this] { return threadShouldExit(); });
      model = engine::loadModelFromString(text, request.path);
    } catch (const FileReadError& e) {
      result.state = e.missing ? SlotState::Missing : SlotState::Failed;
      result.error = e.what();
    } catch (const std::exception& e) {
      result.state = SlotState::Failed;
      result.error = e.what();
    }
  }
  if (!model && request.onFailure == OnFailure::Keep) {
    auto kept = status(kind);
    kept.state = kept.name.empty() ? SlotState::Failed : SlotState::Loaded;
    kept.error = result.error;
    setStatus(kind, kept);
    return;
  }
  const bool ok = model != nullptr;
  try {
    std::lock_guard<std::mutex> lock(chainMutex_);
    stageModel(kind, std::move(model));
  } catch (const std::exception& e) {  // preparing the model can fail, e.g. out of memory
    result.state = SlotState::Failed;
    result.error = request.path + ": " + e.what();
    setStatus(kind, result);
    return;
  }
  if (ok) {
    result.state = SlotState::Loaded;
    result.name = stemOf(request.path);
  }
  setStatus(kind, result);
}

void RigLoader::loadIr(const Request& request) {
  SlotStatus result;
  result.path = request.path;
  std::optional<IrSource> source;
  if (!isAbsolute(request.path)) {
    result.state = SlotState::Missing;
    result.error = request.path + ": file not found";
  } else {
    try {
      source = readIrFile(request.path, [this] { return threadShouldExit(); });
    } catch (const FileReadError& e) {
      result.state = e.missing ? SlotState::Missing : SlotState::Failed;
      result.error = e.what();
    } catch (const std::exception& e) {
      result.state = SlotState::Failed;
      result.error = e.what();
    }
  }
  if (!source && request.onFailure == OnFailure::Keep) {
    auto kept = status(SlotKind::Ir);
    kept.state = kept.name.empty() ? SlotState::Failed : SlotState::Loaded;
    kept.error = result.error;
    setStatus(SlotKind::Ir, kept);
    return;
  }
  try {
    std::lock_guard<std::mutex> lock(chainMutex_);
    irSource_ = std::move(source);
    stageIr();
  } catch (const std::exception& e) {  // ImpulseResponse::make refuses empty/non-finite IRs
    result.state = SlotState::Failed;
    result.error = request.path + ": " + e.what();
    {
      std::lock_guard<std::mutex> lock(chainMutex_);
      irSource_.reset();
      stageIr();
    }
    setStatus(SlotKind::Ir, result);
    return;
  }
  if (result.error.empty()) {
    result.state = SlotState::Loaded;
    result.name = stemOf(request.path);
  }
  setStatus(SlotKind::Ir, result);
}

void RigLoader::stageModel(SlotKind kind, std::unique_ptr<engine::Model> model) {
  auto& parked = parked_[static_cast<std::size_t>(kind)];
  if (rate_ <= 0.0) {  // the chain has not been prepared: hand it over in prepareChain()
    parked = std::move(model);
    return;
  }
  parked.reset();
  if (kind == SlotKind::Pedal)
    chain_.setPedal(std::move(model));
  else
    chain_.setAmp(std::move(model));
}

void RigLoader::stageIr() {
  if (rate_ <= 0.0) return;  // built in prepareChain()
  if (!irSource_) {
    chain_.setImpulseResponse(nullptr);
  } else {
    chain_.setImpulseResponse(engine::ImpulseResponse::make(
        irSource_->samples.data(), irSource_->samples.size(), irSource_->sampleRate, rate_,
        maxBlock_, irSource_->name));
  }
  irBuiltRate_ = rate_;
  irBuiltBlock_ = maxBlock_;
}

void RigLoader::prepareChain(double sampleRate, int maxBlock) {
  std::lock_guard<std::mutex> lock(chainMutex_);
  chain_.prepare(sampleRate, maxBlock);
  const bool first = rate_ <= 0.0;
  rate_ = sampleRate;
  maxBlock_ = maxBlock;
  if (first) {
    if (parked_[0]) chain_.setPedal(std::move(parked_[0]));
    if (parked_[1]) chain_.setAmp(std::move(parked_[1]));
  }
  // The IR was resampled for one host rate and partitioned for one block size.
  if (first || irBuiltRate_ != sampleRate || irBuiltBlock_ != maxBlock) {
    try {
      stageIr();
    } catch (const std::exception&) {
      // The source was validated when it was read; make() failing here means memory ran out.
      irSource_.reset();
    }
  }
}

}  // namespace tonematch::plugin
