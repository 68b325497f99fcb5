#pragma once

// The data path's own bytes on the nodes (docs/FORMAT.md, "Object version records"): the payload
// of an object version record (ObjectInfo's fields, the attribute revision and the layout), the
// layout (where and how the bytes are: replicas or erasure-coded chunks), shard ids, and the
// bucket record. Decoders take bytes read from nodes: strict, bounded, never trusting a length
// beyond the bytes present (Corruption otherwise).
// Thread-safety: pure functions over values.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/hlc.h"
#include "common/node_wire.h"
#include "common/object_info.h"
#include "common/result.h"

namespace shale {

inline constexpr uint8_t kObjectRecordFormat = 1;
inline constexpr uint8_t kLayoutFormat = 1;
inline constexpr uint8_t kBucketRecordFormat = 1;

enum class LayoutKind : uint8_t {
  kNone = 0,        // A delete marker: no bytes.
  kReplicated = 1,  // Small object: `replicas` full copies inline in the version records.
  kErasure = 2,     // Chunks of chunk_size bytes, each k data + m parity shards.
};

struct ObjectLayout {
  LayoutKind kind = LayoutKind::kNone;
  uint32_t set = 0;
  uint32_t rotation = 0;
  uint32_t k = 0;
  uint32_t m = 0;
  uint64_t chunk_size = 0;  // kErasure: every chunk but the last has this many bytes.
  VersionId data_id;        // Names the shards (kErasure); unique per put.
  // kReplicated: shard positions 0..replicas-1 of the set hold the bytes inline in their
  // records; the other positions hold metadata-only records.
  uint32_t replicas = 0;
  bool has_data = false;  // `data` holds the object's bytes (kReplicated only).
  std::string data;
  friend bool operator==(const ObjectLayout&, const ObjectLayout&) = default;
};

std::string EncodeLayout(const ObjectLayout& layout);
Result<ObjectLayout> DecodeLayout(std::string_view bytes);

// A version record as stored: everything of ObjectInfo but bucket, key, version and
// delete_marker (the node's key and kind carry those), plus the attribute revision: the HLC id
// of the put or of the last UpdateAttributes, so that records of one version that differ pick
// the one with the largest revision everywhere.
struct ObjectRecord {
  VersionId attr_revision;
  ObjectInfo info;
};

std::string EncodeObjectRecord(const ObjectInfo& info, const VersionId& attr_revision);
// Fills every field of `info` but bucket, key, version and delete_marker.
Result<ObjectRecord> DecodeObjectRecord(std::string_view payload);
// A record read from a node, as ObjectInfo (bucket, key, version, delete_marker filled in).
Result<ObjectRecord> RecordFromWire(std::string_view bucket, const node_wire::WireVersion& wire);

// The shard of chunk `chunk`, position `shard` of an erasure-coded object:
// 'c' | data_id (16 bytes binary) | chunk u32 big-endian | shard u8 — 22 bytes.
std::string ShardId(const VersionId& data_id, uint32_t chunk, uint32_t shard);

// Bucket records carry a revision (newest wins across nodes) and a deleted flag (a tombstone, so
// a node that missed a DeleteBucket cannot bring the bucket back).
struct BucketRecord {
  VersionId revision;
  bool deleted = false;
  BucketInfo info;
};
std::string EncodeBucketRecord(const BucketRecord& record);
Result<BucketRecord> DecodeBucketRecord(std::string_view name, std::string_view payload);

}  // namespace shale
