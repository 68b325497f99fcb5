// Failure semantics of ClusterStore on six real shale-node processes (4+2, write quorum 5):
// nodes killed in the middle of an upload or a download, nodes down or wiped before a request,
// and a write that loses its quorum leaving nothing visible.

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <string>

#include "tests/cluster/cluster_harness.h"
#include "tests/node/node_test_util.h"
#include "tests/support/status_matchers.h"

namespace shale::testing {
namespace {

constexpr uint64_t kChunk = 256 * kKiB;

class ClusterFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(harness_.Start());
    ASSERT_OK(CreateBucket(store(), "b"));
  }
  gateway::ObjectStore& store() { return harness_.store(); }
  TestCluster& cluster() { return harness_.cluster(); }

  // A hook that SIGKILLs `victims` once `threshold` bytes went through. SIGKILL, not SIGTERM:
  // a node draining a request whose body this very hook is holding back would never exit.
  ProgressHook KillAfter(uint64_t threshold, std::vector<int> victims) {
    return [this, threshold, victims, fired = false](uint64_t done) mutable {
      if (fired || done < threshold) return;
      fired = true;
      for (int v : victims) cluster().KillNode(v);
    };
  }

  // The nodes that serve shard reads of `info` on the healthy path (its data shards).
  std::vector<int> DataShardNodes(const gateway::ObjectInfo& info) {
    auto nodes = harness_.NodesServing("shard_get", [&] { EXPECT_OK(ReadAll(store(), info)); });
    EXPECT_OK(nodes);
    return nodes.ok() ? *nodes : std::vector<int>{};
  }

  ClusterHarness harness_{{.nodes = 6, .k = 4, .m = 2, .chunk_size = kChunk}};
};

TEST_F(ClusterFailureTest, OneNodeKilledMidUploadStillSucceeds) {
  const std::string data = RandomBytes(8 * kChunk + 1000, 1);
  ASSERT_OK_AND_ASSIGN(gateway::ObjectInfo put,
                       PutString(store(), "b", "k", data, KillAfter(3 * kChunk, {2})));
  EXPECT_EQ(put.size, data.size());
  ASSERT_FALSE(cluster().Running(2));
  ASSERT_OK_AND_ASSIGN(std::string got, GetString(store(), "b", "k"));
  EXPECT_TRUE(SameBytes(got, data));
  // Back up but missing the object's tail: still exact, whichever shards are read.
  ASSERT_OK(cluster().StartNode(2));
  ASSERT_OK_AND_ASSIGN(got, GetString(store(), "b", "k"));
  EXPECT_TRUE(SameBytes(got, data));
}

// SIGTERM instead: the node drains (the hook only sends the signal, since the node may wait for
// the very upload the hook is part of) and the upload goes on without it.
TEST_F(ClusterFailureTest, OneNodeStoppedGracefullyMidUploadStillSucceeds) {
  const std::string data = RandomBytes(8 * kChunk + 1000, 13);
  const pid_t pid = cluster().Pid(4);
  ProgressHook stop = [pid, fired = false](uint64_t done) mutable {
    if (fired || done < 3 * kChunk) return;
    fired = true;
    kill(pid, SIGTERM);
  };
  ASSERT_OK(PutString(store(), "b", "k", data, stop));
  EXPECT_EQ(cluster().StopNode(4), 0) << "the node should drain and exit 0";
  ASSERT_OK_AND_ASSIGN(std::string got, GetString(store(), "b", "k"));
  EXPECT_TRUE(SameBytes(got, data));
}

TEST_F(ClusterFailureTest, TwoNodesKilledMidDownloadStillExact) {
  const std::string data = RandomBytes(10 * kChunk + 7, 2);
  ASSERT_OK_AND_ASSIGN(gateway::ObjectInfo put, PutString(store(), "b", "k", data));
  // Kill two nodes the healthy path reads from, so the rest of the read needs parity.
  std::vector<int> data_nodes = DataShardNodes(put);
  ASSERT_GE(data_nodes.size(), 2u);
  ASSERT_OK_AND_ASSIGN(
      std::string got,
      ReadAll(store(), put, KillAfter(2 * kChunk, {data_nodes[0], data_nodes[1]})));
  EXPECT_FALSE(cluster().Running(data_nodes[0]));
  EXPECT_TRUE(SameBytes(got, data));
  // A fresh read and a range with both still down.
  ASSERT_OK_AND_ASSIGN(got, GetString(store(), "b", "k"));
  EXPECT_TRUE(SameBytes(got, data));
  ASSERT_OK_AND_ASSIGN(got, ReadRange(store(), put, kChunk - 3, kChunk + 10));
  EXPECT_TRUE(SameBytes(got, std::string_view(data).substr(kChunk - 3, kChunk + 10)));
}

TEST_F(ClusterFailureTest, ThreeNodesKilledMidUploadIsUnavailableAndLeavesNothing) {
  const std::string old_data = RandomBytes(3 * kChunk, 3);
  ASSERT_OK(PutString(store(), "b", "kept", old_data));
  // An overwrite that loses its quorum half-way keeps the old version.
  const std::string data = RandomBytes(8 * kChunk, 4);
  EXPECT_THAT(PutString(store(), "b", "kept", data, KillAfter(2 * kChunk, {0, 3, 5})),
              StatusIs(StatusCode::kUnavailable));
  // So does a new key written while they are down.
  EXPECT_THAT(PutString(store(), "b", "lost", data), StatusIs(StatusCode::kUnavailable));
  for (int i : {0, 3, 5}) ASSERT_OK(cluster().StartNode(i));
  EXPECT_THAT(store().Head("b", "lost"), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(gateway::ListResult list, store().List("b", {}));
  ASSERT_EQ(list.objects.size(), 1u);
  EXPECT_EQ(list.objects[0].key, "kept");
  EXPECT_EQ(list.objects[0].size, old_data.size());
  ASSERT_OK_AND_ASSIGN(std::string got, GetString(store(), "b", "kept"));
  EXPECT_TRUE(SameBytes(got, old_data));
  // The cluster takes writes again.
  ASSERT_OK(PutString(store(), "b", "lost", data));
  ASSERT_OK_AND_ASSIGN(got, GetString(store(), "b", "lost"));
  EXPECT_TRUE(SameBytes(got, data));
}

TEST_F(ClusterFailureTest, AbortedUploadsLeaveNothing) {
  const std::string data = RandomBytes(6 * kChunk, 10);
  // The body fails half-way: its error comes back as given.
  auto failing = [&, sent = uint64_t{0}](std::span<char> buf) mutable -> Result<size_t> {
    if (sent >= 3 * kChunk) return Status::IOError("client went away");
    size_t n = std::min<uint64_t>(buf.size(), 3 * kChunk - sent);
    std::copy_n(data.data() + sent, n, buf.data());
    sent += n;
    return n;
  };
  EXPECT_THAT(store().Put(PutOf("b", "k", data.size()), failing), StatusIs(StatusCode::kIOError));
  // Fewer bytes than declared, and more.
  EXPECT_THAT(store().Put(PutOf("b", "k", data.size() + 1), StringBody(data)),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(store().Put(PutOf("b", "k", data.size() - 1), StringBody(data)),
              StatusIs(StatusCode::kInvalidArgument));
  // before_commit refuses after the whole body was written.
  gateway::PutRequest refused = PutOf("b", "k", data.size());
  refused.before_commit = [](const gateway::PutDigests&) {
    return Status::FailedPrecondition("precondition failed");
  };
  EXPECT_THAT(store().Put(refused, StringBody(data)), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(store().Head("b", "k"), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(gateway::ListResult list, store().List("b", {}));
  EXPECT_TRUE(list.objects.empty());
}

TEST_F(ClusterFailureTest, WritesNeedTheQuorumReadsNeedK) {
  const std::string before = RandomBytes(5 * kChunk + 3, 5);
  const std::string small = RandomBytes(1000, 6);
  ASSERT_OK(PutString(store(), "b", "before", before));
  ASSERT_OK(PutString(store(), "b", "small", small));
  // One node down (m - 1): writes of both kinds still reach the quorum of 5.
  cluster().StopNode(4);
  const std::string during = RandomBytes(3 * kChunk + 1, 7);
  ASSERT_OK(PutString(store(), "b", "during", during));
  ASSERT_OK(PutString(store(), "b", "small-during", small));
  ASSERT_OK(store().Delete("b", "small"));
  // Two down (m): reads still succeed, writes cannot reach the quorum.
  cluster().StopNode(1);
  ASSERT_OK_AND_ASSIGN(std::string got, GetString(store(), "b", "before"));
  EXPECT_TRUE(SameBytes(got, before));
  ASSERT_OK_AND_ASSIGN(got, GetString(store(), "b", "during"));
  EXPECT_TRUE(SameBytes(got, during));
  ASSERT_OK_AND_ASSIGN(got, GetString(store(), "b", "small-during"));
  EXPECT_TRUE(SameBytes(got, small));
  EXPECT_THAT(store().Head("b", "small"), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(gateway::ListResult list, store().List("b", {}));
  EXPECT_EQ(list.objects.size(), 3u);
  EXPECT_THAT(PutString(store(), "b", "refused", during), StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(PutString(store(), "b", "refused-small", small), StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(store().Delete("b", "before"), StatusIs(StatusCode::kUnavailable));
  // Three down: more than m, reads fail cleanly too.
  cluster().StopNode(0);
  EXPECT_FALSE(GetString(store(), "b", "before").ok());
  for (int i : {0, 1, 4}) ASSERT_OK(cluster().StartNode(i));
  EXPECT_THAT(store().Head("b", "refused"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(store().Head("b", "refused-small"), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(got, GetString(store(), "b", "before"));
  EXPECT_TRUE(SameBytes(got, before));
}

TEST_F(ClusterFailureTest, ReadsSurviveTwoWipedNodes) {
  const std::string data = RandomBytes(6 * kChunk + 99, 8);
  const std::string small = RandomBytes(5000, 9);
  ASSERT_OK_AND_ASSIGN(gateway::ObjectInfo put, PutString(store(), "b", "k", data));
  ASSERT_OK(PutString(store(), "b", "small", small));
  std::vector<int> data_nodes = DataShardNodes(put);
  ASSERT_GE(data_nodes.size(), 2u);
  for (int i : {data_nodes[0], data_nodes[1]}) {
    cluster().StopNode(i);
    ASSERT_OK(cluster().WipeNode(i));
    ASSERT_OK(cluster().StartNode(i));  // Empty, as after a disk replacement.
  }
  ASSERT_OK_AND_ASSIGN(std::string got, GetString(store(), "b", "k"));
  EXPECT_TRUE(SameBytes(got, data));
  ASSERT_OK_AND_ASSIGN(got, GetString(store(), "b", "small"));
  EXPECT_TRUE(SameBytes(got, small));
  ASSERT_OK_AND_ASSIGN(gateway::ListResult list, store().List("b", {}));
  EXPECT_EQ(list.objects.size(), 2u);
}

}  // namespace
}  // namespace shale::testing
