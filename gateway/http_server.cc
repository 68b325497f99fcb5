#include "gateway/http_server.h"

#include <array>
#include <atomic>
#include <charconv>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "common/asio.h"
#include "common/log.h"
#include "gateway/http_exchange.h"
#include "gateway/http_server_impl.h"

namespace shale::gateway {

using namespace http_server_internal;  // NOLINT: the implementation's own internals.

HttpServer::Impl::Impl(HttpServerOptions options, S3Handler handler)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      clock_(options_.clock ? options_.clock : &SystemClock::Default()),
      auth_(options_.users, AuthOptions{options_.region}),
      pool_(options_.handler_threads) {
  static std::atomic<uint64_t> next_id{1};
  id_ = next_id.fetch_add(1);
  if (options_.metrics == nullptr) {
    own_metrics_ = std::make_unique<MetricsRegistry>();
    options_.metrics = own_metrics_.get();
  }
  MetricsRegistry* m = options_.metrics;
  requests_ = m->AddCounter("shale_gateway_requests_total",
                            "S3 requests, by operation and HTTP status.", {"operation", "status"})
                  .value();
  latency_ = m->AddHistogram("shale_gateway_request_duration_seconds",
                             "S3 request latency, by operation.", {"operation"})
                 .value();
  bytes_in_ = &m->AddCounter("shale_gateway_request_body_bytes_total",
                             "Request body bytes received (as sent, before aws-chunked decoding).")
                   .value()
                   ->Get();
  bytes_out_ =
      &m->AddCounter("shale_gateway_response_body_bytes_total", "Response body bytes sent.")
           .value()
           ->Get();
  connections_ =
      &m->AddGauge("shale_gateway_open_connections", "Open client connections.").value()->Get();
}

Status HttpServer::Impl::Listen() {
  // Port 0 (the OS picks one) is valid here though not in configs.
  std::string_view listen = options_.listen;
  const bool any_port = listen.size() > 2 && listen.substr(listen.size() - 2) == ":0";
  if (any_port) listen.remove_suffix(1);
  SHALE_ASSIGN_OR_RETURN(HostPort hp,
                         ParseHostPort(any_port ? std::string(listen) + "1" : options_.listen));
  if (any_port) hp.port = 0;
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(hp.host, ec);
  if (ec) return Status::InvalidArgument("listen: not an IP address: " + hp.host);
  if (!options_.tls_cert.empty() || !options_.tls_key.empty()) {
    if (options_.tls_cert.empty() || options_.tls_key.empty()) {
      return Status::InvalidArgument("TLS needs both a certificate and a key");
    }
    ssl_ = std::make_unique<ssl::context>(ssl::context::tls_server);
    ssl_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ssl_->use_certificate_chain_file(options_.tls_cert, ec);
    if (ec)
      return Status::InvalidArgument("TLS certificate " + options_.tls_cert + ": " + ec.message());
    ssl_->use_private_key_file(options_.tls_key, ssl::context::pem, ec);
    if (ec) return Status::InvalidArgument("TLS key " + options_.tls_key + ": " + ec.message());
  }
  size_t n = options_.io_threads;
  for (size_t i = 0; i < n; ++i) shards_.push_back(std::make_unique<Shard>());
  acceptor_.emplace(shards_[0]->io);
  tcp::endpoint ep(addr, hp.port);
  acceptor_->open(ep.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(ep, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::Unavailable("listen on " + options_.listen + ": " + ec.message());
  port_ = acceptor_->local_endpoint().port();
  asio::co_spawn(shards_[0]->io, Accept(), asio::detached);
  for (auto& shard : shards_) {
    Shard* s = shard.get();
    s->thread = std::thread([s] { s->io.run(); });
  }
  log::Info("S3 gateway listening",
            {{"listen", options_.listen},
             {"port", static_cast<uint64_t>(port_)},
             {"tls", ssl_ != nullptr},
             {"io_threads", static_cast<uint64_t>(n)},
             {"handler_threads", static_cast<uint64_t>(options_.handler_threads)}});
  return Status::OK();
}

void HttpServer::Impl::Shutdown() {
  if (stopping_.exchange(true) || shards_.empty()) return;
  asio::post(shards_[0]->io, [this] {
    boost::system::error_code ec;
    acceptor_->close(ec);
  });
  for (auto& shard : shards_) {
    Shard* s = shard.get();
    asio::post(s->io, [s] {
      for (Conn& c : s->conns) {
        boost::system::error_code ec;
        if (c.idle) c.stream->socket().cancel(ec);
      }
      s->guard.reset();
    });
  }
}

void HttpServer::Impl::Wait() {
  std::lock_guard<std::mutex> lock(wait_mu_);
  for (auto& shard : shards_) {
    if (shard->thread.joinable()) shard->thread.join();
  }
  pool_.join();
}

asio::awaitable<void> HttpServer::Impl::Accept() {
  size_t next = 0;
  for (;;) {
    Shard& shard = *shards_[next++ % shards_.size()];
    tcp::socket socket(shard.io);
    boost::system::error_code ec;
    co_await acceptor_->async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (stopping_) co_return;
    if (ec) {
      log::Warn("accept failed", {{"error", ec.message()}});
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(shard.io, Connection(std::move(socket), shard), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log::Error("connection failed", {{"error", ex.what()}});
      }
    });
  }
}

asio::awaitable<void> HttpServer::Impl::Connection(tcp::socket socket, Shard& shard) {
  beast::tcp_stream tcp_stream(std::move(socket));
  connections_->Add(1);
  shard.conns.push_front(Conn{&tcp_stream});
  struct Unregister {
    Impl* impl;
    Shard& shard;
    std::list<Conn>::iterator it;
    ~Unregister() {
      shard.conns.erase(it);
      impl->connections_->Add(-1);
    }
  } unregister{this, shard, shard.conns.begin()};
  if (!ssl_) {
    co_await Session(tcp_stream, *unregister.it);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp_stream), *ssl_);
  unregister.it->stream = &beast::get_lowest_layer(tls);
  beast::get_lowest_layer(tls).expires_after(std::chrono::milliseconds(options_.idle_timeout_ms));
  boost::system::error_code ec;
  co_await tls.async_handshake(ssl::stream_base::server,
                               asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    log::Debug("TLS handshake failed", {{"error", ec.message()}});
    co_return;
  }
  co_await Session(tls, *unregister.it);
}

void HttpServer::Impl::Record(std::string_view operation, int status, uint64_t start_micros,
                              const std::string& request_id, std::string_view method,
                              std::string_view target, uint64_t in, uint64_t out) {
  std::string_view op = operation.empty() ? std::string_view("Unknown") : operation;
  // Each thread caches its series: the families' lookups take a lock and allocate.
  struct Series {
    Counter* requests;
    Histogram* latency;
  };
  thread_local std::unordered_map<std::string, Series> cache;
  std::string key = std::to_string(id_) + '/' + std::to_string(status) + '/';
  key += op;
  auto it = cache.find(key);
  if (it == cache.end()) {
    if (cache.size() > 4096) cache.clear();
    std::string status_text = std::to_string(status);
    it = cache
             .emplace(std::move(key), Series{&requests_->WithLabels({op, status_text}),
                                             &latency_->WithLabels({op})})
             .first;
  }
  it->second.requests->Inc();
  uint64_t micros = clock_->MonotonicMicros() - start_micros;
  it->second.latency->Observe(static_cast<double>(micros) / 1e6);
  if (log::Enabled(log::Level::kDebug)) {
    log::Debug("request", {{"req", request_id},
                           {"method", method},
                           {"target", target},
                           {"op", op},
                           {"status", status},
                           {"in", in},
                           {"out", out},
                           {"micros", micros}});
  }
}

// --- HttpServer.

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  Shutdown();
  Wait();
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(HttpServerOptions options,
                                                      S3Handler handler) {
  if (!handler) return Status::InvalidArgument("HttpServer needs a handler");
  if (options.io_threads == 0) {
    options.io_threads = std::max(1u, std::thread::hardware_concurrency());
  }
  if (options.handler_threads == 0) options.handler_threads = 16 * options.io_threads;
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler));
  Status s = impl->Listen();
  if (!s.ok()) {
    impl->Shutdown();
    impl->Wait();
    return s;
  }
  return std::make_unique<HttpServer>(std::move(impl));
}

uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Shutdown() { impl_->Shutdown(); }
void HttpServer::Wait() { impl_->Wait(); }

}  // namespace shale::gateway
