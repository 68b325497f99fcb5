#pragma once

// ClusterCore: the state and the quorum helpers shared by the pieces of ClusterStore (writer,
// reader, buckets). Internal to the data path; S3 code uses ObjectStore.
// Thread-safety: safe for concurrent use (immutable config; the HLC, the buffer pool and the
// cleaner are thread-safe).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "common/erasure.h"
#include "common/hlc.h"
#include "common/node_client.h"
#include "common/object_record.h"
#include "common/placement.h"
#include "gateway/chunk_buffer_pool.h"
#include "gateway/object_store.h"

namespace shale::gateway {

// Best-effort background work (deleting superseded shards and records, sending repair hints):
// one thread, a bounded queue (work beyond it is dropped and left to repair's orphan collection
// and anti-entropy sweep), each item run `delay` after it was posted, everything still queued
// run at once on destruction.
class BackgroundQueue {
 public:
  BackgroundQueue(size_t max_queued, std::chrono::milliseconds delay);
  ~BackgroundQueue();
  void Post(std::function<void()> work);
  // Runs everything posted so far without waiting for its delay, and returns when it has run.
  void Drain();

 private:
  struct Item {
    std::chrono::steady_clock::time_point due;
    std::function<void()> work;
  };
  void Run();
  const size_t max_queued_;
  const std::chrono::milliseconds delay_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;  // Guarded by mu_; in `due` order (one delay for all).
  int flushing_ = 0;        // Guarded by mu_: Drain() calls waiting.
  bool busy_ = false;       // Guarded by mu_.
  bool stop_ = false;       // Guarded by mu_.
  std::thread thread_;
};

// One node's answer to a record read: the record, none (NotFound), or an error.
struct RecordAnswer {
  Status status;                       // OK, NotFound, or the failure.
  std::optional<ObjectRecord> record;  // Set when status is OK and the payload decoded.
  bool purged = false;  // The node holds a purge tombstone of the version read (no record).
};

// What a read quorum says about one key.
struct QuorumRead {
  std::vector<RecordAnswer> answers;   // By set position.
  std::optional<ObjectRecord> newest;  // Largest (version, attr_revision) seen, never purged.
  size_t answered = 0;                 // OK or NotFound answers.
};

// The outcome of writing one version record to a set.
struct RecordRound {
  std::vector<Status> status;  // By position.
  size_t acks = 0;
  std::vector<ObjectRecord> superseded;  // Distinct older versions the nodes held (see below).
  std::optional<VersionId> newer;        // The newest version a node held beyond the written one.
};

class ClusterCore {
 public:
  // How long superseded versions (and the shards of failed puts) stay before they are deleted.
  static constexpr std::chrono::milliseconds kCleanupGrace{10000};

  ClusterCore(const ClusterConfig& config, std::vector<NodeClient*> nodes, ErasureCoder coder,
              uint32_t origin, const Clock* clock);

  const ClusterConfig& config() const { return config_; }
  const Placement& placement() const { return placement_; }
  const ErasureCoder& coder() const { return coder_; }
  HybridLogicalClock& hlc() { return hlc_; }
  const Clock& clock() const { return *clock_; }
  ChunkBufferPool& buffers() { return buffers_; }
  // Waits until the background work posted so far (clean-up, hints) has run.
  void DrainBackground() {
    cleaner_.Drain();
    hinter_.Drain();
  }
  uint32_t k() const { return config_.erasure.k; }
  uint32_t m() const { return config_.erasure.m; }
  uint32_t set_size() const { return config_.erasure.set_size(); }
  uint32_t write_quorum() const { return config_.write_quorum; }
  uint32_t read_quorum() const { return config_.read_quorum; }
  std::span<NodeClient* const> all_nodes() const { return nodes_; }

  // The set's nodes in shard order: element i holds shard i (and record position i).
  std::vector<NodeClient*> ShardNodes(const ObjectPlacement& p) const;

  // Reads the newest record of (bucket, key), or of `version`, from every node of its set.
  // A version purged on any answering node is not returned (a given one: newest is empty; the
  // newest: a node that missed the purge of the key's newest version is outvoted, checked by
  // asking the nodes that answered with something older).
  // Unavailable when fewer than read_quorum nodes answered.
  Result<QuorumRead> ReadRecords(std::string_view bucket, std::string_view key,
                                 const ObjectPlacement& p, std::optional<VersionId> version);

  // Asks a node of the set to queue `version` of bucket/key for repair (NodeClient::
  // EnqueueRepair): some of its copies are missing, stale or bad, as `reason` says. Sent in the
  // background to the first node with healthy[i] (one that answered well), the next on failure;
  // a hint already sent recently is not sent again.
  void HintRepair(std::span<NodeClient* const> nodes, const std::vector<bool>& healthy,
                  std::string_view bucket, std::string_view key, const VersionId& version,
                  std::string reason);
  uint64_t repair_hints() const { return repair_hints_.load(std::memory_order_relaxed); }

  // Writes version `version` of (bucket, key) to every node of `nodes` (shard order) in one
  // parallel round, with payload(i) at position i. With read_previous, each node is first asked
  // for its newest record, and the distinct older versions found come back as superseded.
  RecordRound WriteRecords(std::string_view bucket, std::string_view key,
                           std::span<NodeClient* const> nodes, const VersionId& version,
                           node_wire::WireKind kind,
                           const std::function<std::string_view(size_t)>& payload,
                           bool read_previous);
  // Deletes version `version` from every node of `nodes` (a write that lost its quorum must not
  // become visible; a node that did not acknowledge may still have stored it), synchronously.
  void RollBackRecords(std::string_view bucket, std::string_view key,
                       std::span<NodeClient* const> nodes, const VersionId& version);
  // Deletes, in the background, the shards of `chunks` chunks named by data_id (a put that
  // failed after writing some).
  void DiscardShards(std::span<NodeClient* const> nodes, const VersionId& data_id, uint32_t chunks);

  // Deletes, best effort and in the background after kCleanupGrace, every shard of every
  // erasure extent of `old` (a version placed at `p`, already retired by a
  // purge tombstone, which stays: it keeps nodes and repair from bringing the version back).
  void CleanUp(const ObjectRecord& old, const ObjectPlacement& p,
               const std::vector<VersionId>& keep_data = {});
  // Runs `work` in the background after kCleanupGrace (best effort, like the clean-up).
  void PostBackground(std::function<void()> work) { cleaner_.Post(std::move(work)); }

 private:
  // Drops from `q` a newest version that some node answering with an older one knows as purged.
  Status DropMissedPurges(std::string_view bucket, std::string_view key,
                          std::span<NodeClient* const> nodes, QuorumRead& q);

  const ClusterConfig config_;
  const std::vector<NodeClient*> nodes_;
  const Placement placement_;
  const ErasureCoder coder_;
  const Clock* const clock_;
  HybridLogicalClock hlc_;
  ChunkBufferPool buffers_;
  std::atomic<uint64_t> repair_hints_{0};
  std::mutex hints_mu_;
  std::unordered_set<std::string> recent_hints_;  // Guarded by hints_mu_; bounded.
  // Last: drained before the rest is destroyed.
  BackgroundQueue hinter_;
  BackgroundQueue cleaner_;
};

// The put path (gateway/object_writer.cc) and the read path (gateway/object_reader.cc).
Result<ObjectInfo> WriteObject(ClusterCore& core, const PutRequest& request,
                               const BodySource& body);
Result<std::unique_ptr<ObjectReader>> OpenObjectReader(ClusterCore& core, const ObjectInfo& object,
                                                       uint64_t offset, uint64_t length);
// DeleteObject in every versioning state (gateway/object_delete.cc).
Result<DeleteOutcome> DeleteObjectVersion(ClusterCore& core, const DeleteRequest& request);
// The bytes of a replicated object: from `layout` when it carries them, else from the records
// of the replica holders.
Result<std::string> ReadInlineData(ClusterCore& core, const ObjectInfo& object,
                                   ObjectLayout layout);

// Newest-wins order of records: version id, then attribute revision.
bool NewerRecord(const ObjectRecord& a, const ObjectRecord& b);

// Hints repair of `version` when some node of `round` did not acknowledge its record.
void HintMisses(ClusterCore& core, std::span<NodeClient* const> nodes, const RecordRound& round,
                std::string_view bucket, std::string_view key, const VersionId& version,
                std::string_view what);

// "positions 1,4" for the set positions i with flags[i] == value.
std::string Positions(const std::vector<bool>& flags, bool value);

}  // namespace shale::gateway
