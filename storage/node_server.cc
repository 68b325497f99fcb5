#include "storage/node_server.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <list>
#include <optional>
#include <thread>

#include "common/asio.h"
#include "common/chunk_signing.h"
#include "common/encoding.h"
#include "common/hash.h"
#include "common/internal_auth.h"
#include "common/log.h"
#include "storage/piece_handoff.h"

namespace shale::storage {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using asio::awaitable;
using asio::ip::tcp;

std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }
beast::string_view Name(std::string_view s) { return {s.data(), s.size()}; }

std::optional<uint64_t> ParseDecimal(std::string_view s) {
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// Socket reads of a streamed body, and the engine's pieces, are at most this big.
constexpr size_t kStreamPieceSize = 256 * 1024;

}  // namespace

class NodeServer::Impl {
 public:
  Impl(NodeServerOptions options, NodeService* service, MetricsRegistry* metrics)
      : options_(std::move(options)),
        service_(service),
        clock_(options_.clock ? options_.clock : &SystemClock::Default()),
        pool_(options_.worker_threads) {
    requests_ =
        metrics
            ->AddCounter("shale_node_requests_total",
                         "Internal API requests, by route and HTTP status.", {"route", "status"})
            .value();
    bytes_in_ =
        &metrics->AddCounter("shale_node_request_body_bytes_total", "Request body bytes received.")
             .value()
             ->Get();
    bytes_out_ =
        &metrics->AddCounter("shale_node_response_body_bytes_total", "Response body bytes sent.")
             .value()
             ->Get();
    auth_failures_ =
        &metrics
             ->AddCounter("shale_node_auth_failures_total", "Requests refused for authentication.")
             .value()
             ->Get();
    latency_ = metrics
                   ->AddHistogram("shale_node_request_duration_seconds",
                                  "Internal API request latency, by route.", {"route"})
                   .value();
  }

  Status Start() {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(options_.host, ec);
    if (ec) return Status::InvalidArgument("bad listen host " + options_.host);
    tcp::endpoint ep(addr, options_.port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::Unavailable("listen on " + options_.host + ":" +
                                 std::to_string(options_.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, Accept(), asio::detached);
    io_thread_ = std::thread([this] { io_.run(); });
    return Status::OK();
  }

  uint16_t port() const { return port_; }

  void Stop() {
    if (!io_thread_.joinable()) return;
    asio::post(io_, [this] {
      stopping_ = true;
      boost::system::error_code ec;
      acceptor_.close(ec);
      for (Conn& c : conns_) {
        if (c.idle) c.stream->socket().cancel(ec);
      }
    });
    io_thread_.join();
    pool_.join();
  }

 private:
  // A live connection; touched only on the I/O thread.
  struct Conn {
    beast::tcp_stream* stream;  // Owned by the session coroutine, which erases this entry.
    bool idle = true;           // Waiting for the next request's header.
  };

  awaitable<void> Accept() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (stopping_) co_return;
      if (ec) {
        log::Warn("accept failed", {{"error", ec.message()}});
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(io_, Session(std::move(socket)), [](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          log::Error("connection failed", {{"error", ex.what()}});
        }
      });
    }
  }

  awaitable<void> Session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    std::string remote;
    {
      boost::system::error_code ec;
      auto ep = stream.socket().remote_endpoint(ec);
      if (!ec) remote = ep.address().to_string() + ":" + std::to_string(ep.port());
    }
    conns_.push_front(Conn{&stream});
    auto conn = conns_.begin();
    // Erased however the coroutine ends (an exception included): Stop() must never see a
    // stream that is gone.
    struct Unregister {
      std::list<Conn>& list;
      std::list<Conn>::iterator it;
      ~Unregister() { list.erase(it); }
    } unregister{conns_, conn};
    beast::flat_buffer buffer;
    buffer.reserve(256 * 1024);  // Unreserved, Beast reads ~512 bytes per syscall.
    bool unread_body = false;    // The last answer refused a body still being sent.
    while (!stopping_) {
      boost::system::error_code ec;
      http::request_parser<http::string_body> parser;
      parser.header_limit(options_.header_limit);
      // Streamed shard bodies may be larger than the limit of bodies read whole, which is
      // applied once the header says which kind this is.
      parser.body_limit(std::max<uint64_t>(options_.body_limit, kStreamedShardBodyLimit));
      conn->idle = true;
      stream.expires_after(std::chrono::milliseconds(options_.idle_timeout_ms));
      co_await http::async_read_header(stream, buffer, parser,
                                       asio::redirect_error(asio::use_awaitable, ec));
      conn->idle = false;
      const bool streamed_put = !ec && parser.get().method() == http::verb::put &&
                                NodeService::IsShardTarget(View(parser.get().target())) &&
                                parser.content_length() &&
                                (*parser.content_length() > kStreamedShardThreshold ||
                                 View(parser.get()[Name(internal_auth::kContentSha256Header)]) ==
                                     internal_auth::kStreamingSha256);
      if (!ec && !streamed_put) {
        if (parser.content_length() && *parser.content_length() > options_.body_limit) {
          ec = http::error::body_limit;
        } else {
          parser.body_limit(options_.body_limit);
        }
      }
      if (ec == http::error::body_limit || ec == http::error::header_limit) {
        NodeResponse r = NodeService::Error(
            Status::InvalidArgument(ec == http::error::body_limit ? "body too large"
                                                                  : "header too large"),
            "limit");
        co_await Reply(stream, std::move(r), 11, /*keep_alive=*/false, ec);
        break;
      }
      if (ec) break;
      uint64_t start = clock_->MonotonicMicros();
      const auto& header = parser.get();
      // Copied: a streamed PUT moves the parser (and its header) away.
      const unsigned version = header.version();
      std::string target(View(header.target()));
      std::string method(View(header.method_string()));
      bool keep_alive = header.keep_alive();
      std::string_view path = std::string_view(target).substr(0, target.find('?'));
      bool authenticated = path == "/health";
      NodeResponse response;
      if (!authenticated) {
        internal_auth::ReceivedAuth received{
            View(header[Name(internal_auth::kDateHeader)]),
            View(header[Name(internal_auth::kContentSha256Header)]),
            View(header[http::field::authorization])};
        Status s =
            internal_auth::VerifyRequest(options_.secret, method, target, received,
                                         static_cast<int64_t>(clock_->NowMicros() / 1000000));
        if (!s.ok()) {
          response = Refuse(s, remote, method, path);
          keep_alive = false;  // The body was not read: the stream is not at a message start.
          unread_body = true;
        } else {
          authenticated = true;
        }
      }
      if (authenticated && streamed_put) {
        // A big shard body goes to the engine piece by piece, never whole in memory.
        bool body_done = false;
        response = co_await StreamedPut(stream, buffer, parser, target, remote, &body_done);
        if (!body_done) keep_alive = false;  // Not at a message start.
        unread_body = !body_done;
      } else if (authenticated) {
        stream.expires_after(std::chrono::milliseconds(options_.io_timeout_ms));
        co_await http::async_read(stream, buffer, parser,
                                  asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        const std::string& body = parser.get().body();
        bytes_in_->Inc(body.size());
        if (path != "/health" &&
            internal_auth::BodySha256Hex(body) !=
                View(parser.get()[Name(internal_auth::kContentSha256Header)])) {
          response = Refuse(Status::Unauthenticated("body does not match its signed sha256"),
                            remote, method, path);
        } else if (method == "GET" && NodeService::IsShardTarget(target)) {
          bool replied = false;
          response = co_await StreamedGet(stream, target, version, keep_alive && !stopping_,
                                          &replied, &keep_alive);
          if (replied) {
            Record(response.route, response.status, start);
            if (!keep_alive || stopping_) break;
            continue;
          }
        } else {
          NodeRequest request{method, target, View(parser.get()[Name(kCrc32cHeader)]),
                              View(parser.get()[Name(kKindHeader)]), body};
          response = co_await asio::co_spawn(
              pool_,
              [this, &request]() -> awaitable<NodeResponse> {
                co_return service_->Handle(request);
              },
              asio::use_awaitable);
        }
      }
      keep_alive = keep_alive && !stopping_;
      const std::string_view route = response.route;  // Static: outlives the move.
      const int status = response.status;
      co_await Reply(stream, std::move(response), version, keep_alive, ec);
      Record(route, status, start);
      if (ec || !keep_alive) break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (unread_body) co_await Drain(stream);
  }

  // Lingering close after refusing a body mid-way: reading (and dropping) what the client is
  // still sending, for a bounded time and size, lets it read the answer instead of a reset.
  awaitable<void> Drain(beast::tcp_stream& stream) {
    constexpr size_t kMaxDrainBytes = 64u << 20;
    std::vector<char> scratch(64 * 1024);
    stream.expires_after(std::chrono::seconds(2));
    size_t total = 0;
    while (total < kMaxDrainBytes) {
      boost::system::error_code ec;
      total += co_await stream.async_read_some(asio::buffer(scratch),
                                               asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
    }
  }

  awaitable<void> Reply(beast::tcp_stream& stream, NodeResponse r, unsigned version,
                        bool keep_alive, boost::system::error_code& ec) {
    http::response<http::string_body> res{static_cast<http::status>(r.status), version};
    res.set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) res.set(name, value);
    const size_t body_size = r.body.size();
    res.body() = std::move(r.body);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    stream.expires_after(std::chrono::milliseconds(options_.io_timeout_ms));
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) bytes_out_->Inc(body_size);
  }

  // A shard PUT whose body is read in pieces and pulled by the engine on a pool thread. A body
  // in signed chunks (x-shale-content-sha256: STREAMING-...) is verified chunk by chunk, each
  // before its bytes go to the engine; otherwise the whole-body SHA-256 of the signed header is
  // checked as the last bytes arrive and they are withheld on a mismatch. Either failure drops
  // the record and is answered 403. `*body_done` tells whether the body was read to its end
  // (else the connection cannot be reused).
  awaitable<NodeResponse> StreamedPut(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                      http::request_parser<http::string_body>& header_parser,
                                      const std::string& target, const std::string& remote,
                                      bool* body_done) {
    http::request_parser<http::buffer_body> parser{std::move(header_parser)};
    parser.body_limit(kStreamedShardBodyLimit);
    const auto& h = parser.get();
    struct Shared {
      std::string target, crc, sha;
      bool sha_mismatch = false;  // Pool side; read after Finish (ordered by the handoff).
    };
    auto shared = std::make_shared<Shared>();
    shared->target = target;
    shared->crc = std::string(View(h[Name(kCrc32cHeader)]));
    shared->sha = std::string(View(h[Name(internal_auth::kContentSha256Header)]));
    uint64_t length = *parser.content_length();
    std::optional<internal_auth::ChunkedBodyReader> chunks;
    if (shared->sha == internal_auth::kStreamingSha256) {
      auto decoded = ParseDecimal(View(h[Name(internal_auth::kDecodedLengthHeader)]));
      auto seed = internal_auth::SeedSignature(View(h[http::field::authorization]));
      auto date = ParseDecimal(View(h[Name(internal_auth::kDateHeader)]));
      if (!decoded || *decoded > kStreamedShardBodyLimit || !seed.ok() || !date) {
        *body_done = false;
        co_return NodeService::Error(
            Status::InvalidArgument("a chunk-signed body needs a valid " +
                                    std::string(internal_auth::kDecodedLengthHeader)),
            "shard_put");
      }
      length = *decoded;
      chunks.emplace(options_.secret, static_cast<int64_t>(*date), std::move(*seed));
    }
    auto handoff = std::make_shared<PieceHandoff>(io_.get_executor());
    const bool whole_body_sha = !chunks;
    asio::post(pool_, [this, handoff, shared, length, whole_body_sha] {
      Sha256Stream digest;
      uint64_t got = 0;
      auto source = [&](std::span<char> buf) -> Result<size_t> {
        SHALE_ASSIGN_OR_RETURN(size_t n, handoff->Take(buf));
        got += n;
        if (!whole_body_sha) return n;
        digest.Update(std::string_view(buf.data(), n));
        if (got == length && HexEncode(digest.Finish()) != shared->sha) {
          shared->sha_mismatch = true;
          return Status::Unauthenticated("body does not match its signed sha256");
        }
        return n;
      };
      NodeRequest request{"PUT", shared->target, shared->crc, {}, {}};
      handoff->Finish(service_->PutShardStreamed(request, length, source));
    });

    std::vector<char> raw(kStreamPieceSize);
    std::string_view unparsed;  // Socket bytes not fed to `chunks` yet.
    bool offered = false;
    bool input_ended = false;
    Status chunk_error;
    auto end_input = [&](Status st) {
      handoff->EndInput(std::move(st));
      input_ended = true;
    };
    for (;;) {
      PieceHandoff::State st = handoff->Snapshot();
      if (st.finished) break;
      if (st.piece_pending || input_ended) {
        co_await handoff->Wait();
        continue;
      }
      if (offered) {  // The engine took the last piece.
        offered = false;
        if (chunks) chunks->ClearChunk();
      }
      if (chunks && !unparsed.empty()) {
        auto used = chunks->Feed(unparsed);
        if (!used.ok()) {
          chunk_error = used.status();
          end_input(chunk_error);
          continue;
        }
        unparsed.remove_prefix(*used);
        if (chunks->chunk_ready()) {
          handoff->Offer(chunks->chunk());
          offered = true;
        } else if (chunks->done() && !unparsed.empty()) {
          end_input(Status::InvalidArgument("bytes after the final chunk"));
        }
        continue;
      }
      if (parser.is_done()) {
        end_input(!chunks || chunks->done() ? Status::OK()
                                            : Status::InvalidArgument("body ended inside a chunk"));
        continue;
      }
      parser.get().body().data = raw.data();
      parser.get().body().size = raw.size();
      boost::system::error_code ec;
      stream.expires_after(std::chrono::milliseconds(options_.io_timeout_ms));
      co_await http::async_read_some(stream, buffer, parser,
                                     asio::redirect_error(asio::use_awaitable, ec));
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        end_input(Status::IOError("reading the shard body: " + ec.message()));
        continue;
      }
      const size_t n = raw.size() - parser.get().body().size;
      bytes_in_->Inc(n);
      if (chunks) {
        unparsed = std::string_view(raw.data(), n);
      } else if (n > 0) {
        handoff->Offer(std::string_view(raw.data(), n));
        offered = true;
      }
    }
    *body_done = parser.is_done() && unparsed.empty();
    NodeResponse r = handoff->TakeResponse();
    if (shared->sha_mismatch || chunk_error.code() == StatusCode::kUnauthenticated) {
      r = Refuse(shared->sha_mismatch
                     ? Status::Unauthenticated("body does not match its signed sha256")
                     : chunk_error,
                 remote, "PUT", std::string_view(target).substr(0, target.find('?')));
    }
    co_return r;
  }

  // A shard GET: a range over the threshold is written in pieces as the engine reads them;
  // otherwise the answer comes back whole for Reply. `*replied` says the answer was written
  // here; `*keep_alive` is cleared when the connection cannot be reused (a failure after the
  // header went out leaves the client a short body: it must abort).
  awaitable<NodeResponse> StreamedGet(beast::tcp_stream& stream, const std::string& target,
                                      unsigned version, bool keep_alive, bool* replied,
                                      bool* keep_alive_out) {
    auto handoff = std::make_shared<PieceHandoff>(io_.get_executor());
    auto owned_target = std::make_shared<std::string>(target);
    asio::post(pool_, [this, handoff, owned_target] {
      NodeRequest request{"GET", *owned_target, {}, {}, {}};
      handoff->Finish(service_->GetShardStreamed(
          request, [&](uint64_t n) { handoff->Begin(n); },
          [&](std::string_view piece) { return handoff->Give(piece); }));
    });
    bool header_sent = false;
    bool write_failed = false;
    for (;;) {
      PieceHandoff::State st = handoff->Snapshot();
      boost::system::error_code ec;
      if (st.begin_length && !header_sent) {
        header_sent = true;
        http::response<http::empty_body> res{http::status::ok, version};
        res.set(http::field::content_type, "application/octet-stream");
        res.content_length(*st.begin_length);
        res.keep_alive(keep_alive);
        http::response_serializer<http::empty_body> sr{res};
        stream.expires_after(std::chrono::milliseconds(options_.io_timeout_ms));
        co_await http::async_write_header(stream, sr,
                                          asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
          write_failed = true;
          handoff->Written(Status::IOError("writing the shard: " + ec.message()));
        }
        continue;
      }
      if (!st.piece.empty()) {
        stream.expires_after(std::chrono::milliseconds(options_.io_timeout_ms));
        co_await asio::async_write(stream, asio::buffer(st.piece.data(), st.piece.size()),
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) write_failed = true;
        if (!ec) bytes_out_->Inc(st.piece.size());
        handoff->Written(ec ? Status::IOError("writing the shard: " + ec.message()) : Status::OK());
        continue;
      }
      if (st.finished) break;
      co_await handoff->Wait();
    }
    NodeResponse r = handoff->TakeResponse();
    *replied = header_sent;
    if (header_sent && (write_failed || r.status != 200)) {
      *keep_alive_out = false;
      if (r.status != 200) {
        log::Error("shard read failed after its header was sent; connection aborted",
                   {{"target", target}, {"body", r.body}});
      }
    }
    co_return r;
  }

  NodeResponse Refuse(const Status& s, const std::string& remote, std::string_view method,
                      std::string_view path) {
    auth_failures_->Inc();
    log::Warn("request refused",
              {{"reason", s.message()}, {"remote", remote}, {"method", method}, {"path", path}});
    return NodeService::Error(Status::Unauthenticated("request not authenticated"), "auth");
  }

  void Record(std::string_view route, int status, uint64_t start_micros) {
    requests_->WithLabels({route, std::to_string(status)}).Inc();
    latency_->WithLabels({route}).Observe(
        static_cast<double>(clock_->MonotonicMicros() - start_micros) / 1e6);
  }

  const NodeServerOptions options_;
  NodeService* const service_;
  const Clock* const clock_;
  asio::io_context io_{1};
  tcp::acceptor acceptor_{io_};
  asio::thread_pool pool_;
  std::thread io_thread_;
  uint16_t port_ = 0;
  bool stopping_ = false;  // I/O thread only.
  std::list<Conn> conns_;  // I/O thread only.
  CounterFamily* requests_;
  Counter* bytes_in_;
  Counter* bytes_out_;
  Counter* auth_failures_;
  HistogramFamily* latency_;
};

NodeServer::NodeServer(NodeServerOptions options, NodeService* service, MetricsRegistry* metrics)
    : impl_(std::make_unique<Impl>(std::move(options), service, metrics)) {}

NodeServer::~NodeServer() { Stop(); }

Status NodeServer::Start() { return impl_->Start(); }
uint16_t NodeServer::port() const { return impl_->port(); }
void NodeServer::Stop() { impl_->Stop(); }

}  // namespace shale::storage
