#pragma once

// Helpers for the listing-merge tests: in-process storage nodes over real files in a TempDir,
// and a NodeClient wrapper that counts what listings fetch and can fail on demand.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/node_client.h"
#include "storage/engine.h"
#include "storage/local_node_client.h"
#include "tests/storage/engine_test_util.h"
#include "tests/support/temp_dir.h"

namespace shale::testing {

// A version id whose memcmp order is that of n.
inline NodeVersionId ListVersion(uint64_t n) {
  NodeVersionId v{};
  for (int i = 0; i < 8; ++i) v[15 - i] = static_cast<uint8_t>(n >> (8 * i));
  return v;
}

// Forwards to `inner`; ListVersions counts calls and entries, and fails with Unavailable once
// `fail_after` calls have succeeded (negative: never). Thread-safe like the inner client.
class CountingNodeClient final : public NodeClient {
 public:
  explicit CountingNodeClient(NodeClient* inner) : inner_(inner) {}  // Borrowed.

  std::atomic<int> fail_after{-1};
  std::atomic<uint64_t> list_calls{0};
  std::atomic<uint64_t> entries_fetched{0};
  void ResetCounts() {
    list_calls = 0;
    entries_fetched = 0;
  }

  Result<node_wire::WireVersionPage> ListVersions(const NodeListRequest& request) override {
    const int limit = fail_after.load();
    if (limit >= 0 && list_calls.load() >= static_cast<uint64_t>(limit)) {
      return Status::Unavailable("injected listing failure");
    }
    ++list_calls;
    auto page = inner_->ListVersions(request);
    if (page.ok()) entries_fetched += page->versions.size();
    return page;
  }

  Status PutShard(std::string_view id, std::string_view data) override {
    return inner_->PutShard(id, data);
  }
  Result<std::string> GetShard(std::string_view id, uint64_t offset, uint64_t length) override {
    return inner_->GetShard(id, offset, length);
  }
  Status DeleteShard(std::string_view id) override { return inner_->DeleteShard(id); }
  Result<std::vector<node_wire::ShardCheck>> CheckShards(
      const std::vector<std::string>& ids) override {
    return inner_->CheckShards(ids);
  }
  Status PutVersion(std::string_view bucket, std::string_view key, const NodeVersionId& version,
                    std::string_view payload, node_wire::WireKind kind) override {
    return inner_->PutVersion(bucket, key, version, payload, kind);
  }
  Result<node_wire::WireVersion> GetVersion(std::string_view bucket, std::string_view key,
                                            std::optional<NodeVersionId> version) override {
    return inner_->GetVersion(bucket, key, version);
  }
  Status DeleteVersion(std::string_view bucket, std::string_view key,
                       const NodeVersionId& version) override {
    return inner_->DeleteVersion(bucket, key, version);
  }
  Status PutBucket(std::string_view name, std::string_view payload) override {
    return inner_->PutBucket(name, payload);
  }
  Result<std::string> GetBucket(std::string_view name) override { return inner_->GetBucket(name); }
  Status DeleteBucket(std::string_view name) override { return inner_->DeleteBucket(name); }
  Result<std::vector<node_wire::WireBucket>> ListBuckets() override {
    return inner_->ListBuckets();
  }
  Status EnqueueRepair(const node_wire::RepairHint& hint) override {
    return inner_->EnqueueRepair(hint);
  }
  Status Health() override { return inner_->Health(); }
  Result<std::string> StatusJson() override { return inner_->StatusJson(); }
  Result<std::string> MetricsText() override { return inner_->MetricsText(); }

 private:
  NodeClient* const inner_;
};

// `count` storage engines in subdirectories of one TempDir, each behind a LocalNodeClient
// wrapped in a CountingNodeClient.
class TestNodes {
 public:
  explicit TestNodes(size_t count) {
    for (size_t i = 0; i < count; ++i) {
      auto engine = storage::Engine::Open(
          storage::testing::TestOptions(dir_.path() + "/n" + std::to_string(i)));
      if (!engine.ok()) {
        status_ = engine.status();
        return;
      }
      engines_.push_back(std::move(*engine));
      locals_.push_back(std::make_unique<storage::LocalNodeClient>(
          engines_.back().get(),
          storage::LocalNodeClientOptions{"n" + std::to_string(i), "test-cluster", nullptr}));
      clients_.push_back(std::make_unique<CountingNodeClient>(locals_.back().get()));
    }
  }

  const Status& status() const { return status_; }
  CountingNodeClient& client(size_t i) { return *clients_[i]; }
  size_t size() const { return clients_.size(); }
  uint64_t EntriesFetched() const {
    uint64_t n = 0;
    for (const auto& c : clients_) n += c->entries_fetched;
    return n;
  }

 private:
  TempDir dir_;
  Status status_;
  std::vector<std::unique_ptr<storage::Engine>> engines_;
  std::vector<std::unique_ptr<storage::LocalNodeClient>> locals_;
  std::vector<std::unique_ptr<CountingNodeClient>> clients_;
};

}  // namespace shale::testing
