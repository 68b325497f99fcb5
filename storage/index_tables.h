#pragma once

// Internal to the index (index.cc, index_snapshot.cc): the LMDB databases of one index
// environment and typed lookups shared by read snapshots and the write path.
// Thread-safety: IndexTables is immutable after Index::Open; lookups follow their txn's rules.
//
// Databases (keys; values in storage/index_codec.h):
//   shards      shard id                                   -> ShardEntry
//   versions    LongKeyTable over version_key.h keys        -> MetadataEntry
//   buckets     bucket name                                -> MetadataEntry
//   segments    segment id (u32 BE)                        -> SegmentStats
//   by_segment  segment id (u32 BE) + record offset (u64 BE) -> SegmentRecordRef
//   repair      queue seq (u64 BE)                         -> RepairItem
//   repair_ids  kind (u8) + id                              -> queue seq (u64 LE)
//   meta        name                                       -> see index.cc (kMeta*)

#include <optional>
#include <string>
#include <string_view>

#include "storage/index_codec.h"
#include "storage/lmdb.h"
#include "storage/long_key_table.h"

namespace shale::storage {

struct IndexTables {
  lmdb::Dbi shards, buckets, segments, by_segment, repair, repair_ids, meta;
  std::optional<LongKeyTable> versions;  // Always set after Open.
};

inline constexpr std::string_view kMetaFormatVersion = "format_version";        // u32 LE
inline constexpr std::string_view kMetaNodeId = "node_id";                      // raw bytes
inline constexpr std::string_view kMetaClusterId = "cluster_id";                // raw bytes
inline constexpr std::string_view kMetaLastSequence = "last_applied_sequence";  // u64 LE
inline constexpr std::string_view kMetaNextRepairSeq = "next_repair_seq";       // u64 LE
inline constexpr std::string_view kMetaScrubState = "scrub_state";  // storage/scrub_state.h
inline constexpr uint32_t kIndexFormatVersion = 1;

// Each returns NotFound when the entry is absent.
Result<ShardEntry> LookupShard(const lmdb::Txn& txn, const IndexTables& t, std::string_view id);
Result<MetadataEntry> LookupVersion(const lmdb::Txn& txn, const IndexTables& t,
                                    std::string_view encoded_key);
Result<BucketEntry> LookupBucket(const lmdb::Txn& txn, const IndexTables& t, std::string_view name);
Result<SegmentStats> LookupSegmentStats(const lmdb::Txn& txn, const IndexTables& t,
                                        uint32_t segment_id);
Result<uint64_t> LookupMetaU64(const lmdb::Txn& txn, const IndexTables& t, std::string_view name);

std::string SegmentRecordKey(uint32_t segment_id, uint64_t offset);
std::string RepairIdKey(RecordKind kind, std::string_view id);

}  // namespace shale::storage
