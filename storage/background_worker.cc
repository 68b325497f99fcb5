#include "storage/background_worker.h"

#include <utility>

namespace shale::storage {

BackgroundWorker::BackgroundWorker(Options options, StepFn step)
    : options_(std::move(options)),
      step_(std::move(step)),
      throttle_(options_.rate_bytes_per_sec, options_.rate_bytes_per_sec) {}

BackgroundWorker::~BackgroundWorker() { Stop(); }

void BackgroundWorker::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  stats_.running = true;
  thread_ = std::thread([this] { Loop(); });
}

void BackgroundWorker::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  stats_.running = false;
}

void BackgroundWorker::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void BackgroundWorker::SetRate(uint64_t rate_bytes_per_sec) {
  std::lock_guard<std::mutex> lock(mu_);
  throttle_.set_rate(rate_bytes_per_sec);
}

BackgroundWorker::Stats BackgroundWorker::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void BackgroundWorker::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    woken_ = false;
    lock.unlock();
    // The step runs without the lock: Stop() and stats() must not wait behind it.
    Result<StepOutcome> outcome = step_();
    lock.lock();
    std::chrono::steady_clock::duration pause;
    if (!outcome.ok()) {
      ++stats_.errors;
      stats_.last_error = outcome.status().ToString();
      pause = options_.error_backoff;
    } else {
      stats_.last_error.clear();
      if (outcome->did_work) {
        ++stats_.steps;
        stats_.bytes += outcome->bytes;
        pause = throttle_.Consume(outcome->bytes, std::chrono::steady_clock::now());
      } else {
        pause = options_.idle_interval;
      }
    }
    if (pause > std::chrono::steady_clock::duration::zero()) {
      cv_.wait_for(lock, pause, [this] { return stop_ || woken_; });
    }
  }
}

}  // namespace shale::storage
