#include "storage/version_key.h"

namespace shale::storage {
namespace {

constexpr char kEscape = '\xFF';

void AppendEscaped(std::string* out, std::string_view key) {
  for (char c : key) {
    out->push_back(c);
    if (c == '\0') out->push_back(kEscape);
  }
}

Result<std::string> EncodeHead(std::string_view bucket, std::string_view key) {
  SHALE_RETURN_IF_ERROR(ValidateBucketName(bucket));
  SHALE_RETURN_IF_ERROR(ValidateObjectKey(key));
  std::string out;
  out.reserve(bucket.size() + key.size() + 20);
  out.append(bucket);
  out.push_back('\0');
  AppendEscaped(&out, key);
  return out;
}

}  // namespace

Status ValidateBucketName(std::string_view bucket) {
  if (bucket.empty() || bucket.size() > kMaxBucketNameSize ||
      bucket.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("bucket name must be 1..255 bytes without NUL");
  }
  return Status::OK();
}

Status ValidateObjectKey(std::string_view key) {
  if (key.size() > kMaxObjectKeySize) {
    return Status::InvalidArgument("object key longer than 1024 bytes");
  }
  return Status::OK();
}

Result<std::string> EncodeVersionKey(std::string_view bucket, std::string_view key,
                                     const VersionId& version) {
  SHALE_ASSIGN_OR_RETURN(std::string out, EncodeHead(bucket, key));
  out.append(2, '\0');
  for (uint8_t b : version) out.push_back(static_cast<char>(~b));
  return out;
}

Result<std::string> EncodeKeyPrefix(std::string_view bucket, std::string_view key_prefix) {
  return EncodeHead(bucket, key_prefix);
}

Result<std::string> EncodeObjectStart(std::string_view bucket, std::string_view key) {
  SHALE_ASSIGN_OR_RETURN(std::string out, EncodeHead(bucket, key));
  out.append(2, '\0');
  return out;
}

Result<std::string> EncodeObjectSuccessor(std::string_view bucket, std::string_view key) {
  SHALE_ASSIGN_OR_RETURN(std::string out, EncodeHead(bucket, key));
  out.push_back('\0');
  out.push_back('\x01');  // Above the terminator 00 00, below any escaped continuation.
  return out;
}

Result<VersionKey> DecodeVersionKey(std::string_view encoded) {
  auto bad = [](std::string_view why) {
    return Status::Corruption(std::string("bad version key: ") + std::string(why));
  };
  VersionKey out;
  size_t nul = encoded.find('\0');
  if (nul == std::string_view::npos) return bad("no bucket separator");
  out.bucket = std::string(encoded.substr(0, nul));
  if (!ValidateBucketName(out.bucket).ok()) return bad("bucket name");
  size_t i = nul + 1;
  for (;;) {
    if (i >= encoded.size()) return bad("unterminated object key");
    char c = encoded[i];
    if (c != '\0') {
      out.key.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= encoded.size()) return bad("truncated escape");
    char next = encoded[i + 1];
    i += 2;
    if (next == '\0') break;
    if (next != kEscape) return bad("invalid escape");
    out.key.push_back('\0');
  }
  if (out.key.size() > kMaxObjectKeySize) return bad("object key too long");
  if (encoded.size() - i != out.version.size()) return bad("version id length");
  for (size_t j = 0; j < out.version.size(); ++j) {
    out.version[j] = static_cast<uint8_t>(~static_cast<uint8_t>(encoded[i + j]));
  }
  return out;
}

}  // namespace shale::storage
