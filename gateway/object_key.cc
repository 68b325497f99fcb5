#include "gateway/object_key.h"

#include <array>
#include <cstdint>
#include <string>

#include "gateway/s3_error.h"

namespace shale::gateway {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Four dot-separated groups of 1..3 digits: what S3 calls "formatted as an IP address".
bool LooksLikeIpv4(std::string_view s) {
  int groups = 0;
  size_t i = 0;
  while (i <= s.size()) {
    size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ++i;
      ++digits;
    }
    if (digits == 0 || digits > 3) return false;
    ++groups;
    if (i == s.size()) break;
    if (s[i] != '.') return false;
    ++i;
  }
  return groups == 4;
}

Status BadBucket(std::string_view name, std::string_view why) {
  std::string detail = "The specified bucket is not valid: ";
  detail += why;
  (void)name;  // Not echoed: it is untrusted and the Resource element already names it.
  return MakeS3Error(S3ErrorCode::kInvalidBucketName, detail);
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    uint8_t c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;  // Continuation byte, C0/C1 overlong lead, or F5..FF.
    }
    if (static_cast<size_t>(end - p) < len) return false;
    for (size_t i = 1; i < len; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return false;
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;
    p += len;
  }
  return true;
}

Status ValidateObjectKey(std::string_view key) {
  if (key.empty()) return MakeS3Error(S3ErrorCode::kInvalidArgument, "The object key is empty");
  if (key.size() > kMaxObjectKeyBytes) return MakeS3Error(S3ErrorCode::kKeyTooLongError);
  if (key.find('\0') != std::string_view::npos) {
    return MakeS3Error(S3ErrorCode::kInvalidArgument, "Object keys must not contain NUL");
  }
  if (!IsValidUtf8(key)) {
    return MakeS3Error(S3ErrorCode::kInvalidArgument, "Object keys must be valid UTF-8");
  }
  return Status::OK();
}

Status ValidateBucketName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) {
    return BadBucket(name, "bucket names must be between 3 and 63 characters long");
  }
  for (char c : name) {
    if (!IsLowerAlnum(c) && c != '.' && c != '-') {
      return BadBucket(name,
                       "bucket names may only contain lowercase letters, digits, '.' and '-'");
    }
  }
  if (!IsLowerAlnum(name.front()) || !IsLowerAlnum(name.back())) {
    return BadBucket(name, "bucket names must begin and end with a letter or digit");
  }
  if (name.find("..") != std::string_view::npos) {
    return BadBucket(name, "bucket names must not contain two adjacent periods");
  }
  if (LooksLikeIpv4(name)) {
    return BadBucket(name, "bucket names must not be formatted as an IP address");
  }
  constexpr std::array<std::string_view, 3> kPrefixes = {"xn--", "sthree-", "amzn-s3-demo-"};
  for (std::string_view p : kPrefixes) {
    if (name.substr(0, p.size()) == p) return BadBucket(name, "reserved bucket name prefix");
  }
  constexpr std::array<std::string_view, 5> kSuffixes = {"-s3alias", "--ol-s3", ".mrap", "--x-s3",
                                                         "--table-s3"};
  for (std::string_view s : kSuffixes) {
    if (name.size() >= s.size() && name.substr(name.size() - s.size()) == s) {
      return BadBucket(name, "reserved bucket name suffix");
    }
  }
  return Status::OK();
}

}  // namespace shale::gateway
