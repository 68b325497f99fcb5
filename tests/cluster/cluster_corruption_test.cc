// Bytes flipped in shards on a node's disk (node stopped, file edited, node restarted): reads
// through ClusterStore stay bit-exact by decoding from parity, and the damaged shards end up
// marked bad and queued for repair on their node.

#include <gtest/gtest.h>

#include <string>

#include "tests/cluster/cluster_harness.h"
#include "tests/node/node_test_util.h"
#include "tests/support/shard_files.h"
#include "tests/support/status_matchers.h"

namespace shale::testing {
namespace {

constexpr uint64_t kChunk = 256 * kKiB;

class ClusterCorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(harness_.Start());
    ASSERT_OK(CreateBucket(harness_.store(), "b"));
  }

  // Stops node i, flips one payload byte (at `at`, clamped) of every shard record on its disk,
  // restarts it; returns the damaged shard ids.
  std::vector<std::string> CorruptEveryShardOn(int i, uint64_t at) {
    TestCluster& cluster = harness_.cluster();
    EXPECT_EQ(cluster.StopNode(i), 0);
    std::vector<std::string> ids;
    auto records = FindShardRecords(cluster.DataDir(i));
    EXPECT_OK(records);
    if (records.ok()) {
      for (const ShardRecordFile& r : *records) {
        if (r.payload_length == 0) continue;
        EXPECT_OK(FlipShardPayloadByte(r, std::min<uint64_t>(at, r.payload_length - 1)));
        ids.push_back(r.id);
      }
    }
    EXPECT_OK(cluster.StartNode(i));
    return ids;
  }

  ClusterHarness harness_{{.nodes = 6, .k = 4, .m = 2, .chunk_size = kChunk}};
};

TEST_F(ClusterCorruptionTest, FlippedShardBytesAreDecodedAroundAndQueuedForRepair) {
  gateway::ObjectStore& store = harness_.store();
  const std::string data = RandomBytes(6 * kChunk + 5000, 11);
  ASSERT_OK_AND_ASSIGN(gateway::ObjectInfo put, PutString(store, "b", "k", data));
  // A node the healthy path reads from, so its damage cannot go unnoticed.
  ASSERT_OK_AND_ASSIGN(std::vector<int> readers,
                       harness_.NodesServing("shard_get", [&] { EXPECT_OK(ReadAll(store, put)); }));
  ASSERT_FALSE(readers.empty());
  const int victim = readers[0];
  ASSERT_OK_AND_ASSIGN(uint64_t depth_before, harness_.NodeStat(victim, "repair_queue_depth"));
  EXPECT_EQ(depth_before, 0u);

  std::vector<std::string> damaged = CorruptEveryShardOn(victim, 1234);
  ASSERT_EQ(damaged.size(), 7u) << "one shard per chunk expected on node " << victim;
  const uint64_t hints_before = harness_.cluster_store().repair_hints();

  ASSERT_OK_AND_ASSIGN(std::string got, GetString(store, "b", "k"));
  EXPECT_TRUE(SameBytes(got, data));
  // A range inside one chunk, where the damaged byte lives.
  ASSERT_OK_AND_ASSIGN(got, ReadRange(store, put, 2 * kChunk + 1000, 3000));
  EXPECT_TRUE(SameBytes(got, std::string_view(data).substr(2 * kChunk + 1000, 3000)));

  // The gateway hinted a repair, and the node marked every damaged shard bad (the victim serves
  // a data shard of every chunk, so the read touched them all) and queued it.
  EXPECT_GT(harness_.cluster_store().repair_hints(), hints_before);
  harness_.cluster_store().DrainBackground();  // The hint reaches a node's queue.
  uint64_t hinted = 0;
  for (int i = 0; i < harness_.nodes(); ++i) {
    if (i == victim) continue;
    ASSERT_OK_AND_ASSIGN(uint64_t d, harness_.NodeStat(i, "repair_queue_depth"));
    hinted += d;
  }
  EXPECT_GE(hinted, 1u) << "no healthy node queued the gateway's repair hint";
  ASSERT_OK_AND_ASSIGN(uint64_t depth, harness_.NodeStat(victim, "repair_queue_depth"));
  ASSERT_OK_AND_ASSIGN(auto checks, harness_.node(victim).CheckShards(damaged));
  int bad = 0;
  for (const auto& c : checks) bad += c.present && !c.healthy;
  EXPECT_EQ(bad, static_cast<int>(damaged.size()));
  EXPECT_GE(depth, damaged.size());
  // Later reads still exact (now the node refuses the shards outright).
  ASSERT_OK_AND_ASSIGN(got, GetString(store, "b", "k"));
  EXPECT_TRUE(SameBytes(got, data));
}

TEST_F(ClusterCorruptionTest, TwoDamagedNodesPerChunkStillDecode) {
  gateway::ObjectStore& store = harness_.store();
  const std::string data = RandomBytes(4 * kChunk + 77, 12);
  ASSERT_OK_AND_ASSIGN(gateway::ObjectInfo put, PutString(store, "b", "k", data));
  ASSERT_OK_AND_ASSIGN(std::vector<int> readers,
                       harness_.NodesServing("shard_get", [&] { EXPECT_OK(ReadAll(store, put)); }));
  ASSERT_GE(readers.size(), 2u);
  CorruptEveryShardOn(readers[0], 0);
  CorruptEveryShardOn(readers[1], UINT64_MAX);  // The last byte of each shard.
  ASSERT_OK_AND_ASSIGN(std::string got, GetString(store, "b", "k"));
  EXPECT_TRUE(SameBytes(got, data));
  // A third damaged node leaves fewer than k good shards: an error, never wrong bytes.
  int third = 0;
  while (third == readers[0] || third == readers[1]) ++third;
  CorruptEveryShardOn(third, 500);
  auto read = GetString(store, "b", "k");
  if (read.ok()) {
    ADD_FAILURE() << "read with three damaged shards per chunk returned "
                  << (SameBytes(*read, data) ? "the right bytes (impossible)" : "wrong bytes");
  }
}

}  // namespace
}  // namespace shale::testing
