#pragma once

// A cluster of in-process storage engines (real files in a TempDir) behind LocalNodeClients,
// each wrapped so a test can take a node down, and a ClusterStore over them.

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/config.h"
#include "gateway/cluster_store.h"
#include "storage/engine.h"
#include "storage/local_node_client.h"
#include "tests/storage/engine_test_util.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale::gateway::testing {

// Forwards to a node, or answers Unavailable for every call while down (a stopped node).
class SwitchableNode final : public NodeClient {
 public:
  explicit SwitchableNode(NodeClient* inner) : inner_(inner) {}
  void set_down(bool down) { down_ = down; }
  // Only PutVersion fails (shards still land): a quorum lost between the chunks and the record.
  void set_fail_version_puts(bool fail) { fail_version_puts_ = fail; }
  bool down() const { return down_; }
  uint64_t calls() const { return calls_; }

  Status PutShard(std::string_view id, std::string_view data) override {
    return Gate() ? inner_->PutShard(id, data) : Down();
  }
  Result<std::string> GetShard(std::string_view id, uint64_t offset, uint64_t length) override {
    if (!Gate()) return Down();
    return inner_->GetShard(id, offset, length);
  }
  Status DeleteShard(std::string_view id) override {
    return Gate() ? inner_->DeleteShard(id) : Down();
  }
  Result<std::vector<node_wire::ShardCheck>> CheckShards(
      const std::vector<std::string>& ids) override {
    if (!Gate()) return Down();
    return inner_->CheckShards(ids);
  }
  Status PutVersion(std::string_view bucket, std::string_view key, const NodeVersionId& version,
                    std::string_view payload, node_wire::WireKind kind) override {
    if (fail_version_puts_) return Down();
    return Gate() ? inner_->PutVersion(bucket, key, version, payload, kind) : Down();
  }
  Result<node_wire::WireVersion> GetVersion(std::string_view bucket, std::string_view key,
                                            std::optional<NodeVersionId> version) override {
    if (!Gate()) return Down();
    return inner_->GetVersion(bucket, key, version);
  }
  Status DeleteVersion(std::string_view bucket, std::string_view key,
                       const NodeVersionId& version) override {
    return Gate() ? inner_->DeleteVersion(bucket, key, version) : Down();
  }
  Result<node_wire::WireVersionPage> ListVersions(const NodeListRequest& request) override {
    if (!Gate()) return Down();
    return inner_->ListVersions(request);
  }
  Status PutBucket(std::string_view name, std::string_view payload) override {
    return Gate() ? inner_->PutBucket(name, payload) : Down();
  }
  Result<std::string> GetBucket(std::string_view name) override {
    if (!Gate()) return Down();
    return inner_->GetBucket(name);
  }
  Status DeleteBucket(std::string_view name) override {
    return Gate() ? inner_->DeleteBucket(name) : Down();
  }
  Result<std::vector<node_wire::WireBucket>> ListBuckets() override {
    if (!Gate()) return Down();
    return inner_->ListBuckets();
  }
  Status EnqueueRepair(const node_wire::RepairHint& hint) override {
    return Gate() ? inner_->EnqueueRepair(hint) : Down();
  }
  Status Health() override { return Gate() ? inner_->Health() : Down(); }
  Result<std::string> StatusJson() override {
    if (!Gate()) return Down();
    return inner_->StatusJson();
  }
  Result<std::string> MetricsText() override {
    if (!Gate()) return Down();
    return inner_->MetricsText();
  }

 private:
  bool Gate() {
    ++calls_;
    return !down_;
  }
  static Status Down() { return Status::Unavailable("node is down (test)"); }

  NodeClient* const inner_;
  std::atomic<bool> down_{false};
  std::atomic<bool> fail_version_puts_{false};
  std::atomic<uint64_t> calls_{0};
};

struct TestClusterOptions {
  uint32_t sets = 1;
  uint32_t k = 4;
  uint32_t m = 2;
  uint64_t chunk_size = 64 * kKiB;
  uint64_t inline_limit = 4 * kKiB;
};

inline ClusterConfig MakeConfig(const TestClusterOptions& o) {
  ClusterConfig c;
  c.cluster_id = "test-cluster";
  for (uint32_t i = 0; i < o.sets * (o.k + o.m); ++i) {
    c.nodes.push_back({"n" + std::to_string(i), "127.0.0.1:" + std::to_string(20000 + i), ""});
  }
  c.erasure = {o.k, o.m};
  c.chunk_size = o.chunk_size;
  c.inline_limit = o.inline_limit;
  c.write_quorum = std::min(o.k + 1, o.k + o.m);
  c.read_quorum = o.k;
  c.cluster_secret = std::string(40, 's');
  return c;
}

// N engines on subdirectories of a TempDir, a switchable client per engine, and a store.
class InProcessCluster {
 public:
  explicit InProcessCluster(TestClusterOptions options = {}) : options_(options) {
    config_ = MakeConfig(options);
    for (size_t i = 0; i < config_.nodes.size(); ++i) {
      auto opts = storage::testing::TestOptions(dir_.Sub("n" + std::to_string(i)));
      opts.node_id = config_.nodes[i].id;
      auto engine = storage::Engine::Open(opts);
      EXPECT_TRUE(engine.ok()) << engine.status().ToString();
      engines_.push_back(std::move(*engine));
      locals_.push_back(std::make_unique<storage::LocalNodeClient>(
          engines_.back().get(),
          storage::LocalNodeClientOptions{config_.nodes[i].id, config_.cluster_id, nullptr}));
      switches_.push_back(std::make_unique<SwitchableNode>(locals_.back().get()));
    }
    store_ = NewStore(/*origin=*/1);
  }

  std::unique_ptr<ClusterStore> NewStore(uint32_t origin, const Clock* clock = nullptr) {
    std::vector<NodeClient*> nodes;
    for (auto& s : switches_) nodes.push_back(s.get());
    auto store = ClusterStore::Create(config_, nodes, ClusterStoreOptions{origin, clock});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return std::move(*store);
  }

  ClusterStore& store() { return *store_; }
  const ClusterConfig& config() const { return config_; }
  size_t size() const { return engines_.size(); }
  SwitchableNode& node(size_t i) { return *switches_[i]; }
  storage::Engine& engine(size_t i) { return *engines_[i]; }
  NodeClient& local(size_t i) { return *locals_[i]; }
  std::string node_dir(size_t i) const { return dir_.Sub("n" + std::to_string(i)); }
  // Object repair hints queued on all nodes (after store().DrainBackground()).
  size_t QueuedHints() {
    size_t n = 0;
    for (auto& e : engines_) {
      auto items = e->PeekRepairs(100000);
      EXPECT_TRUE(items.ok());
      if (!items.ok()) continue;
      n += std::count_if(items->begin(), items->end(), [](const storage::RepairItem& item) {
        return item.kind == storage::RecordKind::kObjectHint;
      });
    }
    return n;
  }

  // Flips one byte of the first occurrence of `needle` in node i's segment files. True if found.
  bool FlipOnDisk(size_t i, const std::string& needle) {
    for (const auto& entry : std::filesystem::directory_iterator(node_dir(i) + "/segments")) {
      std::fstream f(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      size_t at = bytes.find(needle);
      if (at == std::string::npos) continue;
      f.clear();
      f.seekp(static_cast<std::streamoff>(at + needle.size() / 2));
      char c = static_cast<char>(bytes[at + needle.size() / 2] ^ 0x5a);
      f.write(&c, 1);
      return f.good();
    }
    return false;
  }

 private:
  TestClusterOptions options_;
  ClusterConfig config_;
  shale::testing::TempDir dir_;
  std::vector<std::unique_ptr<storage::Engine>> engines_;
  std::vector<std::unique_ptr<storage::LocalNodeClient>> locals_;
  std::vector<std::unique_ptr<SwitchableNode>> switches_;
  std::unique_ptr<ClusterStore> store_;
};

// The entries of a node listing that are not purge tombstones.
inline std::vector<node_wire::WireVersion> Live(const node_wire::WireVersionPage& page) {
  std::vector<node_wire::WireVersion> out;
  for (const auto& v : page.versions) {
    if (v.kind != node_wire::WireKind::kPurged) out.push_back(v);
  }
  return out;
}

inline std::string RandomBody(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>(rng());
  return out;
}

// A body source over a string, handing out at most `step` bytes per call.
inline BodySource StringSource(const std::string& data, size_t step = 1 << 30) {
  auto pos = std::make_shared<size_t>(0);
  return [&data, pos, step](std::span<char> buf) -> Result<size_t> {
    size_t n = std::min({buf.size(), data.size() - *pos, step});
    std::copy_n(data.data() + *pos, n, buf.data());
    *pos += n;
    return n;
  };
}

inline PutRequest Request(const std::string& bucket, const std::string& key,
                          std::optional<uint64_t> size) {
  PutRequest r;
  r.bucket = bucket;
  r.key = key;
  r.owner_id = "owner";
  r.size = size;
  return r;
}

// Reads [offset, offset+length) of the object with the store's reader, in `step`-byte reads.
inline Result<std::string> ReadRange(ObjectStore& store, const ObjectInfo& info, uint64_t offset,
                                     uint64_t length, size_t step = 100000) {
  SHALE_ASSIGN_OR_RETURN(auto reader, store.OpenRead(info, offset, length));
  std::string out;
  std::string buf(step, '\0');
  for (;;) {
    SHALE_ASSIGN_OR_RETURN(size_t n, reader->Read(std::span<char>(buf.data(), buf.size())));
    if (n == 0) break;
    out.append(buf.data(), n);
  }
  return out;
}

inline Result<std::string> ReadAll(ObjectStore& store, std::string_view bucket,
                                   std::string_view key) {
  SHALE_ASSIGN_OR_RETURN(ObjectInfo info, store.Head(bucket, key));
  return ReadRange(store, info, 0, UINT64_MAX);
}

}  // namespace shale::gateway::testing
