// The engine's public model interface: a loaded .nam network that runs in real time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tonematch::engine {

/// What a .nam file says about itself; fields the file lacks stay empty.
struct ModelMetadata {
  std::string version;       ///< format version, e.g. "0.5.4" or "0.7.0"
  std::string architecture;  ///< "WaveNet", "LSTM", "ConvNet", "Linear" or "SlimmableContainer"
  std::string name;          ///< metadata.name when present
  std::optional<double> sampleRate;
  std::optional<double> loudness;  ///< dB, output loudness at the exporter's nominal input
  std::optional<double> gain;      ///< 0…1, how much compression the exporter measured
  std::optional<double> inputLevelDbu;
  std::optional<double> outputLevelDbu;
};

/// A runnable network. Create it with loadModel(); call prepare() before process().
///
/// prepare() and reset() allocate and may be slow; process() never allocates, locks or waits.
/// One object is safe to use from one thread at a time; separate objects share nothing.
class Model {
 public:
  virtual ~Model() = default;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  /// Allocates buffers for blocks of up to maxBlock samples, clears state and prewarms.
  void prepare(double sampleRate, int maxBlock);
  /// Runs n samples (1 ≤ n ≤ maxBlock); in and out may alias. Never allocates.
  virtual void process(const float* in, float* out, int n) noexcept = 0;
  /// Clears all state and prewarms, so output is as if the input had always been silent.
  void reset();

  /// Samples of input history each output depends on (1 for a memoryless model).
  virtual int receptiveField() const = 0;
  /// Number of weights read from the file.
  virtual std::size_t parameterCount() const = 0;

  const ModelMetadata& metadata() const { return metadata_; }
  int maxBlock() const { return maxBlock_; }
  double preparedSampleRate() const { return sampleRate_; }
  bool isPrepared() const { return maxBlock_ > 0; }

 protected:
  Model() = default;
  /// Sizes every buffer for maxBlock; called by prepare().
  virtual void allocate(int maxBlock) = 0;
  /// Returns the network to its initial state; no allocation.
  virtual void clearState() = 0;
  /// Samples of silence run after clearState() so that stored history is settled.
  virtual int prewarmSamples() const { return receptiveField(); }

  friend std::unique_ptr<Model> finishLoad(std::unique_ptr<Model>, ModelMetadata);
  ModelMetadata metadata_;

 private:
  void prewarm();
  int maxBlock_ = 0;
  double sampleRate_ = 0.0;
  std::vector<float> prewarmBuffer_;
};

}  // namespace tonematch::engine
