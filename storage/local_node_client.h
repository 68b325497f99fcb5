#pragma once

// LocalNodeClient: NodeClient over an engine in the same process, without HTTP, signing or
// copies through a wire encoding, so `shale server` can run its nodes inside one process. It
// answers like the HTTP API (same engine calls, storage/node_ops.h) except that nothing can
// be lost in transit: no CRC or digest is needed, and no call is ever retried.
// Thread-safety: safe for concurrent use (the engine is); calls block on the engine.

#include <string>

#include "common/metrics.h"
#include "common/node_client.h"
#include "storage/engine.h"
#include "storage/repair_hooks.h"

namespace shale::storage {

struct LocalNodeClientOptions {
  std::string node_id;
  std::string cluster_id;
  const MetricsRegistry* metrics = nullptr;  // For MetricsText(); nullptr: NotSupported.
};

class LocalNodeClient final : public NodeClient {
 public:
  // `engine` (and options.metrics) are borrowed and must outlive the client.
  LocalNodeClient(Engine* engine, LocalNodeClientOptions options);
  // Plugs in the node's repair service (status and sweeps). Call once, before first use.
  void SetRepairHooks(RepairHooks hooks) { hooks_ = std::move(hooks); }

  Status PutShard(std::string_view id, std::string_view data) override;
  Result<std::string> GetShard(std::string_view id, uint64_t offset, uint64_t length) override;
  Status DeleteShard(std::string_view id) override;
  Result<std::vector<node_wire::ShardCheck>> CheckShards(
      const std::vector<std::string>& ids) override;
  Status PutVersion(std::string_view bucket, std::string_view key, const NodeVersionId& version,
                    std::string_view payload, node_wire::WireKind kind) override;
  Result<node_wire::WireVersion> GetVersion(std::string_view bucket, std::string_view key,
                                            std::optional<NodeVersionId> version) override;
  Status DeleteVersion(std::string_view bucket, std::string_view key,
                       const NodeVersionId& version) override;
  Result<node_wire::WireVersionPage> ListVersions(const NodeListRequest& request) override;
  Status PutBucket(std::string_view name, std::string_view payload) override;
  Result<std::string> GetBucket(std::string_view name) override;
  Status DeleteBucket(std::string_view name) override;
  Result<std::vector<node_wire::WireBucket>> ListBuckets() override;
  Status EnqueueRepair(const node_wire::RepairHint& hint) override;
  Result<node_wire::WireScanPage> ScanVersions(const NodeScanRequest& request) override;
  Result<node_wire::WireShardPage> ListShards(std::string_view start_after,
                                              uint32_t limit) override;
  Result<std::vector<node_wire::WireRepairItem>> PeekRepairs(uint32_t limit) override;
  Status RemoveRepairs(const std::vector<uint64_t>& seqs) override;
  Status StartScrub() override;
  Status StartRepair(const node_wire::RepairSweep& sweep) override;
  Status Health() override;
  Result<std::string> StatusJson() override;
  Result<std::string> MetricsText() override;

 private:
  Engine* const engine_;
  const LocalNodeClientOptions options_;
  RepairHooks hooks_;  // Set before first use, then only read.
};

}  // namespace shale::storage
