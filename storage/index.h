#pragma once

// Index: a storage node's LMDB index (shards, object versions, buckets, segment stats,
// record-by-segment refs, the repair queue, and node metadata) in one LMDB environment in a
// directory (normally <data>/index). Writes arrive as IndexBatch, one LMDB write transaction
// each (the engine's group commit calls Apply once per batch); reads go through snapshots.
//
// Map growth: when a batch hits MDB_MAP_FULL, Apply aborts it, grows the map (doubling, up
// to IndexOptions::max_map_size) and re-runs the whole batch. LMDB allows resizing only while
// no transaction of this process is active, so every transaction runs under `resize_mu_`
// (shared), and a resize takes it exclusively (new snapshots wait while a resize is pending). No
// transaction is ever held across a blocking wait other than acquiring that lock.
//
// Durability: LMDB's default sync mode; Apply returns after the transaction is on disk.
// A corrupt environment makes Open (or later calls) return Corruption naming
// `shale rebuild-index --data <parent of dir>`.
//
// Thread-safety: all methods are thread-safe. Apply calls are serialized; a thread must not
// call Apply while it holds an IndexSnapshot.

#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "common/result.h"
#include "storage/index_batch.h"
#include "storage/index_snapshot.h"
#include "storage/index_tables.h"
#include "storage/lmdb.h"

namespace shale::storage {

struct IndexOptions {
  uint64_t initial_map_size = uint64_t{64} << 20;  // Used when creating; LMDB keeps the larger
                                                   // of this and the file's recorded size.
  uint64_t max_map_size = uint64_t{1} << 40;       // Growth stops here: Apply -> NoSpace.
  unsigned max_readers = 512;  // Concurrent snapshots; fixed when lock.mdb is created.
  // False: Apply() does not flush (see lmdb::EnvOptions::sync_commits); Sync() does.
  bool sync_commits = true;
};

class Index {
 public:
  // Creates `dir` (not its parents) and the environment if missing, else opens it.
  static Result<std::unique_ptr<Index>> Open(const std::string& dir, const IndexOptions& options);
  // Removes the environment's files and `dir` (for rebuild-index). The index must be closed.
  static Status Destroy(const std::string& dir);

  // Use Open().
  Index(std::unique_ptr<lmdb::Env> env, IndexTables tables, IndexOptions options);
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  // Applies the batch atomically: all of it or (on any error) none of it.
  Status Apply(const IndexBatch& batch);

  Result<IndexSnapshot> Snapshot() const;
  // One-snapshot conveniences.
  Result<ShardEntry> GetShard(std::string_view id) const;
  Result<VersionListEntry> GetLatestVersion(std::string_view bucket, std::string_view key) const;

  // Flushes every committed batch to the disk (needed only when !sync_commits).
  Status Sync();

  // Current map size in bytes (grows over time).
  uint64_t MapSize() const;

 private:
  Status ApplyOnce(const IndexBatch& batch);

  std::unique_ptr<lmdb::Env> env_;
  IndexTables tables_;
  IndexOptions options_;
  std::mutex write_mu_;                  // Serializes Apply (LMDB has one writer anyway).
  mutable std::shared_mutex resize_mu_;  // Shared: any txn. Exclusive: SetMapSize.
  // Turnstile in front of resize_mu_: a pending resize holds it, so new snapshots queue behind
  // the resize instead of starving it (glibc's rwlock prefers readers).
  mutable std::mutex gate_;
};

}  // namespace shale::storage
