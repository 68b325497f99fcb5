#pragma once

// Engine internals, shared by the engine_*.cc files: not part of the engine's interface.
//
// Threads: one writer thread owns the active SegmentWriter, the sequence counter and every
// Index::Apply after recovery; client threads read through index snapshots and the reader
// cache; one compaction step runs at a time (compaction_mu_) and hands its appends to the
// writer like any client.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "storage/batch_queue.h"
#include "storage/engine.h"
#include "storage/index.h"
#include "storage/record.h"
#include "storage/scrub_state.h"
#include "storage/segment_reader.h"
#include "storage/segment_writer.h"

namespace shale::storage {

// Marks, in SegmentStats::indexed_up_to, a segment whose removal by compaction has begun:
// recovery deletes its file instead of replaying it.
inline constexpr uint64_t kSegmentDropped = UINT64_MAX;

// A version record's stored payload is one kind byte (VersionKind) and the caller's payload, so
// the kind lives in the segment record and survives a rebuild of the index.
std::string EncodeStoredVersion(VersionKind kind, std::string_view payload);
// The index flags (kEntryDeleteMarker, kEntryPurged) of a stored version payload.
uint8_t VersionFlagsOf(std::string_view stored);
// Splits a stored version payload. Corruption if it has no valid kind byte.
Result<std::pair<VersionKind, std::string>> DecodeStoredVersion(std::string_view stored);

// What a put or delete is about, computed once on the caller's thread.
struct Target {
  RecordType type = RecordType::kShard;  // kShard, kVersion or kBucket.
  std::string name;                      // Shard id or bucket name.
  std::string key;                       // kVersion: the object key.
  VersionId version{};                   // kVersion.
  std::string record_id;                 // The id in the segment record header.
};

Result<Target> ShardTarget(std::string_view id);
Result<Target> VersionTarget(std::string_view bucket, std::string_view key,
                             const VersionId& version);
Result<Target> BucketTarget(std::string_view name);
// The target a segment record of type kShard/kVersion/kBucket is about.
Result<Target> TargetOfRecord(RecordType type, std::string_view record_id);
RecordKind KindOf(RecordType type);
// The index's id for a target (shard id, encoded version key, or bucket name).
Result<std::string> IndexIdOf(const Target& target);
// The target an index id of `kind` (kShard, kVersion or kBucket) names: IndexIdOf's inverse.
Result<Target> TargetOfIndexId(RecordKind kind, std::string_view id);

// One request to the writer thread. Views are borrowed: the caller waits for completion.
struct WriteOp {
  enum class Kind : uint8_t {
    kPut,
    kDelete,
    kRelocate,
    kMarkBad,
    kMarkDropped,
    kForgetSegment,
    kAdoptSegment,   // Index the one synced record of a streamed put's own segment and seal it.
    kEnqueueHint,    // Queue an object repair hint for a version target (nothing is appended).
    kRemoveRepairs,  // Drop handled repair items by seq (nothing is appended).
    kSetMeta,        // Write a raw `meta` entry, e.g. the scrub position (nothing is appended).
  };
  Kind kind = Kind::kPut;
  const Target* target = nullptr;         // kPut, kDelete, kMarkBad, kAdoptSegment, kEnqueueHint.
  std::string_view payload;               // kPut.
  uint8_t flags = 0;                      // kPut of a version: VersionFlagsOf(payload).
  std::string_view reason;                // kMarkBad, kEnqueueHint.
  const ScannedRecord* record = nullptr;  // kRelocate: a record read from `segment_id`.
  uint32_t segment_id = 0;                // kRelocate, kMarkDropped, kForgetSegment, kAdoptSegment.
  const RecordExtent* extent = nullptr;   // kAdoptSegment: the record, ending the segment.
  uint64_t sequence = 0;                  // kAdoptSegment: the record's sequence.
  bool* moved = nullptr;                  // kRelocate: set to true when the record was copied.
  // kMarkBad: only if the target's index entry still points here (scrub read this copy).
  const RecordLocation* expect_at = nullptr;
  const std::vector<uint64_t>* seqs = nullptr;  // kRemoveRepairs.
  std::string_view meta_name;                   // kSetMeta; the value is `payload`.
};

// The current index state of a target, as the writer sees it.
struct Current {
  RecordLocation location;
  uint64_t sequence = 0;
  uint8_t flags = 0;
  std::string payload;  // Versions and buckets only.
};

class Engine::Impl {
 public:
  explicit Impl(EngineOptions options) : options_(std::move(options)), queue_(options_.max_batch) {}
  ~Impl();

  // engine_recovery.cc
  Status Open();
  // engine_write.cc
  Status Submit(WriteOp op) { return queue_.PushAndWait(op); }
  // One put or delete of `target` (payload and flags for puts), waiting for its outcome.
  Status Mutate(WriteOp::Kind kind, Result<Target> target, std::string_view payload = {},
                uint8_t flags = 0);
  // engine_read.cc
  Result<std::shared_ptr<const SegmentReader>> Reader(uint32_t segment_id);
  void ForgetReader(uint32_t segment_id);
  Result<std::string> ReadShard(std::string_view id, uint64_t offset, uint64_t length);
  // engine_stream.cc
  Result<ShardInfo> PutShardStream(std::string_view id, uint64_t length, const ShardSource& source);
  Status StreamShard(std::string_view id, uint64_t offset, uint64_t length, const ShardSink& sink);
  // engine_compaction.cc
  Result<StepOutcome> CompactOnce();
  // engine_scrub.cc
  Status LoadScrubState();
  void StartScrubWorker();
  Status StartScrub();
  Result<StepOutcome> ScrubOnce();
  void SetScrubRate(uint64_t rate_bytes_per_sec);
  ScrubStatus CurrentScrubStatus();

  const EngineOptions& options() const { return options_; }
  Index& index() { return *index_; }
  fs::FileSystem& fs() { return *fs_; }
  std::string SegmentPath(uint32_t segment_id) const;
  uint64_t reserve_bytes() const { return reserve_bytes_; }
  EngineStatus CurrentStatus();

 private:
  friend class Engine;
  // Recovery.
  Status CheckIdentity();
  Status ReplaySegment(uint32_t segment_id, const SegmentStats* stats, bool* sealed_out,
                       uint64_t* end_out);
  Status StartWriting(uint32_t last_segment_id, bool last_sealed, uint64_t last_end);
  // Writer thread.
  void WriterLoop();
  void ProcessBatch(std::vector<BatchQueue<WriteOp>::Entry>& batch);
  Result<std::optional<Current>> Lookup(const IndexSnapshot& snap, const Target& target) const;
  Status OpenNewSegment();
  void FailWriter(const Status& cause);
  void SetReadOnly(const std::string& reason);
  // A new segment file (header synced) for the writer or a streamed put.
  Result<std::unique_ptr<SegmentWriter>> CreateSegment(uint32_t* id_out);
  // Either a read through a cached reader of the shard's segment, retried if compaction moved
  // it; a Corruption marks the shard bad.
  Status WithShard(std::string_view id,
                   const std::function<Status(const SegmentReader&, const ShardEntry&)>& read);

  EngineOptions options_;
  fs::FileSystem* fs_ = nullptr;
  std::string segments_dir_;
  std::unique_ptr<fs::FileLock> lock_;
  std::unique_ptr<Index> index_;
  uint64_t reserve_bytes_ = 0;

  // Reader cache. Readers are shared so one stays usable while compaction drops it.
  std::mutex readers_mu_;
  std::map<uint32_t, std::shared_ptr<const SegmentReader>> readers_;  // GUARDED_BY(readers_mu_)

  // Writer-thread state (only the writer thread touches these after Open), except the two
  // counters, which streamed puts also draw from on their own threads.
  BatchQueue<WriteOp> queue_;
  std::thread writer_thread_;
  std::unique_ptr<SegmentWriter> active_;
  uint32_t active_id_ = 0;
  std::atomic<uint32_t> last_segment_id_{0};  // The highest id ever handed out.
  std::atomic<uint64_t> next_sequence_{1};
  std::vector<uint32_t> pending_seals_;  // Segments abandoned after a failure, to seal.

  std::atomic<bool> read_only_{false};
  std::mutex status_mu_;
  std::string read_only_reason_;  // GUARDED_BY(status_mu_)
  std::atomic<uint64_t> published_sequence_{0};
  std::atomic<uint32_t> published_active_{0};

  // Compaction.
  std::mutex compaction_mu_;            // One step at a time.
  std::set<uint32_t> compaction_skip_;  // GUARDED_BY(compaction_mu_): failed segments.
  std::atomic<uint64_t> segments_compacted_{0};
  std::atomic<uint64_t> compaction_bytes_copied_{0};
  std::unique_ptr<BackgroundWorker> compactor_;

  // Scrub (engine_scrub.cc).
  Status ScrubSegmentStep(uint32_t segment_id, ScrubState* state, uint64_t* bytes);
  Status PersistScrubState(const ScrubState& state);
  const Clock* clock_ = nullptr;
  std::mutex scrub_mu_;         // One step at a time.
  ScrubState scrub_state_;      // GUARDED_BY(scrub_mu_)
  std::mutex scrub_status_mu_;  // Never held across I/O.
  ScrubState published_scrub_;  // GUARDED_BY(scrub_status_mu_)
  std::atomic<bool> scrub_requested_{false};
  std::atomic<uint64_t> scrub_rate_{0};
  std::atomic<uint64_t> scrub_bytes_total_{0};
  std::atomic<uint64_t> scrub_corruptions_total_{0};
  std::unique_ptr<BackgroundWorker> scrubber_;
};

}  // namespace shale::storage
