#pragma once

// Engine: the storage engine of one data directory — append-only segment files for the bytes,
// an LMDB index for where they are. It stores three kinds of records: shards (opaque id ->
// bytes), object version records ((bucket, key, version id) -> opaque payload, listed in key
// order, newest version first) and bucket records (name -> opaque payload).
//
// Durability: every mutating call returns only after its record is fdatasync'd in a segment
// and its index entry committed. Concurrent callers are batched by one writer thread (group
// commit: one fdatasync and one LMDB transaction per batch). A crash at any moment loses no
// acknowledged write; unacknowledged ones may or may not survive.
//
// Failures: a failed fdatasync fails the whole batch, drops its tail and moves writes to a new
// segment; if that fails too, the engine turns read-only (status() says why). Out of space:
// puts fail with NoSpace while reads and deletes keep working; a reserve keeps compaction able
// to run. A corrupt payload is never returned: reads fail with Corruption and the id is marked
// bad and queued for repair.
//
// Thread-safety: all public methods may be called concurrently from any thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/fs/file_system.h"
#include "common/result.h"
#include "common/status.h"
#include "storage/background_worker.h"
#include "storage/index_snapshot.h"
#include "storage/version_key.h"

namespace shale::storage {

// Pulls the next piece of a streamed shard into `buf`: returns the bytes written (0 only when
// the input ended) or an error, which aborts the put.
using ShardSource = std::function<Result<size_t>(std::span<char> buf)>;
// Receives the pieces of a streamed shard read, in order; a non-OK status stops the read.
using ShardSink = std::function<Status(std::string_view piece)>;

struct EngineOptions {
  std::string dir;               // The data directory; created if missing.
  std::string node_id;           // Written into every segment header; checked on open.
  std::string cluster_id;        // Likewise.
  fs::FileSystem* fs = nullptr;  // Borrowed; nullptr means fs::DefaultFileSystem().

  uint64_t segment_size = uint64_t{1} << 30;   // The active segment rotates past this.
  uint64_t lmdb_map_size = uint64_t{1} << 30;  // Initial LMDB map; grows on MDB_MAP_FULL.
  size_t max_batch = 256;                      // Requests per group commit at most.
  double compaction_threshold = 0.5;           // Compact segments whose live ratio is below.
  // Bytes kept free for compaction and deletes; 0 means min(1% of the disk, 256 MiB).
  uint64_t space_reserve_bytes = 0;
  // Background compaction: run the worker (tests drive CompactOnce() by hand instead).
  bool background_compaction = true;
  uint64_t compaction_rate_bytes_per_sec = 64u << 20;
  // Scrub: re-reads every live record verifying its CRCs; bad ones are marked and queued for
  // repair. The background worker runs it (tests drive ScrubOnce() by hand instead).
  bool background_scrub = true;
  uint64_t scrub_rate_bytes_per_sec = 50'000'000;  // 0 pauses scrubbing.
  uint64_t scrub_period_seconds = 7 * 86400;       // A pass starts this long after the last began.
  const Clock* clock = nullptr;  // Borrowed; nullptr means SystemClock (scrub's timestamps).
};

// The stored kind byte of a version record (docs/FORMAT.md, "Stored version payload").
// kPurged is a tombstone: the version was deleted for good and must not come back (repair,
// late writes); it keeps its id and a caller-defined payload until orphan collection drops it.
enum class VersionKind : uint8_t { kObject = 0, kDeleteMarker = 1, kPurged = 2 };

// One object version record as stored. Version ids are 16 bytes whose memcmp order is the
// version order (newest is largest).
struct StoredVersion {
  std::string bucket;
  std::string key;
  VersionId version{};
  VersionKind kind = VersionKind::kObject;
  std::string payload;
  uint64_t sequence = 0;
};

struct VersionPage {
  std::vector<StoredVersion> versions;  // Key order, newest version first within a key.
  bool truncated = false;               // More match beyond the limit.
};

struct StoredBucket {
  std::string name;
  std::string payload;
};

struct ShardInfo {
  uint64_t length = 0;
  uint32_t crc32c = 0;  // Of the whole shard, as stored.
  uint64_t sequence = 0;
  bool bad = false;  // Marked corrupt by a read or scrub; awaiting repair.
};

struct ShardListing {
  std::vector<std::pair<std::string, ShardInfo>> shards;  // Id order.
  bool truncated = false;                                 // More shards follow.
};

// Space accounting for /metrics and `shale status`.
struct SpaceStats {
  uint64_t live_bytes = 0;  // Bytes of records the index references.
  uint64_t dead_bytes = 0;  // Bytes in segments no longer referenced (reclaimable).
  uint64_t segment_count = 0;
  uint64_t disk_capacity_bytes = 0;
  uint64_t disk_available_bytes = 0;
  uint64_t reserve_bytes = 0;
};

// The identity a data directory's segments were written under.
struct DataDirIdentity {
  std::string node_id;
  std::string cluster_id;
};

// The scrubber, for status and metrics (docs/FORMAT.md, "/v1/status").
struct ScrubStatus {
  bool running = false;
  uint64_t pass_started_ms = 0;  // Of the running or last pass; 0: never.
  uint64_t last_pass_completed_ms = 0;
  uint64_t pass_bytes_done = 0;
  uint64_t pass_bytes_total = 0;
  uint64_t bytes_scrubbed_total = 0;     // Since the engine opened.
  uint64_t corruptions_found_total = 0;  // Since the engine opened.
  uint64_t rate_bytes_per_sec = 0;
  uint64_t period_seconds = 0;
};

struct EngineStatus {
  bool read_only = false;
  std::string read_only_reason;
  uint64_t active_segment_id = 0;
  uint64_t next_sequence = 0;
  uint64_t repair_queue_depth = 0;
  BackgroundWorker::Stats compaction;
  uint64_t segments_compacted = 0;
  uint64_t compaction_bytes_copied = 0;
  ScrubStatus scrub;
};

class Engine {
 public:
  // Opens (creating if needed) the engine of options.dir: checks segment headers against
  // node/cluster id, re-scans every segment past its indexed-up-to offset, indexes the whole
  // records found and truncates a torn tail. A corrupt or missing index is reported with a
  // message naming `shale rebuild-index --data DIR`.
  static Result<std::unique_ptr<Engine>> Open(const EngineOptions& options);
  // Deletes the index of options.dir and rebuilds it from the segment files alone. Empty
  // node_id/cluster_id are taken from the oldest segment's header.
  static Status RebuildIndex(const EngineOptions& options);
  // The node and cluster id in the header of the oldest segment of options.dir (what
  // RebuildIndex uses when the options leave them empty). NotFound if there is no segment.
  static Result<DataDirIdentity> ReadSegmentIdentity(const EngineOptions& options);

  ~Engine();  // Stops background work and drains the write queue.
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Shards. Ids are 1..255 opaque bytes. Putting an existing id replaces it.
  Status PutShard(std::string_view id, std::string_view data);
  // `length` bytes from `offset` (clamped to the shard's end); the whole shard's CRC is
  // verified whatever the range.
  Result<std::string> GetShard(std::string_view id, uint64_t offset = 0,
                               uint64_t length = UINT64_MAX);
  Result<ShardInfo> StatShard(std::string_view id);
  // Streamed PutShard for large shards, with bounded memory: exactly `length` bytes (at most
  // 1 GiB) are pulled from `source` on the caller's thread into a segment file of their own,
  // synced, then indexed by the next group commit; small writes keep committing meanwhile. The
  // put carries the sequence allocated at its start, so a put of the same id that starts later
  // wins whichever finishes last. Returns what was stored (the CRC is computed on the way).
  // If `source` fails (its error is returned) or ends early (InvalidArgument), nothing becomes
  // visible.
  Result<ShardInfo> PutShardStream(std::string_view id, uint64_t length, const ShardSource& source);
  // Streamed GetShard with bounded memory: the range goes to `sink` in pieces. The whole
  // shard's CRC is only known good at the end: a Corruption returned after `sink` got bytes
  // means they are suspect and the receiver must abort (e.g. reset the connection); the shard
  // is then marked bad like GetShard does.
  Status StreamShard(std::string_view id, uint64_t offset, uint64_t length, const ShardSink& sink);
  Status DeleteShard(std::string_view id);  // NotFound if absent.

  // Object version records. Putting an existing (bucket, key, version) again is a no-op
  // success when the payload is equal (retries), and replaces it otherwise; except that a purge
  // is final: a kPurged record replaces any version of its id, but a non-purged record put over
  // a stored kPurged one is refused with FailedPrecondition.
  Status PutVersion(std::string_view bucket, std::string_view key, const VersionId& version,
                    std::string_view payload, VersionKind kind = VersionKind::kObject);
  Result<StoredVersion> GetVersion(std::string_view bucket, std::string_view key,
                                   const VersionId& version);
  // The newest non-purged version of the key, a delete marker included. NotFound if there is
  // none. GetVersion and full listings return purged versions too, with their kind.
  Result<StoredVersion> GetLatestVersion(std::string_view bucket, std::string_view key);
  Status DeleteVersion(std::string_view bucket, std::string_view key, const VersionId& version);
  // Uses the index's listing options (prefix, start-after, limit, latest only; latest_only
  // skips purged versions like GetLatestVersion, so a key with only purged versions is absent).
  Result<VersionPage> ListVersions(const ListVersionsOptions& options);

  // Every version record of every bucket, purged ones included, in (bucket, key, newest
  // version first) order: the anti-entropy sweep's view of this node.
  Result<VersionPage> ScanVersions(const VersionScanOptions& options);

  // Bucket records.
  Status PutBucket(std::string_view name, std::string_view payload);
  Result<StoredBucket> GetBucket(std::string_view name);
  Status DeleteBucket(std::string_view name);
  Result<std::vector<StoredBucket>> ListBuckets();

  // Queues a repair hint for an object version (RecordKind::kObjectHint, id = the encoded
  // version key), durably like every index update: acknowledged means it survives a crash. The
  // version need not be stored here (a node that missed the write is the usual case). A hint
  // for a version already queued keeps its place and its first reason, so repeats are harmless.
  Status EnqueueObjectRepair(std::string_view bucket, std::string_view key,
                             const VersionId& version, std::string_view reason);
  // The repair queue: ids marked bad by reads and scrub, and object hints, oldest first.
  Result<std::vector<RepairItem>> PeekRepairs(size_t limit);
  // Drops handled items by their seq, durably; unknown seqs are ignored.
  Status RemoveRepairs(const std::vector<uint64_t>& seqs);

  // One compaction step: rewrites the segment with the lowest live ratio under the threshold.
  // did_work is false when no segment qualifies. The background worker calls this too.
  Result<StepOutcome> CompactOnce();

  // Scrub. A pass walks the segments in id order and their live records by offset; its
  // position is persisted after every step. StartScrub starts a pass now unless one is running
  // (OK either way); ScrubOnce is one step (the background worker calls it too): did_work is
  // false when no pass is due or scrubbing is paused (rate 0). SetScrubRate changes the rate.
  Status StartScrub();
  Result<StepOutcome> ScrubOnce();
  void SetScrubRate(uint64_t rate_bytes_per_sec);

  // Shards in the index: a full scan of the shard table, for tools (not the data path).
  Result<uint64_t> CountShards();
  // Shards with id > start_after (empty: from the first) in id order, at most `limit`.
  Result<ShardListing> ListShards(std::string_view start_after, size_t limit);

  Result<SpaceStats> GetSpaceStats();
  EngineStatus status();
  const EngineOptions& options() const;

 private:
  class Impl;
  // Only Open() can make the key, so only Open() constructs an engine.
  class PassKey {
    friend class Engine;
    PassKey() = default;
  };

 public:
  Engine(PassKey, std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace shale::storage
