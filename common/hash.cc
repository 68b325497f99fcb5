#include "common/hash.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

namespace shale {
namespace {

// See the error policy in hash.h: failures here are environmental, never data-dependent.
[[noreturn]] void DieOpenSsl(const char* what) {
  const unsigned long err = ERR_get_error();
  char buf[256] = "no OpenSSL error queued";
  if (err != 0) ERR_error_string_n(err, buf, sizeof(buf));
  std::fprintf(stderr, "shale: fatal OpenSSL failure in %s: %s\n", what, buf);
  std::abort();
}

void Check(int rc, const char* what) {
  if (rc != 1) DieOpenSsl(what);
}

// Explicit fetches, done once: OpenSSL 3 otherwise looks the algorithm up in the provider
// store on every init, which costs more than hashing a small message.
const EVP_MD* FetchOnce(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) DieOpenSsl(name);
  return md;
}

const EVP_MD* Md(DigestAlgorithm algorithm) {
  static const EVP_MD* const kMd5 = FetchOnce("MD5");
  static const EVP_MD* const kSha1 = FetchOnce("SHA1");
  static const EVP_MD* const kSha256 = FetchOnce("SHA256");
  switch (algorithm) {
    case DigestAlgorithm::kMd5:
      return kMd5;
    case DigestAlgorithm::kSha1:
      return kSha1;
    case DigestAlgorithm::kSha256:
      return kSha256;
  }
  std::abort();  // Unreachable: the enum is closed.
}

EVP_MAC* HmacAlgorithm() {
  static EVP_MAC* const kHmac = [] {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
    if (mac == nullptr) DieOpenSsl("EVP_MAC_fetch(HMAC)");
    return mac;
  }();
  return kHmac;
}

const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

template <typename Digest>
Digest OneShot(DigestAlgorithm algorithm, const void* data, size_t len) {
  Digest out;
  hash_internal::OneShotDigest(algorithm, data, len, out.data(), out.size());
  return out;
}

}  // namespace

namespace hash_internal {

void EvpMdCtxDeleter::operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
void EvpMacCtxDeleter::operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }

EvpDigest::EvpDigest(DigestAlgorithm algorithm) : md_(Md(algorithm)), ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) DieOpenSsl("EVP_MD_CTX_new");
  Check(EVP_DigestInit_ex2(ctx_.get(), md_, nullptr), "EVP_DigestInit_ex2");
}

void EvpDigest::Update(const void* data, size_t len) {
  Check(EVP_DigestUpdate(ctx_.get(), data, len), "EVP_DigestUpdate");
}

void EvpDigest::Finish(uint8_t* out, size_t len) {
  unsigned int written = 0;
  Check(EVP_DigestFinal_ex(ctx_.get(), out, &written), "EVP_DigestFinal_ex");
  if (written != len) DieOpenSsl("EVP_DigestFinal_ex (unexpected digest size)");
  Check(EVP_DigestInit_ex2(ctx_.get(), md_, nullptr), "EVP_DigestInit_ex2");
}

void OneShotDigest(DigestAlgorithm algorithm, const void* data, size_t len, uint8_t* out,
                   size_t out_len) {
  unsigned int written = 0;
  Check(EVP_Digest(data, len, out, &written, Md(algorithm), nullptr), "EVP_Digest");
  if (written != out_len) DieOpenSsl("EVP_Digest (unexpected digest size)");
}

}  // namespace hash_internal

Md5Digest Md5(std::span<const uint8_t> data) {
  return OneShot<Md5Digest>(DigestAlgorithm::kMd5, data.data(), data.size());
}
Md5Digest Md5(std::string_view data) {
  return OneShot<Md5Digest>(DigestAlgorithm::kMd5, data.data(), data.size());
}
Sha1Digest Sha1(std::span<const uint8_t> data) {
  return OneShot<Sha1Digest>(DigestAlgorithm::kSha1, data.data(), data.size());
}
Sha1Digest Sha1(std::string_view data) {
  return OneShot<Sha1Digest>(DigestAlgorithm::kSha1, data.data(), data.size());
}
Sha256Digest Sha256(std::span<const uint8_t> data) {
  return OneShot<Sha256Digest>(DigestAlgorithm::kSha256, data.data(), data.size());
}
Sha256Digest Sha256(std::string_view data) {
  return OneShot<Sha256Digest>(DigestAlgorithm::kSha256, data.data(), data.size());
}

Sha256Digest HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data) {
  if (key.size() > static_cast<size_t>(INT_MAX)) {
    // HMAC() takes an int key length. RFC 2104 replaces a key longer than the block by its
    // hash, so hashing it here gives the same MAC.
    const Sha256Digest hashed_key = Sha256(key);
    return HmacSha256(std::span<const uint8_t>(hashed_key), data);
  }
  Sha256Digest out;
  unsigned int written = 0;
  // HMAC() (not the deprecated HMAC_CTX API) accepts an empty key only as a non-null pointer.
  static const uint8_t kEmpty = 0;
  const uint8_t* key_ptr = key.empty() ? &kEmpty : key.data();
  if (HMAC(Md(DigestAlgorithm::kSha256), key_ptr, static_cast<int>(key.size()), data.data(),
           data.size(), out.data(), &written) == nullptr ||
      written != out.size()) {
    DieOpenSsl("HMAC");
  }
  return out;
}

Sha256Digest HmacSha256(std::string_view key, std::string_view data) {
  return HmacSha256(std::span(Bytes(key), key.size()), std::span(Bytes(data), data.size()));
}

HmacSha256Stream::HmacSha256Stream(std::string_view key) : ctx_(EVP_MAC_CTX_new(HmacAlgorithm())) {
  if (!ctx_) DieOpenSsl("EVP_MAC_CTX_new");
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end(),
  };
  static const uint8_t kEmpty = 0;
  Check(EVP_MAC_init(ctx_.get(), key.empty() ? &kEmpty : Bytes(key), key.size(), params),
        "EVP_MAC_init");
}

HmacSha256Stream& HmacSha256Stream::Update(std::span<const uint8_t> data) {
  Check(EVP_MAC_update(ctx_.get(), data.data(), data.size()), "EVP_MAC_update");
  return *this;
}

HmacSha256Stream& HmacSha256Stream::Update(std::string_view data) {
  return Update(std::span(Bytes(data), data.size()));
}

Sha256Digest HmacSha256Stream::Finish() {
  Sha256Digest out;
  size_t written = 0;
  Check(EVP_MAC_final(ctx_.get(), out.data(), &written, out.size()), "EVP_MAC_final");
  if (written != out.size()) DieOpenSsl("EVP_MAC_final (unexpected size)");
  // A null key re-initialises with the key already set.
  Check(EVP_MAC_init(ctx_.get(), nullptr, 0, nullptr), "EVP_MAC_init (restart)");
  return out;
}

}  // namespace shale
