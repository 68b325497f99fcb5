#pragma once

// The composite key of an object version in the `versions` table, built so that memcmp order
// is (bucket, object key, newest version first) and no encoded key is a prefix of another's
// key part:
//   bucket  0x00  escape(object key)  0x00 0x00  ~version (16 bytes, each byte inverted)
// escape() maps 0x00 to 0x00 0xFF and keeps every other byte, so "a" < "a\0" < "a\0b" < "ab"
// survives encoding, and the terminator 0x00 0x00 cannot occur inside an escaped key.
// Bucket names must be 1..255 bytes without 0x00; object keys at most kMaxObjectKeySize bytes.
// Pure functions over bytes (the decoder is fuzzed); thread-safe.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace shale::storage {

// Raw version id bytes; a larger id (memcmp) is a newer version.
using VersionId = std::array<uint8_t, 16>;

inline constexpr size_t kMaxBucketNameSize = 255;
inline constexpr size_t kMaxObjectKeySize = 1024;

struct VersionKey {
  std::string bucket;
  std::string key;
  VersionId version{};
};

Status ValidateBucketName(std::string_view bucket);
Status ValidateObjectKey(std::string_view key);

// Preconditions are checked: InvalidArgument on a bad bucket name or key.
Result<std::string> EncodeVersionKey(std::string_view bucket, std::string_view key,
                                     const VersionId& version);
// Every encoded key of an object in `bucket` whose key starts with `key_prefix` starts with
// this (and only those do).
Result<std::string> EncodeKeyPrefix(std::string_view bucket, std::string_view key_prefix);
// Every version of exactly (bucket, key) starts with this.
Result<std::string> EncodeObjectStart(std::string_view bucket, std::string_view key);
// The smallest encoded key greater than every version of (bucket, key).
Result<std::string> EncodeObjectSuccessor(std::string_view bucket, std::string_view key);
// Corruption unless `encoded` is exactly one well-formed composite key.
Result<VersionKey> DecodeVersionKey(std::string_view encoded);

}  // namespace shale::storage
