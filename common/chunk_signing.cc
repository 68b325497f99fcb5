#include "common/chunk_signing.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "common/encoding.h"
#include "common/internal_auth.h"

namespace shale::internal_auth {
namespace {

constexpr std::string_view kSignaturePrefix = ";chunk-signature=";
constexpr size_t kMaxSizeDigits = 8;
constexpr size_t kMaxLine = kMaxSizeDigits + kSignaturePrefix.size() + kChunkSignatureHexSize + 2;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsLowerHex64(std::string_view s) {
  return s.size() == kChunkSignatureHexSize && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string SizeHex(uint64_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kHex[n & 15]);
    n >>= 4;
  } while (n != 0);
  return out;
}

}  // namespace

std::string ChunkSignature(std::string_view secret, int64_t date, std::string_view previous,
                           std::string_view data_sha256_hex) {
  std::string message = "SHALE-CHUNK\n" + std::to_string(date) + "\n";
  message.append(previous);
  message += "\n";
  message.append(data_sha256_hex);
  return HexEncode(HmacSha256(secret, message));
}

Result<std::string> SeedSignature(std::string_view authorization) {
  if (authorization.size() != kScheme.size() + 1 + kChunkSignatureHexSize ||
      authorization.substr(0, kScheme.size()) != kScheme || authorization[kScheme.size()] != ' ' ||
      !IsLowerHex64(authorization.substr(kScheme.size() + 1))) {
    return Status::Unauthenticated("malformed authorization");
  }
  return std::string(authorization.substr(kScheme.size() + 1));
}

std::string FrameChunk(std::string_view secret, int64_t date, std::string* previous,
                       std::string_view data) {
  std::string sig = ChunkSignature(secret, date, *previous, HexEncode(Sha256(data)));
  std::string out = SizeHex(data.size());
  out += kSignaturePrefix;
  out += sig;
  out += "\r\n";
  out.append(data);
  out += "\r\n";
  *previous = std::move(sig);
  return out;
}

uint64_t FramedSize(uint64_t length, size_t chunk_size) {
  const uint64_t per_chunk_fixed = kSignaturePrefix.size() + kChunkSignatureHexSize + 4;
  uint64_t full = length / chunk_size;
  uint64_t rest = length % chunk_size;
  uint64_t total = full * (SizeHex(chunk_size).size() + per_chunk_fixed + chunk_size);
  if (rest != 0) total += SizeHex(rest).size() + per_chunk_fixed + rest;
  return total + 1 + per_chunk_fixed;  // The final "0;chunk-signature=...\r\n\r\n".
}

ChunkFramer::ChunkFramer(std::string secret, int64_t date, std::string seed, uint64_t length,
                         size_t chunk_size, Pull pull)
    : secret_(std::move(secret)),
      date_(date),
      previous_(std::move(seed)),
      remaining_(length),
      chunk_size_(std::max<size_t>(chunk_size, 1)),
      pull_(std::move(pull)) {}

Result<size_t> ChunkFramer::Read(std::span<char> buf) {
  if (framed_pos_ == framed_.size()) {
    if (final_sent_) return size_t{0};
    framed_pos_ = 0;
    if (remaining_ == 0) {
      framed_ = FrameChunk(secret_, date_, &previous_, {});
      final_sent_ = true;
    } else {
      raw_.resize(static_cast<size_t>(std::min<uint64_t>(chunk_size_, remaining_)));
      size_t got = 0;
      while (got < raw_.size()) {
        SHALE_ASSIGN_OR_RETURN(size_t n,
                               pull_(std::span<char>(raw_.data() + got, raw_.size() - got)));
        if (n == 0) return Status::InvalidArgument("body ended before its declared length");
        got += n;
      }
      remaining_ -= raw_.size();
      framed_ = FrameChunk(secret_, date_, &previous_, raw_);
    }
  }
  size_t n = std::min(buf.size(), framed_.size() - framed_pos_);
  std::copy_n(framed_.data() + framed_pos_, n, buf.data());
  framed_pos_ += n;
  return n;
}

ChunkedBodyReader::ChunkedBodyReader(std::string_view secret, int64_t date, std::string seed,
                                     size_t max_chunk_size)
    : secret_(secret), date_(date), previous_(std::move(seed)), max_chunk_size_(max_chunk_size) {}

void ChunkedBodyReader::ClearChunk() {
  if (state_ != State::kChunkReady) return;
  data_.clear();
  state_ = State::kLine;
}

Status ChunkedBodyReader::Fail(Status s) {
  state_ = State::kFailed;
  data_.clear();
  return s;
}

// line_ holds "<hex>;chunk-signature=<64 hex>" without its CRLF.
Status ChunkedBodyReader::ParseLine() {
  std::string_view line = line_;
  size_t semi = line.find(';');
  if (semi == std::string_view::npos || semi == 0 || semi > kMaxSizeDigits) {
    return Status::InvalidArgument("bad chunk size line");
  }
  uint64_t size = 0;
  for (char c : line.substr(0, semi)) {
    int v = HexValue(c);
    if (v < 0) return Status::InvalidArgument("bad chunk size");
    size = size * 16 + static_cast<uint64_t>(v);
  }
  if (size > max_chunk_size_) return Status::InvalidArgument("chunk over the size limit");
  std::string_view rest = line.substr(semi);
  if (rest.substr(0, kSignaturePrefix.size()) != kSignaturePrefix ||
      !IsLowerHex64(rest.substr(kSignaturePrefix.size()))) {
    return Status::InvalidArgument("bad chunk signature field");
  }
  size_ = size;
  signature_ = std::string(rest.substr(kSignaturePrefix.size()));
  return Status::OK();
}

Result<size_t> ChunkedBodyReader::Feed(std::string_view in) {
  size_t used = 0;
  while (used < in.size()) {
    switch (state_) {
      case State::kFailed:
        return Status::FailedPrecondition("chunked body reader failed earlier");
      case State::kChunkReady:
      case State::kDone:
        return used;
      case State::kLine: {
        char c = in[used++];
        line_.push_back(c);
        if (line_.size() > kMaxLine) return Fail(Status::InvalidArgument("chunk line too long"));
        if (line_.size() < 2 || line_[line_.size() - 2] != '\r' || c != '\n') break;
        line_.resize(line_.size() - 2);
        Status s = ParseLine();
        line_.clear();
        if (!s.ok()) return Fail(s);
        state_ = size_ == 0 ? State::kFinalEnd : State::kData;
        line_.clear();
        break;
      }
      case State::kData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(size_ - data_.size(), in.size() - used));
        data_.append(in.substr(used, n));
        used += n;
        if (data_.size() == size_) state_ = State::kDataEnd;
        break;
      }
      case State::kDataEnd:
      case State::kFinalEnd: {
        // The CRLF after the data (or after the final line): collected in line_.
        line_.push_back(in[used++]);
        if (line_.size() < 2) break;
        if (line_ != "\r\n") return Fail(Status::InvalidArgument("chunk not followed by CRLF"));
        line_.clear();
        std::string_view data = state_ == State::kFinalEnd ? std::string_view() : data_;
        std::string expected = ChunkSignature(secret_, date_, previous_, HexEncode(Sha256(data)));
        if (CRYPTO_memcmp(expected.data(), signature_.data(), expected.size()) != 0) {
          return Fail(Status::Unauthenticated("chunk signature mismatch"));
        }
        previous_ = std::move(expected);
        decoded_ += data.size();
        state_ = state_ == State::kFinalEnd ? State::kDone : State::kChunkReady;
        break;
      }
    }
  }
  return used;
}

}  // namespace shale::internal_auth
