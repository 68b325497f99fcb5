// Object life cycles through ClusterStore on six real shale-node processes (4+2): overwrites and
// deletes free the superseded shards on the nodes, a reader holding a superseded version never
// gets wrong bytes, many clients share one store, and range reads fetch only what they need.

#include <gtest/gtest.h>

#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "common/encoding.h"
#include "common/hash.h"
#include "tests/cluster/cluster_harness.h"
#include "tests/node/node_test_util.h"
#include "tests/support/random_seed.h"
#include "tests/support/status_matchers.h"

namespace shale::testing {
namespace {

constexpr uint64_t kChunk = 256 * kKiB;

class ClusterLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(harness_.Start());
    ASSERT_OK(CreateBucket(store(), "b"));
  }
  gateway::ObjectStore& store() { return harness_.store(); }

  // The sum over all nodes of a metric (see ClusterHarness::MetricSum) or a space figure.
  uint64_t SumOverNodes(const std::function<Result<uint64_t>(int)>& stat) {
    uint64_t total = 0;
    for (int i = 0; i < harness_.nodes(); ++i) {
      Result<uint64_t> v = stat(i);
      EXPECT_OK(v);
      if (v.ok()) total += *v;
    }
    return total;
  }
  uint64_t LiveBytes() {
    harness_.cluster_store().DrainBackground();
    return SumOverNodes([&](int i) { return harness_.NodeStat(i, "live_bytes", true); });
  }

  ClusterHarness harness_{{.nodes = 6, .k = 4, .m = 2, .chunk_size = kChunk}};
};

TEST_F(ClusterLifecycleTest, OverwriteAndDeleteFreeTheSupersededShards) {
  const uint64_t baseline = LiveBytes();
  const std::string big = RandomBytes(6 * kChunk, 20);
  ASSERT_OK_AND_ASSIGN(gateway::ObjectInfo v1, PutString(store(), "b", "k", big));
  // Six chunks as 4+2: one and a half times the object on the nodes.
  EXPECT_GE(LiveBytes(), baseline + big.size() * 3 / 2);

  const std::string small = RandomBytes(1000, 21);
  ASSERT_OK(PutString(store(), "b", "k", small));
  EXPECT_LT(LiveBytes(), baseline + 64 * kKiB) << "the overwritten version's shards stayed";
  // A reader still holding the superseded version gets an error, never other bytes.
  Result<std::string> stale = ReadAll(store(), v1);
  if (stale.ok()) {
    EXPECT_TRUE(SameBytes(*stale, big));
  }
  ASSERT_OK_AND_ASSIGN(std::string got, GetString(store(), "b", "k"));
  EXPECT_TRUE(SameBytes(got, small));

  ASSERT_OK(PutString(store(), "b", "other", big));
  ASSERT_OK(store().Delete("b", "other"));
  ASSERT_OK(store().Delete("b", "k"));
  EXPECT_LT(LiveBytes(), baseline + 64 * kKiB) << "the deleted objects' shards stayed";
  EXPECT_THAT(store().Head("b", "other"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(store().Head("b", "k"), StatusIs(StatusCode::kNotFound));
}

TEST_F(ClusterLifecycleTest, RangeReadsFetchOnlyTheShardRangesTheyNeed) {
  const std::string data = RandomBytes(8 * kChunk, 22);
  ASSERT_OK_AND_ASSIGN(gateway::ObjectInfo info, PutString(store(), "b", "k", data));
  auto sent = [&] {
    return SumOverNodes(
        [&](int i) { return harness_.MetricSum(i, "shale_node_response_body_bytes_total"); });
  };
  // Reading the metrics sends bytes too: measure that once with nothing else going on.
  const uint64_t idle = sent();
  const uint64_t before = sent();
  const uint64_t metrics_cost = before - idle;
  const uint64_t offset = 5 * kChunk + kChunk / 4 + 1000;  // Inside one data shard.
  ASSERT_OK_AND_ASSIGN(std::string got, ReadRange(store(), info, offset, 3000));
  EXPECT_TRUE(SameBytes(got, std::string_view(data).substr(offset, 3000)));
  const uint64_t fetched = sent() - before - metrics_cost;
  std::printf("range read fetched %llu bytes\n", static_cast<unsigned long long>(fetched));
  // A whole shard of the chunk is 64 KiB, the chunk 256 KiB, the object 2 MiB.
  EXPECT_LT(fetched, 16 * kKiB) << "a 3000-byte range fetched " << fetched << " bytes";
}

TEST_F(ClusterLifecycleTest, ConcurrentClientsShareOneStore) {
  const uint64_t seed = TestSeed();
  constexpr int kThreads = 6;
  constexpr int kRounds = 8;
  std::mutex mu;
  std::set<std::string> shared_etags;  // Every body written to the shared key, by ETag.
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(seed + t);
      for (int r = 0; r < kRounds; ++r) {
        const std::string own = "t" + std::to_string(t);
        const std::string body = RandomBytes(rng() % (3 * kChunk), rng());
        EXPECT_OK(PutString(store(), "b", own, body));
        Result<std::string> got = GetString(store(), "b", own);
        EXPECT_OK(got);
        if (got.ok()) {
          EXPECT_TRUE(SameBytes(*got, body)) << own << " round " << r;
        }
        const std::string shared = RandomBytes(rng() % (2 * kChunk), rng());
        {
          std::lock_guard<std::mutex> lock(mu);
          shared_etags.insert(HexEncode(Md5(shared)));
        }
        EXPECT_OK(PutString(store(), "b", "shared", shared));
        // Whatever version a read of the shared key sees, its bytes match its ETag.
        Result<gateway::ObjectInfo> head = store().Head("b", "shared");
        EXPECT_OK(head);
        if (!head.ok()) continue;
        Result<std::string> bytes = ReadAll(store(), *head);
        if (bytes.ok()) {
          EXPECT_EQ(HexEncode(Md5(*bytes)), head->etag);
        }
        // (A read may fail if a later overwrite removed that version's shards meanwhile.)
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_OK_AND_ASSIGN(gateway::ObjectInfo head, store().Head("b", "shared"));
  EXPECT_EQ(shared_etags.count(head.etag), 1u);
  ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(store(), head));
  EXPECT_EQ(HexEncode(Md5(got)), head.etag);
  ASSERT_OK_AND_ASSIGN(gateway::ListResult list, store().List("b", {}));
  EXPECT_EQ(list.objects.size(), kThreads + 1u);
}

}  // namespace
}  // namespace shale::testing
