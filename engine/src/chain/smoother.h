// Per-sample linear parameter glides. Stepping per sample (never per block) keeps the output
// independent of how the host cuts the signal into blocks.
#pragma once

namespace tonematch::engine::chain {

/// A value that moves linearly to its target over a fixed number of samples.
template <class T>
class Smoother {
 public:
  /// Glide length in samples (at least 1).
  void setRampLength(int samples) noexcept { rampLength_ = samples < 1 ? 1 : samples; }
  /// Starts a glide to `target`; a target equal to the current one changes nothing.
  void setTarget(T target) noexcept {
    if (target == target_) return;
    target_ = target;
    remaining_ = rampLength_;
    step_ = (target_ - current_) / static_cast<T>(remaining_);
  }
  /// Jumps to `value` with no glide.
  void snap(T value) noexcept {
    current_ = target_ = value;
    remaining_ = 0;
  }
  /// Ends any glide at the current target.
  void finish() noexcept { snap(target_); }
  /// The value for the next sample.
  T next() noexcept {
    if (remaining_ > 0) {
      // The last step lands exactly on the target, whatever the rounding of the steps.
      current_ = --remaining_ == 0 ? target_ : current_ + step_;
    }
    return current_;
  }
  bool gliding() const noexcept { return remaining_ > 0; }
  T current() const noexcept { return current_; }
  T target() const noexcept { return target_; }

 private:
  T current_{}, target_{}, step_{};
  int remaining_ = 0;
  int rampLength_ = 1;
};

}  // namespace tonematch::engine::chain
