#pragma once

// Authentication of S3 requests (SigV4 Authorization header and presigned URLs) and the
// verification of their bodies in every payload mode, on top of the pure parsers of sigv4.h
// and aws_chunked.h.
//
// S3Authenticator maps a request's credentials to a User: unknown access key ->
// InvalidAccessKeyId, bad signature -> SignatureDoesNotMatch, SigV2 -> InvalidRequest, no
// credentials -> an anonymous result (user == nullptr; the caller decides whether that is
// allowed). Derived signing keys are cached per (access key, date, region, service).
//
// PayloadVerifier turns the raw body bytes into the payload, checking as it goes: a hex
// x-amz-content-sha256 at the end (XAmzContentSHA256Mismatch), every chunk signature of the
// aws-chunked modes (AwsChunkedDecoder), the trailer and its signature.
//
// Thread-safety: S3Authenticator is safe for concurrent use; a PayloadVerifier is used by one
// thread at a time.

#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/config.h"
#include "common/hash.h"
#include "common/result.h"
#include "gateway/aws_chunked.h"
#include "gateway/query.h"
#include "gateway/sigv4.h"

namespace shale::gateway {

// How the body of an authenticated request is protected.
enum class PayloadMode : uint8_t {
  kUnsigned,   // UNSIGNED-PAYLOAD, or a presigned request.
  kSha256,     // Hex SHA-256 of the whole body, checked at its end.
  kStreaming,  // aws-chunked (see `streaming`).
};

struct AuthResult {
  const User* user = nullptr;  // nullptr: anonymous (no credentials given).
  PayloadMode mode = PayloadMode::kUnsigned;
  std::string payload_sha256;  // kSha256: the 64 hex digits claimed.
  StreamingPayload streaming = StreamingPayload::kUnsignedTrailer;  // kStreaming only.
  std::optional<ChunkSigner> signer;                                // Signed streaming modes only.
};

struct AuthOptions {
  std::string region = "us-east-1";  // Credential scopes must name it.
  size_t max_cached_keys = 4096;     // Signing-key cache size (cleared when full).
};

class S3Authenticator {
 public:
  S3Authenticator(std::vector<User> users, AuthOptions options);
  S3Authenticator(const S3Authenticator&) = delete;
  S3Authenticator& operator=(const S3Authenticator&) = delete;

  // `params` is ParseQuery(request.raw_query); `now` in seconds since the epoch.
  Result<AuthResult> Authenticate(const SigV4Request& request, std::span<const QueryParam> params,
                                  int64_t now) const;

  const std::vector<User>& users() const { return users_; }

 private:
  Sha256Digest SigningKey(const User& user, const CredentialScope& scope) const;

  const std::vector<User> users_;
  const AuthOptions options_;
  std::unordered_map<std::string_view, const User*> by_access_key_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, Sha256Digest> keys_;  // Guarded by mu_.
};

// The request headers a PayloadVerifier needs (values as received; absent: empty/nullopt).
struct PayloadHeaders {
  std::optional<uint64_t> content_length;
  std::string_view decoded_content_length;  // x-amz-decoded-content-length.
  std::string_view trailer;                 // x-amz-trailer.
};

class PayloadVerifier {
 public:
  // InvalidArgument / MissingContentLength / InvalidRequest for inconsistent headers (e.g. a
  // streaming mode without x-amz-decoded-content-length).
  static Result<PayloadVerifier> Create(const AuthResult& auth, const PayloadHeaders& headers);

  // The payload length when known up front (Content-Length or the decoded length).
  std::optional<uint64_t> payload_length() const { return payload_length_; }

  // Turns the raw body bytes in `buf` into payload bytes, in place: returns n, the payload now
  // in buf[0, n) (possibly 0 when `buf` held only framing).
  Result<size_t> Decode(std::span<char> buf);
  // The raw body has ended: OK only if it was complete and verified.
  Status Finish();
  // Checksum trailers (names lowercase); complete once Finish() returned OK.
  const std::vector<Trailer>& trailers() const;

 private:
  PayloadVerifier() = default;

  std::string expected_sha256_;
  std::optional<Sha256Stream> sha_;
  std::optional<AwsChunkedDecoder> chunked_;
  std::optional<uint64_t> payload_length_;
  uint64_t seen_ = 0;
  std::optional<Status> finished_;  // Finish() is answered once, then repeated.
};

}  // namespace shale::gateway
