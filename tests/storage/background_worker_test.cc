#include "storage/background_worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/throttle.h"

namespace shale::storage {
namespace {

using namespace std::chrono_literals;

TEST(ThrottleTest, UnthrottledNeverWaits) {
  Throttle t(0, 0);
  auto now = Throttle::Clock::now();
  EXPECT_EQ(t.Consume(uint64_t{1} << 40, now), Throttle::Clock::duration::zero());
}

TEST(ThrottleTest, WaitsForTheDebtAtTheConfiguredRate) {
  Throttle t(/*rate=*/1000, /*burst=*/1000);
  auto now = Throttle::Clock::now();
  EXPECT_EQ(t.Consume(1000, now), Throttle::Clock::duration::zero());  // The burst.
  // 500 more bytes at 1000 B/s without time passing: half a second of debt.
  auto wait = t.Consume(500, now);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(wait), 500ms);
  // After the wait the bucket is even; a second of idle refills to the burst, not beyond.
  now += 500ms;
  EXPECT_EQ(t.Consume(0, now), Throttle::Clock::duration::zero());
  now += 10s;
  EXPECT_EQ(t.Consume(1000, now), Throttle::Clock::duration::zero());
  EXPECT_GT(t.Consume(1, now), Throttle::Clock::duration::zero());
}

// A step that blocks until released, to observe the worker from outside.
class Gate {
 public:
  void Open() {
    std::lock_guard<std::mutex> l(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST(BackgroundWorkerTest, RunsStepsAndCountsWorkAndErrors) {
  std::atomic<int> calls{0};
  Gate done;
  BackgroundWorker worker({.name = "t", .idle_interval = 1ms, .error_backoff = 1ms},
                          [&]() -> Result<StepOutcome> {
                            int n = ++calls;
                            if (n == 3) return Status::IOError("disk hiccup");
                            if (n == 6) done.Open();
                            if (n > 5) return StepOutcome{.did_work = false};
                            return StepOutcome{.did_work = true, .bytes = 10};
                          });
  worker.Start();
  done.Wait();
  worker.Stop();
  auto stats = worker.stats();
  EXPECT_EQ(stats.steps, 4u);
  EXPECT_EQ(stats.bytes, 40u);
  EXPECT_EQ(stats.errors, 1u);
  EXPECT_FALSE(stats.running);
}

TEST(BackgroundWorkerTest, StopWaitsForTheStepInFlight) {
  Gate in_step;
  Gate release;
  std::mutex mu;
  std::vector<std::string> events;
  auto record = [&](const char* e) {
    std::lock_guard<std::mutex> l(mu);
    events.push_back(e);
  };
  BackgroundWorker worker({.name = "t", .idle_interval = 1h}, [&]() -> Result<StepOutcome> {
    in_step.Open();
    release.Wait();
    record("step-end");
    return StepOutcome{.did_work = false};
  });
  worker.Start();
  in_step.Wait();
  std::thread stopper([&] {
    worker.Stop();
    record("stop-returned");
  });
  std::this_thread::sleep_for(20ms);  // Give a broken Stop() the chance to return early.
  release.Open();
  stopper.join();
  EXPECT_EQ(events, (std::vector<std::string>{"step-end", "stop-returned"}));
}

TEST(BackgroundWorkerTest, WakeCutsAnIdleSleepShort) {
  std::atomic<int> calls{0};
  Gate second;
  BackgroundWorker worker({.name = "t", .idle_interval = 1h}, [&]() -> Result<StepOutcome> {
    if (++calls == 2) second.Open();
    return StepOutcome{.did_work = false};
  });
  worker.Start();
  // Without Wake() the second step would come only after an hour.
  while (calls.load() < 1) std::this_thread::yield();
  for (int i = 0; i < 1000 && calls.load() < 2; ++i) {
    worker.Wake();
    std::this_thread::sleep_for(1ms);
  }
  second.Wait();
  worker.Stop();
  EXPECT_GE(calls.load(), 2);
}

}  // namespace
}  // namespace shale::storage
