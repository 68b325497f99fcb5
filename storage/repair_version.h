#pragma once

// VersionRepairer: converges one object version (its record on every node of the set, then
// every shard of every chunk it references), one damaged shard, or one bucket record across
// the nodes of an erasure set. Idempotent: a second run over a healthy version only reads.
// Never overwrites a newer record and never replaces a purge tombstone (storage/repair_plan.h).
// Thread-safety: a value bound to borrowed clients; one caller at a time (the coordinator).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/node_client.h"
#include "common/object_record.h"
#include "storage/repair_plan.h"

namespace shale::storage {

// The nodes of one erasure set, in config order (node j is config index set*(k+m) + j).
struct RepairSet {
  uint32_t set = 0;
  uint32_t k = 1;
  uint32_t m = 0;
  std::vector<NodeClient*> nodes;  // Borrowed; must outlive every user of the set.
  uint32_t size() const { return static_cast<uint32_t>(nodes.size()); }
};

// What one repair did (added up by the caller into the service's counters).
struct RepairOutcome {
  uint64_t records_copied = 0;
  uint64_t shards_repaired = 0;
  uint64_t shard_bytes = 0;  // Bytes of the shards put back.
  uint64_t bytes_moved = 0;  // Record and shard bytes read or written: charged to the throttle.
  bool degraded = false;     // Something was missing or wrong.
  bool incomplete = false;   // Something could not be fixed now (a node down, < k shards).
  std::string problem;       // Why, when incomplete.
  RepairOutcome& operator+=(const RepairOutcome& o);
};

// The copies of one version, as read from the set (or merged from the sweep's scans).
struct HeldVersion {
  std::vector<HeldRecord> held;  // One per node.
  std::vector<bool> answered;    // False: the node could not be asked (down).
  bool all_answered() const;
};

class VersionRepairer {
 public:
  // `set` is borrowed and must outlive the repairer.
  explicit VersionRepairer(const RepairSet* set) : set_(set) {}

  // Reads (bucket, key, version) from every node.
  HeldVersion ReadVersion(std::string_view bucket, std::string_view key,
                          const NodeVersionId& version) const;
  // Reads and converges the version.
  RepairOutcome RepairVersion(std::string_view bucket, std::string_view key,
                              const NodeVersionId& version) const;
  // Converges a version whose copies are known.
  RepairOutcome RepairHeld(std::string_view bucket, std::string_view key,
                           const NodeVersionId& version, const HeldVersion& copies) const;
  // Checks the shards of a record on their nodes and rebuilds the missing or bad ones.
  RepairOutcome RepairShardsOf(const node_wire::WireVersion& record) const;
  // One shard id named by a repair-queue item: finds its chunk's shards on every node of the
  // set and rebuilds the missing or bad ones.
  RepairOutcome RepairShardId(std::string_view shard_id) const;
  // Replaces the version with a purge tombstone dated `purge_time_ms` on every node.
  RepairOutcome PurgeEverywhere(std::string_view bucket, std::string_view key,
                                const NodeVersionId& version, uint64_t purge_time_ms) const;
  // Copies the newest bucket record (by revision) to nodes that lack it or hold an older one.
  RepairOutcome RepairBucket(std::string_view name) const;

 private:
  RepairOutcome RepairExtent(const ErasureExtent& extent, uint32_t rotation) const;
  // Rebuilds the positions of `plan.rebuild` of one chunk from k of `plan.good`.
  RepairOutcome RebuildChunk(const std::vector<std::string>& ids, uint32_t rotation,
                             const ChunkPlan& plan, uint64_t shard_length) const;

  const RepairSet* const set_;
};

}  // namespace shale::storage
