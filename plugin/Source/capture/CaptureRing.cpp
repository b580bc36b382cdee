#include "capture/CaptureRing.h"

#include <algorithm>
#include <cmath>

namespace tonematch::plugin {

namespace {
// Longer than any block the processor writes at once (it writes in prepared-size chunks).
constexpr std::uint64_t kWriterBlockGuard = 16384;
}  // namespace

void CaptureRing::prepare(double sampleRate, double seconds) {
  std::lock_guard<std::mutex> lock(resizeMutex_);
  const auto size = static_cast<std::size_t>(std::max(1.0, std::ceil(sampleRate * seconds)));
  buffer_.assign(size, 0.0f);
  sampleRate_ = sampleRate;
  written_.store(0, std::memory_order_release);
}

void CaptureRing::write(const float* samples, int n) noexcept {
  const std::size_t size = buffer_.size();
  if (size == 0 || n <= 0) return;
  // Only this thread writes written_, so a relaxed read of our own value is enough.
  const std::uint64_t start = written_.load(std::memory_order_relaxed);
  const std::size_t count = static_cast<std::size_t>(n);
  const std::size_t skip = count > size ? count - size : 0;  // a block longer than the ring
  std::size_t pos = static_cast<std::size_t>((start + skip) % size);
  for (std::size_t i = skip; i < count; ++i) {
    buffer_[pos] = samples[i];
    if (++pos == size) pos = 0;
  }
  written_.store(start + count, std::memory_order_release);
}

CapturedAudio CaptureRing::snapshot() const {
  std::lock_guard<std::mutex> lock(resizeMutex_);
  CapturedAudio out;
  out.sampleRate = sampleRate_;
  const std::uint64_t size = buffer_.size();
  if (size == 0) return out;
  const std::uint64_t end = written_.load(std::memory_order_acquire);
  const std::uint64_t begin = end > size ? end - size : 0;
  out.samples.resize(static_cast<std::size_t>(end - begin));
  for (std::uint64_t i = begin; i < end; ++i)
    out.samples[static_cast<std::size_t>(i - begin)] = buffer_[static_cast<std::size_t>(i % size)];
  // The writer kept going while we copied: samples it has overwritten since (or may be
  // overwriting in a block it has not published yet) are not ours.
  const std::uint64_t after = written_.load(std::memory_order_acquire) + std::min(kWriterBlockGuard, size / 4);
  const std::uint64_t firstSafe = after > size ? after - size : 0;
  if (firstSafe > begin) {
    const auto drop = static_cast<std::ptrdiff_t>(std::min(firstSafe - begin, end - begin));
    out.samples.erase(out.samples.begin(), out.samples.begin() + drop);
  }
  return out;
}

}  // namespace tonematch::plugin
