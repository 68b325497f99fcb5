#include "common/clock.h"

#include <time.h>

namespace shale {
namespace {

uint64_t ReadClock(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

}  // namespace

SystemClock& SystemClock::Default() {
  static SystemClock clock;
  return clock;
}

uint64_t SystemClock::NowMicros() const { return ReadClock(CLOCK_REALTIME); }
uint64_t SystemClock::MonotonicMicros() const { return ReadClock(CLOCK_MONOTONIC); }

}  // namespace shale
