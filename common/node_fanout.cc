#include "common/node_fanout.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace shale {
namespace fanout_internal {
namespace {

// Enough workers that the calls of many concurrent requests (each blocking on a node's
// fdatasync or a network round trip) overlap; idle workers only cost their stacks.
constexpr size_t kWorkers = 64;

// One queue of groups with unclaimed calls. Claims and completions are counted under one mutex:
// they are a few per node call, far below its cost.
class Pool {
 public:
  static Pool& Get() {
    // Leaked on purpose: workers may still be parked at exit, and static destruction order
    // against other statics that fan out is not worth defining.
    static Pool* pool = new Pool();  // NOLINT: intentional process-lifetime singleton.
    return *pool;
  }

  void Start(TaskGroup* g) {
    if (g->size <= 1) return;  // The caller's Wait() runs it: no hand-off.
    bool wake;
    {
      std::lock_guard lock(mu_);
      g->queued = true;
      queue_.push_back(g);
      wake = idle_ > 0;
    }
    // One worker; each worker that finds more work wakes the next (see Work()). Calls that
    // return at once are mostly run by the caller and one worker, without a wake-up per call;
    // calls that block (an fdatasync, a round trip) still all start within microseconds.
    if (wake) work_cv_.notify_one();
  }

  void Wait(TaskGroup* g) {
    std::unique_lock lock(mu_);
    while (g->next < g->size) {
      size_t i = Claim(g);
      lock.unlock();
      g->run(i);
      lock.lock();
      ++g->done;
    }
    g->done_cv.wait(lock, [g] { return g->done == g->size; });
  }

 private:
  Pool() {
    for (size_t i = 0; i < kWorkers; ++i) std::thread([this] { Work(); }).detach();
  }

  // Takes the next call of `g`; drops `g` from the queue once every call is claimed.
  size_t Claim(TaskGroup* g) {
    size_t i = g->next++;
    if (g->next == g->size && g->queued) {
      queue_.erase(std::find(queue_.begin(), queue_.end(), g));
      g->queued = false;
    }
    return i;
  }

  void Work() {
    std::unique_lock lock(mu_);
    for (;;) {
      ++idle_;
      work_cv_.wait(lock, [this] { return !queue_.empty(); });
      --idle_;
      TaskGroup* g = queue_.front();
      size_t i = Claim(g);
      const bool more = !queue_.empty() && idle_ > 0;
      lock.unlock();
      if (more) work_cv_.notify_one();
      g->run(i);
      lock.lock();
      // Notified under the mutex: the waiter can only return (and free `g`) after we unlock.
      if (++g->done == g->size) g->done_cv.notify_one();
    }
  }

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::deque<TaskGroup*> queue_;  // Guarded by mu_.
  size_t idle_ = 0;               // Guarded by mu_.
};

}  // namespace

void Start(TaskGroup* group) { Pool::Get().Start(group); }
void Wait(TaskGroup* group) { Pool::Get().Wait(group); }

}  // namespace fanout_internal

size_t FanOutWorkerCount() { return fanout_internal::kWorkers; }

}  // namespace shale
