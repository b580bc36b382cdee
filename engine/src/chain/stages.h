// What the chain's slots hold: a prepared model, or an IR with its convolver state.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "convolver.h"
#include "slot.h"
#include "tonematch/engine/chain.h"
#include "tonematch/engine/model.h"

namespace tonematch::engine {

/// The IR as given (kept so the chain can rebuild it at another rate) and as cut.
struct ImpulseResponse::Impl {
  std::vector<float> original;
  double originalRate = 0.0;
  double hostRate = 0.0;
  int maxBlock = 0;
  std::string name;
  std::vector<float> taps;  ///< at hostRate
  chain::PartitionedIr partitioned;
};

namespace chain {

/// A pedal or amp slot's content; an empty model means bypass.
struct ModelStage final : Retirable {
  std::unique_ptr<Model> model;
  std::string name;
};

/// A cabinet slot's content; an empty IR means bypass.
struct CabinetStage final : Retirable {
  explicit CabinetStage(std::unique_ptr<const ImpulseResponse> response)
      : ir(std::move(response)),
        convolver(ir ? std::make_unique<Convolver>(ir->impl().partitioned) : nullptr) {}
  std::unique_ptr<const ImpulseResponse> ir;
  std::unique_ptr<Convolver> convolver;  // declared after ir: built from it, destroyed first
};

}  // namespace chain
}  // namespace tonematch::engine
