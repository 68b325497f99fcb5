#pragma once

// IndexBatch: the index updates of one group commit, applied atomically by Index::Apply in a
// single LMDB write transaction, in the order they were added. A batch is a plain list of
// operations, so Apply can re-run it from the start after growing the map.
//
// Semantics (checked inside Apply, so an invalid op fails the whole batch and nothing of it is
// applied):
// - Put/Delete of a shard, version or bucket takes effect only if its sequence is >= the
//   stored entry's ("newer wins"; equal replaces, so replays and compaction moves, which keep
//   the sequence, are idempotent). Otherwise the op is ignored.
// - Live bytes are maintained by Apply: an accepted put adds its record length to its
//   segment's live bytes and removes the replaced entry's length from the old segment; an
//   accepted delete removes the old entry's length. Total bytes, indexed-up-to and sealing are
//   reported explicitly by the writer.
// - Shard ids are 1..255 bytes; bucket names and object keys follow storage/version_key.h.
// Thread-safety: a value; build it on one thread, then hand it to Apply.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "storage/index_types.h"

namespace shale::storage {

class IndexBatch {
 public:
  struct PutShardOp {
    std::string id;
    ShardEntry entry;
  };
  struct DeleteShardOp {
    std::string id;
    uint64_t sequence;
  };
  struct PutVersionOp {
    std::string bucket, key;
    VersionId version;
    VersionEntry entry;
  };
  struct DeleteVersionOp {
    std::string bucket, key;
    VersionId version;
    uint64_t sequence;
  };
  struct PutBucketOp {
    std::string name;
    BucketEntry entry;
  };
  struct DeleteBucketOp {
    std::string name;
    uint64_t sequence;
  };
  // Sets kEntryBad on an existing entry (no-op if absent). `id` as in RecordKind.
  struct MarkBadOp {
    RecordKind kind;
    std::string id;
  };
  struct SegmentOp {
    enum class Kind : uint8_t { kAddTotalBytes, kSetIndexedUpTo, kSeal, kDelete } kind;
    uint32_t segment_id;
    uint64_t value;  // Bytes to add, or the offset.
  };
  struct EnqueueRepairOp {
    RepairItem item;  // seq is assigned by Apply; an item whose (kind, id) is queued is dropped.
  };
  struct RemoveRepairOp {
    uint64_t seq;  // No-op if absent.
  };
  struct SetIdentityOp {
    std::string node_id, cluster_id;
  };
  struct SetLastSequenceOp {
    uint64_t sequence;  // Stored as max(stored, sequence).
  };
  struct SetMetaOp {
    std::string name, value;  // A raw `meta` entry owned by the engine (e.g. kMetaScrubState).
  };
  using Op = std::variant<PutShardOp, DeleteShardOp, PutVersionOp, DeleteVersionOp, PutBucketOp,
                          DeleteBucketOp, MarkBadOp, SegmentOp, EnqueueRepairOp, RemoveRepairOp,
                          SetIdentityOp, SetLastSequenceOp, SetMetaOp>;

  void PutShard(std::string id, const ShardEntry& e) { Add(PutShardOp{std::move(id), e}); }
  void DeleteShard(std::string id, uint64_t seq) { Add(DeleteShardOp{std::move(id), seq}); }
  void PutVersion(std::string bucket, std::string key, const VersionId& v, VersionEntry e) {
    Add(PutVersionOp{std::move(bucket), std::move(key), v, std::move(e)});
  }
  void DeleteVersion(std::string bucket, std::string key, const VersionId& v, uint64_t seq) {
    Add(DeleteVersionOp{std::move(bucket), std::move(key), v, seq});
  }
  void PutBucket(std::string name, BucketEntry e) {
    Add(PutBucketOp{std::move(name), std::move(e)});
  }
  void DeleteBucket(std::string name, uint64_t seq) { Add(DeleteBucketOp{std::move(name), seq}); }
  void MarkBad(RecordKind kind, std::string id) { Add(MarkBadOp{kind, std::move(id)}); }
  void AddSegmentTotalBytes(uint32_t seg, uint64_t bytes) {
    Add(SegmentOp{SegmentOp::Kind::kAddTotalBytes, seg, bytes});
  }
  void SetIndexedUpTo(uint32_t seg, uint64_t offset) {
    Add(SegmentOp{SegmentOp::Kind::kSetIndexedUpTo, seg, offset});
  }
  void SealSegment(uint32_t seg) { Add(SegmentOp{SegmentOp::Kind::kSeal, seg, 0}); }
  // Drops the segment's stats once compaction has repointed every record out of it; the batch
  // fails with FailedPrecondition if any shard, version or bucket still points into it.
  void DeleteSegment(uint32_t seg) { Add(SegmentOp{SegmentOp::Kind::kDelete, seg, 0}); }
  void EnqueueRepair(RecordKind kind, std::string id, std::string reason, uint64_t now_ms) {
    Add(EnqueueRepairOp{RepairItem{0, kind, std::move(id), std::move(reason), now_ms}});
  }
  void RemoveRepair(uint64_t seq) { Add(RemoveRepairOp{seq}); }
  void SetIdentity(std::string node_id, std::string cluster_id) {
    Add(SetIdentityOp{std::move(node_id), std::move(cluster_id)});
  }
  void SetLastAppliedSequence(uint64_t seq) { Add(SetLastSequenceOp{seq}); }
  void SetMeta(std::string name, std::string value) {
    Add(SetMetaOp{std::move(name), std::move(value)});
  }

  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  void Clear() { ops_.clear(); }

 private:
  void Add(Op op) { ops_.push_back(std::move(op)); }
  std::vector<Op> ops_;
};

}  // namespace shale::storage
