#include "storage/segment_header.h"

#include <cstdio>
#include <random>

#include "storage/byte_codec.h"
#include "storage/crc32c.h"
#include "storage/segment_format.h"

namespace shale::storage {
namespace {

bool AllZero(const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

}  // namespace

uint64_t NewSegmentSalt() {
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd();
}

Result<std::string> EncodeSegmentHeader(const SegmentHeaderInfo& info) {
  if (info.node_id.empty() || info.node_id.size() > kMaxNodeIdLength) {
    return Status::InvalidArgument("node id must be 1.." + std::to_string(kMaxNodeIdLength) +
                                   " bytes");
  }
  if (info.cluster_id.empty() || info.cluster_id.size() > kMaxClusterIdLength) {
    return Status::InvalidArgument("cluster id must be 1.." + std::to_string(kMaxClusterIdLength) +
                                   " bytes");
  }
  std::string out(kSegmentHeaderSize, '\0');
  char* p = out.data();
  EncodeFixedAt<uint32_t>(p + kSegHdrMagicOffset, kSegmentMagic);
  EncodeFixedAt<uint16_t>(p + kSegHdrVersionOffset, kSegmentFormatVersion);
  EncodeFixedAt<uint16_t>(p + kSegHdrHeaderSizeOffset, kSegmentHeaderSize);
  EncodeFixedAt<uint64_t>(p + kSegHdrSegmentIdOffset, info.segment_id);
  EncodeFixedAt<uint64_t>(p + kSegHdrCreatedOffset, info.created_unix_micros);
  EncodeFixedAt<uint64_t>(p + kSegHdrSaltOffset, info.salt);
  EncodeFixedAt<uint8_t>(p + kSegHdrNodeIdLenOffset, static_cast<uint8_t>(info.node_id.size()));
  EncodeFixedAt<uint8_t>(p + kSegHdrClusterIdLenOffset,
                         static_cast<uint8_t>(info.cluster_id.size()));
  info.node_id.copy(p + kSegHdrNodeIdOffset, info.node_id.size());
  info.cluster_id.copy(p + kSegHdrClusterIdOffset, info.cluster_id.size());
  EncodeFixedAt<uint32_t>(p + kSegHdrCrcOffset, Crc32c(std::string_view(p, kSegHdrCrcOffset)));
  return out;
}

Result<SegmentHeaderInfo> DecodeSegmentHeader(std::span<const char> bytes) {
  if (bytes.size() < kSegmentHeaderSize) {
    return Status::Corruption("segment header incomplete: " + std::to_string(bytes.size()) +
                              " of " + std::to_string(kSegmentHeaderSize) + " bytes");
  }
  const char* p = bytes.data();
  if (DecodeFixed<uint32_t>(p + kSegHdrMagicOffset) != kSegmentMagic) {
    return Status::Corruption("bad segment magic");
  }
  uint16_t version = DecodeFixed<uint16_t>(p + kSegHdrVersionOffset);
  if (version != kSegmentFormatVersion) {
    return Status::Corruption("unsupported segment format version " + std::to_string(version));
  }
  if (DecodeFixed<uint32_t>(p + kSegHdrCrcOffset) !=
      Crc32c(std::string_view(p, kSegHdrCrcOffset))) {
    return Status::Corruption("segment header CRC mismatch");
  }
  // The CRC matched, so what follows can only fail for a writer bug or a future format.
  if (DecodeFixed<uint16_t>(p + kSegHdrHeaderSizeOffset) != kSegmentHeaderSize) {
    return Status::Corruption("unexpected segment header size");
  }
  size_t node_len = DecodeFixed<uint8_t>(p + kSegHdrNodeIdLenOffset);
  size_t cluster_len = DecodeFixed<uint8_t>(p + kSegHdrClusterIdLenOffset);
  if (node_len == 0 || node_len > kMaxNodeIdLength || cluster_len == 0 ||
      cluster_len > kMaxClusterIdLength) {
    return Status::Corruption("impossible node or cluster id length in segment header");
  }
  if (!AllZero(p + kSegHdrClusterIdLenOffset + 1,
               kSegHdrNodeIdOffset - kSegHdrClusterIdLenOffset - 1) ||
      !AllZero(p + kSegHdrNodeIdOffset + node_len, kMaxNodeIdLength - node_len) ||
      !AllZero(p + kSegHdrClusterIdOffset + cluster_len, kMaxClusterIdLength - cluster_len) ||
      !AllZero(p + kSegHdrClusterIdOffset + kMaxClusterIdLength,
               kSegHdrCrcOffset - kSegHdrClusterIdOffset - kMaxClusterIdLength)) {
    return Status::Corruption("nonzero reserved segment header bytes");
  }
  SegmentHeaderInfo info;
  info.segment_id = DecodeFixed<uint64_t>(p + kSegHdrSegmentIdOffset);
  info.created_unix_micros = DecodeFixed<uint64_t>(p + kSegHdrCreatedOffset);
  info.salt = DecodeFixed<uint64_t>(p + kSegHdrSaltOffset);
  info.node_id.assign(p + kSegHdrNodeIdOffset, node_len);
  info.cluster_id.assign(p + kSegHdrClusterIdOffset, cluster_len);
  return info;
}

std::string SegmentFileName(uint64_t segment_id) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%0*llu%s", kSegmentFileNameDigits,
                static_cast<unsigned long long>(segment_id), kSegmentFileSuffix);
  return buf;
}

std::optional<uint64_t> ParseSegmentFileName(std::string_view name) {
  std::string_view suffix(kSegmentFileSuffix);
  if (name.size() < kSegmentFileNameDigits + suffix.size() || name.size() > 20 + suffix.size() ||
      name.substr(name.size() - suffix.size()) != suffix) {
    return std::nullopt;
  }
  std::string_view digits = name.substr(0, name.size() - suffix.size());
  uint64_t id = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t next = id * 10 + static_cast<uint64_t>(c - '0');
    if (next / 10 != id) return std::nullopt;  // Overflow.
    id = next;
  }
  // Only the canonical spelling: no extra leading zeros beyond the padding.
  if (SegmentFileName(id) != name) return std::nullopt;
  return id;
}

}  // namespace shale::storage
