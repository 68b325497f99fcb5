#pragma once

// The S3 endpoint of a process — the S3 handlers over an ObjectStore behind the HTTP server —
// and the stop-signal handling around it. Shared by the two processes that serve S3:
// `shale-gateway` (gateway/main.cc, remote nodes) and `shale server` (tools/shale/server.cc,
// in-process nodes), so both start, log and drain the same way.
// Thread-safety: S3Endpoint's methods may be called from any one thread at a time;
// StopSignals is meant for main().

#include <signal.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/metrics.h"
#include "common/result.h"
#include "common/status.h"
#include "gateway/admin_api.h"
#include "gateway/object_store.h"

namespace shale::gateway {

class HttpServer;
class S3Handlers;

struct S3EndpointOptions {
  std::string listen = "127.0.0.1:9000";  // HOST:PORT; port 0 lets the OS choose.
  std::string domain;                     // Enables virtual-hosted-style addressing.
  std::string region = "us-east-1";
  std::string tls_cert;  // PEM paths; both or neither (https when given).
  std::string tls_key;
  std::vector<User> users;
  // Every part of a multipart upload but the last must be at least this large (EntityTooSmall).
  uint64_t multipart_min_part_size = uint64_t{5} << 20;
  // The admin API (gateway/admin_api.h) over these nodes; no nodes: none is served. Its
  // `metrics` is ignored: the endpoint's registry is used.
  AdminApiOptions admin;
};

// A running S3 endpoint. Destroying it shuts it down (like Shutdown()).
class S3Endpoint {
 public:
  // `store` is borrowed and must outlive the endpoint.
  static Result<std::unique_ptr<S3Endpoint>> Start(ObjectStore* store, S3EndpointOptions options);
  ~S3Endpoint();
  S3Endpoint(const S3Endpoint&) = delete;
  S3Endpoint& operator=(const S3Endpoint&) = delete;

  struct Token {  // Lets only Start() construct (through make_unique).
   private:
    friend class S3Endpoint;
    Token() = default;
  };
  explicit S3Endpoint(Token);

  uint16_t port() const;
  // "http://HOST:PORT" or "https://HOST:PORT" with the port actually bound.
  std::string url() const;
  // Stops accepting, finishes the requests in flight, then returns. Idempotent.
  void Shutdown();

 private:
  S3EndpointOptions options_;
  MetricsRegistry metrics_;  // Served on /metrics; outlives the server and the admin API.
  std::unique_ptr<S3Handlers> handlers_;
  std::unique_ptr<AdminApi> admin_;
  std::unique_ptr<HttpServer> server_;
  bool stopped_ = false;
};

// Blocks SIGTERM and SIGINT in the calling thread, and so in every thread it starts afterwards:
// construct it first thing in main, before any thread exists, then Wait() for a stop request.
class StopSignals {
 public:
  StopSignals();
  // Returns the signal that arrived.
  int Wait();

 private:
  sigset_t set_;
};

}  // namespace shale::gateway
