#pragma once

// Repair decisions as pure functions over what the nodes of one erasure set answered, so the
// rules (which copy of a version wins, what each node must hold, which shards need a rebuild)
// are tested without nodes. The rules (docs/ARCHITECTURE.md, "Repair"):
//   - a purge tombstone beats every other record of its version (a purge is final);
//   - otherwise the record with the largest attribute revision wins;
//   - replicated objects: set positions 0..replicas-1 hold the record WITH the inline bytes,
//     the other positions the same record without them.
// Thread-safety: pure functions over values.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/node_wire.h"
#include "common/object_record.h"

namespace shale::storage {

// One node's copy of a version record; nullopt: the node does not hold it.
using HeldRecord = std::optional<node_wire::WireVersion>;

// Where the nodes of an erasure set sit: node j of the set (config order) is set position
// (j - rotation) mod n for an object placed with `rotation`.
inline uint32_t SetPosition(uint32_t node_in_set, uint32_t rotation, uint32_t set_size) {
  return (node_in_set + set_size - rotation % set_size) % set_size;
}
inline uint32_t NodeInSet(uint32_t position, uint32_t rotation, uint32_t set_size) {
  return (position + rotation) % set_size;
}

// The index (into `held`) of the copy every node must end up with; nullopt when no node holds
// one. Undecodable object records lose against decodable ones.
std::optional<size_t> PickWinner(const std::vector<HeldRecord>& held);

// What node j must be sent to converge (nullopt: nothing, it already holds the right record).
struct RecordWrite {
  std::string payload;
  node_wire::WireKind kind = node_wire::WireKind::kObject;
};
struct RecordPlan {
  std::vector<std::optional<RecordWrite>> writes;  // One per node of the set.
  bool inline_bytes_lost = false;  // A replicated object whose bytes no copy holds any more.
};
// `held` has one entry per node of the set (config order); `winner` from PickWinner.
RecordPlan PlanRecordWrites(const std::vector<HeldRecord>& held, size_t winner);

// True when every node holds the same record (byte-identical payloads, modulo the inline bytes
// that only replica holders carry): the sweep skips such versions.
bool RecordsAgree(const std::vector<HeldRecord>& held);

// The extents a record references (empty for delete markers, purge tombstones, replicated
// objects); Corruption when an object record does not decode.
Result<std::vector<ErasureExtent>> RecordExtents(const node_wire::WireVersion& record);
// The placement of an erasure-coded record (k, m, rotation of its layout).
Result<ObjectLayout> RecordLayout(const node_wire::WireVersion& record);

// Bytes of chunk `chunk` of `extent` and the length of each of its shards.
uint64_t ChunkLength(const ErasureExtent& extent, uint64_t chunk);

// Shard positions of one chunk that need a rebuild: those not present, not healthy or not
// `shard_length` bytes long. `checks[i]` is the answer for shard i (0..k+m-1) from the node
// that should hold it (nullopt: that node did not answer; such shards are neither good nor
// rebuilt).
struct ChunkPlan {
  std::vector<uint32_t> good;     // Usable sources.
  std::vector<uint32_t> rebuild;  // Positions to rebuild and put back.
};
ChunkPlan PlanChunk(const std::vector<std::optional<node_wire::ShardCheck>>& checks,
                    uint64_t shard_length);

// Purge tombstones: the payload is the purge time, u64 little-endian milliseconds.
std::string EncodePurgePayload(uint64_t purge_time_ms);
// 0 when the payload is not a purge time (then the tombstone counts as new: never dropped
// early).
uint64_t DecodePurgeTimeMs(std::string_view payload);

// A tombstone is dropped when every node that holds the version holds a tombstone older than
// `cutoff_ms` (the others lack it entirely).
bool TombstoneDroppable(const std::vector<HeldRecord>& held, uint64_t cutoff_ms);

}  // namespace shale::storage
