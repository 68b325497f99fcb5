// VersionRepairer over real engines: records copied, shards rebuilt bit-exact, replicas
// restored with their inline bytes, purges never undone, bucket records converged.

#include "storage/repair_version.h"

#include <gtest/gtest.h>

#include "tests/repair/repair_test_util.h"

namespace shale::storage::testing {
namespace {

using gateway::testing::RandomBody;
using gateway::testing::ReadAll;
using node_wire::WireKind;

class RepairVersionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(MakeBucket(cluster_, "b")); }

  NodeVersionId V(const ObjectInfo& info) { return info.version.ToBinary(); }

  InProcessCluster cluster_;  // One set of 4+2, 64 KiB chunks, 4 KiB inline limit.
  RepairNodes nodes_{cluster_};
  RepairSet set_ = nodes_.set();
  VersionRepairer repairer_{&set_};
};

TEST_F(RepairVersionTest, HealthyVersionIsOnlyRead) {
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, PutObject(cluster_, "b", "k", RandomBody(200000, 1)));
  RepairOutcome r = repairer_.RepairVersion("b", "k", V(info));
  EXPECT_FALSE(r.degraded);
  EXPECT_EQ(r.records_copied + r.shards_repaired, 0u);
}

TEST_F(RepairVersionTest, MissingRecordIsCopied) {
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, PutObject(cluster_, "b", "k", RandomBody(200000, 2)));
  ASSERT_OK(cluster_.local(2).DeleteVersion("b", "k", V(info)));
  RepairOutcome r = repairer_.RepairVersion("b", "k", V(info));
  EXPECT_TRUE(r.degraded);
  EXPECT_FALSE(r.incomplete) << r.problem;
  EXPECT_EQ(r.records_copied, 1u);
  ASSERT_OK_AND_ASSIGN(auto copied, cluster_.local(2).GetVersion("b", "k", V(info)));
  ASSERT_OK_AND_ASSIGN(auto source, cluster_.local(0).GetVersion("b", "k", V(info)));
  EXPECT_EQ(copied.payload, source.payload);
  EXPECT_EQ(repairer_.RepairVersion("b", "k", V(info)).records_copied, 0u);  // Idempotent.
}

TEST_F(RepairVersionTest, MissingCorruptAndShortShardsAreRebuiltBitExact) {
  const std::string body = RandomBody(200000, 3);  // 4 chunks of 64 KiB.
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, PutObject(cluster_, "b", "k", body));
  ASSERT_OK_AND_ASSIGN(ObjectLayout layout, LayoutOf(cluster_, info));
  const size_t n = cluster_.size();
  // Chunk 0: shard 0 corrupted on disk; chunk 1: shard 4 deleted; chunk 2: shard 5 truncated.
  const std::string s0 = ShardId(layout.data_id, 0, 0);
  const std::string s4 = ShardId(layout.data_id, 1, 4);
  const std::string s5 = ShardId(layout.data_id, 2, 5);
  const size_t n0 = NodeOfShard(layout, 0, n), n4 = NodeOfShard(layout, 4, n),
               n5 = NodeOfShard(layout, 5, n);
  ASSERT_OK_AND_ASSIGN(std::string orig0, cluster_.local(n0).GetShard(s0));
  ASSERT_OK_AND_ASSIGN(std::string orig4, cluster_.local(n4).GetShard(s4));
  ASSERT_OK_AND_ASSIGN(std::string orig5, cluster_.local(n5).GetShard(s5));
  ASSERT_TRUE(cluster_.FlipOnDisk(n0, orig0.substr(1000, 64)));
  // A read finds the corruption and marks the shard bad (as scrub would): repair sees that.
  EXPECT_FALSE(cluster_.local(n0).GetShard(s0).ok());
  ASSERT_OK(cluster_.local(n4).DeleteShard(s4));
  ASSERT_OK(cluster_.local(n5).PutShard(s5, orig5.substr(0, 100)));

  RepairOutcome r = repairer_.RepairVersion("b", "k", V(info));
  EXPECT_FALSE(r.incomplete) << r.problem;
  EXPECT_EQ(r.shards_repaired, 3u);
  EXPECT_EQ(r.shard_bytes, orig0.size() + orig4.size() + orig5.size());
  EXPECT_TRUE(cluster_.local(n0).GetShard(s0).value_or("") == orig0);
  EXPECT_TRUE(cluster_.local(n4).GetShard(s4).value_or("") == orig4);
  EXPECT_TRUE(cluster_.local(n5).GetShard(s5).value_or("") == orig5);
  EXPECT_TRUE(ReadAll(cluster_.store(), "b", "k").value_or("") == body);
  for (auto [node, id] : {std::pair{n0, s0}, {n4, s4}, {n5, s5}}) {
    auto c = cluster_.local(node).CheckShards({id});
    ASSERT_OK(c.status());
    EXPECT_TRUE((*c)[0].healthy) << node;
  }
  EXPECT_EQ(repairer_.RepairVersion("b", "k", V(info)).shards_repaired, 0u);
}

TEST_F(RepairVersionTest, ShardItemFromAQueueIsRebuilt) {
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, PutObject(cluster_, "b", "k", RandomBody(100000, 4)));
  ASSERT_OK_AND_ASSIGN(ObjectLayout layout, LayoutOf(cluster_, info));
  const std::string id = ShardId(layout.data_id, 1, 2);
  const size_t node = NodeOfShard(layout, 2, cluster_.size());
  ASSERT_OK_AND_ASSIGN(std::string orig, cluster_.local(node).GetShard(id));
  ASSERT_OK(cluster_.local(node).DeleteShard(id));
  RepairOutcome r = repairer_.RepairShardId(id);
  EXPECT_EQ(r.shards_repaired, 1u);
  EXPECT_TRUE(cluster_.local(node).GetShard(id).value_or("") == orig);
}

TEST_F(RepairVersionTest, TooFewShardsIsIncompleteAndChangesNothing) {
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, PutObject(cluster_, "b", "k", RandomBody(70000, 5)));
  ASSERT_OK_AND_ASSIGN(ObjectLayout layout, LayoutOf(cluster_, info));
  for (uint32_t pos = 0; pos < 3; ++pos) {
    ASSERT_OK(cluster_.local(NodeOfShard(layout, pos, cluster_.size()))
                  .DeleteShard(ShardId(layout.data_id, 0, pos)));
  }
  RepairOutcome r = repairer_.RepairVersion("b", "k", V(info));
  EXPECT_TRUE(r.incomplete);
  EXPECT_EQ(r.shards_repaired, 0u);  // Three of six lost: chunk 0 is beyond repair.
}

TEST_F(RepairVersionTest, ReplicasGetTheirInlineBytesBack) {
  const std::string body = "small object body";
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, PutObject(cluster_, "b", "small", body));
  ASSERT_OK_AND_ASSIGN(ObjectLayout layout, LayoutOf(cluster_, info));
  ASSERT_EQ(layout.kind, LayoutKind::kReplicated);
  const size_t n = cluster_.size();
  const size_t holder = NodeOfShard(layout, 0, n);
  const size_t other = NodeOfShard(layout, layout.replicas, n);
  ASSERT_OK(cluster_.local(holder).DeleteVersion("b", "small", V(info)));
  ASSERT_OK(cluster_.local(other).DeleteVersion("b", "small", V(info)));
  RepairOutcome r = repairer_.RepairVersion("b", "small", V(info));
  EXPECT_EQ(r.records_copied, 2u);
  ASSERT_OK_AND_ASSIGN(auto held, cluster_.local(holder).GetVersion("b", "small", V(info)));
  ASSERT_OK_AND_ASSIGN(ObjectRecord rec, DecodeObjectRecord(held.payload));
  ASSERT_OK_AND_ASSIGN(ObjectLayout l, DecodeLayout(rec.info.layout));
  EXPECT_TRUE(l.has_data);
  EXPECT_EQ(l.data, body);
  ASSERT_OK_AND_ASSIGN(auto meta, cluster_.local(other).GetVersion("b", "small", V(info)));
  ASSERT_OK_AND_ASSIGN(ObjectRecord rec2, DecodeObjectRecord(meta.payload));
  ASSERT_OK_AND_ASSIGN(ObjectLayout l2, DecodeLayout(rec2.info.layout));
  EXPECT_FALSE(l2.has_data);
  // Every other replica holder can go: the restored one serves the read.
  for (uint32_t pos = 1; pos < layout.replicas; ++pos) {
    ASSERT_OK(cluster_.local(NodeOfShard(layout, pos, n)).DeleteVersion("b", "small", V(info)));
  }
  EXPECT_EQ(ReadAll(cluster_.store(), "b", "small").value_or(""), body);
}

TEST_F(RepairVersionTest, PurgeIsNeverUndone) {
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, PutObject(cluster_, "b", "k", RandomBody(9000, 6)));
  // Node 3 saw the versioned delete; the others missed it.
  ASSERT_OK(
      cluster_.local(3).PutVersion("b", "k", V(info), EncodePurgePayload(1234), WireKind::kPurged));
  RepairOutcome r = repairer_.RepairVersion("b", "k", V(info));
  EXPECT_FALSE(r.incomplete) << r.problem;
  EXPECT_EQ(r.records_copied, cluster_.size() - 1);
  for (size_t i = 0; i < cluster_.size(); ++i) {
    ASSERT_OK_AND_ASSIGN(auto w, cluster_.local(i).GetVersion("b", "k", V(info)));
    EXPECT_EQ(w.kind, WireKind::kPurged) << "node " << i;
  }
  EXPECT_FALSE(cluster_.store().Head("b", "k").ok());
}

TEST_F(RepairVersionTest, DownNodeMakesTheRepairIncomplete) {
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, PutObject(cluster_, "b", "k", RandomBody(9000, 7)));
  ASSERT_OK(cluster_.local(1).DeleteVersion("b", "k", V(info)));
  nodes_.node(1).set_down(true);
  RepairOutcome r = repairer_.RepairVersion("b", "k", V(info));
  EXPECT_TRUE(r.incomplete);
  nodes_.node(1).set_down(false);
  r = repairer_.RepairVersion("b", "k", V(info));
  EXPECT_FALSE(r.incomplete) << r.problem;
  EXPECT_EQ(r.records_copied, 1u);
}

TEST_F(RepairVersionTest, NewestBucketRecordWins) {
  ASSERT_OK(cluster_.local(4).DeleteBucket("b"));
  RepairOutcome r = repairer_.RepairBucket("b");
  EXPECT_EQ(r.records_copied, 1u);
  EXPECT_EQ(cluster_.local(4).GetBucket("b").value_or("x"),
            cluster_.local(0).GetBucket("b").value_or("y"));
}

}  // namespace
}  // namespace shale::storage::testing
