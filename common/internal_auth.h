#pragma once

// Signing of internal (gateway/tools -> node) HTTP requests. docs/FORMAT.md, "Internal API",
// specifies the canonical string. Every request but GET /health carries
//   x-shale-date: <unix seconds>
//   x-shale-content-sha256: <lowercase hex SHA-256 of the whole body, or kStreamingSha256
//                            for a body sent in signed chunks: common/chunk_signing.h>
//   authorization: SHALE-HMAC-SHA256 <lowercase hex HMAC-SHA256(cluster secret, canonical)>
// canonical = "SHALE-HMAC-SHA256\n" method "\n" path "\n" canonical query "\n" date "\n" sha256
// where path is the request path exactly as sent (still percent-encoded) and the canonical
// query is the query's name=value pairs, percent-decoded, sorted, re-encoded with UriEncode
// and joined with '&'.
// Pure functions over untrusted strings with explicit limits; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace shale::internal_auth {

inline constexpr std::string_view kDateHeader = "x-shale-date";
inline constexpr std::string_view kContentSha256Header = "x-shale-content-sha256";
inline constexpr std::string_view kAuthorizationHeader = "authorization";
inline constexpr std::string_view kScheme = "SHALE-HMAC-SHA256";
// The x-shale-content-sha256 value of a body sent in signed chunks (common/chunk_signing.h).
inline constexpr std::string_view kStreamingSha256 = "STREAMING-SHALE-HMAC-SHA256";
// With kStreamingSha256: the length of the body inside the chunk framing, decimal.
inline constexpr std::string_view kDecodedLengthHeader = "x-shale-decoded-content-length";
// Requests whose date is further than this from the receiver's clock are refused.
inline constexpr int64_t kMaxClockSkewSeconds = 300;
inline constexpr size_t kMaxQueryParams = 64;

// Percent-encodes every byte except A-Z a-z 0-9 - . _ ~ (uppercase hex digits).
std::string UriEncode(std::string_view in);
// Strict percent-decoding: '%' must be followed by two hex digits; '+' stays '+'.
Result<std::string> UriDecode(std::string_view in);

using QueryParams = std::vector<std::pair<std::string, std::string>>;
// Splits a raw query ("a=1&b=%2F") into decoded pairs, in the order sent. A name without '='
// has an empty value. More than `max_params` pairs or a bad escape is InvalidArgument.
Result<QueryParams> ParseQuery(std::string_view raw_query, size_t max_params = kMaxQueryParams);
Result<std::string> CanonicalQuery(std::string_view raw_query);

// What a signature covers.
struct SignedFields {
  std::string_view method;          // "GET", "PUT", ...
  std::string_view path;            // As sent, without the query.
  std::string_view raw_query;       // As sent, without the '?'.
  int64_t date = 0;                 // Unix seconds.
  std::string_view content_sha256;  // Lowercase hex.
};

Result<std::string> CanonicalString(const SignedFields& fields);
// The authorization header value: "SHALE-HMAC-SHA256 <hex>".
Result<std::string> AuthorizationValue(std::string_view secret, const SignedFields& fields);

// The three headers as received (empty when absent).
struct ReceivedAuth {
  std::string_view date;
  std::string_view content_sha256;
  std::string_view authorization;
};

// Checks the headers and the signature of a request whose body has not been read yet (the
// body must then be checked against `received.content_sha256`). Failures are Unauthenticated
// with a reason fit for a log line; neither the secret nor any signature appears in it.
Status VerifyRequest(std::string_view secret, std::string_view method, std::string_view target,
                     const ReceivedAuth& received, int64_t now_seconds);

// Lowercase hex SHA-256 of `body`.
std::string BodySha256Hex(std::string_view body);

}  // namespace shale::internal_auth
