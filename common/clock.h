#pragma once

// Clock: the one door to time, so tests can control it. NowMicros() is wall time (may step
// backwards when the system clock is adjusted); MonotonicMicros() never decreases and has an
// arbitrary origin (use it for durations and timeouts, never for timestamps).

#include <atomic>
#include <cstdint>

namespace shale {

// Thread-safety: implementations must be safe to call from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch (UTC), as the system reports it.
  virtual uint64_t NowMicros() const = 0;
  // Microseconds since an arbitrary fixed origin; never decreases.
  virtual uint64_t MonotonicMicros() const = 0;
};

// The real clocks (CLOCK_REALTIME, CLOCK_MONOTONIC). Stateless and thread-safe.
class SystemClock final : public Clock {
 public:
  // The process-wide instance.
  static SystemClock& Default();
  uint64_t NowMicros() const override;
  uint64_t MonotonicMicros() const override;
};

// A clock that only moves when told to. The wall time may be set anywhere (including
// backwards, to test code that must survive clock steps); the monotonic time only advances.
// Thread-safe: all methods may be called concurrently.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(uint64_t wall_micros = 1'700'000'000'000'000ull,
                       uint64_t monotonic_micros = 0)
      : wall_(wall_micros), mono_(monotonic_micros) {}

  uint64_t NowMicros() const override { return wall_.load(std::memory_order_acquire); }
  uint64_t MonotonicMicros() const override { return mono_.load(std::memory_order_acquire); }

  // Moves both the wall and the monotonic time forward by `micros`.
  void Advance(uint64_t micros) {
    wall_.fetch_add(micros, std::memory_order_acq_rel);
    mono_.fetch_add(micros, std::memory_order_acq_rel);
  }
  // Sets the wall time only (a clock step); the monotonic time is unchanged.
  void SetWallMicros(uint64_t micros) { wall_.store(micros, std::memory_order_release); }

 private:
  std::atomic<uint64_t> wall_;
  std::atomic<uint64_t> mono_;
};

}  // namespace shale
