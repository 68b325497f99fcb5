#include "storage/record.h"

#include <cstring>

#include "storage/byte_codec.h"
#include "storage/crc32c.h"

namespace shale::storage {
namespace {

constexpr std::string_view kIncompletePrefix = "incomplete record header";

bool IsKnownType(uint8_t type) {
  return type >= static_cast<uint8_t>(RecordType::kShard) &&
         type <= static_cast<uint8_t>(RecordType::kBucket);
}

// CRC32C(salt || header bytes): the header CRC of a record in the segment with `salt`.
uint32_t HeaderCrc(uint64_t salt, std::string_view header_bytes) {
  char salt_bytes[8];
  EncodeFixedAt<uint64_t>(salt_bytes, salt);
  return Crc32cExtend(Crc32c(std::string_view(salt_bytes, 8)), header_bytes);
}

Status CheckLength(std::string_view what, size_t size, size_t min, size_t max) {
  if (size < min || size > max) {
    return Status::InvalidArgument(std::string(what) + " length " + std::to_string(size) +
                                   " outside [" + std::to_string(min) + ", " + std::to_string(max) +
                                   "]");
  }
  return Status::OK();
}

// Reads length-prefixed fields off the front of an encoded id.
class IdParser {
 public:
  explicit IdParser(std::string_view in) : in_(in) {}
  template <typename T>
  Result<std::string> LengthPrefixed(std::string_view what, size_t max) {
    if (in_.size() < sizeof(T)) return Status::InvalidArgument(std::string(what) + " truncated");
    size_t n = DecodeFixed<T>(in_.data());
    in_.remove_prefix(sizeof(T));
    SHALE_RETURN_IF_ERROR(CheckLength(what, n, 1, max));
    if (in_.size() < n) return Status::InvalidArgument(std::string(what) + " truncated");
    std::string out(in_.substr(0, n));
    in_.remove_prefix(n);
    return out;
  }
  std::string_view rest() const { return in_; }

 private:
  std::string_view in_;
};

}  // namespace

std::string_view RecordTypeName(RecordType type) {
  switch (type) {
    case RecordType::kShard:
      return "shard";
    case RecordType::kVersion:
      return "version";
    case RecordType::kTombstone:
      return "tombstone";
    case RecordType::kBucket:
      return "bucket";
  }
  return "unknown";
}

Result<std::string> EncodeVersionRecordId(const VersionRecordId& id) {
  SHALE_RETURN_IF_ERROR(CheckLength("bucket", id.bucket.size(), 1, kMaxBucketNameLength));
  SHALE_RETURN_IF_ERROR(CheckLength("object key", id.key.size(), 1, kMaxObjectKeyLength));
  SHALE_RETURN_IF_ERROR(
      CheckLength("version id", id.version_id.size(), kVersionIdSize, kVersionIdSize));
  std::string out;
  out.reserve(1 + id.bucket.size() + 2 + id.key.size() + kVersionIdSize);
  PutFixed<uint8_t>(&out, static_cast<uint8_t>(id.bucket.size()));
  out += id.bucket;
  PutFixed<uint16_t>(&out, static_cast<uint16_t>(id.key.size()));
  out += id.key;
  out += id.version_id;
  return out;
}

Result<VersionRecordId> DecodeVersionRecordId(std::string_view encoded) {
  IdParser parser(encoded);
  VersionRecordId id;
  SHALE_ASSIGN_OR_RETURN(id.bucket, parser.LengthPrefixed<uint8_t>("bucket", kMaxBucketNameLength));
  SHALE_ASSIGN_OR_RETURN(id.key,
                         parser.LengthPrefixed<uint16_t>("object key", kMaxObjectKeyLength));
  if (parser.rest().size() != kVersionIdSize) {
    return Status::InvalidArgument("version id must be " + std::to_string(kVersionIdSize) +
                                   " bytes, found " + std::to_string(parser.rest().size()));
  }
  id.version_id = std::string(parser.rest());
  return id;
}

Result<std::string> EncodeTombstoneId(const TombstoneId& id) {
  if (id.target_type == RecordType::kTombstone ||
      !IsKnownType(static_cast<uint8_t>(id.target_type))) {
    return Status::InvalidArgument("tombstone target type must be shard, version or bucket");
  }
  SHALE_RETURN_IF_ERROR(ValidateRecordId(id.target_type, id.target_id));
  std::string out;
  PutFixed<uint8_t>(&out, static_cast<uint8_t>(id.target_type));
  out += id.target_id;
  return out;
}

Result<TombstoneId> DecodeTombstoneId(std::string_view encoded) {
  if (encoded.empty()) return Status::InvalidArgument("tombstone id is empty");
  uint8_t type = DecodeFixed<uint8_t>(encoded.data());
  if (!IsKnownType(type) || type == static_cast<uint8_t>(RecordType::kTombstone)) {
    return Status::InvalidArgument("tombstone target type " + std::to_string(type) + " invalid");
  }
  TombstoneId id{static_cast<RecordType>(type), std::string(encoded.substr(1))};
  SHALE_RETURN_IF_ERROR(ValidateRecordId(id.target_type, id.target_id));
  return id;
}

Status ValidateRecordId(RecordType type, std::string_view id) {
  switch (type) {
    case RecordType::kShard:
      return CheckLength("shard id", id.size(), 1, kMaxShardIdLength);
    case RecordType::kBucket:
      return CheckLength("bucket name", id.size(), 1, kMaxBucketNameLength);
    case RecordType::kVersion:
      return DecodeVersionRecordId(id).status();
    case RecordType::kTombstone:
      return DecodeTombstoneId(id).status();
  }
  return Status::InvalidArgument("unknown record type " + std::to_string(static_cast<int>(type)));
}

Status EncodeRecordHeader(const RecordHeader& header, uint64_t salt, std::string* out) {
  if (!IsKnownType(static_cast<uint8_t>(header.type))) {
    return Status::InvalidArgument("unknown record type " +
                                   std::to_string(static_cast<int>(header.type)));
  }
  if ((header.flags & ~kRecordFlagsKnownV1) != 0) {
    return Status::InvalidArgument("unknown record flags " + std::to_string(header.flags));
  }
  if (header.payload_length > kMaxPayloadLength) {
    return Status::InvalidArgument("payload length " + std::to_string(header.payload_length) +
                                   " over the maximum " + std::to_string(kMaxPayloadLength));
  }
  SHALE_RETURN_IF_ERROR(ValidateRecordId(header.type, header.id));
  const size_t start = out->size();
  PutFixed<uint32_t>(out, kRecordMagic);
  PutFixed<uint8_t>(out, kRecordFormatVersion);
  PutFixed<uint8_t>(out, static_cast<uint8_t>(header.type));
  PutFixed<uint16_t>(out, header.flags);
  PutFixed<uint16_t>(out, static_cast<uint16_t>(header.id.size()));
  PutFixed<uint16_t>(out, 0);  // Reserved.
  PutFixed<uint32_t>(out, header.payload_length);
  PutFixed<uint64_t>(out, header.sequence);
  out->append(header.id);
  PutFixed<uint32_t>(out, HeaderCrc(salt, std::string_view(*out).substr(start)));
  return Status::OK();
}

Status EncodeRecord(const RecordHeader& header, std::string_view payload, uint64_t salt,
                    std::string* out) {
  if (payload.size() != header.payload_length) {
    return Status::InvalidArgument("payload size " + std::to_string(payload.size()) +
                                   " differs from the header's payload length " +
                                   std::to_string(header.payload_length));
  }
  SHALE_RETURN_IF_ERROR(EncodeRecordHeader(header, salt, out));
  out->append(payload);
  PutFixed<uint32_t>(out, Crc32c(payload));
  return Status::OK();
}

bool IsIncomplete(const Status& status) {
  return status.code() == StatusCode::kOutOfRange &&
         status.message().compare(0, kIncompletePrefix.size(), kIncompletePrefix) == 0;
}

Result<RecordHeader> DecodeRecordHeader(std::span<const char> bytes, uint64_t salt) {
  auto incomplete = [&](size_t needed) {
    return Status::OutOfRange(std::string(kIncompletePrefix) + ": have " +
                              std::to_string(bytes.size()) + " of " + std::to_string(needed) +
                              " bytes");
  };
  if (bytes.size() < kRecordFixedHeaderSize) return incomplete(kRecordFixedHeaderSize);
  const char* p = bytes.data();
  uint32_t magic = DecodeFixed<uint32_t>(p + kRecMagicOffset);
  if (magic != kRecordMagic) return Status::Corruption("bad record magic");
  uint8_t version = DecodeFixed<uint8_t>(p + kRecVersionOffset);
  if (version != kRecordFormatVersion) {
    return Status::Corruption("unsupported record format version " + std::to_string(version));
  }
  uint8_t type = DecodeFixed<uint8_t>(p + kRecTypeOffset);
  if (!IsKnownType(type)) return Status::Corruption("unknown record type " + std::to_string(type));
  uint16_t flags = DecodeFixed<uint16_t>(p + kRecFlagsOffset);
  if ((flags & ~kRecordFlagsKnownV1) != 0) {
    return Status::Corruption("unknown record flags " + std::to_string(flags));
  }
  size_t id_length = DecodeFixed<uint16_t>(p + kRecIdLengthOffset);
  if (id_length == 0 || id_length > kMaxIdLength) {
    return Status::Corruption("impossible id length " + std::to_string(id_length));
  }
  if (DecodeFixed<uint16_t>(p + kRecReservedOffset) != 0) {
    return Status::Corruption("nonzero reserved record header bytes");
  }
  uint32_t payload_length = DecodeFixed<uint32_t>(p + kRecPayloadLenOffset);
  if (payload_length > kMaxPayloadLength) {
    return Status::Corruption("impossible payload length " + std::to_string(payload_length));
  }
  const size_t header_size = kRecordFixedHeaderSize + id_length + kRecordCrcSize;
  if (bytes.size() < header_size) return incomplete(header_size);
  const size_t crc_offset = kRecordFixedHeaderSize + id_length;
  uint32_t stored_crc = DecodeFixed<uint32_t>(p + crc_offset);
  if (stored_crc != HeaderCrc(salt, std::string_view(p, crc_offset))) {
    return Status::Corruption("record header CRC mismatch");
  }
  RecordHeader header;
  header.type = static_cast<RecordType>(type);
  header.flags = flags;
  header.payload_length = payload_length;
  header.sequence = DecodeFixed<uint64_t>(p + kRecSequenceOffset);
  header.id.assign(p + kRecordFixedHeaderSize, id_length);
  Status id_status = ValidateRecordId(header.type, header.id);
  if (!id_status.ok()) return Status::Corruption("bad record id: " + id_status.message());
  return header;
}

}  // namespace shale::storage
