#pragma once

// BatchQueue: many producers, one consumer — the shape of group commit. Producers enqueue a
// request with a completion; the consumer (the engine's single writer thread) takes everything
// queued so far (up to max_batch) in one go, so the requests that arrive while one batch is being
// synced become the next batch and share one fdatasync.
//
// Thread-safety: Push/PushAndWait/Close/depth may be called from any thread; PopBatch from the
// one consumer thread only. Completions run on the consumer thread and must not block.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <utility>
#include <vector>

#include "common/status.h"

namespace shale::storage {

template <typename Request>
class BatchQueue {
 public:
  using Done = std::function<void(const Status&)>;
  struct Entry {
    Request request;
    Done done;
  };

  explicit BatchQueue(size_t max_batch) : max_batch_(max_batch == 0 ? 1 : max_batch) {}
  BatchQueue(const BatchQueue&) = delete;
  BatchQueue& operator=(const BatchQueue&) = delete;

  // Enqueues `request`; `done` is called exactly once with its outcome — unless Push itself
  // fails (queue closed), in which case `done` is never called.
  Status Push(Request request, Done done) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_) return Status::Aborted("write queue is closed");
      queue_.push_back(Entry{std::move(request), std::move(done)});
    }
    ready_.notify_one();
    return Status::OK();
  }

  // Enqueues and blocks until the batch holding `request` completed.
  Status PushAndWait(Request request) {
    auto outcome = std::make_shared<std::promise<Status>>();
    std::future<Status> future = outcome->get_future();
    Status pushed = Push(std::move(request), [outcome](const Status& s) { outcome->set_value(s); });
    if (!pushed.ok()) return pushed;
    return future.get();
  }

  // Waits until at least one request is queued or the queue is closed, then moves up to
  // max_batch requests into *out (cleared first). Returns false once closed and drained.
  bool PopBatch(std::vector<Entry>* out) {
    out->clear();
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait(lock, [&] { return !queue_.empty() || closed_; });
    if (queue_.empty()) return false;
    size_t n = std::min(queue_.size(), max_batch_);
    for (size_t i = 0; i < n; ++i) {
      out->push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    return true;
  }

  // Refuses new requests and wakes the consumer; queued requests are still handed out, so
  // nothing already accepted is dropped.
  void Close() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
    }
    ready_.notify_all();
  }

  size_t depth() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.size();
  }

 private:
  const size_t max_batch_;
  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::deque<Entry> queue_;  // GUARDED_BY(mu_)
  bool closed_ = false;      // GUARDED_BY(mu_)
};

}  // namespace shale::storage
