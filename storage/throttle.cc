#include "storage/throttle.h"

#include <algorithm>

namespace shale::storage {

Throttle::Throttle(uint64_t rate_bytes_per_sec, uint64_t burst_bytes)
    : rate_(rate_bytes_per_sec),
      burst_(static_cast<double>(burst_bytes)),
      tokens_(static_cast<double>(burst_bytes)) {}

Throttle::Clock::duration Throttle::Consume(uint64_t bytes, Clock::time_point now) {
  if (rate_ == 0) return Clock::duration::zero();
  if (started_) {
    double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + std::max(0.0, elapsed) * static_cast<double>(rate_));
  }
  started_ = true;
  last_ = now;
  tokens_ -= static_cast<double>(bytes);
  if (tokens_ >= 0) return Clock::duration::zero();
  // In debt: wait until the bucket is back at zero.
  auto wait = std::chrono::duration<double>(-tokens_ / static_cast<double>(rate_));
  return std::chrono::duration_cast<Clock::duration>(wait);
}

}  // namespace shale::storage
