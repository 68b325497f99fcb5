#pragma once

// NodeClient: what the gateway, repair and tools call on one storage node. Implementations:
// HttpNodeClient (common/http_node_client.h, the signed internal HTTP API); an in-process one
// calling a local engine directly is planned.
//
// Errors are the node's Status as sent (NotFound, Corruption, ReadOnly, NoSpace, ...) or
// Unavailable/Timeout when the node could not be reached.
// Thread-safety: implementations are safe for concurrent use from any thread.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/node_wire.h"
#include "common/result.h"
#include "common/status.h"

namespace shale {

using NodeVersionId = std::array<uint8_t, 16>;

// Pulls the next piece of a streamed body into `buf`: the bytes written (0 only at its end) or
// an error, which aborts the transfer.
using NodeBodySource = std::function<Result<size_t>(std::span<char> buf)>;
// Receives a streamed body's pieces in order; a non-OK status aborts the transfer.
using NodeBodySink = std::function<Status(std::string_view piece)>;

struct NodeListRequest {
  std::string bucket;
  std::string prefix;
  std::optional<std::string> start_after_key;
  std::optional<NodeVersionId> start_after_version;  // Only with start_after_key.
  uint32_t limit = 1000;
  // When non-zero, the page also ends once its keys and payloads reach this many bytes (at
  // least one entry is always returned): a bound on a page of large records.
  uint64_t max_bytes = 0;
  bool latest_only = false;
};

// Where a whole-node scan of version records resumes: after this (bucket, key, version).
struct NodeScanPosition {
  std::string bucket;
  std::string key;
  NodeVersionId version{};
};

struct NodeScanRequest {
  std::optional<NodeScanPosition> start_after;  // nullopt: from the first record.
  uint32_t limit = 1000;                        // 1..10000 entries.
  uint64_t max_bytes = 0;                       // As NodeListRequest::max_bytes (0: no byte bound).
};

class NodeClient {
 public:
  virtual ~NodeClient() = default;

  // Shards: ids are 1..255 opaque bytes. PutShard sends the CRC32C of `data`; the node stores
  // nothing if the bytes it received do not match.
  virtual Status PutShard(std::string_view id, std::string_view data) = 0;
  // `length` bytes from `offset`, clamped to the shard's end (past the end: empty).
  virtual Result<std::string> GetShard(std::string_view id, uint64_t offset = 0,
                                       uint64_t length = UINT64_MAX) = 0;
  virtual Status DeleteShard(std::string_view id) = 0;
  // One answer per id, in request order.
  virtual Result<std::vector<node_wire::ShardCheck>> CheckShards(
      const std::vector<std::string>& ids) = 0;

  // Version records. Putting an identical record again succeeds (retries are safe).
  virtual Status PutVersion(std::string_view bucket, std::string_view key,
                            const NodeVersionId& version, std::string_view payload,
                            node_wire::WireKind kind = node_wire::WireKind::kObject) = 0;
  // nullopt: the newest version (a delete marker included).
  virtual Result<node_wire::WireVersion> GetVersion(std::string_view bucket, std::string_view key,
                                                    std::optional<NodeVersionId> version) = 0;
  virtual Status DeleteVersion(std::string_view bucket, std::string_view key,
                               const NodeVersionId& version) = 0;
  virtual Result<node_wire::WireVersionPage> ListVersions(const NodeListRequest& request) = 0;

  // Bucket records.
  virtual Status PutBucket(std::string_view name, std::string_view payload) = 0;
  virtual Result<std::string> GetBucket(std::string_view name) = 0;
  virtual Status DeleteBucket(std::string_view name) = 0;
  virtual Result<std::vector<node_wire::WireBucket>> ListBuckets() = 0;

  // Queues a repair hint on the node (durable when acknowledged; repeating a hint already
  // queued is a success and changes nothing). The version need not be stored on that node.
  virtual Status EnqueueRepair(const node_wire::RepairHint& hint) = 0;

  // ---- Repair and scrub (issue 8). Defaults answer NotSupported so that test doubles need
  // not implement them; HttpNodeClient and LocalNodeClient implement all of them.

  // Every version record of every bucket (object records, delete markers and purge tombstones,
  // WireKind::kPurged), in (bucket, key, newest version first) order: the anti-entropy sweep.
  virtual Result<node_wire::WireScanPage> ScanVersions(const NodeScanRequest& request);
  // Shard ids (with length, CRC and health, no bytes) in id byte order after `start_after`
  // (empty: from the first); `limit` 1..10000. Orphan collection walks these.
  virtual Result<node_wire::WireShardPage> ListShards(std::string_view start_after, uint32_t limit);
  // The node's repair queue, oldest first (records marked bad by reads and scrub, object
  // hints), and the removal of handled items by their `seq` (unknown seqs are ignored).
  virtual Result<std::vector<node_wire::WireRepairItem>> PeekRepairs(uint32_t limit);
  virtual Status RemoveRepairs(const std::vector<uint64_t>& seqs);
  // Starts a scrub pass now unless one is running (OK either way).
  virtual Status StartScrub();
  // Asks the node's repair service for an anti-entropy sweep now (of the whole set, or of one
  // bucket and key prefix). A node that does not coordinate its set answers OK and forwards
  // nothing: callers send it to every node of the set. Unavailable when the node runs no
  // repair service.
  virtual Status StartRepair(const node_wire::RepairSweep& sweep);

  // OK when the node is up and writable; Unavailable with its reason otherwise.
  virtual Status Health() = 0;
  virtual Result<std::string> StatusJson() = 0;
  virtual Result<std::string> MetricsText() = 0;
};

}  // namespace shale
