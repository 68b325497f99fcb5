#pragma once

// Six in-process storage engines (real files and LMDB in a TempDir) behind LocalNodeClients,
// and a ClusterStore over them (erasure coding 4+2, 64 KiB chunks, 4 KiB inline limit) with
// the test's clock: the real data path under the S3 handler tests.
// Thread-safety: as ClusterStore; build and destroy on one thread.

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "gateway/cluster_store.h"
#include "storage/engine.h"
#include "storage/local_node_client.h"
#include "tests/storage/engine_test_util.h"
#include "tests/support/temp_dir.h"

namespace shale::gateway::testing {

class S3HandlersCluster {
 public:
  static constexpr uint32_t kK = 4;
  static constexpr uint32_t kM = 2;

  explicit S3HandlersCluster(const Clock* clock) {
    config_.cluster_id = "s3-handlers-test";
    for (uint32_t i = 0; i < kK + kM; ++i) {
      config_.nodes.push_back(
          {"n" + std::to_string(i), "127.0.0.1:" + std::to_string(21000 + i), ""});
    }
    config_.erasure = {kK, kM};
    config_.chunk_size = 64 * 1024;
    config_.inline_limit = 4 * 1024;
    config_.write_quorum = kK + 1;
    config_.read_quorum = kK;
    config_.cluster_secret = std::string(40, 's');
    std::vector<NodeClient*> nodes;
    for (const NodeConfig& node : config_.nodes) {
      storage::EngineOptions options = storage::testing::TestOptions(dir_.Sub(node.id));
      options.node_id = node.id;
      options.cluster_id = config_.cluster_id;
      Result<std::unique_ptr<storage::Engine>> engine = storage::Engine::Open(options);
      EXPECT_TRUE(engine.ok()) << engine.status().ToString();
      engines_.push_back(std::move(*engine));
      clients_.push_back(std::make_unique<storage::LocalNodeClient>(
          engines_.back().get(),
          storage::LocalNodeClientOptions{node.id, config_.cluster_id, nullptr}));
      nodes.push_back(clients_.back().get());
    }
    Result<std::unique_ptr<ClusterStore>> store =
        ClusterStore::Create(config_, nodes, ClusterStoreOptions{7, clock});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  ClusterStore& store() { return *store_; }

 private:
  ClusterConfig config_;
  shale::testing::TempDir dir_;
  std::vector<std::unique_ptr<storage::Engine>> engines_;
  std::vector<std::unique_ptr<storage::LocalNodeClient>> clients_;
  std::unique_ptr<ClusterStore> store_;  // Declared last: destroyed before the nodes.
};

}  // namespace shale::gateway::testing
