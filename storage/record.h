#pragma once

// Pure encode/decode of one segment record over bytes (docs/FORMAT.md, "Records"). No I/O:
// the writer, reader and scanner build on these, and the fuzz target drives them directly.
//
// A record is: fixed header (24 bytes) | id | header CRC | payload | payload CRC. The header
// CRC is CRC32C(salt || fixed header || id), where `salt` is the segment's random 64-bit salt
// (from its segment header): a record copied byte for byte into another segment, e.g. inside a
// user's object, never passes as a record there. The payload CRC is the plain CRC32C of the
// payload, so it can be compared end to end with checksums computed elsewhere.
//
// Thread-safety: free functions over caller-owned bytes; safe to call concurrently.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/status.h"
#include "storage/segment_format.h"

namespace shale::storage {

// The decoded header of one record (everything before its payload).
struct RecordHeader {
  RecordType type = RecordType::kShard;
  uint16_t flags = 0;
  uint64_t sequence = 0;  // Strictly increasing per data directory.
  std::string id;         // Encoded per type; see EncodeVersionRecordId / EncodeTombstoneId.
  uint32_t payload_length = 0;

  // Bytes from the record's start to its payload: fixed header + id + header CRC.
  size_t encoded_size() const { return kRecordFixedHeaderSize + id.size() + kRecordCrcSize; }
  // Bytes of the whole record, both CRCs included.
  uint64_t record_size() const {
    return encoded_size() + uint64_t{payload_length} + kRecordCrcSize;
  }
};

// Appends the encoded header (fixed part, id, header CRC) to `out`. InvalidArgument if the
// header breaks a format limit (type, flags, id structure, payload length).
Status EncodeRecordHeader(const RecordHeader& header, uint64_t salt, std::string* out);

// Appends a whole record: header, payload, payload CRC. payload.size() must equal
// header.payload_length.
Status EncodeRecord(const RecordHeader& header, std::string_view payload, uint64_t salt,
                    std::string* out);

// Decodes the header at the start of `bytes` (which may hold more after it).
//   - OutOfRange ("incomplete") if `bytes` ends before the header does (see IsIncomplete()):
//     fewer than kRecordFixedHeaderSize bytes, or a valid fixed part whose id and header CRC
//     extend past the end of `bytes`.
//   - Corruption, with the reason, for a bad magic, version, unknown type, unknown flags,
//     nonzero reserved bytes, impossible lengths, a header CRC mismatch, or an id that does not
//     parse for its type.
Result<RecordHeader> DecodeRecordHeader(std::span<const char> bytes, uint64_t salt);

// True for the "not enough bytes" outcome of DecodeRecordHeader (a possibly torn tail).
bool IsIncomplete(const Status& status);

// Checks an id against the rules of its type (lengths and structure). InvalidArgument if not.
Status ValidateRecordId(RecordType type, std::string_view id);

// kVersion ids: (bucket, object key, 16-byte version id).
struct VersionRecordId {
  std::string bucket;      // 1..kMaxBucketNameLength bytes.
  std::string key;         // 1..kMaxObjectKeyLength bytes.
  std::string version_id;  // Exactly kVersionIdSize bytes.
};
Result<std::string> EncodeVersionRecordId(const VersionRecordId& id);
Result<VersionRecordId> DecodeVersionRecordId(std::string_view encoded);

// kTombstone ids: the type and encoded id of the record the tombstone deletes.
struct TombstoneId {
  RecordType target_type = RecordType::kShard;  // Any type but kTombstone.
  std::string target_id;                        // Valid for target_type.
};
Result<std::string> EncodeTombstoneId(const TombstoneId& id);
Result<TombstoneId> DecodeTombstoneId(std::string_view encoded);

std::string_view RecordTypeName(RecordType type);

}  // namespace shale::storage
