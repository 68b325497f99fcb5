#include "gateway/aws_chunked.h"

#include <algorithm>
#include <utility>

#include "common/encoding.h"
#include "gateway/ascii.h"
#include "gateway/s3_error.h"
#include "gateway/sigv4.h"

namespace shale::gateway {
namespace {

constexpr std::string_view kSignatureExtension = ";chunk-signature=";
constexpr std::string_view kTrailerSignature = "x-amz-trailer-signature";

Status BadChunk(std::string_view detail) {
  return MakeS3Error(S3ErrorCode::kInvalidChunkSizeError, detail);
}
Status BadTrailer(std::string_view detail) {
  return MakeS3Error(S3ErrorCode::kMalformedTrailerError, detail);
}

// Decoded size of each checksum trailer S3 accepts; 0 if `name` is not one.
size_t ChecksumBytes(std::string_view name) {
  if (name == "x-amz-checksum-crc32" || name == "x-amz-checksum-crc32c") return 4;
  if (name == "x-amz-checksum-crc64nvme") return 8;
  if (name == "x-amz-checksum-sha1") return 20;
  if (name == "x-amz-checksum-sha256") return 32;
  return 0;
}

}  // namespace

std::optional<StreamingPayload> ParseStreamingPayload(std::string_view value) {
  if (value == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") return StreamingPayload::kSigned;
  if (value == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER") {
    return StreamingPayload::kSignedTrailer;
  }
  if (value == "STREAMING-UNSIGNED-PAYLOAD-TRAILER") return StreamingPayload::kUnsignedTrailer;
  return std::nullopt;
}

Result<AwsChunkedDecoder> AwsChunkedDecoder::Create(AwsChunkedOptions options) {
  bool is_signed = options.mode != StreamingPayload::kUnsignedTrailer;
  if (is_signed != options.signer.has_value()) {
    return Status::InvalidArgument("aws-chunked: a signer is required exactly in signed modes");
  }
  if (options.declared_trailer && ChecksumBytes(*options.declared_trailer) == 0) {
    return BadTrailer("x-amz-trailer names an unsupported trailer");
  }
  if (options.declared_trailer && options.mode == StreamingPayload::kSigned) {
    return BadTrailer("x-amz-trailer needs a -TRAILER streaming mode");
  }
  return AwsChunkedDecoder(std::move(options));
}

AwsChunkedDecoder::AwsChunkedDecoder(AwsChunkedOptions options) : options_(std::move(options)) {
  if (options_.signer) previous_signature_ = options_.signer->seed_signature;
}

Status AwsChunkedDecoder::Fail(Status status) {
  state_ = State::kFailed;
  error_ = status;
  return status;
}

Result<size_t> AwsChunkedDecoder::TakeLine(std::string_view input, bool* complete) {
  size_t nl = input.find('\n');
  size_t take = nl == std::string_view::npos ? input.size() : nl + 1;
  if (line_.size() + take > options_.max_line_bytes + 2) {
    return state_ == State::kHeader ? BadChunk("chunk header line too long")
                                    : BadTrailer("trailer line too long");
  }
  line_.append(input.substr(0, take));
  *complete = nl != std::string_view::npos;
  if (*complete) {
    if (line_.size() < 2 || line_[line_.size() - 2] != '\r') {
      return state_ == State::kHeader ? BadChunk("chunk header line not terminated by CRLF")
                                      : BadTrailer("trailer line not terminated by CRLF");
    }
    line_.resize(line_.size() - 2);
  }
  return take;
}

Status AwsChunkedDecoder::VerifyChunk(std::string_view sha256_hex) {
  const ChunkSigner& s = *options_.signer;
  std::string expected = SignString(
      s.signing_key, ChunkStringToSign(s.amz_date, s.scope, previous_signature_, sha256_hex));
  if (!ConstantTimeEquals(expected, chunk_signature_)) {
    return MakeS3Error(S3ErrorCode::kSignatureDoesNotMatch, "The chunk signature does not match");
  }
  previous_signature_ = std::move(chunk_signature_);
  chunk_signature_.clear();
  return Status::OK();
}

Status AwsChunkedDecoder::OnHeaderLine() {
  std::string_view line = line_;
  size_t digits = 0;
  uint64_t size = 0;
  while (digits < line.size() && HexDigitValue(line[digits]) >= 0) {
    if (digits == 16) return BadChunk("chunk size has too many digits");
    size = size * 16 + static_cast<uint64_t>(HexDigitValue(line[digits]));
    ++digits;
  }
  if (digits == 0) return BadChunk("chunk header does not start with a hex size");
  std::string_view ext = line.substr(digits);
  if (Signed()) {
    if (ext.substr(0, kSignatureExtension.size()) != kSignatureExtension ||
        !IsSignatureHex(ext.substr(kSignatureExtension.size()))) {
      return BadChunk("chunk header must be <hex-size>;chunk-signature=<64 hex digits>");
    }
    chunk_signature_ = std::string(ext.substr(kSignatureExtension.size()));
  } else if (!ext.empty()) {
    return BadChunk("unsigned chunk header must be <hex-size> alone");
  }
  if (size > options_.max_chunk_size) return BadChunk("chunk larger than the allowed maximum");
  if (size > 0 && previous_chunk_small_) {
    return BadChunk(GetS3ErrorInfo(S3ErrorCode::kInvalidChunkSizeError).message);
  }
  if (options_.decoded_content_length && size > *options_.decoded_content_length - decoded_) {
    return MakeS3Error(S3ErrorCode::kIncompleteBody,
                       "The body is longer than x-amz-decoded-content-length");
  }
  previous_chunk_small_ = Signed() && size < options_.min_signed_chunk_size;
  chunk_size_ = size;
  remaining_ = size;
  if (size > 0) {
    state_ = State::kData;
    return Status::OK();
  }
  // The final chunk: its data is empty, so it is verified right away.
  if (options_.decoded_content_length && decoded_ != *options_.decoded_content_length) {
    return MakeS3Error(S3ErrorCode::kIncompleteBody,
                       "The body is shorter than x-amz-decoded-content-length");
  }
  if (Signed()) SHALE_RETURN_IF_ERROR(VerifyChunk(kEmptySha256Hex));
  state_ = State::kTrailer;
  return Status::OK();
}

Status AwsChunkedDecoder::OnTrailerLine() {
  if (!trailer_signature_.empty()) return BadTrailer("x-amz-trailer-signature must come last");
  if (++trailer_lines_ > options_.max_trailer_lines) return BadTrailer("too many trailers");
  if (options_.mode == StreamingPayload::kSigned) {
    return BadTrailer("trailers are only allowed in -TRAILER streaming modes");
  }
  std::string_view line = line_;
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return BadTrailer("trailer without ':'");
  std::string name = AsciiLower(line.substr(0, colon));
  std::string_view value = TrimOws(line.substr(colon + 1));
  if (name == kTrailerSignature) {
    if (options_.mode != StreamingPayload::kSignedTrailer || !IsSignatureHex(value)) {
      return BadTrailer("unexpected or malformed x-amz-trailer-signature");
    }
    trailer_signature_ = std::string(value);
    return Status::OK();
  }
  size_t bytes = ChecksumBytes(name);
  if (bytes == 0) return BadTrailer("unsupported trailer");
  if (!options_.declared_trailer || *options_.declared_trailer != name) {
    return BadTrailer("trailer not declared in x-amz-trailer");
  }
  for (const auto& t : trailers_) {
    if (t.name == name) return BadTrailer("repeated trailer");
  }
  auto decoded = Base64Decode(value, 64);
  if (!decoded.ok() || decoded->size() != bytes) {
    return BadTrailer("checksum trailer is not the base64 of a checksum of the right size");
  }
  trailers_.push_back({std::move(name), std::string(value)});
  return Status::OK();
}

Status AwsChunkedDecoder::OnTrailersEnd() {
  if (options_.declared_trailer && trailers_.empty()) {
    return BadTrailer("the trailer declared in x-amz-trailer is missing");
  }
  if (options_.mode == StreamingPayload::kSignedTrailer) {
    if (trailer_signature_.empty()) return BadTrailer("x-amz-trailer-signature is missing");
    std::string canonical;
    for (const auto& t : trailers_) {
      canonical += t.name;
      canonical += ':';
      canonical += t.value;
      canonical += '\n';
    }
    const ChunkSigner& s = *options_.signer;
    std::string expected =
        SignString(s.signing_key, TrailerStringToSign(s.amz_date, s.scope, previous_signature_,
                                                      HexEncode(Sha256(canonical))));
    if (!ConstantTimeEquals(expected, trailer_signature_)) {
      return MakeS3Error(S3ErrorCode::kSignatureDoesNotMatch,
                         "The trailer signature does not match");
    }
  }
  state_ = State::kDone;
  return Status::OK();
}

Result<size_t> AwsChunkedDecoder::Feed(std::string_view input, std::string_view* payload) {
  *payload = {};
  if (state_ == State::kFailed) return error_;
  if (input.empty()) return size_t{0};
  switch (state_) {
    case State::kHeader:
    case State::kTrailer: {
      bool complete = false;
      auto taken = TakeLine(input, &complete);
      if (!taken.ok()) return Fail(taken.status());
      if (complete) {
        Status s;
        if (state_ == State::kHeader) {
          s = OnHeaderLine();
        } else {
          s = line_.empty() ? OnTrailersEnd() : OnTrailerLine();
        }
        line_.clear();
        if (!s.ok()) return Fail(s);
      }
      return *taken;
    }
    case State::kData: {
      size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, input.size()));
      *payload = input.substr(0, n);
      if (Signed()) chunk_hash_.Update(*payload);
      remaining_ -= n;
      decoded_ += n;
      if (remaining_ == 0) {
        state_ = State::kDataCrlf;
        crlf_seen_ = 0;
      }
      return n;
    }
    case State::kDataCrlf: {
      char want = crlf_seen_ == 0 ? '\r' : '\n';
      if (input[0] != want) return Fail(BadChunk("chunk data not followed by CRLF"));
      if (++crlf_seen_ == 2) {
        if (Signed()) {
          Status s = VerifyChunk(HexEncode(chunk_hash_.Finish()));
          if (!s.ok()) return Fail(s);
        }
        state_ = State::kHeader;
      }
      return size_t{1};
    }
    case State::kDone:
      return Fail(MakeS3Error(S3ErrorCode::kInvalidRequest,
                              "Unexpected data after the end of the aws-chunked body"));
    case State::kFailed:
      break;
  }
  return error_;
}

Status AwsChunkedDecoder::FeedAll(std::string_view input, std::string* out) {
  while (!input.empty()) {
    std::string_view payload;
    SHALE_ASSIGN_OR_RETURN(size_t n, Feed(input, &payload));
    out->append(payload);
    input.remove_prefix(n);
  }
  return Status::OK();
}

Status AwsChunkedDecoder::Finish() const {
  if (state_ == State::kFailed) return error_;
  if (state_ != State::kDone) {
    return MakeS3Error(S3ErrorCode::kIncompleteBody, "The aws-chunked body ended early");
  }
  return Status::OK();
}

}  // namespace shale::gateway
