#include <cmath>
#include <stdexcept>
#include <string>

#include "resampler.h"
#include "stages.h"

namespace tonematch::engine {

namespace {
// Longer files are not cabinet IRs (and would make the tail partitions expensive).
constexpr double kMaxSeconds = 10.0;
}  // namespace

std::unique_ptr<const ImpulseResponse> ImpulseResponse::make(const float* samples, std::size_t n,
                                                             double irRate, double hostRate,
                                                             int maxBlock, std::string name) {
  const std::string who = name.empty() ? std::string("impulse response") : name;
  if (samples == nullptr || n == 0) throw std::invalid_argument(who + ": no samples");
  if (!(irRate >= 1000.0 && irRate <= 768000.0) || !(hostRate >= 1000.0 && hostRate <= 768000.0))
    throw std::invalid_argument(who + ": sample rate outside 1 kHz…768 kHz");
  if (static_cast<double>(n) > kMaxSeconds * irRate)
    throw std::invalid_argument(who + ": longer than 10 s (" + std::to_string(n) + " samples)");
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(samples[i]))
      throw std::invalid_argument(who + ": non-finite sample at index " + std::to_string(i));
  if (maxBlock < 1) throw std::invalid_argument(who + ": maxBlock must be at least 1");

  auto impl = std::make_unique<Impl>();
  impl->original.assign(samples, samples + n);
  impl->originalRate = irRate;
  impl->hostRate = hostRate;
  impl->maxBlock = maxBlock;
  impl->name = std::move(name);
  if (irRate == hostRate) {
    impl->taps = impl->original;
  } else {
    // The IR is a filter: resampling its samples by irRate/hostRate keeps its frequency
    // response (a unit-energy IR at 48 kHz stays the same cabinet at 96 kHz, 6 dB less per tap).
    impl->taps = chain::resampleOffline(samples, n, irRate, hostRate, irRate / hostRate);
  }
  impl->partitioned = chain::PartitionedIr::build(impl->taps.data(), impl->taps.size());
  return std::unique_ptr<const ImpulseResponse>(new ImpulseResponse(std::move(impl)));
}

ImpulseResponse::ImpulseResponse(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ImpulseResponse::~ImpulseResponse() = default;
const std::string& ImpulseResponse::name() const { return impl_->name; }
std::size_t ImpulseResponse::length() const { return impl_->taps.size(); }
double ImpulseResponse::sampleRate() const { return impl_->hostRate; }
const std::vector<float>& ImpulseResponse::taps() const { return impl_->taps; }

}  // namespace tonematch::engine
