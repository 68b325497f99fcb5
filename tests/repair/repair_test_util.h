#pragma once

// A set of in-process engines (real files) written through the real data path (ClusterStore),
// with helpers to damage nodes and to find where a version's shards live.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/object_record.h"
#include "storage/repair_version.h"
#include "tests/datapath/cluster_store_test_util.h"
#include "tests/support/status_matchers.h"

namespace shale::storage::testing {

using gateway::testing::InProcessCluster;

// Forwards every call (the repair calls included) to a node, or answers Unavailable while
// down: what repair sees of a stopped node.
class DownableNode final : public NodeClient {
 public:
  explicit DownableNode(NodeClient* inner) : inner_(inner) {}
  void set_down(bool down) { down_ = down; }

  Status PutShard(std::string_view id, std::string_view data) override {
    return Up() ? inner_->PutShard(id, data) : Down();
  }
  Result<std::string> GetShard(std::string_view id, uint64_t offset, uint64_t length) override {
    if (!Up()) return Down();
    return inner_->GetShard(id, offset, length);
  }
  Status DeleteShard(std::string_view id) override {
    return Up() ? inner_->DeleteShard(id) : Down();
  }
  Result<std::vector<node_wire::ShardCheck>> CheckShards(
      const std::vector<std::string>& ids) override {
    if (!Up()) return Down();
    return inner_->CheckShards(ids);
  }
  Status PutVersion(std::string_view bucket, std::string_view key, const NodeVersionId& version,
                    std::string_view payload, node_wire::WireKind kind) override {
    return Up() ? inner_->PutVersion(bucket, key, version, payload, kind) : Down();
  }
  Result<node_wire::WireVersion> GetVersion(std::string_view bucket, std::string_view key,
                                            std::optional<NodeVersionId> version) override {
    if (!Up()) return Down();
    return inner_->GetVersion(bucket, key, version);
  }
  Status DeleteVersion(std::string_view bucket, std::string_view key,
                       const NodeVersionId& version) override {
    return Up() ? inner_->DeleteVersion(bucket, key, version) : Down();
  }
  Result<node_wire::WireVersionPage> ListVersions(const NodeListRequest& request) override {
    if (!Up()) return Down();
    return inner_->ListVersions(request);
  }
  Status PutBucket(std::string_view name, std::string_view payload) override {
    return Up() ? inner_->PutBucket(name, payload) : Down();
  }
  Result<std::string> GetBucket(std::string_view name) override {
    if (!Up()) return Down();
    return inner_->GetBucket(name);
  }
  Status DeleteBucket(std::string_view name) override {
    return Up() ? inner_->DeleteBucket(name) : Down();
  }
  Result<std::vector<node_wire::WireBucket>> ListBuckets() override {
    if (!Up()) return Down();
    return inner_->ListBuckets();
  }
  Status EnqueueRepair(const node_wire::RepairHint& hint) override {
    return Up() ? inner_->EnqueueRepair(hint) : Down();
  }
  Result<node_wire::WireScanPage> ScanVersions(const NodeScanRequest& request) override {
    if (!Up()) return Down();
    return inner_->ScanVersions(request);
  }
  Result<node_wire::WireShardPage> ListShards(std::string_view after, uint32_t limit) override {
    if (!Up()) return Down();
    return inner_->ListShards(after, limit);
  }
  Result<std::vector<node_wire::WireRepairItem>> PeekRepairs(uint32_t limit) override {
    if (!Up()) return Down();
    return inner_->PeekRepairs(limit);
  }
  Status RemoveRepairs(const std::vector<uint64_t>& seqs) override {
    return Up() ? inner_->RemoveRepairs(seqs) : Down();
  }
  Status Health() override { return Up() ? inner_->Health() : Down(); }
  Result<std::string> StatusJson() override {
    if (!Up()) return Down();
    return inner_->StatusJson();
  }
  Result<std::string> MetricsText() override {
    if (!Up()) return Down();
    return inner_->MetricsText();
  }

 private:
  bool Up() const { return !down_; }
  static Status Down() { return Status::Unavailable("node is down (test)"); }

  NodeClient* const inner_;
  std::atomic<bool> down_{false};
};

// The nodes of an in-process cluster as repair sees them, each of which a test can take down.
class RepairNodes {
 public:
  explicit RepairNodes(InProcessCluster& c) {
    set_.k = c.config().erasure.k;
    set_.m = c.config().erasure.m;
    for (size_t i = 0; i < c.size(); ++i) {
      nodes_.push_back(std::make_unique<DownableNode>(&c.local(i)));
      set_.nodes.push_back(nodes_.back().get());
    }
  }
  const RepairSet& set() const { return set_; }
  DownableNode& node(size_t i) { return *nodes_[i]; }

 private:
  std::vector<std::unique_ptr<DownableNode>> nodes_;
  RepairSet set_;
};

inline Result<ObjectInfo> PutObject(InProcessCluster& c, const std::string& bucket,
                                    const std::string& key, const std::string& body) {
  return c.store().Put(gateway::testing::Request(bucket, key, body.size()),
                       gateway::testing::StringSource(body));
}

inline Status MakeBucket(InProcessCluster& c, const std::string& name) {
  BucketInfo b;
  b.name = name;
  b.owner_id = "owner";
  return c.store().CreateBucket(b);
}

// The layout stored on node 0 (or the first node holding the version).
inline Result<ObjectLayout> LayoutOf(InProcessCluster& c, const ObjectInfo& info) {
  for (size_t i = 0; i < c.size(); ++i) {
    auto w = c.local(i).GetVersion(info.bucket, info.key, info.version.ToBinary());
    if (!w.ok()) continue;
    SHALE_ASSIGN_OR_RETURN(ObjectRecord r, DecodeObjectRecord(w->payload));
    return DecodeLayout(r.info.layout);
  }
  return Status::NotFound("no node holds the version");
}

// The node holding shard position `pos` of an object placed with `layout`.
inline size_t NodeOfShard(const ObjectLayout& layout, uint32_t pos, size_t set_size) {
  return (pos + layout.rotation) % set_size;
}

}  // namespace shale::storage::testing
