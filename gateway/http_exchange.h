#pragma once

// Internal to the HTTP server (http_server.cc): one request's state, shared by the connection's
// coroutine and the pool thread running the S3 handler, the handler side of it (the body
// source and the response writer over an ExchangePipe), and the wire form of response heads.
// Thread-safety: the connection fills an Exchange before handing it to the pool thread; the
// pool side owns it until ExchangePipe::Finish(), after which the connection reads the outcome
// (ordered by the pipe's mutex).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/exchange_pipe.h"
#include "gateway/s3_auth.h"
#include "gateway/s3_exchange.h"

namespace shale::gateway {

struct Exchange {
  std::shared_ptr<ExchangePipe> pipe;
  S3Request request;
  bool head_method = false;  // HEAD: heads say the length, no body bytes follow.
  // Raw (still encoded) body bytes: Content-Length, or "unknown" (the maximum) for a body in
  // HTTP chunked transfer coding, whose end is a read of 0 bytes.
  uint64_t raw_length = 0;
  bool chunked = false;
  std::optional<PayloadVerifier> verifier;  // Set iff there is a body.
  // Pool side while the handler runs:
  uint64_t raw_read = 0;
  bool body_ended = false;
  std::vector<S3Header> trailers;
  // The outcome, final once the pipe is finished:
  std::optional<ExchangePipe::ResponseHead> final_head;  // Still to be written.
  std::string final_body;                                // Follows final_head.
  bool aborted = false;         // A streamed response ended short: close the connection.
  uint64_t response_bytes = 0;  // Body bytes of the response (written or to write).
};

// Runs `handler` on the calling pool thread with the request's body source and a response
// writer, turns a failure into its error document, then finishes the pipe.
void RunExchange(const S3Handler& handler, Exchange& ex);

// The S3 error document for `status` (an InternalError is logged with the request id).
void RenderError(const Status& status, std::string_view resource, std::string_view request_id,
                 ExchangePipe::ResponseHead* head, std::string* body);

// What the Connection header says: nothing (HTTP/1.1 keeps the connection), close, or
// keep-alive (an HTTP/1.0 client that asked for it).
enum class ConnectionHeader : uint8_t { kNone, kClose, kKeepAlive };

// "HTTP/1.1 <status> <reason>\r\n" + Server, Date, x-amz-request-id, the handler's headers,
// Content-Length (not for 1xx/204/304) and the Connection header.
std::string SerializeHead(const ExchangePipe::ResponseHead& head, std::string_view request_id,
                          ConnectionHeader connection);

}  // namespace shale::gateway
