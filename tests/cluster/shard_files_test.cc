// The shard-corruption helper against a real node: it finds exactly the shards the node stored,
// and a byte it flips on disk is caught by the node's CRC check, which queues a repair.

#include "tests/support/shard_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>

#include "tests/node/node_test_util.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_cluster.h"

namespace shale::testing {
namespace {

TEST(ShardFilesTest, FindsStoredShardsAndAFlippedByteIsCaughtByTheNode) {
  TestCluster cluster({SHALE_NODE_BINARY, 1});
  ASSERT_OK(cluster.Start());
  auto client = cluster.Client(0);
  const std::string big = RandomBytes(3 << 20, 1);  // Streamed by the node: over 1 MiB.
  ASSERT_OK(client->PutShard("small", "0123456789"));
  ASSERT_OK(client->PutShard("big", big));
  ASSERT_OK(client->PutVersion("b", "k", Version(1), "not a shard", node_wire::WireKind::kObject));
  ASSERT_OK(client->PutShard("gone", "x"));
  ASSERT_OK(client->DeleteShard("gone"));
  ASSERT_EQ(cluster.StopNode(0), 0);

  ASSERT_OK_AND_ASSIGN(std::vector<ShardRecordFile> records, FindShardRecords(cluster.DataDir(0)));
  std::set<std::string> ids;
  for (const auto& r : records) ids.insert(r.id);
  // A deleted shard's record stays in its segment until compaction.
  EXPECT_EQ(ids, (std::set<std::string>{"small", "big", "gone"}));
  for (const auto& r : records) {
    if (r.id == "big") {
      ASSERT_OK(FlipShardPayloadByte(r, 2'000'000));
    }
    if (r.id == "small") {
      EXPECT_EQ(r.payload_length, 10u);
      EXPECT_THAT(FlipShardPayloadByte(r, 10), StatusIs(StatusCode::kInvalidArgument));
    }
  }

  ASSERT_OK(cluster.StartNode(0));
  EXPECT_THAT(client->GetShard("big", 0, 100), StatusIs(StatusCode::kCorruption));
  ASSERT_OK_AND_ASSIGN(std::string small, client->GetShard("small", 0, UINT64_MAX));
  EXPECT_EQ(small, "0123456789");
  ASSERT_OK_AND_ASSIGN(auto checks, client->CheckShards({"big", "small"}));
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_TRUE(checks[0].present);
  EXPECT_FALSE(checks[0].healthy);
  EXPECT_TRUE(checks[1].healthy);
  ASSERT_OK_AND_ASSIGN(std::string status, client->StatusJson());
  rapidjson::Document doc;
  doc.Parse(status.data(), status.size());
  ASSERT_TRUE(doc.IsObject() && doc.HasMember("repair_queue_depth")) << status;
  EXPECT_EQ(doc["repair_queue_depth"].GetUint64(), 1u);
}

}  // namespace
}  // namespace shale::testing
