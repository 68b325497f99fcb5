#pragma once

// Throttle: a token bucket in bytes per second that spaces background work (scrub, compaction,
// repair) so it yields to client traffic. Pure arithmetic over time points given by the caller,
// so it is tested without sleeping. Thread-safety: not thread-safe; one worker owns one.

#include <chrono>
#include <cstdint>

namespace shale::storage {

class Throttle {
 public:
  using Clock = std::chrono::steady_clock;

  // rate_bytes_per_sec == 0 means unthrottled. `burst_bytes` is how much may be done at once
  // after an idle period (at least one second's worth is sensible).
  Throttle(uint64_t rate_bytes_per_sec, uint64_t burst_bytes);

  // Accounts `bytes` of work done at `now` and returns how long to wait before the next step.
  Clock::duration Consume(uint64_t bytes, Clock::time_point now);

  void set_rate(uint64_t rate_bytes_per_sec) { rate_ = rate_bytes_per_sec; }
  uint64_t rate() const { return rate_; }

 private:
  uint64_t rate_;
  double burst_;
  double tokens_;
  Clock::time_point last_{};
  bool started_ = false;
};

}  // namespace shale::storage
