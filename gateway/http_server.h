#pragma once

// HttpServer: the S3 gateway's HTTP/1.1 front end (Boost.Beast, C++20 coroutines). One I/O
// thread per core, each running its own io_context; connections are spread over them
// round-robin and every connection is one coroutine (keep-alive, header limit, idle and
// slow-client timeouts, TCP_NODELAY, optional TLS). For each request it resolves the bucket and
// key (path style, or virtual-hosted "<bucket>.<domain>"), authenticates it (s3_auth.h), answers
// `Expect: 100-continue` once the handler first reads the body, and runs the S3Handler on a
// blocking pool thread while the body and the response stream through an ExchangePipe one
// buffer at a time. Unauthenticated GET /health and GET /metrics are served by the server itself.
// Every response carries x-amz-request-id; every log line about a request carries req=<id>.
//
// Thread-safety: Start() returns a running server; Shutdown() and Wait() may be called from any
// thread (Shutdown() more than once); the destructor shuts down and waits.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "common/metrics.h"
#include "common/result.h"
#include "gateway/s3_exchange.h"

namespace shale::gateway {

struct HttpServerOptions {
  std::string listen = "127.0.0.1:9000";  // HOST:PORT; port 0: the OS picks one (see port()).
  std::string domain;  // Non-empty: "<bucket>.<domain>" hosts address the bucket too.
  std::string region = "us-east-1";
  std::string tls_cert, tls_key;  // PEM files; both set: HTTPS only.
  std::vector<User> users;
  size_t io_threads = 0;       // 0: one per core.
  size_t handler_threads = 0;  // Blocking handler pool; 0: 16 per I/O thread (handlers wait on
                               // storage nodes much more than they compute).
  uint32_t header_limit = 64 * 1024;   // Request line + headers.
  uint32_t idle_timeout_ms = 60'000;   // Waiting for (all of) the next request's header.
  uint32_t stall_timeout_ms = 30'000;  // A body read or a response write making no progress.
  size_t body_buffer_size = 1 << 20;   // Largest socket read of a request body.
  MetricsRegistry* metrics = nullptr;  // Borrowed; nullptr: a private registry.
  const Clock* clock = nullptr;        // Borrowed; nullptr: the system clock.
};

class HttpServer {
 public:
  // Binds, listens and serves on background threads. InvalidArgument for bad options
  // (listen address, TLS files), Unavailable if the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Start(HttpServerOptions options, S3Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;
  // Stops accepting, closes idle connections, lets requests in flight finish (answered with
  // Connection: close); returns at once (Wait() for the end). Not async-signal-safe: on SIGTERM,
  // call it from a thread that waits for the signal (sigwait), not from a signal handler.
  void Shutdown();
  // Blocks until the server has shut down and every connection and handler has ended.
  void Wait();

  class Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);  // Use Start().

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace shale::gateway
