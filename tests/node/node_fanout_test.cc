// FanOut over real node processes: every node gets the call; a dead one is reported in place.

#include "common/node_fanout.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"
#include "tests/support/test_cluster.h"

namespace shale::testing {
namespace {

TEST(NodeFanOutTest, ReachesEveryNodeAndReportsTheDeadOne) {
  TestCluster cluster({SHALE_NODE_BINARY, 3});
  ASSERT_OK(cluster.Start());
  std::vector<std::unique_ptr<HttpNodeClient>> owned;
  std::vector<NodeClient*> clients;
  for (int i = 0; i < 3; ++i) {
    owned.push_back(cluster.Client(i, /*max_attempts=*/1));
    clients.push_back(owned.back().get());
  }
  std::vector<Status> puts =
      FanOut(clients, [](NodeClient& c) { return c.PutShard("chunk-1", "bytes"); });
  ASSERT_EQ(puts.size(), 3u);
  for (const Status& s : puts) EXPECT_OK(s);

  EXPECT_EQ(cluster.KillNode(1), -1);
  std::vector<Result<std::string>> gets =
      FanOut(clients, [](NodeClient& c) { return c.GetShard("chunk-1", 0, UINT64_MAX); });
  ASSERT_EQ(gets.size(), 3u);
  EXPECT_EQ(gets[0].value(), "bytes");
  EXPECT_THAT(gets[1], StatusIs(StatusCode::kUnavailable));
  EXPECT_EQ(gets[2].value(), "bytes");
}

}  // namespace
}  // namespace shale::testing
