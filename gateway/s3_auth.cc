#include "gateway/s3_auth.h"

#include <charconv>
#include <cstring>
#include <utility>

#include "common/encoding.h"
#include "gateway/ascii.h"
#include "gateway/s3_error.h"

namespace shale::gateway {
namespace {

std::optional<std::string_view> FindHeader(std::span<const HeaderField> headers,
                                           std::string_view lower_name) {
  for (const auto& h : headers) {
    if (EqualsIgnoreCase(h.name, lower_name)) return h.value;
  }
  return std::nullopt;
}

bool IsHex64(std::string_view s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return HexDigitValue(c) >= 0; });
}

std::optional<uint64_t> ParseDecimal(std::string_view s) {
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

Status ScopeError(const SigV4Auth& auth, std::string detail) {
  return MakeS3Error(auth.kind == SigV4Auth::Kind::kHeader
                         ? S3ErrorCode::kAuthorizationHeaderMalformed
                         : S3ErrorCode::kAuthorizationQueryParametersError,
                     detail);
}

}  // namespace

S3Authenticator::S3Authenticator(std::vector<User> users, AuthOptions options)
    : users_(std::move(users)), options_(std::move(options)) {
  for (const User& u : users_) by_access_key_.emplace(u.access_key, &u);
}

Sha256Digest S3Authenticator::SigningKey(const User& user, const CredentialScope& scope) const {
  std::string cache_key = user.access_key;
  cache_key += '/';
  cache_key += scope.date;
  cache_key += '/';
  cache_key += scope.region;
  cache_key += '/';
  cache_key += scope.service;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = keys_.find(cache_key);
    if (it != keys_.end()) return it->second;
  }
  Sha256Digest key = DeriveSigningKey(user.secret_key, scope);
  std::lock_guard<std::mutex> lock(mu_);
  if (keys_.size() >= options_.max_cached_keys) keys_.clear();
  keys_.emplace(std::move(cache_key), key);
  return key;
}

Result<AuthResult> S3Authenticator::Authenticate(const SigV4Request& request,
                                                 std::span<const QueryParam> params,
                                                 int64_t now) const {
  SHALE_ASSIGN_OR_RETURN(std::optional<SigV4Auth> parsed, ParseRequestAuth(request, params));
  AuthResult result;
  if (!parsed) return result;
  const SigV4Auth& auth = *parsed;
  if (auth.scope.service != "s3") {
    return ScopeError(auth, "Credential should be scoped to correct service: 's3'.");
  }
  if (auth.scope.region != options_.region) {
    return ScopeError(auth, "The authorization header is malformed; the region '" +
                                auth.scope.region + "' is wrong; expecting '" + options_.region +
                                "'");
  }
  SHALE_RETURN_IF_ERROR(CheckRequestTime(auth, now));
  auto user_it = by_access_key_.find(auth.scope.access_key_id);
  if (user_it == by_access_key_.end()) return MakeS3Error(S3ErrorCode::kInvalidAccessKeyId);
  const User& user = *user_it->second;

  std::string_view payload_hash = kUnsignedPayload;
  if (auth.kind == SigV4Auth::Kind::kHeader) {
    SHALE_RETURN_IF_ERROR(CheckSignedHeadersCover(request, auth));
    auto claimed = FindHeader(request.headers, "x-amz-content-sha256");
    if (!claimed) {
      // S3 requires the header; clients that omit it (curl --aws-sigv4 before 8.x) sign the
      // SHA-256 of the body, which is known up front only for requests without one.
      auto length = FindHeader(request.headers, "content-length");
      if (length && *length != "0") {
        return MakeS3Error(S3ErrorCode::kInvalidRequest,
                           "Missing required header for this request: x-amz-content-sha256");
      }
      claimed = kEmptySha256Hex;
    }
    payload_hash = *claimed;
    if (payload_hash == kUnsignedPayload) {
      result.mode = PayloadMode::kUnsigned;
    } else if (auto streaming = ParseStreamingPayload(payload_hash)) {
      result.mode = PayloadMode::kStreaming;
      result.streaming = *streaming;
    } else if (IsHex64(payload_hash)) {
      result.mode = PayloadMode::kSha256;
      result.payload_sha256 = AsciiLower(payload_hash);
    } else {
      return MakeS3Error(S3ErrorCode::kInvalidArgument,
                         "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-... or a "
                         "valid sha256 value.");
    }
  }
  SHALE_ASSIGN_OR_RETURN(std::string canonical, BuildCanonicalRequest(request, auth, payload_hash));
  Sha256Digest key = SigningKey(user, auth.scope);
  std::string expected = SignString(key, BuildStringToSign(auth.amz_date, auth.scope, canonical));
  if (!ConstantTimeEquals(expected, auth.signature)) {
    return MakeS3Error(S3ErrorCode::kSignatureDoesNotMatch);
  }
  result.user = &user;
  if (result.mode == PayloadMode::kStreaming &&
      result.streaming != StreamingPayload::kUnsignedTrailer) {
    result.signer = ChunkSigner{key, auth.amz_date, auth.scope.ToString(), auth.signature};
  }
  return result;
}

Result<PayloadVerifier> PayloadVerifier::Create(const AuthResult& auth,
                                                const PayloadHeaders& headers) {
  PayloadVerifier v;
  v.payload_length_ = headers.content_length;
  if (auth.mode == PayloadMode::kSha256) {
    v.expected_sha256_ = auth.payload_sha256;
    v.sha_.emplace();
  } else if (auth.mode == PayloadMode::kStreaming) {
    AwsChunkedOptions options;
    options.mode = auth.streaming;
    options.signer = auth.signer;
    if (!headers.decoded_content_length.empty()) {
      auto decoded = ParseDecimal(headers.decoded_content_length);
      if (!decoded) {
        return MakeS3Error(S3ErrorCode::kInvalidArgument,
                           "x-amz-decoded-content-length is not a number");
      }
      options.decoded_content_length = *decoded;
    } else if (auth.streaming != StreamingPayload::kUnsignedTrailer) {
      return MakeS3Error(S3ErrorCode::kMissingContentLength,
                         "x-amz-decoded-content-length is required for aws-chunked bodies");
    }
    if (!headers.trailer.empty()) options.declared_trailer = AsciiLower(headers.trailer);
    SHALE_ASSIGN_OR_RETURN(AwsChunkedDecoder decoder, AwsChunkedDecoder::Create(options));
    v.chunked_.emplace(std::move(decoder));
    v.payload_length_ = options.decoded_content_length;
  }
  return v;
}

Result<size_t> PayloadVerifier::Decode(std::span<char> buf) {
  if (!chunked_) {
    if (sha_) sha_->Update(std::string_view(buf.data(), buf.size()));
    seen_ += buf.size();
    return buf.size();
  }
  size_t consumed = 0;
  size_t out = 0;
  while (consumed < buf.size()) {
    std::string_view payload;
    SHALE_ASSIGN_OR_RETURN(
        size_t used,
        chunked_->Feed(std::string_view(buf.data() + consumed, buf.size() - consumed), &payload));
    // Payload bytes never lie before `out`: moving them down is safe.
    if (!payload.empty()) std::memmove(buf.data() + out, payload.data(), payload.size());
    out += payload.size();
    consumed += used;
  }
  seen_ += out;
  return out;
}

Status PayloadVerifier::Finish() {
  if (finished_) return *finished_;
  Status result;
  if (chunked_) {
    result = chunked_->Finish();
  } else if (payload_length_ && seen_ != *payload_length_) {
    result = MakeS3Error(S3ErrorCode::kIncompleteBody);
  } else if (sha_ && HexEncode(sha_->Finish()) != expected_sha256_) {
    result = MakeS3Error(S3ErrorCode::kXAmzContentSHA256Mismatch);
  }
  finished_ = result;
  return result;
}

const std::vector<Trailer>& PayloadVerifier::trailers() const {
  static const std::vector<Trailer> kNone;
  return chunked_ ? chunked_->trailers() : kNone;
}

}  // namespace shale::gateway
