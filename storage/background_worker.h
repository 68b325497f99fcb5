#pragma once

// BackgroundWorker: runs a step function on its own thread — one bounded unit of work per
// step (compact one segment, scrub a few MiB, repair one object) — spaced by a Throttle, and
// observable through Stats. When a step finds nothing to do the worker sleeps for
// `idle_interval` or until Wake(). Stop() waits for the step in flight and never interrupts
// one midway, so a step must leave consistent state whenever it returns.
//
// Thread-safety: Start/Stop/Wake/stats may be called from any thread. The step function runs
// only on the worker thread.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.h"
#include "storage/throttle.h"

namespace shale::storage {

struct StepOutcome {
  bool did_work = false;  // False: nothing to do now; sleep until idle_interval or Wake().
  uint64_t bytes = 0;     // Work done, charged to the throttle.
};

class BackgroundWorker {
 public:
  using StepFn = std::function<Result<StepOutcome>()>;

  struct Options {
    std::string name;
    std::chrono::milliseconds idle_interval{1000};
    std::chrono::milliseconds error_backoff{1000};  // Pause after a failed step.
    uint64_t rate_bytes_per_sec = 0;                // 0: unthrottled.
  };

  struct Stats {
    uint64_t steps = 0;      // Steps that did work.
    uint64_t bytes = 0;      // Bytes those steps reported.
    uint64_t errors = 0;     // Steps that failed.
    std::string last_error;  // Empty if the last step succeeded.
    bool running = false;
  };

  BackgroundWorker(Options options, StepFn step);
  ~BackgroundWorker();  // Stops.
  BackgroundWorker(const BackgroundWorker&) = delete;
  BackgroundWorker& operator=(const BackgroundWorker&) = delete;

  void Start();
  void Stop();
  // Runs the next step now instead of waiting out an idle or throttle sleep.
  void Wake();
  void SetRate(uint64_t rate_bytes_per_sec);
  Stats stats() const;

 private:
  void Loop();

  const Options options_;
  const StepFn step_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Throttle throttle_;   // GUARDED_BY(mu_)
  Stats stats_;         // GUARDED_BY(mu_)
  bool stop_ = false;   // GUARDED_BY(mu_)
  bool woken_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace shale::storage
