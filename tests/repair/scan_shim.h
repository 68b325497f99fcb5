#pragma once

// TEMPORARY (until nodeside lands ScanVersions/ListShards in LocalNodeClient): a NodeClient
// decorator answering ScanVersions from ListVersions of known buckets and ListShards from the
// shard ids written through it.

#include <algorithm>
#include <mutex>
#include <set>

#include "common/node_client.h"
#include "storage/repair_scan.h"

namespace shale::storage::testing {

class ScanShim final : public NodeClient {
 public:
  ScanShim(NodeClient* inner, std::vector<std::string> buckets)
      : inner_(inner), buckets_(std::move(buckets)) {
    std::sort(buckets_.begin(), buckets_.end());
  }
  Status PutShard(std::string_view id, std::string_view data) override {
    Status s = inner_->PutShard(id, data);
    if (s.ok()) {
      std::lock_guard<std::mutex> l(mu_);
      ids_.insert(std::string(id));
    }
    return s;
  }
  Result<std::string> GetShard(std::string_view id, uint64_t o, uint64_t l) override {
    return inner_->GetShard(id, o, l);
  }
  Status DeleteShard(std::string_view id) override {
    Status s = inner_->DeleteShard(id);
    std::lock_guard<std::mutex> l(mu_);
    if (s.ok()) ids_.erase(std::string(id));
    return s;
  }
  Result<std::vector<node_wire::ShardCheck>> CheckShards(
      const std::vector<std::string>& ids) override {
    return inner_->CheckShards(ids);
  }
  Status PutVersion(std::string_view b, std::string_view k, const NodeVersionId& v,
                    std::string_view p, node_wire::WireKind kind) override {
    return inner_->PutVersion(b, k, v, p, kind);
  }
  Result<node_wire::WireVersion> GetVersion(std::string_view b, std::string_view k,
                                            std::optional<NodeVersionId> v) override {
    return inner_->GetVersion(b, k, v);
  }
  Status DeleteVersion(std::string_view b, std::string_view k, const NodeVersionId& v) override {
    return inner_->DeleteVersion(b, k, v);
  }
  Result<node_wire::WireVersionPage> ListVersions(const NodeListRequest& r) override {
    return inner_->ListVersions(r);
  }
  Status PutBucket(std::string_view n, std::string_view p) override {
    return inner_->PutBucket(n, p);
  }
  Result<std::string> GetBucket(std::string_view n) override { return inner_->GetBucket(n); }
  Status DeleteBucket(std::string_view n) override { return inner_->DeleteBucket(n); }
  Result<std::vector<node_wire::WireBucket>> ListBuckets() override {
    return inner_->ListBuckets();
  }
  Status EnqueueRepair(const node_wire::RepairHint& h) override { return inner_->EnqueueRepair(h); }
  Status Health() override { return inner_->Health(); }
  Result<std::string> StatusJson() override { return inner_->StatusJson(); }
  Result<std::string> MetricsText() override { return inner_->MetricsText(); }

  Result<node_wire::WireScanPage> ScanVersions(const NodeScanRequest& request) override {
    SHALE_RETURN_IF_ERROR(inner_->Health());
    node_wire::WireScanPage page;
    for (const std::string& b : buckets_) {
      NodeListRequest r;
      r.bucket = b;
      r.limit = 10000;
      SHALE_ASSIGN_OR_RETURN(node_wire::WireVersionPage vp, inner_->ListVersions(r));
      for (auto& v : vp.versions) {
        NodeScanPosition p{b, v.key, v.version};
        if (request.start_after && !ScanBefore(*request.start_after, p)) continue;
        if (page.entries.size() == request.limit) {
          page.truncated = true;
          return page;
        }
        page.entries.push_back({b, std::move(v)});
      }
    }
    return page;
  }
  Result<node_wire::WireShardPage> ListShards(std::string_view after, uint32_t limit) override {
    SHALE_RETURN_IF_ERROR(inner_->Health());
    std::vector<std::string> ids;
    {
      std::lock_guard<std::mutex> l(mu_);
      for (auto it = ids_.upper_bound(std::string(after)); it != ids_.end(); ++it) {
        ids.push_back(*it);
      }
    }
    node_wire::WireShardPage page;
    SHALE_ASSIGN_OR_RETURN(auto checks, inner_->CheckShards(ids));
    for (auto& c : checks) {
      if (!c.present) continue;
      if (page.shards.size() == limit) {
        page.truncated = true;
        break;
      }
      page.shards.push_back(c);
    }
    return page;
  }
  Result<std::vector<node_wire::WireRepairItem>> PeekRepairs(uint32_t) override {
    return std::vector<node_wire::WireRepairItem>{};
  }

 private:
  NodeClient* inner_;
  std::vector<std::string> buckets_;
  std::mutex mu_;
  std::set<std::string> ids_;
};

}  // namespace shale::storage::testing
