#pragma once

// FanOut: one call against many nodes at once (writes of a chunk's k+m shards, quorum reads,
// check calls of repair). The caller's thread runs the first call, one std::thread each runs
// the others, and FanOut returns when every call has returned, so the slowest node bounds the
// latency (each NodeClient call is bounded by its own timeouts). Results come back in client
// order.
// Thread-safety: `call` runs concurrently on different clients; it must be safe for that (the
// NodeClient implementations are).

#include <cstddef>
#include <optional>
#include <span>
#include <thread>
#include <type_traits>
#include <vector>

#include "common/node_client.h"

namespace shale {

template <typename F>
auto FanOut(std::span<NodeClient* const> clients, F&& call)
    -> std::vector<std::invoke_result_t<F&, NodeClient&>> {
  using R = std::invoke_result_t<F&, NodeClient&>;
  // optional<R>: Result<T> has no default constructor, so slots are filled in place.
  std::vector<std::optional<R>> slots(clients.size());
  {
    std::vector<std::jthread> threads;
    threads.reserve(clients.size());
    for (size_t i = 1; i < clients.size(); ++i) {
      threads.emplace_back([&, i] { slots[i].emplace(call(*clients[i])); });
    }
    if (!clients.empty()) slots[0].emplace(call(*clients[0]));
  }  // jthreads join here.
  std::vector<R> out;
  out.reserve(slots.size());
  for (auto& s : slots) out.push_back(std::move(*s));
  return out;
}

}  // namespace shale
