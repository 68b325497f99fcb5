// The repair service in real shale-node processes: a node restarted with an empty data
// directory gets every record and shard back, and a coordinator killed with SIGKILL in the
// middle of that sweep resumes it from its saved position after a restart.

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/fs/file_util.h"
#include "common/object_record.h"
#include "storage/repair_sweep_state.h"
#include "tests/cluster/cluster_harness.h"
#include "tests/node/node_test_util.h"
#include "tests/support/status_matchers.h"

namespace shale::testing {
namespace {

constexpr uint64_t kChunk = 64 * kKiB;

class RepairClusterTest : public ::testing::Test {
 protected:
  // Starts the cluster, then gives every node the real peer addresses and a slow repair rate
  // (the first start only knew placeholders) by rewriting the config and restarting.
  void SetUp() override {
    ASSERT_OK(harness_.Start());
    TestCluster& c = harness_.cluster();
    ASSERT_OK_AND_ASSIGN(ClusterConfig config, LoadClusterConfig(c.config_path()));
    config.repair.rate_bytes_per_sec = 4'000'000;
    config.repair.coordinator_check_seconds = 1;
    ASSERT_OK(fs::WriteFileAtomically(*fs::DefaultFileSystem(), c.config_path(),
                                      ClusterConfigToJson(config)));
    for (int i = 0; i < harness_.nodes(); ++i) ASSERT_OK(c.RestartNode(i));
    ASSERT_OK(CreateBucket(harness_.store(), "b"));
  }

  std::vector<gateway::ObjectInfo> PutObjects(int n) {
    std::vector<gateway::ObjectInfo> out;
    for (int i = 0; i < n; ++i) {
      auto put = PutString(harness_.store(), "b", "obj-" + std::to_string(i),
                           RandomBytes(i % 10 == 0 ? 100 : 70 * kKiB, i));
      EXPECT_OK(put.status());
      if (put.ok()) out.push_back(*put);
    }
    return out;
  }

  // Every version record and shard that node `victim` must hold, checked on that node.
  void ExpectWhole(int victim, const std::vector<gateway::ObjectInfo>& objects) {
    HttpNodeClient& node = harness_.node(victim);
    for (const gateway::ObjectInfo& o : objects) {
      ASSERT_OK_AND_ASSIGN(auto record, node.GetVersion("b", o.key, o.version.ToBinary()));
      ASSERT_OK_AND_ASSIGN(ObjectRecord r, DecodeObjectRecord(record.payload));
      ASSERT_OK_AND_ASSIGN(ObjectLayout layout, DecodeLayout(r.info.layout));
      const uint32_t n = layout.k + layout.m;
      const uint32_t pos = (static_cast<uint32_t>(victim) + n - layout.rotation) % n;
      std::vector<std::string> ids;
      for (const ErasureExtent& e : ErasureExtents(layout, r.info.size)) {
        for (uint64_t c = 0; c < ChunkCount(e); ++c) {
          ids.push_back(ShardId(e.data_id, static_cast<uint32_t>(c), pos));
        }
      }
      if (ids.empty()) continue;
      ASSERT_OK_AND_ASSIGN(auto checks, node.CheckShards(ids));
      for (const auto& c : checks) EXPECT_TRUE(c.present && c.healthy) << o.key;
    }
  }

  // The "repair" member of node i's status.
  Result<rapidjson::Document> RepairStatus(int i) {
    SHALE_ASSIGN_OR_RETURN(std::string json, harness_.node(i).StatusJson());
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("repair")) {
      return Status::Corruption("no repair status in " + json);
    }
    rapidjson::Document repair;
    repair.CopyFrom(doc["repair"], repair.GetAllocator());
    return repair;
  }

  // Waits until node i's sweep completed at or after `since_ms`.
  void WaitForSweep(int i, uint64_t since_ms) {
    for (int tries = 0; tries < 1200; ++tries) {
      auto s = RepairStatus(i);
      if (s.ok() && !(*s)["sweep"]["running"].GetBool() &&
          (*s)["sweep"]["last_completed_ms"].GetUint64() >= since_ms) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "the sweep of node " << i << " did not complete\n" << harness_.cluster().AllLogs();
  }

  void Wipe(int i) {
    TestCluster& c = harness_.cluster();
    EXPECT_EQ(c.StopNode(i), 0);
    ASSERT_OK(c.WipeNode(i));
    ASSERT_OK(c.StartNode(i));
  }

  static uint64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  ClusterHarness harness_{
      {.nodes = 6, .k = 4, .m = 2, .chunk_size = kChunk, .inline_limit = 4 * kKiB}};
};

TEST_F(RepairClusterTest, WipedNodeGetsEveryRecordAndShardBack) {
  std::vector<gateway::ObjectInfo> objects = PutObjects(30);
  const uint64_t since = NowMs();
  Wipe(3);
  ASSERT_OK(harness_.node(0).StartRepair({}));
  WaitForSweep(0, since);
  ExpectWhole(3, objects);
  ASSERT_OK_AND_ASSIGN(rapidjson::Document s, RepairStatus(0));
  EXPECT_TRUE(s["coordinator"].GetBool());
  EXPECT_EQ(s["records_copied_total"].GetUint64(), objects.size());
  EXPECT_GT(s["shards_repaired_total"].GetUint64(), 0u);
}

TEST_F(RepairClusterTest, CoordinatorKilledMidSweepResumesAndFinishes) {
  std::vector<gateway::ObjectInfo> objects = PutObjects(200);
  TestCluster& c = harness_.cluster();
  const uint64_t since = NowMs();
  Wipe(5);
  ASSERT_OK(harness_.node(0).StartRepair({}));
  // Kill node 0 once its saved state shows a sweep part-way through.
  storage::SweepState seen;
  for (int tries = 0; tries < 3000; ++tries) {
    auto bytes = fs::ReadFileToString(*fs::DefaultFileSystem(),
                                      c.DataDir(0) + "/" + storage::kSweepStateFile, 8192);
    if (bytes.ok()) {
      auto state = storage::DecodeSweepState(*bytes);
      if (state.ok() && state->running && state->scanned > 0) {
        seen = *state;
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(seen.running) << "never saw the sweep running\n" << c.AllLogs();
  c.KillNode(0);
  ASSERT_LT(seen.scanned, objects.size()) << "the sweep finished before the kill";
  ASSERT_OK(c.StartNode(0));
  WaitForSweep(0, since);
  ASSERT_OK_AND_ASSIGN(rapidjson::Document s, RepairStatus(0));
  // Resumed, not restarted: the sweep kept its start time and counted every version once.
  EXPECT_EQ(s["sweep"]["started_ms"].GetUint64(), seen.started_ms);
  EXPECT_EQ(s["sweep"]["scanned"].GetUint64(), objects.size());
  ExpectWhole(5, objects);
}

}  // namespace
}  // namespace shale::testing
