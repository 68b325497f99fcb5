#pragma once

// Plain values stored in and returned by the storage node's index (storage/index.h). They name
// segment records by location only, so the index does not depend on the segment code.
// Thread-safety: plain values.

#include <cstdint>
#include <string>

#include "storage/version_key.h"

namespace shale::storage {

// Where a record sits in the segment log.
struct RecordLocation {
  uint32_t segment_id = 0;
  uint64_t offset = 0;  // Of the record's first byte in its segment file.
  uint32_t length = 0;  // Whole record (header + payload + trailer); counts as live bytes.
  friend bool operator==(const RecordLocation&, const RecordLocation&) = default;
};

// Entry flags.
inline constexpr uint8_t kEntryBad = 1;           // Scrub or a read found the record damaged.
inline constexpr uint8_t kEntryDeleteMarker = 2;  // Versions only: an S3 delete marker.
inline constexpr uint8_t kEntryPurged = 4;        // Versions only: a purge tombstone.

struct ShardEntry {
  RecordLocation location;
  uint32_t payload_offset = 0;  // Of the payload within the record.
  uint32_t payload_length = 0;
  uint32_t payload_crc32c = 0;
  uint64_t sequence = 0;  // Write sequence; a put/delete with a smaller one is ignored.
  uint8_t flags = 0;
  friend bool operator==(const ShardEntry&, const ShardEntry&) = default;
};

// An object version or a bucket: its record's location plus the record's payload (the
// serialized version/bucket record), kept inline so listings never touch segments.
struct MetadataEntry {
  RecordLocation location;
  uint64_t sequence = 0;
  uint8_t flags = 0;
  std::string payload;
  friend bool operator==(const MetadataEntry&, const MetadataEntry&) = default;
};
using VersionEntry = MetadataEntry;
using BucketEntry = MetadataEntry;

struct SegmentStats {
  uint64_t live_bytes = 0;     // Sum of lengths of records the index points at (maintained).
  uint64_t total_bytes = 0;    // Bytes appended (reported by the writer).
  uint64_t indexed_up_to = 0;  // Recovery re-scans the segment from this offset.
  bool sealed = false;
  friend bool operator==(const SegmentStats&, const SegmentStats&) = default;
};

// What a record or a repair item is about. For kVersion the id is the encoded version key
// (storage/version_key.h), for kShard the shard id, for kBucket the bucket name. kObjectHint is
// a repair item only (never a record): a gateway's hint that an object version may be
// incomplete somewhere in its erasure set (a missed shard or record write, a stale record); its
// id is the encoded version key too, and repair checks the whole version across the set.
enum class RecordKind : uint8_t { kShard = 1, kVersion = 2, kBucket = 3, kObjectHint = 4 };

struct SegmentRecordRef {
  uint64_t offset = 0;
  uint32_t length = 0;
  RecordKind kind = RecordKind::kShard;
  std::string id;
};

struct RepairItem {
  uint64_t seq = 0;  // Queue position (FIFO), the handle for RemoveRepair.
  RecordKind kind = RecordKind::kShard;
  std::string id;
  std::string reason;
  uint64_t enqueue_time_ms = 0;  // Unix milliseconds, supplied by the caller.
};

struct ShardListEntry {
  std::string id;
  ShardEntry entry;
};
struct BucketListEntry {
  std::string name;
  BucketEntry entry;
};
struct SegmentStatsEntry {
  uint32_t segment_id = 0;
  SegmentStats stats;
};
struct VersionListEntry {
  std::string key;
  VersionId version{};
  VersionEntry entry;
};

struct IndexMeta {
  uint32_t format_version = 0;
  std::string node_id;
  std::string cluster_id;
  uint64_t last_applied_sequence = 0;
};

}  // namespace shale::storage
