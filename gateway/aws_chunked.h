#pragma once

// Incremental decoder of aws-chunked request bodies (Content-Encoding: aws-chunked), the three
// streaming modes S3 clients use:
//
//   STREAMING-AWS4-HMAC-SHA256-PAYLOAD          <hex>;chunk-signature=<sig>\r\n<data>\r\n ...
//                                               0;chunk-signature=<sig>\r\n\r\n
//   STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER  same chunks, then after the final 0 chunk line:
//                                               x-amz-checksum-<alg>:<base64>\r\n
//                                               x-amz-trailer-signature:<sig>\r\n\r\n
//   STREAMING-UNSIGNED-PAYLOAD-TRAILER          <hex>\r\n<data>\r\n ... 0\r\n
//                                               [x-amz-checksum-<alg>:<base64>\r\n]\r\n
//
// Feed() accepts any split of the body, down to one byte at a time, and hands back payload
// bytes as views into the caller's input (no copy). In signed modes every chunk signature is
// verified (chained from the seed signature, AWS4-HMAC-SHA256-PAYLOAD) when its data ends, and
// the trailer signature (AWS4-HMAC-SHA256-TRAILER) when the trailer section ends. Payload bytes
// are therefore delivered BEFORE their chunk is verified: the caller must not commit anything
// until Feed() has consumed the whole body and Finish() returned OK.
//
// The decoder checks the framing and the trailer's syntax (base64 of the algorithm's size); the
// caller compares the returned checksum with the one it computed over the payload (BadDigest).
//
// Errors (S3 names): InvalidChunkSizeError (bad or oversized chunk header, a non-final chunk
// under 8 KiB in signed modes, data not followed by CRLF), SignatureDoesNotMatch,
// MalformedTrailerError, IncompleteBody (body ends early, or the decoded length differs from
// x-amz-decoded-content-length), InvalidRequest (bytes after the end). After an error the
// decoder stays failed. Thread-safety: one thread at a time per decoder.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/hash.h"
#include "common/result.h"

namespace shale::gateway {

enum class StreamingPayload : uint8_t { kSigned, kSignedTrailer, kUnsignedTrailer };

// The mode named by an x-amz-content-sha256 value, or nullopt if it names none.
std::optional<StreamingPayload> ParseStreamingPayload(std::string_view x_amz_content_sha256);

// What a signed stream's signatures are chained from (see sigv4.h).
struct ChunkSigner {
  Sha256Digest signing_key;
  std::string amz_date;        // "20130524T000000Z"
  std::string scope;           // "20130524/us-east-1/s3/aws4_request"
  std::string seed_signature;  // The request's own signature.
};

struct Trailer {
  std::string name;   // Lowercase, e.g. "x-amz-checksum-crc32".
  std::string value;  // As sent (base64), surrounding whitespace removed.
};

struct AwsChunkedOptions {
  StreamingPayload mode = StreamingPayload::kUnsignedTrailer;
  std::optional<ChunkSigner> signer;  // Required exactly for the signed modes.
  // x-amz-decoded-content-length; when set, the payload must have exactly this many bytes.
  std::optional<uint64_t> decoded_content_length;
  // x-amz-trailer (lowercase). When set, exactly this checksum trailer must arrive; when not,
  // no checksum trailer may.
  std::optional<std::string> declared_trailer;
  uint64_t max_chunk_size = 16 * 1024 * 1024;
  uint64_t min_signed_chunk_size = 8 * 1024;  // Every chunk but the last, signed modes only.
  size_t max_line_bytes = 4096;               // A chunk header or trailer line.
  size_t max_trailer_lines = 4;
};

class AwsChunkedDecoder {
 public:
  // Fails with InvalidArgument if `options` are inconsistent (signer presence vs mode).
  static Result<AwsChunkedDecoder> Create(AwsChunkedOptions options);

  // Consumes a prefix of `input` and returns its length; `*payload` is set to the payload bytes
  // found in that prefix (a view into `input`, possibly empty). Call again with the rest until
  // all input is consumed. Returns at least 1 for non-empty input unless it fails.
  Result<size_t> Feed(std::string_view input, std::string_view* payload);
  // Feeds all of `input`, appending its payload bytes to `*out`.
  Status FeedAll(std::string_view input, std::string* out);
  // The body has ended: OK only if the stream was complete.
  Status Finish() const;

  bool done() const { return state_ == State::kDone; }
  uint64_t decoded_bytes() const { return decoded_; }
  // Checksum trailers received (never the trailer signature); complete once done().
  const std::vector<Trailer>& trailers() const { return trailers_; }

 private:
  enum class State : uint8_t { kHeader, kData, kDataCrlf, kTrailer, kDone, kFailed };

  explicit AwsChunkedDecoder(AwsChunkedOptions options);
  bool Signed() const { return options_.mode != StreamingPayload::kUnsignedTrailer; }
  Status Fail(Status status);
  // Accumulates one CRLF-terminated line into line_; returns bytes consumed, sets *complete.
  Result<size_t> TakeLine(std::string_view input, bool* complete);
  Status OnHeaderLine();
  Status OnTrailerLine();
  Status OnTrailersEnd();
  Status VerifyChunk(std::string_view sha256_hex);

  AwsChunkedOptions options_;
  State state_ = State::kHeader;
  std::string line_;
  uint64_t remaining_ = 0;  // Of the current chunk's data.
  uint64_t chunk_size_ = 0;
  uint64_t decoded_ = 0;
  bool previous_chunk_small_ = false;
  int crlf_seen_ = 0;
  std::string chunk_signature_;     // Claimed signature of the current chunk.
  std::string previous_signature_;  // Seed, then each verified chunk's signature.
  Sha256Stream chunk_hash_;
  std::vector<Trailer> trailers_;
  std::string trailer_signature_;
  size_t trailer_lines_ = 0;
  Status error_;
};

}  // namespace shale::gateway
