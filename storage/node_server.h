#pragma once

// NodeServer: serves a NodeService over HTTP/1.1 (Boost.Beast, C++20 coroutines). One I/O
// thread runs one coroutine per connection (keep-alive, a fresh parser per message with header
// and body limits, a timeout on every read and write, TCP_NODELAY); NodeService::Handle runs on
// a small worker pool because engine calls block until fdatasync. Every request but /health is
// authenticated (common/internal_auth.h) from its headers before the body is read, and the body
// is checked against its signed SHA-256 before anything is handled.
// Thread-safety: Start() and Stop() are called by one controlling thread; the rest is internal.

#include <cstdint>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/status.h"
#include "storage/node_service.h"

namespace shale::storage {

struct NodeServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;   // 0: the OS picks one; port() tells which.
  std::string secret;  // The cluster secret.
  int worker_threads = 4;
  uint32_t header_limit = 16 * 1024;
  uint64_t body_limit = 64ull << 20;
  int idle_timeout_ms = 60'000;  // Waiting for the next request's header.
  int io_timeout_ms = 30'000;    // Reading a body, writing a response.
  const Clock* clock = nullptr;  // For request dates; nullptr: the system clock. Borrowed.
};

class NodeServer {
 public:
  // `service` and `metrics` are borrowed and must outlive the server.
  NodeServer(NodeServerOptions options, NodeService* service, MetricsRegistry* metrics);
  ~NodeServer();  // Stops if still running.
  NodeServer(const NodeServer&) = delete;
  NodeServer& operator=(const NodeServer&) = delete;

  // Binds, listens and starts serving on background threads.
  Status Start();
  // The bound port (after Start()).
  uint16_t port() const;
  // Graceful: stops accepting, closes idle connections, lets requests in flight finish and
  // answer, then returns.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace shale::storage
