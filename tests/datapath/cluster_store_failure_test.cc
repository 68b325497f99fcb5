// ClusterStore when nodes fail (issue 6, §7): with up to m nodes of a set down every read
// succeeds, with fewer than k+m-write_quorum+1 down every write succeeds, otherwise Unavailable
// and nothing half-written becomes visible; corrupt shards are decoded around; stale records
// lose to the newest.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "common/erasure.h"
#include "common/object_record.h"
#include "common/placement.h"
#include "gateway/cluster_store.h"
#include "tests/datapath/cluster_store_test_util.h"
#include "tests/support/random_seed.h"

namespace shale::gateway::testing {
namespace {

using ::shale::testing::StatusIs;

constexpr uint64_t kChunk = 64 * kKiB;

class ClusterStoreFailureTest : public ::testing::Test {
 protected:
  ClusterStore& store() { return cluster_.store(); }
  Result<ObjectInfo> PutString(const std::string& key, const std::string& data) {
    return store().Put(Request("b", key, data.size()), StringSource(data, 10000));
  }
  // Config index of the node holding shard `shard` of the key.
  size_t NodeOf(const std::string& key, uint32_t shard) {
    Placement placement(static_cast<uint32_t>(cluster_.size()), 6);
    return placement.NodeFor(placement.Locate("b", key), shard);
  }
  void AllUp() {
    for (size_t i = 0; i < cluster_.size(); ++i) cluster_.node(i).set_down(false);
  }
  InProcessCluster cluster_;
};

TEST_F(ClusterStoreFailureTest, ReadsSurviveUpToMNodesDown) {
  const uint64_t seed = shale::testing::TestSeed();
  std::mt19937_64 rng(seed);
  std::string big = RandomBody(3 * kChunk + 999, seed);
  std::string small = RandomBody(1000, seed + 1);
  ASSERT_OK(PutString("big", big).status());
  ASSERT_OK(PutString("small", small).status());
  // Every pair and every single node of the set (m = 2).
  for (size_t a = 0; a < 6; ++a) {
    for (size_t b = a; b < 6; ++b) {
      SCOPED_TRACE("down: " + std::to_string(a) + "," + std::to_string(b));
      AllUp();
      cluster_.node(a).set_down(true);
      cluster_.node(b).set_down(true);
      EXPECT_TRUE(ReadAll(store(), "b", "big").value() == big);
      EXPECT_TRUE(ReadAll(store(), "b", "small").value() == small);
      ASSERT_OK_AND_ASSIGN(ObjectInfo info, store().Head("b", "big"));
      uint64_t offset = rng() % big.size(), length = rng() % (2 * kChunk);
      EXPECT_TRUE(ReadRange(store(), info, offset, length).value() == big.substr(offset, length));
    }
  }
  // m+1 down: Unavailable, never wrong bytes.
  AllUp();
  for (size_t i = 0; i < 3; ++i) cluster_.node(i).set_down(true);
  EXPECT_THAT(store().Head("b", "big"), StatusIs(StatusCode::kUnavailable));
}

TEST_F(ClusterStoreFailureTest, ReadFailsUnavailableWhenShardsAreUnreachable) {
  std::string big = RandomBody(2 * kChunk, 11);
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, PutString("big", big));
  // The record was read while all were up; then three shard holders go away.
  for (uint32_t s = 0; s < 3; ++s) cluster_.node(NodeOf("big", s)).set_down(true);
  auto reader = store().OpenRead(info, 0, UINT64_MAX);
  ASSERT_OK(reader.status());
  std::string buf(kChunk, '\0');
  EXPECT_THAT((*reader)->Read(std::span<char>(buf.data(), buf.size())),
              StatusIs(StatusCode::kUnavailable));
}

TEST_F(ClusterStoreFailureTest, WritesSurviveOneNodeDownAndReadBackDegraded) {
  for (size_t down = 0; down < 6; ++down) {
    SCOPED_TRACE("down: " + std::to_string(down));
    AllUp();
    cluster_.node(down).set_down(true);
    std::string key = "w" + std::to_string(down);
    std::string big = RandomBody(2 * kChunk + 5, down), small = RandomBody(10, down);
    uint64_t hints = store().repair_hints();
    ASSERT_OK(PutString(key, big).status());
    ASSERT_OK(PutString(key + "s", small).status());
    EXPECT_GE(store().repair_hints(), hints + 2);  // The missed shards and records.
    store().DrainBackground();
    EXPECT_GE(cluster_.QueuedHints(), 2 * (down + 1));
    // Another node fails after the write: still m losses in total for each object.
    cluster_.node((down + 1) % 6).set_down(true);
    EXPECT_TRUE(ReadAll(store(), "b", key).value() == big);
    EXPECT_EQ(ReadAll(store(), "b", key + "s").value(), small);
  }
}

TEST_F(ClusterStoreFailureTest, QuorumLossFailsCleanly) {
  cluster_.node(1).set_down(true);
  cluster_.node(4).set_down(true);
  for (size_t size : {size_t{0}, size_t{100}, size_t{3 * kChunk}}) {
    SCOPED_TRACE(size);
    std::string key = "q" + std::to_string(size);
    EXPECT_THAT(PutString(key, RandomBody(size, 1)), StatusIs(StatusCode::kUnavailable));
    EXPECT_THAT(store().Head("b", key), StatusIs(StatusCode::kNotFound));
  }
  // Back up: nothing of the failed puts is visible.
  AllUp();
  for (size_t size : {size_t{0}, size_t{100}, size_t{3 * kChunk}}) {
    EXPECT_THAT(store().Head("b", "q" + std::to_string(size)), StatusIs(StatusCode::kNotFound));
  }
}

TEST_F(ClusterStoreFailureTest, RecordQuorumLossRollsBack) {
  // The chunks reach every node, the version records only four: the put fails, and neither the
  // record nor the shards stay behind.
  cluster_.node(0).set_fail_version_puts(true);
  cluster_.node(3).set_fail_version_puts(true);
  std::string big = RandomBody(2 * kChunk, 3);
  EXPECT_THAT(PutString("r", big), StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(PutString("rs", "tiny"), StatusIs(StatusCode::kUnavailable));
  cluster_.node(0).set_fail_version_puts(false);
  cluster_.node(3).set_fail_version_puts(false);
  EXPECT_THAT(store().Head("b", "r"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(store().Head("b", "rs"), StatusIs(StatusCode::kNotFound));
  store().DrainBackground();
  for (size_t i = 0; i < cluster_.size(); ++i) {
    EXPECT_EQ(cluster_.engine(i).CountShards().value(), 0u) << i;
    EXPECT_THAT(cluster_.local(i).GetVersion("b", "r", std::nullopt),
                StatusIs(StatusCode::kNotFound));
  }
}

TEST_F(ClusterStoreFailureTest, InlineWriteNeedsEnoughReplicas) {
  // Two of the three replica holders down: the records would reach four nodes (< 5 anyway), and
  // with one holder down and one more non-holder the write quorum is lost too.
  std::string key = "inline";
  cluster_.node(NodeOf(key, 0)).set_down(true);
  cluster_.node(NodeOf(key, 1)).set_down(true);
  EXPECT_THAT(PutString(key, "abc"), StatusIs(StatusCode::kUnavailable));
  AllUp();
  // One holder down: allowed (two copies written, as durable as a k+1 erasure write).
  cluster_.node(NodeOf(key, 2)).set_down(true);
  ASSERT_OK(PutString(key, "abc").status());
  cluster_.node(NodeOf(key, 0)).set_down(true);
  EXPECT_EQ(ReadAll(store(), "b", key).value(), "abc");
}

TEST_F(ClusterStoreFailureTest, InlineBytesComeFromAnyLiveHolder) {
  // The ObjectInfo a put (or a listing) returns has no bytes: the reader asks the holders.
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, PutString("small", "hello"));
  cluster_.node(NodeOf("small", 0)).set_down(true);
  cluster_.node(NodeOf("small", 1)).set_down(true);
  uint64_t hints = store().repair_hints();
  EXPECT_EQ(ReadRange(store(), info, 1, 3).value(), "ell");
  EXPECT_GT(store().repair_hints(), hints);
  cluster_.node(NodeOf("small", 2)).set_down(true);
  EXPECT_THAT(ReadRange(store(), info, 0, 5), StatusIs(StatusCode::kUnavailable));
}

TEST_F(ClusterStoreFailureTest, CorruptShardsAreDecodedAround) {
  std::string big = RandomBody(3 * kChunk, 21);
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, PutString("c", big));
  const size_t shard_len = ShardLength(kChunk, 4);
  // Chunk 1: data shards 0 and 2 flipped on disk (m = 2 losses in one chunk).
  for (uint32_t s : {0u, 2u}) {
    std::string needle = big.substr(kChunk + s * shard_len + 100, 64);
    ASSERT_TRUE(cluster_.FlipOnDisk(NodeOf("c", s), needle)) << s;
  }
  // Chunk 2: data shard 3.
  ASSERT_TRUE(
      cluster_.FlipOnDisk(NodeOf("c", 3), big.substr(2 * kChunk + 3 * shard_len + 500, 64)));
  uint64_t hints = store().repair_hints();
  EXPECT_TRUE(ReadRange(store(), info, 0, UINT64_MAX).value() == big);
  EXPECT_GE(store().repair_hints(), hints + 2);  // One per damaged chunk.
  store().DrainBackground();
  EXPECT_GE(cluster_.QueuedHints(), 2u);
  // Ranges inside the damaged shards too.
  EXPECT_TRUE(ReadRange(store(), info, kChunk + 10, 3000).value() == big.substr(kChunk + 10, 3000));
  EXPECT_TRUE(ReadRange(store(), info, kChunk + 2 * shard_len - 5, 10).value() ==
              big.substr(kChunk + 2 * shard_len - 5, 10));
  // A third bad shard in chunk 1 (a parity shard taken down) leaves only 3: Corruption... or
  // Unavailable, since the node is unreachable.
  cluster_.node(NodeOf("c", 4)).set_down(true);
  EXPECT_FALSE(ReadRange(store(), info, kChunk, kChunk).ok());
}

TEST_F(ClusterStoreFailureTest, StaleNodesLoseToTheNewest) {
  std::string v1 = RandomBody(kChunk + 1, 1), v2 = RandomBody(kChunk + 2, 2);
  ASSERT_OK(PutString("s", v1).status());
  size_t stale = NodeOf("s", 0);
  cluster_.node(stale).set_down(true);
  ASSERT_OK(PutString("s", v2).status());
  cluster_.node(stale).set_down(false);
  // The stale node still holds v1 as its newest; the quorum read returns v2.
  ASSERT_OK_AND_ASSIGN(node_wire::WireVersion old,
                       cluster_.local(stale).GetVersion("b", "s", std::nullopt));
  uint64_t hints = store().repair_hints();
  EXPECT_TRUE(ReadAll(store(), "b", "s").value() == v2);
  EXPECT_GT(store().repair_hints(), hints);
  // Queued on a node (the nodes keep one hint per object version, so the put's own hint for v2
  // and the read's are one entry).
  store().DrainBackground();
  EXPECT_GE(cluster_.QueuedHints(), 1u);
  // A delete the stale node misses: the marker outvotes its copy.
  cluster_.node(stale).set_down(true);
  ASSERT_OK(store().Delete("b", "s"));
  cluster_.node(stale).set_down(false);
  EXPECT_THAT(store().Head("b", "s"), StatusIs(StatusCode::kNotFound));
  (void)old;
}

TEST_F(ClusterStoreFailureTest, AttributeUpdatesPickOneWinner) {
  ASSERT_OK(PutString("t", RandomBody(kChunk + 9, 5)).status());
  size_t missed = NodeOf("t", 1);
  cluster_.node(missed).set_down(true);
  ObjectAttributes attrs;
  attrs.tags = {{"k", "v"}};
  ASSERT_OK(store().UpdateAttributes("b", "t", attrs).status());
  cluster_.node(missed).set_down(false);
  // Whichever four nodes answer, the newer revision wins.
  for (size_t down = 0; down < 6; ++down) {
    for (size_t other = down + 1; other < 6; ++other) {
      AllUp();
      cluster_.node(down).set_down(true);
      cluster_.node(other).set_down(true);
      ASSERT_OK_AND_ASSIGN(ObjectInfo head, store().Head("b", "t"));
      EXPECT_EQ(head.attributes, attrs);
    }
  }
}

TEST_F(ClusterStoreFailureTest, BucketsNeedAMajority) {
  cluster_.node(0).set_down(true);
  cluster_.node(5).set_down(true);
  ASSERT_OK(store().CreateBucket({"bk", "o", 1, "", ""}));
  EXPECT_OK(store().GetBucket("bk").status());
  cluster_.node(2).set_down(true);
  cluster_.node(3).set_down(true);
  EXPECT_THAT(store().GetBucket("bk"), StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(store().CreateBucket({"bk2", "o", 1, "", ""}), StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(store().ListBuckets(), StatusIs(StatusCode::kUnavailable));
  AllUp();
  // A node that missed the delete keeps its old record; the tombstone outvotes it.
  cluster_.node(1).set_down(true);
  ASSERT_OK(store().DeleteBucket("bk"));
  cluster_.node(1).set_down(false);
  EXPECT_THAT(store().GetBucket("bk"), StatusIs(StatusCode::kNotFound));
  EXPECT_TRUE(store().ListBuckets().value().empty());
}

TEST(ClusterStoreSetsTest, TwoSetsSpreadObjectsAndReadBack) {
  InProcessCluster cluster(TestClusterOptions{.sets = 2});
  std::set<uint32_t> sets;
  std::vector<std::string> bodies;
  for (int i = 0; i < 24; ++i) {
    bodies.push_back(RandomBody(i % 2 == 0 ? 100 : kChunk + i, i));
    ASSERT_OK_AND_ASSIGN(ObjectInfo info,
                         cluster.store().Put(Request("b", "k" + std::to_string(i), std::nullopt),
                                             StringSource(bodies.back())));
    sets.insert(DecodeLayout(info.layout).value().set);
  }
  EXPECT_EQ(sets.size(), 2u);
  // One node of each set down: everything still reads.
  cluster.node(2).set_down(true);
  cluster.node(9).set_down(true);
  for (int i = 0; i < 24; ++i) {
    EXPECT_TRUE(ReadAll(cluster.store(), "b", "k" + std::to_string(i)).value() == bodies[i]);
  }
}

}  // namespace
}  // namespace shale::gateway::testing
