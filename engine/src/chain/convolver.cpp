#include "convolver.h"

#include <algorithm>
#include <cstring>

namespace tonematch::engine::chain {

namespace {
constexpr int kH = PartitionedIr::kHead;
constexpr int kLevelSizes[] = {128, 1024};
constexpr int kLevelEnds[] = {1024, 0};  // 0: to the end of the IR
}  // namespace

PartitionedIr PartitionedIr::build(const float* h, std::size_t n) {
  PartitionedIr ir;
  ir.length = n;
  ir.head.assign(h, h + std::min<std::size_t>(n, kH));
  for (int li = 0; li < 2; ++li) {
    const std::size_t size = static_cast<std::size_t>(kLevelSizes[li]);
    const std::size_t end = kLevelEnds[li] ? std::min<std::size_t>(n, kLevelEnds[li]) : n;
    if (end <= size) continue;
    Level level;
    level.size = static_cast<int>(size);
    level.parts = static_cast<int>((end - size + size - 1) / size);
    const int bins = level.size + 1;
    level.re.resize(static_cast<std::size_t>(level.parts) * bins);
    level.im.resize(level.re.size());
    RealFft fft(2 * level.size);
    std::vector<float> block(2 * size);
    for (int j = 0; j < level.parts; ++j) {
      // Partition j: taps [size·(j+1), size·(j+2)), zero-padded to 2·size (overlap-save).
      std::fill(block.begin(), block.end(), 0.0f);
      const std::size_t from = size * (j + 1);
      const std::size_t to = std::min(end, from + size);
      std::copy(h + from, h + to, block.begin());
      fft.forward(block.data(), level.re.data() + j * bins, level.im.data() + j * bins);
    }
    ir.levels.push_back(std::move(level));
  }
  return ir;
}

Convolver::Convolver(const PartitionedIr& ir) : ir_(ir) {
  history_.assign(kH - 1 + kH, 0.0f);
  sum_.assign(kH, 0.0f);
  for (const auto& level : ir.levels) {
    LevelState s;
    s.level = &level;
    const int bins = level.size + 1;
    s.fft = std::make_unique<RealFft>(2 * level.size);
    s.input.assign(2 * level.size, 0.0f);
    s.ringRe.assign(static_cast<std::size_t>(level.parts) * bins, 0.0f);
    s.ringIm.assign(s.ringRe.size(), 0.0f);
    s.accRe.assign(bins, 0.0f);
    s.accIm.assign(bins, 0.0f);
    s.time.assign(2 * level.size, 0.0f);
    s.output.assign(level.size, 0.0f);
    levels_.push_back(std::move(s));
  }
}

void Convolver::reset() noexcept {
  std::fill(history_.begin(), history_.end(), 0.0f);
  for (auto& s : levels_) {
    std::fill(s.input.begin(), s.input.end(), 0.0f);
    std::fill(s.ringRe.begin(), s.ringRe.end(), 0.0f);
    std::fill(s.ringIm.begin(), s.ringIm.end(), 0.0f);
    std::fill(s.output.begin(), s.output.end(), 0.0f);
    s.newest = 0;
    s.pos = 0;
  }
}

void Convolver::process(const float* in, float* out, int n) noexcept {
  // Runs never cross a multiple of kH (every level's chunk boundary is one).
  int done = 0;
  while (done < n) {
    const int pos = levels_.empty() ? 0 : levels_.front().pos;
    const int r = std::min(n - done, kH - pos % kH);
    runChunk(in + done, out + done, r);
    done += r;
  }
}

void Convolver::runChunk(const float* in, float* out, int r) noexcept {
  float* x = history_.data() + (kH - 1);  // x[i − k] reaches back kH − 1 samples
  std::memcpy(x, in, sizeof(float) * r);
  float* y = sum_.data();
  // Direct-form head as a sum of shifted scaled copies: the inner loop over samples has no
  // dependency, vectorises, and adds the taps in the same order for every output sample.
  const int taps = static_cast<int>(ir_.head.size());
  const float* h = ir_.head.data();
  for (int i = 0; i < r; ++i) y[i] = h[0] * x[i];
  for (int k = 1; k < taps; ++k) {
    const float hk = h[k];
    const float* xk = x - k;
    for (int i = 0; i < r; ++i) y[i] += hk * xk[i];
  }
  for (auto& s : levels_) {
    const float* o = s.output.data() + s.pos;
    for (int i = 0; i < r; ++i) y[i] += o[i];
    std::memcpy(s.input.data() + s.level->size + s.pos, in, sizeof(float) * r);
    s.pos += r;
    if (s.pos == s.level->size) s.finishChunk();
  }
  std::memcpy(out, y, sizeof(float) * r);
  std::memmove(history_.data(), history_.data() + r, sizeof(float) * (kH - 1));
}

void Convolver::LevelState::finishChunk() noexcept {
  const int size = level->size, bins = size + 1, parts = level->parts;
  newest = newest + 1 == parts ? 0 : newest + 1;
  float* xr = ringRe.data() + static_cast<std::size_t>(newest) * bins;
  float* xi = ringIm.data() + static_cast<std::size_t>(newest) * bins;
  fft->forward(input.data(), xr, xi);
  // Partition j (delay (j+1)·size) meets the spectrum of the chunk j chunks ago.
  std::fill(accRe.begin(), accRe.end(), 0.0f);
  std::fill(accIm.begin(), accIm.end(), 0.0f);
  float* ar = accRe.data();
  float* ai = accIm.data();
  for (int j = 0; j < parts; ++j) {
    const int slot = (newest - j + parts) % parts;
    const float* sr = ringRe.data() + static_cast<std::size_t>(slot) * bins;
    const float* si = ringIm.data() + static_cast<std::size_t>(slot) * bins;
    const float* gr = level->re.data() + static_cast<std::size_t>(j) * bins;
    const float* gi = level->im.data() + static_cast<std::size_t>(j) * bins;
    for (int b = 0; b < bins; ++b) {
      ar[b] += sr[b] * gr[b] - si[b] * gi[b];
      ai[b] += sr[b] * gi[b] + si[b] * gr[b];
    }
  }
  fft->inverse(ar, ai, time.data());
  // Overlap-save: the second half holds the valid linear-convolution samples.
  std::memcpy(output.data(), time.data() + size, sizeof(float) * size);
  std::memcpy(input.data(), input.data() + size, sizeof(float) * size);
  pos = 0;
}

}  // namespace tonematch::engine::chain
