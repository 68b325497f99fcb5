#pragma once

// Per-chunk signing of streamed internal request bodies (docs/FORMAT.md, "Signed chunks").
// A sender that cannot hash a body before sending it signs the request with
// x-shale-content-sha256: STREAMING-SHALE-HMAC-SHA256 and frames the body as
//   <hex size>;chunk-signature=<64 hex>\r\n<data>\r\n ... 0;chunk-signature=<64 hex>\r\n\r\n
// where each signature is ChunkSignature(secret, date, previous signature, sha256(data)), the
// first "previous" being the request's own signature. The receiver verifies each chunk before
// using its bytes, so a tampered, reordered, dropped or truncated chunk is refused.
//
// ChunkedBodyReader is a pure incremental parser and verifier (no I/O, explicit limits), fed
// whatever bytes arrived. Thread-safety: a value type; one thread at a time.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "common/hash.h"
#include "common/result.h"
#include "common/status.h"

namespace shale::internal_auth {

inline constexpr size_t kMaxSignedChunkSize = size_t{1} << 20;
inline constexpr size_t kChunkSignatureHexSize = 64;

// Lowercase hex HMAC-SHA256(secret, "SHALE-CHUNK\n" date "\n" previous "\n" data_sha256_hex).
std::string ChunkSignature(std::string_view secret, int64_t date, std::string_view previous,
                           std::string_view data_sha256_hex);

// The signature part of an authorization header value ("SHALE-HMAC-SHA256 <hex>"): the seed.
Result<std::string> SeedSignature(std::string_view authorization);

// Frames one chunk (`data` may be empty only for the final chunk) and advances `*previous`.
std::string FrameChunk(std::string_view secret, int64_t date, std::string* previous,
                       std::string_view data);
// The framed size of a body of `length` bytes cut into chunks of `chunk_size`, final included.
uint64_t FramedSize(uint64_t length, size_t chunk_size);

// The sender's side: pulls `length` raw bytes from `pull` and serves the framed body (exactly
// FramedSize(length, chunk_size) bytes), one chunk of memory at a time. Thread-safety: one
// thread at a time.
class ChunkFramer {
 public:
  using Pull = std::function<Result<size_t>(std::span<char>)>;  // 0 only at the end.
  ChunkFramer(std::string secret, int64_t date, std::string seed, uint64_t length,
              size_t chunk_size, Pull pull);
  // Copies the next framed bytes into `buf`: the count, 0 at the end. A raw body shorter than
  // `length` is InvalidArgument; an error of `pull` is returned.
  Result<size_t> Read(std::span<char> buf);

 private:
  std::string secret_;
  int64_t date_;
  std::string previous_;
  uint64_t remaining_;
  size_t chunk_size_;
  Pull pull_;
  std::string raw_;
  std::string framed_;  // The current framed chunk.
  size_t framed_pos_ = 0;
  bool final_sent_ = false;
};

class ChunkedBodyReader {
 public:
  // `secret` is borrowed and must outlive the reader.
  ChunkedBodyReader(std::string_view secret, int64_t date, std::string seed,
                    size_t max_chunk_size = kMaxSignedChunkSize);

  // Consumes a prefix of `in` and returns its length. It stops early once a verified chunk is
  // ready (take it with chunk() and ClearChunk() before feeding more) or the body ended.
  // InvalidArgument on bad framing or a chunk over the limit, Unauthenticated on a signature
  // that does not verify; the reader is then dead.
  Result<size_t> Feed(std::string_view in);

  bool chunk_ready() const { return state_ == State::kChunkReady; }
  std::string_view chunk() const { return data_; }
  void ClearChunk();
  bool done() const { return state_ == State::kDone; }
  uint64_t decoded_bytes() const { return decoded_; }

 private:
  enum class State : uint8_t { kLine, kData, kDataEnd, kChunkReady, kFinalEnd, kDone, kFailed };
  Status ParseLine();
  Status Fail(Status s);

  std::string_view secret_;
  int64_t date_;
  std::string previous_;
  size_t max_chunk_size_;
  State state_ = State::kLine;
  std::string line_;  // The size line so far.
  uint64_t size_ = 0;
  std::string signature_;  // Of the current chunk.
  std::string data_;
  uint64_t decoded_ = 0;
};

}  // namespace shale::internal_auth
