#pragma once

// Every constant of the segment file format (docs/FORMAT.md, "Segment files"), and nothing
// else. Changing any value here changes the on-disk format: bump the matching version.

#include <cstddef>
#include <cstdint>

namespace shale::storage {

// ---- Segment files: segments/<8-digit zero-padded decimal id>.seg ----
inline constexpr const char* kSegmentsDirName = "segments";
inline constexpr const char* kSegmentFileSuffix = ".seg";
inline constexpr int kSegmentFileNameDigits = 8;

// ---- Segment header: fixed size, at offset 0 of every segment ----
inline constexpr uint32_t kSegmentMagic = 0x47534853;  // Bytes "SHSG" (little-endian u32).
inline constexpr uint16_t kSegmentFormatVersion = 1;
inline constexpr size_t kSegmentHeaderSize = 256;  // The first record starts here.
inline constexpr size_t kMaxNodeIdLength = 64;
inline constexpr size_t kMaxClusterIdLength = 64;
// Field offsets inside the segment header.
inline constexpr size_t kSegHdrMagicOffset = 0;          // u32
inline constexpr size_t kSegHdrVersionOffset = 4;        // u16
inline constexpr size_t kSegHdrHeaderSizeOffset = 6;     // u16, = kSegmentHeaderSize
inline constexpr size_t kSegHdrSegmentIdOffset = 8;      // u64
inline constexpr size_t kSegHdrCreatedOffset = 16;       // u64, microseconds since the epoch
inline constexpr size_t kSegHdrSaltOffset = 24;          // u64, random per segment
inline constexpr size_t kSegHdrNodeIdLenOffset = 32;     // u8, 1..kMaxNodeIdLength
inline constexpr size_t kSegHdrClusterIdLenOffset = 33;  // u8, 1..kMaxClusterIdLength
inline constexpr size_t kSegHdrNodeIdOffset = 40;        // kMaxNodeIdLength bytes, zero-padded
inline constexpr size_t kSegHdrClusterIdOffset = 104;    // kMaxClusterIdLength bytes, zero-padded
inline constexpr size_t kSegHdrCrcOffset = kSegmentHeaderSize - 4;  // u32 CRC32C of [0, 252)
// Bytes [34, 40) and [168, 252) are reserved and must be zero.

// ---- Records: packed one after another from kSegmentHeaderSize ----
inline constexpr uint32_t kRecordMagic = 0x43524853;  // Bytes "SHRC" (little-endian u32).
inline constexpr uint8_t kRecordFormatVersion = 1;

// The record type byte. 0 and 5..255 are unassigned (a v1 reader rejects them as corruption).
enum class RecordType : uint8_t {
  kShard = 1,      // id: opaque shard id. Payload: the shard's bytes.
  kVersion = 2,    // id: (bucket, object key, version id). Payload: the object version record.
  kTombstone = 3,  // id: target type + target id. Payload: opaque (may be empty).
  kBucket = 4,     // id: bucket name. Payload: the bucket record.
};

// Fixed part of a record header; the id bytes and the header CRC follow it.
inline constexpr size_t kRecMagicOffset = 0;        // u32
inline constexpr size_t kRecVersionOffset = 4;      // u8
inline constexpr size_t kRecTypeOffset = 5;         // u8
inline constexpr size_t kRecFlagsOffset = 6;        // u16, must be 0 in version 1
inline constexpr size_t kRecIdLengthOffset = 8;     // u16
inline constexpr size_t kRecReservedOffset = 10;    // u16, must be 0
inline constexpr size_t kRecPayloadLenOffset = 12;  // u32
inline constexpr size_t kRecSequenceOffset = 16;    // u64
inline constexpr size_t kRecordFixedHeaderSize = 24;
inline constexpr size_t kRecordCrcSize = 4;
// Fixed header + header CRC + payload CRC: a record is this plus its id and payload.
inline constexpr size_t kRecordOverhead = kRecordFixedHeaderSize + 2 * kRecordCrcSize;

inline constexpr uint16_t kRecordFlagsKnownV1 = 0;  // No flag is defined in version 1.
inline constexpr size_t kMaxIdLength = 2048;
inline constexpr uint32_t kMaxPayloadLength = uint32_t{1} << 30;  // 1 GiB.
// The longest header a reader must buffer to decode any valid record header.
inline constexpr size_t kMaxRecordHeaderSize =
    kRecordFixedHeaderSize + kMaxIdLength + kRecordCrcSize;

// ---- Record ids, per type ----
inline constexpr size_t kMaxShardIdLength = 255;     // kShard: 1..255 opaque bytes.
inline constexpr size_t kMaxBucketNameLength = 255;  // u8 length prefix.
inline constexpr size_t kMaxObjectKeyLength = 1024;  // u16 length prefix; S3's limit.
inline constexpr size_t kVersionIdSize = 16;

}  // namespace shale::storage
