// Shared pieces of the chain tests: deterministic signals, a synthetic cabinet IR, checks.
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "tonematch/engine/chain.h"
#include "tonematch/engine/loader.h"

namespace chain_test {

/// Fails the test with a message (asserts stay on, but this also reports what went wrong).
inline void check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "FAILED: %s\n", what.c_str());
    std::exit(1);
  }
}

/// Gaussian noise at `level`.
inline std::vector<float> noise(std::size_t n, unsigned seed, float level = 0.2f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, level);
  std::vector<float> x(n);
  for (auto& v : x) v = g(rng);
  return x;
}

/// A cabinet-like IR: exponentially decaying noise of `taps` taps, unit energy.
inline std::vector<float> syntheticIr(std::size_t taps, unsigned seed) {
  auto h = noise(taps, seed, 1.0f);
  double energy = 0.0;
  for (std::size_t i = 0; i < taps; ++i) {
    h[i] *= static_cast<float>(std::exp(-6.0 * static_cast<double>(i) / taps));
    energy += static_cast<double>(h[i]) * h[i];
  }
  for (auto& v : h) v = static_cast<float>(v / std::sqrt(energy));
  return h;
}

inline bool allFinite(const float* x, int n) {
  for (int i = 0; i < n; ++i)
    if (!std::isfinite(x[i])) return false;
  return true;
}

/// Parameters that switch every stage on.
inline tonematch::engine::ChainParams busyParams() {
  tonematch::engine::ChainParams p;
  p.inputGainDb = 6.0f;
  p.preEqGainDb = 6.0f;
  p.preEqFreqHz = 1200.0f;
  p.reverbWet = 0.3f;
  p.reverbRoomSize = 0.8f;
  p.delayTimeMs = 180.0f;
  p.delayMix = 0.3f;
  p.finalEqGainDb = -1.0f;
  p.gateThresholdDb = -50.0f;
  p.limiterCeilingDb = -6.0f;
  return p;
}

/// A gate threshold that changes with i: off, below the test noise (open) or above it (closing).
inline float varyGate(int i) { return i % 3 == 0 ? -100.0f : i % 3 == 1 ? -60.0f : -6.0f; }

/// A limiter ceiling that changes with i: off, or low enough to act on the test signals.
inline float varyLimiter(int i) { return i % 4 == 0 ? 0.0f : i % 4 == 1 ? -6.0f : -20.0f; }

/// Match EQ gains that change with i (every fourth i: flat), to exercise coefficient updates.
inline void varyMatchEq(tonematch::engine::ChainParams& p, int i) {
  for (std::size_t k = 0; k < p.matchEqDb.size(); ++k)
    p.matchEqDb[k] = i % 4 == 3 ? 0.0f : 6.0f * std::sin(static_cast<float>(k) + 0.7f * static_cast<float>(i));
}

}  // namespace chain_test
