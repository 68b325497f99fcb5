#pragma once

// FanOut: one call against many nodes at once (writes of a chunk's k+m shards, quorum reads,
// check calls of repair). Calls run on a fixed, process-wide pool of worker threads (no thread
// is created per call); the caller runs whatever the workers have not picked up yet, so a
// fan-out always makes progress even when every worker is busy. Workers are woken one after
// the other as they find work, so calls that return at once (in-process nodes answering from
// the page cache) mostly run on the caller's thread and one worker, without a wake-up per call. A
// fan-out completes when every call has returned, so the slowest node bounds the latency (each
// NodeClient call is bounded by its own timeouts). Results come back in client order.
//
// StartFanOut() begins the calls and returns at once (e.g. to prefetch the next chunk's shards,
// or to send one chunk while the next is encoded); Wait() collects the results. A pending
// fan-out that is destroyed without Wait() still waits for its calls (they borrow its state).
// Thread-safety: `call` runs concurrently on different clients; it must be safe for that (the
// NodeClient implementations are). A PendingFanOut is used by one thread at a time.

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/node_client.h"

namespace shale {

namespace fanout_internal {

// The unit the pool schedules: `size` calls of `run(i)`, claimed one index at a time.
struct TaskGroup {
  size_t size = 0;
  std::function<void(size_t)> run;
  // Guarded by the pool's mutex.
  size_t next = 0;
  size_t done = 0;
  bool queued = false;
  std::condition_variable done_cv;
};

// Queues the group's calls for the workers (a group of one is left for Wait()).
void Start(TaskGroup* group);
// Runs the calls no worker has claimed on this thread, then waits until all have returned.
void Wait(TaskGroup* group);

// `call` is invoked as call(client) or, if it accepts one, call(client, index in `clients`).
template <typename F>
decltype(auto) Invoke(F& call, NodeClient& client, size_t i) {
  if constexpr (std::is_invocable_v<F&, NodeClient&, size_t>) {
    return call(client, i);
  } else {
    return call(client);
  }
}
template <typename F>
using FanOutResult = decltype(Invoke(std::declval<F&>(), std::declval<NodeClient&>(), 0));

}  // namespace fanout_internal

// Worker threads of the process-wide pool (a fixed number, started on first use).
size_t FanOutWorkerCount();

template <typename R>
class PendingFanOut {
 public:
  PendingFanOut() = default;  // Empty: nothing in flight.
  PendingFanOut(PendingFanOut&&) noexcept = default;
  // Waits for the calls this one still has in flight, then takes over `other`'s.
  PendingFanOut& operator=(PendingFanOut&& other) noexcept {
    Settle();
    state_ = std::move(other.state_);
    waited_ = other.waited_;
    return *this;
  }
  ~PendingFanOut() { Settle(); }

  bool empty() const { return state_ == nullptr; }

  // The results in client order. Call once, on a non-empty fan-out.
  std::vector<R> Wait() {
    fanout_internal::Wait(&state_->group);
    waited_ = true;
    std::vector<R> out;
    out.reserve(state_->slots.size());
    for (auto& s : state_->slots) out.push_back(std::move(*s));
    return out;
  }

 private:
  template <typename F>
  friend auto StartFanOut(std::span<NodeClient* const> clients, F call)
      -> PendingFanOut<fanout_internal::FanOutResult<F>>;

  struct State {
    std::vector<NodeClient*> clients;
    // optional<R>: Result<T> has no default constructor, so slots are filled in place.
    std::vector<std::optional<R>> slots;
    fanout_internal::TaskGroup group;
  };
  explicit PendingFanOut(std::unique_ptr<State> state) : state_(std::move(state)) {}
  void Settle() {
    if (state_ != nullptr && !waited_) fanout_internal::Wait(&state_->group);
  }

  std::unique_ptr<State> state_;
  bool waited_ = false;
};

// Starts `call` on every client; `call` is kept until the fan-out completes. `call` takes
// (NodeClient&) or (NodeClient&, size_t index).
template <typename F>
auto StartFanOut(std::span<NodeClient* const> clients, F call)
    -> PendingFanOut<fanout_internal::FanOutResult<F>> {
  using R = fanout_internal::FanOutResult<F>;
  using State = typename PendingFanOut<R>::State;
  auto state = std::make_unique<State>();
  state->clients.assign(clients.begin(), clients.end());
  state->slots.resize(clients.size());
  State* s = state.get();
  state->group.size = clients.size();
  state->group.run = [s, call = std::move(call)](size_t i) mutable {
    s->slots[i].emplace(fanout_internal::Invoke(call, *s->clients[i], i));
  };
  fanout_internal::Start(&state->group);
  return PendingFanOut<R>(std::move(state));
}

template <typename F>
auto FanOut(std::span<NodeClient* const> clients, F&& call)
    -> std::vector<fanout_internal::FanOutResult<F>> {
  auto ref = [&call](NodeClient& c, size_t i) { return fanout_internal::Invoke(call, c, i); };
  return StartFanOut(clients, ref).Wait();
}

}  // namespace shale
