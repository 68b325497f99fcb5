#pragma once

// IndexSnapshot: a consistent, read-only view of the index (one LMDB read transaction).
// Every read through one snapshot sees the same committed state, whatever batches commit
// meanwhile. A snapshot holds the index's resize lock in shared mode, so keep it short-lived:
// while any snapshot is alive the map cannot grow, and an Apply that needs to grow waits. Never
// call Index::Apply or take a second snapshot on a thread that holds one (a pending resize
// would wait for the first while the second waits for the resize), and never keep a snapshot
// across a blocking wait. It may move between threads (MDB_NOTLS) but is used by
// one thread at a time, and must be destroyed before its Index.

#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "storage/index_tables.h"
#include "storage/index_types.h"
#include "storage/lmdb.h"

namespace shale::storage {

struct ListVersionsOptions {
  std::string bucket;
  std::string prefix;                          // Only keys starting with it.
  std::optional<std::string> start_after_key;  // Only keys > it, like S3 start-after.
  // With start_after_key: resume right after this version of that key instead (the
  // key-marker/version-id-marker pair of ListObjectVersions). Ignored when latest_only.
  std::optional<VersionId> start_after_version;
  size_t limit = 1000;  // At most this many entries.
  // When non-zero, the page also ends once its keys and payloads add up to this many bytes
  // (always at least one entry), so pages of large records stay bounded in memory.
  uint64_t max_bytes = 0;
  // Only the newest non-purged version of each key (may be a delete marker); keys whose
  // versions are all purged are left out.
  bool latest_only = false;
};

struct VersionListing {
  std::vector<VersionListEntry> entries;  // Key order, newest version first within a key.
  bool truncated = false;                 // More entries match beyond `limit` (or `max_bytes`).
};

// A scan of every bucket's version records, in (bucket, key, newest version first) order.
struct VersionScanOptions {
  std::optional<VersionKey> start_after;  // Resume right after this record; nullopt: the first.
  size_t limit = 1000;
  uint64_t max_bytes = 0;  // As ListVersionsOptions::max_bytes (bucket names count too).
};
struct VersionScanEntry {
  VersionKey key;
  VersionEntry entry;
};
struct VersionScan {
  std::vector<VersionScanEntry> entries;
  bool truncated = false;
};

class IndexSnapshot {
 public:
  IndexSnapshot(IndexSnapshot&&) = default;
  // Ends this snapshot's transaction before releasing its lock (a defaulted assignment would
  // release the lock first and leave the old transaction open, unguarded, for a moment).
  IndexSnapshot& operator=(IndexSnapshot&& other) noexcept {
    txn_ = std::move(other.txn_);
    lock_ = std::move(other.lock_);
    tables_ = other.tables_;
    return *this;
  }

  Result<ShardEntry> GetShard(std::string_view id) const;
  Result<VersionEntry> GetVersion(std::string_view bucket, std::string_view key,
                                  const VersionId& version) const;
  // The newest non-purged version of the key (a delete marker included); NotFound if none.
  Result<VersionListEntry> GetLatestVersion(std::string_view bucket, std::string_view key) const;
  Result<BucketEntry> GetBucket(std::string_view name) const;
  Result<std::vector<BucketListEntry>> ListBuckets() const;
  Result<SegmentStats> GetSegmentStats(uint32_t segment_id) const;
  Result<std::vector<SegmentStatsEntry>> ListSegmentStats() const;
  Result<VersionListing> ListVersions(const ListVersionsOptions& options) const;
  // Every version record (purged ones included), across buckets.
  Result<VersionScan> ScanVersions(const VersionScanOptions& options) const;
  // Shards in id order with id > start_after (empty: from the first).
  Result<std::vector<ShardListEntry>> ListShards(std::string_view start_after, size_t limit) const;
  // Records the index points at in `segment_id`, by offset, starting at `start_offset`.
  Result<std::vector<SegmentRecordRef>> ListSegmentRecords(uint32_t segment_id,
                                                           uint64_t start_offset,
                                                           size_t limit) const;
  // The oldest queued repair items, FIFO order.
  Result<std::vector<RepairItem>> PeekRepairs(size_t limit) const;
  Result<uint64_t> RepairCount() const;
  Result<IndexMeta> GetMeta() const;
  // A raw `meta` value by name (e.g. kMetaScrubState); NotFound if absent.
  Result<std::string> GetMetaValue(std::string_view name) const;

 private:
  friend class Index;
  IndexSnapshot(std::shared_lock<std::shared_mutex> lock, lmdb::ReadTxn txn,
                const IndexTables* tables)
      : lock_(std::move(lock)), txn_(std::move(txn)), tables_(tables) {}

  std::shared_lock<std::shared_mutex> lock_;  // Declared first: released after txn_ ends.
  lmdb::ReadTxn txn_;
  const IndexTables* tables_;  // Owned by the Index, which outlives the snapshot.
};

}  // namespace shale::storage
