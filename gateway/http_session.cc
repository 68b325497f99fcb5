// The request loop of one client connection (HttpServer::Impl::Session) and the serving of one
// request (Serve): parsing, addressing, authentication, then the handler on a pool thread with
// the body and response streamed through an ExchangePipe.
#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#include "common/log.h"
#include "gateway/ascii.h"
#include "gateway/http_exchange.h"
#include "gateway/http_server_impl.h"
#include "gateway/request_address.h"
#include "gateway/s3_error.h"

namespace shale::gateway {

using namespace http_server_internal;  // NOLINT: the implementation's own internals.

namespace {

std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

// Head and body in one gathered write. (A function: GCC 12 rejects a braced std::array
// initializer inside a coroutine.)
std::array<asio::const_buffer, 2> Gather(std::string_view a, std::string_view b) {
  std::array<asio::const_buffer, 2> out;
  out[0] = asio::buffer(a.data(), a.size());
  out[1] = asio::buffer(b.data(), b.size());
  return out;
}

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

template <typename Stream>
beast::tcp_stream& Lowest(Stream& stream) {
  return beast::get_lowest_layer(stream);
}

// Lingering close after refusing a body: reading (and dropping) what the client still sends,
// for a bounded time and size, lets it read the answer instead of a connection reset.
template <typename Stream>
asio::awaitable<void> Drain(Stream& stream) {
  constexpr size_t kMaxDrainBytes = 64u << 20;
  std::vector<char> scratch(64 * 1024);
  Lowest(stream).expires_after(std::chrono::seconds(2));
  size_t total = 0;
  while (total < kMaxDrainBytes) {
    boost::system::error_code ec;
    total += co_await stream.async_read_some(asio::buffer(scratch),
                                             asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
}

// Anything identifying the request as signed: then /health and /metrics are S3 paths.
bool HasCredentials(std::span<const HeaderField> headers, std::string_view raw_query) {
  for (const auto& h : headers) {
    if (EqualsIgnoreCase(h.name, "authorization")) return true;
  }
  return raw_query.find("X-Amz-") != std::string_view::npos ||
         raw_query.find("AWSAccessKeyId") != std::string_view::npos;
}

}  // namespace

template <typename Stream>
asio::awaitable<void> HttpServer::Impl::Session(Stream& stream, Conn& conn) {
  beast::flat_buffer buffer;
  buffer.reserve(16 * 1024);  // Unreserved, Beast reads ~512 bytes per syscall.
  bool unread_body = false;
  while (!stopping_) {
    boost::system::error_code ec;
    // A buffer_body parser: Serve reads Content-Length bodies straight from the socket into the
    // handler's buffers and lets the parser decode only chunked transfer coding.
    http::request_parser<http::buffer_body> parser;
    parser.header_limit(options_.header_limit);
    parser.body_limit(std::numeric_limits<uint64_t>::max());  // Bodies are read by Serve.
    conn.idle = true;
    Lowest(stream).expires_after(std::chrono::milliseconds(options_.idle_timeout_ms));
    co_await http::async_read_header(stream, buffer, parser,
                                     asio::redirect_error(asio::use_awaitable, ec));
    conn.idle = false;
    if (ec == http::error::header_limit ||
        (ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message)) {
      // Malformed or oversized header: answer and close (the stream is not at a message start).
      const bool too_large = ec == http::error::header_limit;
      ExchangePipe::ResponseHead head;
      std::string body;
      std::string id = log::RequestId();
      RenderError(MakeS3Error(S3ErrorCode::kInvalidRequest,
                              too_large ? "The request header section is too large"
                                        : "The request is not valid HTTP/1.1"),
                  "/", id, &head, &body);
      if (too_large) head.status = 431;
      std::string wire = SerializeHead(head, id, ConnectionHeader::kClose) + body;
      Lowest(stream).expires_after(std::chrono::milliseconds(options_.stall_timeout_ms));
      co_await asio::async_write(stream, asio::buffer(wire),
                                 asio::redirect_error(asio::use_awaitable, ec));
      log::Warn("bad request header",
                {{"req", id}, {"error", too_large ? "too large" : "malformed"}});
      unread_body = true;
      break;
    }
    if (ec) break;  // Closed, idle timeout, or cancelled by Shutdown.
    ServeResult r = co_await Serve(stream, buffer, parser);
    if (!r.keep_alive) {
      unread_body = r.unread_body;
      break;
    }
  }
  boost::system::error_code ignored;
  Lowest(stream).socket().shutdown(tcp::socket::shutdown_send, ignored);
  if (unread_body) co_await Drain(stream);
}

template <typename Stream, typename Parser>
asio::awaitable<ServeResult> HttpServer::Impl::Serve(Stream& stream, beast::flat_buffer& buffer,
                                                     Parser& parser) {
  const uint64_t start = clock_->MonotonicMicros();
  const auto& msg = parser.get();
  auto ex = std::make_shared<Exchange>();
  S3Request& req = ex->request;
  req.request_id = log::RequestId();
  req.method = std::string(View(msg.method_string()));
  const std::string_view target = View(msg.target());
  const size_t qmark = target.find('?');
  const std::string_view raw_path = target.substr(0, qmark);
  const std::string_view raw_query =
      qmark == std::string_view::npos ? std::string_view() : target.substr(qmark + 1);
  std::vector<HeaderField> fields;
  fields.reserve(16);
  req.headers.reserve(16);
  for (const auto& f : msg) {
    fields.push_back({View(f.name_string()), View(f.value())});
    req.headers.push_back({AsciiLower(View(f.name_string())), std::string(View(f.value()))});
  }
  ex->head_method = req.method == "HEAD";
  const bool client_keep_alive = msg.keep_alive();
  const bool http10 = msg.version() < 11;
  auto connection_header = [http10](bool close) {
    if (close) return ConnectionHeader::kClose;
    return http10 ? ConnectionHeader::kKeepAlive : ConnectionHeader::kNone;
  };
  const bool expect_continue = EqualsIgnoreCase(View(msg[http::field::expect]), "100-continue");
  std::optional<uint64_t> content_length;
  if (parser.content_length()) content_length = *parser.content_length();
  ex->chunked = parser.chunked();
  ex->raw_length = ex->chunked ? std::numeric_limits<uint64_t>::max() : content_length.value_or(0);
  const bool has_body = ex->chunked || ex->raw_length > 0;
  bool continue_sent = false;
  uint64_t body_read = 0;
  // Whether the request body was read to its end (the connection is at a message boundary).
  auto body_complete = [&] { return ex->chunked ? parser.is_done() : body_read == ex->raw_length; };
  ServeResult result;
  boost::system::error_code ec;

  // Writes `head` (+ body) and records the request; the connection stays open if `keep`.
  auto finish = [&](ExchangePipe::ResponseHead head, std::string body,
                    bool keep) -> asio::awaitable<void> {
    keep = keep && client_keep_alive && !stopping_;
    std::string wire = SerializeHead(head, req.request_id, connection_header(!keep));
    const auto bufs = Gather(wire, body);
    // Recorded before the write: a client that saw the answer sees it counted.
    bytes_out_->Inc(body.size());
    Record(req.operation, head.status, start, req.request_id, req.method, target, body_read,
           body.size());
    Lowest(stream).expires_after(std::chrono::milliseconds(options_.stall_timeout_ms));
    co_await asio::async_write(stream, bufs, asio::redirect_error(asio::use_awaitable, ec));
    result.keep_alive = keep && !ec;
  };
  auto refuse = [&](const Status& status) -> asio::awaitable<void> {
    ExchangePipe::ResponseHead head;
    std::string body;
    RenderError(status, req.resource.empty() ? std::string_view(raw_path) : req.resource,
                req.request_id, &head, &body);
    log::Info(
        "request refused",
        {{"req", req.request_id}, {"method", req.method}, {"target", target}, {"status", status}});
    if (ex->head_method) body.clear();
    result.unread_body = has_body;
    co_await finish(std::move(head), std::move(body), !has_body);
  };

  if (req.method == "GET" && (raw_path == "/health" || raw_path == "/metrics") &&
      !HasCredentials(fields, raw_query)) {
    req.operation = raw_path == "/health" ? "Health" : "Metrics";
    bool health = raw_path == "/health";
    ExchangePipe::ResponseHead head;
    head.headers.push_back(
        {"content-type", health ? "text/plain" : "text/plain; version=0.0.4; charset=utf-8"});
    std::string body = health ? std::string("ok\n") : options_.metrics->RenderPrometheusText();
    head.content_length = body.size();
    co_await finish(std::move(head), std::move(body), !has_body);
    co_return result;
  }

  auto query = ParseQuery(raw_query);
  if (!query.ok()) {
    co_await refuse(query.status());
    co_return result;
  }
  auto address = ResolveRequestAddress(raw_path, View(msg[http::field::host]), options_.domain);
  if (!address.ok()) {
    co_await refuse(address.status());
    co_return result;
  }
  req.bucket = std::move(address->bucket);
  req.key = std::move(address->key);
  req.resource = "/" + req.bucket + (req.key.empty() ? "" : "/" + req.key);
  auto auth = auth_.Authenticate(SigV4Request{req.method, raw_path, raw_query, fields}, *query,
                                 static_cast<int64_t>(clock_->NowMicros() / 1'000'000));
  req.query = std::move(*query);
  if (!auth.ok()) {
    co_await refuse(auth.status());
    co_return result;
  }
  req.user = auth->user;
  if (req.user == nullptr && req.method != "OPTIONS") {
    co_await refuse(MakeS3Error(S3ErrorCode::kAccessDenied));
    co_return result;
  }
  if (has_body || auth->mode == PayloadMode::kStreaming) {
    auto verifier = PayloadVerifier::Create(
        *auth, PayloadHeaders{content_length, View(msg["x-amz-decoded-content-length"]),
                              View(msg["x-amz-trailer"])});
    if (!verifier.ok()) {
      co_await refuse(verifier.status());
      co_return result;
    }
    if (!has_body) {
      co_await refuse(MakeS3Error(S3ErrorCode::kIncompleteBody, "an aws-chunked body is empty"));
      co_return result;
    }
    req.content_length = verifier->payload_length();
    ex->verifier.emplace(std::move(*verifier));
  } else {
    if (auth->mode == PayloadMode::kSha256 && auth->payload_sha256 != kEmptySha256Hex) {
      co_await refuse(MakeS3Error(S3ErrorCode::kXAmzContentSHA256Mismatch));
      co_return result;
    }
    if (content_length) req.content_length = 0;
  }

  // The handler runs on the pool; this coroutine serves its reads and writes.
  ex->pipe = std::make_shared<ExchangePipe>(stream.get_executor());
  asio::post(pool_, [this, ex] { RunExchange(handler_, *ex); });
  bool io_failed = false;        // The connection is unusable.
  bool announced_close = false;  // A head already told the client the connection closes.
  int streamed_status = 0;       // Of a head written while the handler ran.
  for (;;) {
    ExchangePipe::Command cmd = ex->pipe->Poll();
    if (cmd.kind == ExchangePipe::Kind::kFinished) break;
    if (cmd.kind == ExchangePipe::Kind::kNone) {
      co_await ex->pipe->Wait();
      continue;
    }
    if (cmd.kind == ExchangePipe::Kind::kRead) {
      if (io_failed) {
        ex->pipe->CompleteRead(MakeS3Error(S3ErrorCode::kIncompleteBody));
        continue;
      }
      if (expect_continue && !continue_sent) {
        continue_sent = true;
        Lowest(stream).expires_after(std::chrono::milliseconds(options_.stall_timeout_ms));
        co_await asio::async_write(stream, asio::buffer(kContinue.data(), kContinue.size()),
                                   asio::redirect_error(asio::use_awaitable, ec));
      }
      std::span<char> dst =
          cmd.read_buf.first(std::min<uint64_t>(cmd.read_buf.size(), ex->raw_length - body_read));
      size_t n = 0;
      if (ex->chunked) {
        // Beast decodes the transfer coding into dst (an extra copy, for chunked bodies only).
        while (!ec && n < dst.size() && !parser.is_done()) {
          parser.get().body().data = dst.data() + n;
          parser.get().body().size = dst.size() - n;
          Lowest(stream).expires_after(std::chrono::milliseconds(options_.stall_timeout_ms));
          co_await http::async_read_some(stream, buffer, parser,
                                         asio::redirect_error(asio::use_awaitable, ec));
          if (ec == http::error::need_buffer) ec = {};
          n = dst.size() - parser.get().body().size;
        }
      } else {
        n = std::min(dst.size(), buffer.size());
        if (n > 0) {
          std::memcpy(dst.data(), buffer.data().data(), n);
          buffer.consume(n);
        }
        while (!ec && n < dst.size()) {
          Lowest(stream).expires_after(std::chrono::milliseconds(options_.stall_timeout_ms));
          n += co_await stream.async_read_some(asio::buffer(dst.data() + n, dst.size() - n),
                                               asio::redirect_error(asio::use_awaitable, ec));
        }
      }
      body_read += n;
      bytes_in_->Inc(n);
      if (ec) {
        io_failed = true;
        log::Info("request body read failed", {{"req", req.request_id}, {"error", ec.message()}});
        ex->pipe->CompleteRead(MakeS3Error(ec == beast::error::timeout
                                               ? S3ErrorCode::kRequestTimeout
                                               : S3ErrorCode::kIncompleteBody));
      } else {
        ex->pipe->CompleteRead(n);
      }
      continue;
    }
    // kWrite.
    if (io_failed) {
      ex->pipe->CompleteWrite(Status::IOError("the connection failed"));
      continue;
    }
    std::string wire;
    if (cmd.head != nullptr) {
      streamed_status = cmd.head->status;
      announced_close = !client_keep_alive || stopping_ || !body_complete();
      wire = SerializeHead(*cmd.head, req.request_id, connection_header(announced_close));
    }
    const auto bufs = Gather(wire, cmd.body);
    Lowest(stream).expires_after(std::chrono::milliseconds(options_.stall_timeout_ms));
    co_await asio::async_write(stream, bufs, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      io_failed = true;
      ex->pipe->CompleteWrite(Status::IOError("writing the response: " + ec.message()));
    } else {
      bytes_out_->Inc(cmd.body.size());
      ex->pipe->CompleteWrite(Status::OK());
    }
  }
  // The handler is done; `ex` is this coroutine's alone again.
  const bool body_done = body_complete();
  if (ex->final_head && !io_failed) {
    co_await finish(std::move(*ex->final_head), std::move(ex->final_body),
                    body_done && !announced_close && !ex->aborted);
  } else {
    result.keep_alive = body_done && client_keep_alive && !stopping_;
    Record(req.operation, ex->final_head ? ex->final_head->status : streamed_status, start,
           req.request_id, req.method, target, body_read, ex->response_bytes);
  }
  if (io_failed || ex->aborted || announced_close) result.keep_alive = false;
  result.unread_body = !body_done && !io_failed;
  co_return result;
}

template asio::awaitable<void> HttpServer::Impl::Session(beast::tcp_stream&, Conn&);
template asio::awaitable<void> HttpServer::Impl::Session(beast::ssl_stream<beast::tcp_stream>&,
                                                         Conn&);

}  // namespace shale::gateway
