#pragma once

// Message digests (MD5 for ETags and Content-MD5, SHA-1, SHA-256 for SigV4 payload hashes) and
// HMAC-SHA256 (SigV4 signing, internal request signing), over OpenSSL 3's EVP interface.
//
// Error policy: with valid arguments the EVP calls used here fail only when the process cannot
// allocate a context or the loaded OpenSSL providers do not offer the algorithm (e.g. MD5 under
// a FIPS-only configuration). Neither depends on the data being hashed and no caller could
// recover, so such a failure aborts with a message naming the call instead of burdening every
// hash of every request with a Status that can never be handled.
//
// Thread-safety: the free functions may be called concurrently; a stream object is used by one
// thread at a time. Streams are movable (moved-from streams may only be destroyed or assigned).

#include <openssl/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace shale {

using Md5Digest = std::array<uint8_t, 16>;
using Sha1Digest = std::array<uint8_t, 20>;
using Sha256Digest = std::array<uint8_t, 32>;

enum class DigestAlgorithm : uint8_t { kMd5, kSha1, kSha256 };

namespace hash_internal {

struct EvpMdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const;
};
struct EvpMacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const;
};

// Untyped engine behind DigestStream: keeps OpenSSL out of this header.
class EvpDigest {
 public:
  explicit EvpDigest(DigestAlgorithm algorithm);
  void Update(const void* data, size_t len);
  // Writes the digest (exactly `len` bytes, the algorithm's size) and restarts the stream.
  void Finish(uint8_t* out, size_t len);

 private:
  const EVP_MD* md_;  // Fetched once per process, never freed.
  std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter> ctx_;
};

void OneShotDigest(DigestAlgorithm algorithm, const void* data, size_t len, uint8_t* out,
                   size_t out_len);

}  // namespace hash_internal

// A running digest. Finish() returns the digest of everything fed since construction or the
// previous Finish(), and restarts the stream, so one object can hash many messages without
// reallocating its context.
template <DigestAlgorithm kAlgorithm, size_t kSize>
class DigestStream {
 public:
  using Digest = std::array<uint8_t, kSize>;

  DigestStream() : impl_(kAlgorithm) {}
  DigestStream(DigestStream&&) noexcept = default;
  DigestStream& operator=(DigestStream&&) noexcept = default;
  DigestStream(const DigestStream&) = delete;
  DigestStream& operator=(const DigestStream&) = delete;

  DigestStream& Update(std::string_view data) {
    impl_.Update(data.data(), data.size());
    return *this;
  }
  DigestStream& Update(std::span<const uint8_t> data) {
    impl_.Update(data.data(), data.size());
    return *this;
  }
  Digest Finish() {
    Digest out;
    impl_.Finish(out.data(), out.size());
    return out;
  }

 private:
  hash_internal::EvpDigest impl_;
};

using Md5Stream = DigestStream<DigestAlgorithm::kMd5, 16>;
using Sha1Stream = DigestStream<DigestAlgorithm::kSha1, 20>;
using Sha256Stream = DigestStream<DigestAlgorithm::kSha256, 32>;

Md5Digest Md5(std::span<const uint8_t> data);
Md5Digest Md5(std::string_view data);
Sha1Digest Sha1(std::span<const uint8_t> data);
Sha1Digest Sha1(std::string_view data);
Sha256Digest Sha256(std::span<const uint8_t> data);
Sha256Digest Sha256(std::string_view data);

// HMAC-SHA256 of `data` under `key` (any key length, as RFC 2104).
Sha256Digest HmacSha256(std::string_view key, std::string_view data);
Sha256Digest HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data);

// Streaming HMAC-SHA256 under a fixed key. Finish() returns the MAC of everything fed since
// construction or the previous Finish() and restarts with the same key.
class HmacSha256Stream {
 public:
  explicit HmacSha256Stream(std::string_view key);
  HmacSha256Stream(HmacSha256Stream&&) noexcept = default;
  HmacSha256Stream& operator=(HmacSha256Stream&&) noexcept = default;
  HmacSha256Stream(const HmacSha256Stream&) = delete;
  HmacSha256Stream& operator=(const HmacSha256Stream&) = delete;

  HmacSha256Stream& Update(std::string_view data);
  HmacSha256Stream& Update(std::span<const uint8_t> data);
  Sha256Digest Finish();

 private:
  std::unique_ptr<EVP_MAC_CTX, hash_internal::EvpMacCtxDeleter> ctx_;
};

}  // namespace shale
