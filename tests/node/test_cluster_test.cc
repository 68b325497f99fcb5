// TestCluster itself: several nodes, stop/kill/restart keep the address, wipe empties a node.

#include "tests/support/test_cluster.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace shale::testing {
namespace {

TEST(TestClusterTest, RestartKillAndWipe) {
  TestCluster cluster({SHALE_NODE_BINARY, 3});
  ASSERT_OK(cluster.Start());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(cluster.Running(i));
    auto client = cluster.Client(i);
    EXPECT_OK(client->Health());
    ASSERT_OK(client->PutShard("s", "node " + std::to_string(i)));
  }
  const std::string address = cluster.address(1);
  EXPECT_EQ(cluster.KillNode(1), -1);
  EXPECT_FALSE(cluster.Running(1));
  EXPECT_FALSE(cluster.Client(1, 1)->Health().ok());
  ASSERT_OK(cluster.StartNode(1));
  EXPECT_EQ(cluster.address(1), address);
  ASSERT_OK_AND_ASSIGN(std::string s, cluster.Client(1)->GetShard("s", 0, UINT64_MAX));
  EXPECT_EQ(s, "node 1");

  EXPECT_THAT(cluster.WipeNode(2), StatusIs(StatusCode::kFailedPrecondition));  // Running.
  EXPECT_EQ(cluster.StopNode(2), 0);
  ASSERT_OK(cluster.WipeNode(2));
  ASSERT_OK(cluster.RestartNode(2));
  EXPECT_THAT(cluster.Client(2)->GetShard("s", 0, UINT64_MAX), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(s, cluster.Client(0)->GetShard("s", 0, UINT64_MAX));
  EXPECT_EQ(s, "node 0");
}

}  // namespace
}  // namespace shale::testing
