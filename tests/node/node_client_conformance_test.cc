// Every NodeClient implementation answers the same: the HTTP client against a real shale-node
// process, and the in-process client over a local engine.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "common/crc.h"
#include "common/http_node_client.h"
#include "storage/local_node_client.h"
#include "tests/node/node_test_util.h"
#include "tests/storage/engine_test_util.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_cluster.h"

namespace shale {
namespace {

using ::shale::testing::StatusIs;
using ::testing::HasSubstr;

using ::shale::testing::RandomBytes;
using ::shale::testing::Version;

class NodeClientConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "http") {
      cluster_ =
          std::make_unique<testing::TestCluster>(testing::TestClusterOptions{SHALE_NODE_BINARY, 1});
      ASSERT_OK(cluster_->Start());
      client_ = cluster_->Client(0);
    } else {
      auto engine = storage::Engine::Open(storage::testing::TestOptions(dir_.path()));
      ASSERT_TRUE(engine.ok()) << engine.status().ToString();
      engine_ = std::move(*engine);
      client_ = std::make_unique<storage::LocalNodeClient>(
          engine_.get(), storage::LocalNodeClientOptions{"n0", "test-cluster", nullptr});
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::TestCluster> cluster_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<NodeClient> client_;
};

INSTANTIATE_TEST_SUITE_P(Clients, NodeClientConformanceTest, ::testing::Values("http", "local"),
                         [](const auto& p) { return p.param; });

TEST_P(NodeClientConformanceTest, ShardRoundTripAndRanges) {
  std::string data = RandomBytes(1 << 20, 1);
  std::string id("\x00\xff shard/1", 10);
  ASSERT_OK(client_->PutShard(id, data));
  ASSERT_OK_AND_ASSIGN(std::string back, client_->GetShard(id, 0, UINT64_MAX));
  EXPECT_TRUE(back == data);
  struct Case {
    uint64_t offset, length;
    size_t want_begin, want_len;
  } cases[] = {{0, 0, 0, 0},
               {0, 1, 0, 1},
               {5, 100, 5, 100},
               {data.size() - 1, 10, data.size() - 1, 1},
               {data.size(), 10, 0, 0},
               {data.size() + 100, 10, 0, 0},
               {1000, UINT64_MAX, 1000, data.size() - 1000}};
  for (const auto& c : cases) {
    ASSERT_OK_AND_ASSIGN(std::string part, client_->GetShard(id, c.offset, c.length));
    EXPECT_TRUE(part == data.substr(c.want_begin, c.want_len)) << c.offset << "+" << c.length;
  }
  ASSERT_OK(client_->PutShard("empty", ""));
  ASSERT_OK_AND_ASSIGN(std::string empty, client_->GetShard("empty", 0, UINT64_MAX));
  EXPECT_EQ(empty, "");

  ASSERT_OK_AND_ASSIGN(auto checks, client_->CheckShards({id, "absent", "empty"}));
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_EQ(checks[0], (node_wire::ShardCheck{id, true, true, data.size(), Crc32c(data)}));
  EXPECT_EQ(checks[1], (node_wire::ShardCheck{"absent", false, false, 0, 0}));
  EXPECT_TRUE(checks[2].present);

  ASSERT_OK(client_->DeleteShard(id));
  EXPECT_THAT(client_->GetShard(id, 0, UINT64_MAX), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(client_->DeleteShard(id), StatusIs(StatusCode::kNotFound));
}

TEST_P(NodeClientConformanceTest, VersionsListAndBuckets) {
  const std::string key = "dir/sub dir/ключ?&=%+";
  std::string p1 = RandomBytes(3000, 2), p2 = RandomBytes(10, 3);
  ASSERT_OK(client_->PutVersion("bkt", key, Version(1), p1, node_wire::WireKind::kObject));
  ASSERT_OK(client_->PutVersion("bkt", key, Version(1), p1, node_wire::WireKind::kObject));
  ASSERT_OK(client_->PutVersion("bkt", key, Version(2), p2, node_wire::WireKind::kObject));
  ASSERT_OK(client_->PutVersion("bkt", "other", Version(1), "o", node_wire::WireKind::kObject));
  ASSERT_OK_AND_ASSIGN(auto latest, client_->GetVersion("bkt", key, std::nullopt));
  EXPECT_EQ(latest.version, Version(2));
  EXPECT_TRUE(latest.payload == p2);
  EXPECT_EQ(latest.kind, node_wire::WireKind::kObject);
  // An older version arriving late never hides the newer one.
  ASSERT_OK(client_->PutVersion("bkt", "late", Version(5), "new", node_wire::WireKind::kObject));
  ASSERT_OK(client_->PutVersion("bkt", "late", Version(4), "old", node_wire::WireKind::kObject));
  ASSERT_OK_AND_ASSIGN(auto newest, client_->GetVersion("bkt", "late", std::nullopt));
  EXPECT_EQ(newest.payload, "new");
  ASSERT_OK(client_->DeleteVersion("bkt", "late", Version(4)));
  ASSERT_OK(client_->DeleteVersion("bkt", "late", Version(5)));
  ASSERT_OK_AND_ASSIGN(auto v1, client_->GetVersion("bkt", key, Version(1)));
  EXPECT_TRUE(v1.payload == p1);
  ASSERT_OK(client_->PutVersion("bkt", key, Version(3), "", node_wire::WireKind::kDeleteMarker));
  ASSERT_OK_AND_ASSIGN(latest, client_->GetVersion("bkt", key, std::nullopt));
  EXPECT_EQ(latest.kind, node_wire::WireKind::kDeleteMarker);
  EXPECT_THAT(client_->GetVersion("bkt", "nope", std::nullopt), StatusIs(StatusCode::kNotFound));

  NodeListRequest all{"bkt"};
  ASSERT_OK_AND_ASSIGN(auto page, client_->ListVersions(all));
  ASSERT_EQ(page.versions.size(), 4u);
  EXPECT_FALSE(page.truncated);
  EXPECT_EQ(page.versions[0].key, key);  // "dir/..." < "other"
  EXPECT_EQ(page.versions[0].version, Version(3));
  EXPECT_EQ(page.versions[2].version, Version(1));
  EXPECT_TRUE(page.versions[2].payload == p1);
  EXPECT_EQ(page.versions[3].key, "other");

  NodeListRequest latest_only{"bkt"};
  latest_only.latest_only = true;
  ASSERT_OK_AND_ASSIGN(page, client_->ListVersions(latest_only));
  ASSERT_EQ(page.versions.size(), 2u);
  EXPECT_EQ(page.versions[0].kind, node_wire::WireKind::kDeleteMarker);

  NodeListRequest limited{"bkt"};
  limited.limit = 1;
  limited.prefix = "dir/";
  ASSERT_OK_AND_ASSIGN(page, client_->ListVersions(limited));
  ASSERT_EQ(page.versions.size(), 1u);
  EXPECT_TRUE(page.truncated);
  NodeListRequest after{"bkt"};
  after.start_after_key = key;
  ASSERT_OK_AND_ASSIGN(page, client_->ListVersions(after));
  ASSERT_EQ(page.versions.size(), 1u);
  EXPECT_EQ(page.versions[0].key, "other");

  ASSERT_OK(client_->DeleteVersion("bkt", key, Version(3)));
  ASSERT_OK_AND_ASSIGN(latest, client_->GetVersion("bkt", key, std::nullopt));
  EXPECT_EQ(latest.version, Version(2));

  ASSERT_OK(client_->PutBucket("bkt", "bucket-record"));
  ASSERT_OK(client_->PutBucket("alpha", std::string("\0x", 2)));
  ASSERT_OK_AND_ASSIGN(std::string b, client_->GetBucket("bkt"));
  EXPECT_EQ(b, "bucket-record");
  ASSERT_OK_AND_ASSIGN(auto buckets, client_->ListBuckets());
  ASSERT_EQ(buckets.size(), 2u);
  EXPECT_EQ(buckets[0], (node_wire::WireBucket{"alpha", std::string("\0x", 2)}));
  ASSERT_OK(client_->DeleteBucket("alpha"));
  EXPECT_THAT(client_->GetBucket("alpha"), StatusIs(StatusCode::kNotFound));
}

TEST_P(NodeClientConformanceTest, PurgeTombstonesPassThroughAndAreFinal) {
  using node_wire::WireKind;
  const std::string purge_time("\x10\x27\0\0\0\0\0\0", 8);  // u64 LE ms, as the data path.
  ASSERT_OK(client_->PutVersion("bkt", "k", Version(1), "one", WireKind::kObject));
  ASSERT_OK(client_->PutVersion("bkt", "k", Version(2), "two", WireKind::kObject));
  ASSERT_OK(client_->PutVersion("bkt", "k", Version(2), purge_time, WireKind::kPurged));
  ASSERT_OK(client_->PutVersion("bkt", "k", Version(2), purge_time, WireKind::kPurged));  // Retry.
  ASSERT_OK(client_->PutVersion("bkt", "gone", Version(1), purge_time, WireKind::kPurged));

  ASSERT_OK_AND_ASSIGN(auto tomb, client_->GetVersion("bkt", "k", Version(2)));
  EXPECT_EQ(tomb.kind, WireKind::kPurged);
  EXPECT_TRUE(tomb.payload == purge_time);
  ASSERT_OK_AND_ASSIGN(auto latest, client_->GetVersion("bkt", "k", std::nullopt));
  EXPECT_EQ(latest.version, Version(1));
  EXPECT_EQ(latest.kind, WireKind::kObject);
  EXPECT_THAT(client_->GetVersion("bkt", "gone", std::nullopt), StatusIs(StatusCode::kNotFound));
  Status refused = client_->PutVersion("bkt", "k", Version(2), "two", WireKind::kObject);
  EXPECT_THAT(refused, StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(refused.message(), HasSubstr("a purge is final"));

  NodeListRequest all{"bkt"};
  ASSERT_OK_AND_ASSIGN(auto page, client_->ListVersions(all));
  ASSERT_EQ(page.versions.size(), 3u);
  EXPECT_EQ(page.versions[0].kind, WireKind::kPurged);  // "gone"
  EXPECT_EQ(page.versions[1].kind, WireKind::kPurged);  // "k" v2
  EXPECT_TRUE(page.versions[1].payload == purge_time);
  EXPECT_EQ(page.versions[2].kind, WireKind::kObject);
  NodeListRequest latest_only{"bkt"};
  latest_only.latest_only = true;
  ASSERT_OK_AND_ASSIGN(page, client_->ListVersions(latest_only));
  ASSERT_EQ(page.versions.size(), 1u);
  EXPECT_EQ(page.versions[0].version, Version(1));
}

// The listing merge seeks past a common prefix by listing after the prefix padded with 0xFF
// to the 1024-byte key limit: the largest key under it.
TEST_P(NodeClientConformanceTest, ListsAfterTheLargestKeyUnderAPrefix) {
  for (const char* k : {"a/", "a/x", "a/\xff\xff", "a\xff", "b"}) {
    ASSERT_OK(client_->PutVersion("bkt", k, Version(1), "p", node_wire::WireKind::kObject));
  }
  NodeListRequest after{"bkt"};
  after.start_after_key = "a/" + std::string(1022, '\xff');
  after.latest_only = true;
  ASSERT_OK_AND_ASSIGN(auto page, client_->ListVersions(after));
  ASSERT_EQ(page.versions.size(), 2u);
  EXPECT_EQ(page.versions[0].key, "a\xff");
  EXPECT_EQ(page.versions[1].key, "b");
}

TEST_P(NodeClientConformanceTest, ListPagesAlsoEndBySize) {
  for (int i = 1; i <= 5; ++i) {
    ASSERT_OK(client_->PutVersion("bkt", "k" + std::to_string(i), Version(1),
                                  std::string(1000, 'p'), node_wire::WireKind::kObject));
  }
  NodeListRequest r{"bkt"};
  r.max_bytes = 2500;  // Each entry counts its key and payload: the third one crosses it.
  ASSERT_OK_AND_ASSIGN(auto page, client_->ListVersions(r));
  EXPECT_EQ(page.versions.size(), 3u);
  EXPECT_TRUE(page.truncated);
  r.max_bytes = 1;  // Never less than one entry.
  ASSERT_OK_AND_ASSIGN(page, client_->ListVersions(r));
  EXPECT_EQ(page.versions.size(), 1u);
  EXPECT_TRUE(page.truncated);
  r.max_bytes = 1 << 20;
  ASSERT_OK_AND_ASSIGN(page, client_->ListVersions(r));
  EXPECT_EQ(page.versions.size(), 5u);
  EXPECT_FALSE(page.truncated);
}

TEST_P(NodeClientConformanceTest, RepairHintsAreQueuedOnce) {
  auto depth = [&]() -> std::string {
    auto status = client_->StatusJson();
    return status.ok() ? *status : status.status().ToString();
  };
  node_wire::RepairHint hint{"bkt", "dir/ключ?&=%+", Version(9), "version record missed"};
  ASSERT_OK(client_->EnqueueRepair(hint));
  EXPECT_THAT(depth(), HasSubstr("\"repair_queue_depth\":1,"));
  ASSERT_OK(client_->EnqueueRepair(hint));  // A repeated hint changes nothing.
  hint.reason = std::string(node_wire::kMaxHintReasonSize + 1, 'r');  // Cut, not refused.
  ASSERT_OK(client_->EnqueueRepair(hint));
  EXPECT_THAT(depth(), HasSubstr("\"repair_queue_depth\":1,"));
  hint.version = Version(10);
  ASSERT_OK(client_->EnqueueRepair(hint));
  EXPECT_THAT(depth(), HasSubstr("\"repair_queue_depth\":2,"));
  EXPECT_THAT(client_->EnqueueRepair({"", "k", Version(1), "r"}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(client_->EnqueueRepair(
                  {"bkt", std::string(node_wire::kMaxHintKeySize + 1, 'k'), Version(1), "r"}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(depth(), HasSubstr("\"repair_queue_depth\":2,"));
}

TEST_P(NodeClientConformanceTest, HealthAndStatus) {
  EXPECT_OK(client_->Health());
  ASSERT_OK_AND_ASSIGN(std::string status, client_->StatusJson());
  EXPECT_THAT(status, HasSubstr("\"node_id\":\"n0\""));
  EXPECT_THAT(status, HasSubstr("\"read_only\":false"));
  NodeListRequest bad{"bkt"};
  bad.limit = 0;
  EXPECT_THAT(client_->ListVersions(bad), StatusIs(StatusCode::kInvalidArgument));
}

TEST_P(NodeClientConformanceTest, ScanVersionsCoversEveryBucketInOrder) {
  using node_wire::WireKind;
  ASSERT_OK(client_->PutVersion("b2", "k", Version(1), "b2k1", WireKind::kObject));
  ASSERT_OK(client_->PutVersion("b1", "x", Version(1), "x1", WireKind::kObject));
  ASSERT_OK(client_->PutVersion("b1", "x", Version(2), "", WireKind::kDeleteMarker));
  ASSERT_OK(client_->PutVersion("b1", "y", Version(3), "t", WireKind::kPurged));
  std::vector<std::string> seen;
  NodeScanRequest request;
  request.limit = 2;
  for (int pages = 0; pages < 10; ++pages) {
    ASSERT_OK_AND_ASSIGN(auto page, client_->ScanVersions(request));
    for (const auto& e : page.entries) {
      seen.push_back(e.bucket + "/" + e.version.key + "@" + std::to_string(e.version.version[15]) +
                     ":" + std::to_string(static_cast<int>(e.version.kind)));
    }
    if (!page.truncated) break;
    ASSERT_FALSE(page.entries.empty());
    const auto& last = page.entries.back();
    request.start_after = NodeScanPosition{last.bucket, last.version.key, last.version.version};
  }
  EXPECT_THAT(seen, ::testing::ElementsAre("b1/x@2:1", "b1/x@1:0", "b1/y@3:2", "b2/k@1:0"));
  NodeScanRequest bad;
  bad.limit = 0;
  EXPECT_THAT(client_->ScanVersions(bad), StatusIs(StatusCode::kInvalidArgument));
}

TEST_P(NodeClientConformanceTest, ListShardsPagesInIdOrder) {
  const std::string odd("\x00\xff", 2);
  for (const std::string& id : {std::string("b"), std::string("a"), odd, std::string("c")}) {
    ASSERT_OK(client_->PutShard(id, "data-" + id));
  }
  ASSERT_OK_AND_ASSIGN(auto page, client_->ListShards("", 2));
  ASSERT_EQ(page.shards.size(), 2u);
  EXPECT_TRUE(page.truncated);
  EXPECT_EQ(page.shards[0], (node_wire::ShardCheck{odd, true, true, 7, Crc32c("data-" + odd)}));
  EXPECT_EQ(page.shards[1].id, "a");
  ASSERT_OK_AND_ASSIGN(page, client_->ListShards("a", 10));
  ASSERT_EQ(page.shards.size(), 2u);
  EXPECT_FALSE(page.truncated);
  EXPECT_EQ(page.shards[0].id, "b");
  EXPECT_EQ(page.shards[1].id, "c");
  EXPECT_THAT(client_->ListShards("", 0), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(client_->ListShards("", 10001), StatusIs(StatusCode::kInvalidArgument));
}

TEST_P(NodeClientConformanceTest, RepairQueuePeekAndRemove) {
  node_wire::RepairHint a{"bkt", "dir/ключ", Version(7), "missed"};
  node_wire::RepairHint b{"bkt", "other", Version(8), "stale"};
  ASSERT_OK(client_->EnqueueRepair(a));
  ASSERT_OK(client_->EnqueueRepair(b));
  ASSERT_OK_AND_ASSIGN(auto items, client_->PeekRepairs(10));
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].kind, node_wire::WireRepairKind::kObjectHint);
  EXPECT_EQ(items[0].bucket, "bkt");
  EXPECT_EQ(items[0].key, "dir/ключ");
  EXPECT_EQ(items[0].version, Version(7));
  EXPECT_EQ(items[0].reason, "missed");
  EXPECT_GT(items[0].enqueue_time_ms, 0u);
  EXPECT_LT(items[0].seq, items[1].seq);
  ASSERT_OK_AND_ASSIGN(auto first, client_->PeekRepairs(1));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0], items[0]);
  ASSERT_OK(client_->RemoveRepairs({items[0].seq, 999999}));  // Unknown seqs are ignored.
  ASSERT_OK_AND_ASSIGN(items, client_->PeekRepairs(10));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].key, "other");
  ASSERT_OK(client_->RemoveRepairs({}));
  // Once removed, the same hint queues again.
  ASSERT_OK(client_->EnqueueRepair(a));
  ASSERT_OK_AND_ASSIGN(items, client_->PeekRepairs(10));
  EXPECT_EQ(items.size(), 2u);
  EXPECT_THAT(client_->PeekRepairs(0), StatusIs(StatusCode::kInvalidArgument));
}

TEST_P(NodeClientConformanceTest, ScrubAndSweepTriggers) {
  EXPECT_OK(client_->StartScrub());
  EXPECT_OK(client_->StartScrub());  // Already requested or running: still OK.
  ASSERT_OK_AND_ASSIGN(std::string status, client_->StatusJson());
  EXPECT_THAT(status, HasSubstr("\"scrub\":{\"running\":"));
  EXPECT_THAT(status, HasSubstr("\"period_seconds\":"));
  EXPECT_THAT(status, ::testing::Not(HasSubstr("\"repair\":")));
  // Neither node here runs a repair service.
  Status sweep = client_->StartRepair({"bkt", "pre"});
  EXPECT_THAT(sweep, StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(sweep.message(), HasSubstr("no repair service"));
  EXPECT_THAT(client_->StartRepair({"", "pre"}), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace shale
