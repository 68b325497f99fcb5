#pragma once

// Internal to gateway/http_server.cc and gateway/http_session.cc: the server's state. One
// Shard per I/O thread (its own io_context and its list of connections); the acceptor lives on
// shard 0 and deals connections out round-robin.
// Thread-safety: a Shard's conns are touched only on its thread; stopping_ is atomic; the rest
// is fixed after Listen().

// clang-format off
#include "common/asio.h"
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
// clang-format on

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "gateway/http_server.h"
#include "gateway/s3_auth.h"

namespace shale::gateway {
namespace http_server_internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;

// A live connection, for Shutdown() to close the idle ones.
struct Conn {
  beast::tcp_stream* stream;  // Owned by the connection's coroutine, which erases this entry.
  bool idle = true;           // Waiting for the next request's header.
};

struct Shard {
  asio::io_context io{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard{
      io.get_executor()};
  std::list<Conn> conns;
  std::thread thread;
};

// What one request/response left behind for the connection.
struct ServeResult {
  bool keep_alive = false;
  bool unread_body = false;  // The client may still be sending a body nobody read.
};

}  // namespace http_server_internal

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, S3Handler handler);
  Status Listen();
  uint16_t port() const { return port_; }
  void Shutdown();
  void Wait();

 private:
  using Shard = http_server_internal::Shard;
  using Conn = http_server_internal::Conn;
  using ServeResult = http_server_internal::ServeResult;

  boost::asio::awaitable<void> Accept();
  boost::asio::awaitable<void> Connection(boost::asio::ip::tcp::socket socket, Shard& shard);
  // The request loop of one connection (http_session.cc).
  template <typename Stream>
  boost::asio::awaitable<void> Session(Stream& stream, Conn& conn);
  template <typename Stream, typename Parser>
  boost::asio::awaitable<ServeResult> Serve(Stream& stream, boost::beast::flat_buffer& buffer,
                                            Parser& parser);
  void Record(std::string_view operation, int status, uint64_t start_micros,
              const std::string& request_id, std::string_view method, std::string_view target,
              uint64_t in, uint64_t out);

  HttpServerOptions options_;
  const S3Handler handler_;
  const Clock* const clock_;
  const S3Authenticator auth_;
  std::unique_ptr<MetricsRegistry> own_metrics_;
  std::unique_ptr<http_server_internal::ssl::context> ssl_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::optional<http_server_internal::tcp::acceptor> acceptor_;  // Shard 0's thread only.
  boost::asio::thread_pool pool_;
  uint16_t port_ = 0;
  uint64_t id_ = 0;  // Unique per server in the process (keys of per-thread metric caches).
  std::atomic<bool> stopping_{false};
  std::mutex wait_mu_;
  CounterFamily* requests_ = nullptr;
  HistogramFamily* latency_ = nullptr;
  Counter* bytes_in_ = nullptr;
  Counter* bytes_out_ = nullptr;
  Gauge* connections_ = nullptr;
};

}  // namespace shale::gateway
