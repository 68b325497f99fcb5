#pragma once

// The contract between the gateway's HTTP server (gateway/http_server.h, which parses,
// addresses and authenticates a request and streams its body) and the S3 operation handlers
// (gateway/s3_handlers.h, which implement the operations on an ObjectStore). A handler runs on
// a pool thread and may block; the server's I/O threads never do (docs/ARCHITECTURE.md,
// "Gateway").
// Thread-safety: an S3Request and its S3ResponseWriter belong to the one handler call they are
// passed to.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/config.h"
#include "common/result.h"
#include "common/status.h"
#include "gateway/object_store.h"
#include "gateway/query.h"

namespace shale::gateway {

struct S3Header {
  std::string name;  // Lowercase.
  std::string value;
};

struct S3Request {
  std::string request_id;  // Also sent as x-amz-request-id and logged with every line.
  std::string method;      // "GET", "PUT", "HEAD", "POST", "DELETE", "OPTIONS".
  std::string bucket;      // From the path or the Host (virtual-hosted style); empty: service.
  std::string key;         // Percent-decoded; empty when the request names no object.
  std::vector<QueryParam> query;  // Decoded, in request order.
  std::vector<S3Header> headers;  // In request order.
  std::string resource;           // "/bucket/key" for error documents.
  // The authenticated user; nullptr only for requests the server lets through unauthenticated
  // (CORS preflight OPTIONS), which handlers must treat as anonymous.
  const User* user = nullptr;
  // The body's length after aws-chunked decoding, when the client declared it
  // (Content-Length or x-amz-decoded-content-length).
  std::optional<uint64_t> content_length;
  // The decoded body: chunk signatures and a hex x-amz-content-sha256 are verified by the
  // server while it streams (a mismatch is the source's error at the end, before 0 is
  // returned, so nothing read through it can become visible). Empty when there is no body.
  BodySource body;
  // Trailing headers of an aws-chunked body (e.g. x-amz-checksum-crc32), names lowercase;
  // complete once `body` returned 0.
  const std::vector<S3Header>* trailers = nullptr;
  // Set by the handler ("PutObject", "ListObjectsV2", ...): the label of the request's log line
  // and metrics.
  std::string operation;

  // The first header of that lowercase name.
  std::optional<std::string_view> Header(std::string_view name) const;
  // The first query parameter of that name (a parameter without '=' has an empty value).
  std::optional<std::string_view> Query(std::string_view name) const;
};

// The response side. Either Send() once, or Begin() once followed by Write() calls delivering
// exactly content_length bytes. The server adds x-amz-request-id, Date, Server, Content-Length
// and keep-alive handling. A handler that returns an error Status before starting a response
// gets it sent as the S3 error document (gateway/s3_error.h); after Begin() an error closes the
// connection.
class S3ResponseWriter {
 public:
  virtual ~S3ResponseWriter() = default;
  virtual Status Send(int status, std::vector<S3Header> headers, std::string body) = 0;
  virtual Status Begin(int status, std::vector<S3Header> headers, uint64_t content_length) = 0;
  virtual Status Write(std::string_view piece) = 0;
  // Whether Send or Begin was called.
  virtual bool started() const = 0;
};

// Serves one request (on a pool thread; may block).
using S3Handler = std::function<Status(S3Request& request, S3ResponseWriter& response)>;

}  // namespace shale::gateway
