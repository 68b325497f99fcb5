#pragma once

// AWS Signature Version 4 as S3 verifies it: parsing the Authorization header and presigned
// query parameters, the canonical request, the string to sign, the signing key, the request
// signature, the clock-skew and expiry checks, and the strings to sign of aws-chunked payload
// chunks and trailers. Everything is a pure function of its arguments (the current time is an
// argument), so the server only gathers the request and calls in.
//
// S3 specifics: the canonical URI is the request path percent-decoded once and URI-encoded once
// ('/' kept, no double encoding, no "." / ".." / "//" normalization); the canonical query is
// every parameter (for presigned requests all but X-Amz-Signature), names and values
// URI-encoded, sorted by encoded name then value.
//
// Errors are S3 errors (s3_error.h): AuthorizationHeaderMalformed, AuthorizationQueryParameters
// Error, InvalidRequest (SigV2), SignatureDoesNotMatch, RequestTimeTooSkewed, AccessDenied
// ("Request has expired"), InvalidURI. Thread-safety: pure functions.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/hash.h"
#include "common/result.h"
#include "gateway/query.h"

namespace shale::gateway {

inline constexpr std::string_view kSigV4Algorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kEmptySha256Hex =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr int64_t kMaxClockSkewSeconds = 15 * 60;
inline constexpr int64_t kMaxPresignedExpirySeconds = 7 * 24 * 3600;
inline constexpr size_t kMaxAuthorizationBytes = 8 * 1024;
inline constexpr size_t kMaxSignedHeaders = 64;

// One header as received; names in any case. Views borrow the server's request buffers.
struct HeaderField {
  std::string_view name;
  std::string_view value;
};

// The parts of an HTTP request that SigV4 covers.
struct SigV4Request {
  std::string_view method;     // "GET", ...
  std::string_view raw_path;   // Request-target path, still percent-encoded, without "?query".
  std::string_view raw_query;  // After '?', still percent-encoded; empty if none.
  std::span<const HeaderField> headers;
};

struct CredentialScope {
  std::string access_key_id;
  std::string date;  // YYYYMMDD.
  std::string region;
  std::string service;
  // "date/region/service/aws4_request".
  std::string ToString() const;
};

struct SigV4Auth {
  enum class Kind : uint8_t { kHeader, kPresigned };
  Kind kind = Kind::kHeader;
  CredentialScope scope;
  std::vector<std::string> signed_headers;  // Lowercase, in the order given.
  std::string signature;                    // 64 lowercase hex digits.
  std::string amz_date;                     // "20130524T000000Z" (x-amz-date / X-Amz-Date).
  int64_t request_time = 0;                 // amz_date in seconds since the epoch.
  int64_t expires_seconds = 0;              // Presigned only: X-Amz-Expires, 1..604800.
};

// "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;
// x-amz-date, Signature=<64 hex>". Fills everything but amz_date/request_time.
Result<SigV4Auth> ParseAuthorizationHeader(std::string_view value);

// Finds the credentials of a request: the Authorization header (with x-amz-date, whose day
// must match the credential's), else the presigned X-Amz-* query parameters, else nullopt
// (anonymous). SigV2 in either place is InvalidRequest; both SigV4 forms at once is
// InvalidArgument. `params` is ParseQuery(raw_query).
Result<std::optional<SigV4Auth>> ParseRequestAuth(const SigV4Request& request,
                                                  std::span<const QueryParam> params);

// The presigned form alone (X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders,
// -Signature; every one required, none repeated).
Result<SigV4Auth> ParsePresignedAuth(std::span<const QueryParam> params);

// ISO 8601 basic "YYYYMMDDTHHMMSSZ" -> seconds since the epoch (UTC), calendar-checked.
Result<int64_t> ParseAmzDate(std::string_view text);

// Header auth: |request_time - now| <= 15 min, else RequestTimeTooSkewed. Presigned: not more
// than 15 min in the future (RequestTimeTooSkewed) and now <= request_time + expires, else
// AccessDenied "Request has expired".
Status CheckRequestTime(const SigV4Auth& auth, int64_t now);

// Header auth only: every x-amz-* header present must be signed, as S3 requires ("There were
// headers present in the request which were not signed"). (Parsing already requires host.)
Status CheckSignedHeadersCover(const SigV4Request& request, const SigV4Auth& auth);

// The canonical request. `payload_hash` is the x-amz-content-sha256 value (hex, UNSIGNED-PAYLOAD
// or STREAMING-...), or UNSIGNED-PAYLOAD for presigned requests.
Result<std::string> BuildCanonicalRequest(const SigV4Request& request, const SigV4Auth& auth,
                                          std::string_view payload_hash);
std::string BuildStringToSign(std::string_view amz_date, const CredentialScope& scope,
                              std::string_view canonical_request);
Sha256Digest DeriveSigningKey(std::string_view secret_access_key, const CredentialScope& scope);
// Lowercase hex HMAC-SHA256(key, string_to_sign).
std::string SignString(const Sha256Digest& signing_key, std::string_view string_to_sign);

// Recomputes the request's signature and compares it in constant time; on success returns the
// signing key (needed to verify aws-chunked chunks, whose seed is auth.signature).
Result<Sha256Digest> VerifyRequestSignature(const SigV4Request& request, const SigV4Auth& auth,
                                            std::string_view secret_access_key,
                                            std::string_view payload_hash);

// True iff a == b, in time that depends only on the lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// "AWS4-HMAC-SHA256-PAYLOAD\n<date>\n<scope>\n<previous sig>\n<sha256("")>\n<chunk sha256>".
std::string ChunkStringToSign(std::string_view amz_date, std::string_view scope,
                              std::string_view previous_signature, std::string_view chunk_sha256);
// "AWS4-HMAC-SHA256-TRAILER\n<date>\n<scope>\n<previous sig>\n<sha256(canonical trailers)>".
std::string TrailerStringToSign(std::string_view amz_date, std::string_view scope,
                                std::string_view previous_signature,
                                std::string_view trailers_sha256);

}  // namespace shale::gateway
