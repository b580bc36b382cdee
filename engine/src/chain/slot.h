// Lock-free hand-over of loaded objects (models, IRs) from a loader thread to the audio thread.
//
// The loader stages an object with an atomic exchange; the audio thread takes it at the start
// of a block and pushes the object it replaces onto a fixed-capacity retire queue; a non-audio
// thread deletes retired objects (collectGarbage). The audio thread therefore never allocates
// or frees, and a loader that stages twice before the audio thread looked deletes the unused
// object itself (the exchange made it unreachable to the audio thread).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>

namespace tonematch::engine::chain {

/// Anything the audio thread can hand back for deletion.
struct Retirable {
  virtual ~Retirable() = default;
};

/// Single-producer (audio thread) single-consumer (collector) ring of retired objects.
class RetireQueue {
 public:
  static constexpr std::size_t kCapacity = 64;
  /// Audio thread: room for `count` more objects?
  bool hasRoom(std::size_t count) const noexcept {
    return head_.load(std::memory_order_relaxed) - tail_.load(std::memory_order_acquire) + count <=
           kCapacity;
  }
  /// Audio thread; call only after hasRoom().
  void push(Retirable* object) noexcept {
    const std::size_t h = head_.load(std::memory_order_relaxed);
    items_[h % kCapacity] = object;
    head_.store(h + 1, std::memory_order_release);
  }
  /// Collector thread: the oldest retired object, or nullptr.
  Retirable* pop() noexcept {
    const std::size_t t = tail_.load(std::memory_order_relaxed);
    if (t == head_.load(std::memory_order_acquire)) return nullptr;
    Retirable* object = items_[t % kCapacity];
    tail_.store(t + 1, std::memory_order_release);
    return object;
  }

 private:
  std::array<Retirable*, kCapacity> items_{};
  std::atomic<std::size_t> head_{0}, tail_{0};
};

/// One slot (pedal, amp or cabinet). T derives from Retirable.
template <class T>
class Slot {
 public:
  ~Slot() {
    delete staged_.exchange(nullptr);
    delete active_;
    delete fading_;
  }
  /// Loader thread: publishes `object`; deletes a previously staged one never taken.
  void stage(T* object) { delete staged_.exchange(object, std::memory_order_acq_rel); }
  /// Audio thread: takes a staged object if there is one, no fade is running and the queue
  /// can take the old one. With keepOld the old object becomes fading() (it may be null: the
  /// slot was empty) until retireFading(); otherwise it is retired at once. Returns true when
  /// the active object changed.
  bool pickUp(RetireQueue& retired, bool keepOld) noexcept {
    if (fadingHeld_ || staged_.load(std::memory_order_relaxed) == nullptr || !retired.hasRoom(1))
      return false;
    T* next = staged_.exchange(nullptr, std::memory_order_acq_rel);
    if (next == nullptr) return false;
    T* old = active_;
    active_ = next;
    published_.store(next, std::memory_order_release);
    if (keepOld) {
      fading_ = old;
      fadingHeld_ = true;
    } else if (old != nullptr) {
      retired.push(old);
    }
    return true;
  }
  /// Audio thread: the object being faded out (null = the slot was empty).
  T* fading() const noexcept { return fading_; }
  bool fadingHeld() const noexcept { return fadingHeld_; }
  /// Audio thread: the fade is over; hands the old object back if the queue has room.
  void retireFading(RetireQueue& retired) noexcept {
    if (!fadingHeld_) return;
    if (fading_ != nullptr) {
      if (!retired.hasRoom(1)) return;  // the next block tries again
      retired.push(fading_);
    }
    fading_ = nullptr;
    fadingHeld_ = false;
  }
  /// Audio stopped: deletes the object being faded out.
  void dropFading() noexcept {
    delete fading_;
    fading_ = nullptr;
    fadingHeld_ = false;
  }
  /// Audio thread (or any thread while audio is stopped): the object in use.
  T* active() const noexcept { return active_; }
  /// Non-audio threads: the object in use, valid while retired objects are not collected.
  const T* published() const noexcept { return published_.load(std::memory_order_acquire); }
  /// Audio stopped: the staged object, for re-preparing.
  T* staged() const noexcept { return staged_.load(std::memory_order_acquire); }
  /// Audio stopped: replaces the active object, returning the old one to the caller.
  T* replaceActive(T* object) noexcept {
    T* old = active_;
    active_ = object;
    published_.store(object, std::memory_order_release);
    return old;
  }
  /// Audio stopped: replaces the staged object, returning the old one to the caller.
  T* replaceStaged(T* object) noexcept { return staged_.exchange(object); }

 private:
  std::atomic<T*> staged_{nullptr};
  T* active_ = nullptr;
  T* fading_ = nullptr;
  bool fadingHeld_ = false;
  std::atomic<T*> published_{nullptr};
};

}  // namespace tonematch::engine::chain
