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

// Encoders write the newest format; decoders also read every older one (docs/FORMAT.md).
inline constexpr uint8_t kObjectRecordFormat = 2;  // 2: + flags (bit0 null version).
inline constexpr uint8_t kLayoutFormat = 2;        // 2: + kMultipart and its part list.
inline constexpr uint8_t kBucketRecordFormat = 2;  // 2: + versioning state.

enum class LayoutKind : uint8_t {
  kNone = 0,        // A delete marker: no bytes.
  kReplicated = 1,  // Small object: `replicas` full copies inline in the version records.
  kErasure = 2,     // Chunks of chunk_size bytes, each k data + m parity shards.
  kMultipart = 3,   // A completed multipart upload: its parts, each erasure-coded on its own.
};

// One part of a multipart object (or, in a part record, the part itself): erasure-coded exactly
// like a kErasure object of `size` bytes whose shards are named by `data_id`.
struct PartExtent {
  uint32_t part_number = 0;  // 1..10000 as the client numbered it.
  uint64_t size = 0;
  uint64_t chunk_size = 0;
  VersionId data_id;
  std::string etag;                       // The part's MD5, 32 lowercase hex digits.
  std::vector<ObjectChecksum> checksums;  // As uploaded (sources of composite checksums).
  friend bool operator==(const PartExtent&, const PartExtent&) = default;
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
  // kMultipart: the parts in object order (set, rotation, k and m above apply to all of them;
  // chunk_size above is unused and data_id is the upload id, which names no shard: a retried
  // Complete finds the version by it). At most 10,000.
  std::vector<PartExtent> parts;
  friend bool operator==(const ObjectLayout&, const ObjectLayout&) = default;
};

// One erasure-coded byte stream of a version: the whole object (kErasure) or one part
// (kMultipart). Its chunk c covers [c * chunk_size, min(size, (c + 1) * chunk_size)) of the
// stream and has shards ShardId(data_id, c, 0..k+m-1).
struct ErasureExtent {
  VersionId data_id;
  uint64_t size = 0;
  uint64_t chunk_size = 0;
  friend bool operator==(const ErasureExtent&, const ErasureExtent&) = default;
};
// The extents holding the bytes of an object of `object_size` bytes laid out by `layout`, in
// object order; empty for kNone and kReplicated. Repair and orphan collection use this to know
// every shard a version references.
std::vector<ErasureExtent> ErasureExtents(const ObjectLayout& layout, uint64_t object_size);
// Chunks of an extent (0 for an empty one).
uint64_t ChunkCount(const ErasureExtent& extent);

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

// Node-level buckets of multipart uploads (':' never appears in an S3 bucket name, so they never
// collide with a real bucket). Upload records: bucket UploadsBucket(b), key = the object key,
// version = the upload id. Part records: bucket PartsBucket(b), key PartKey(upload id, n),
// version = the HLC id of that upload of the part (a re-upload is a newer version).
std::string UploadsBucket(std::string_view bucket);
std::string PartsBucket(std::string_view bucket);
// "<upload id, 32 hex>/<part number, 5 digits>", so a prefix of the upload id lists its parts
// in part order.
std::string PartKey(const VersionId& upload_id, uint32_t part_number);

// Decodes the data_id of a shard id made by ShardId (Corruption if it is not one): orphan
// collection compares it with the live extents, and its wall time is the shard's age.
Result<VersionId> ShardDataId(std::string_view shard_id);

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
