// ClusterStore over twelve real shale-node processes forming two erasure sets of 4+2: objects
// spread over both sets, reads with one node of each set down, and a random sequence of puts,
// overwrites, deletes and listings checked against an in-memory model.

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <set>
#include <string>

#include "common/encoding.h"
#include "common/hash.h"
#include "common/placement.h"
#include "tests/cluster/cluster_harness.h"
#include "tests/cluster/listing_model.h"
#include "tests/node/node_test_util.h"
#include "tests/support/random_seed.h"
#include "tests/support/status_matchers.h"

namespace shale::testing {
namespace {

constexpr uint64_t kChunk = 256 * kKiB;
constexpr uint64_t kInline = 64 * kKiB;

class ClusterTwoSetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(harness_.Start());
    ASSERT_OK(CreateBucket(store(), "b"));
  }
  gateway::ObjectStore& store() { return harness_.store(); }

  // `steps` random puts (new keys and overwrites, sizes from empty through replicated to
  // erasure-coded) and deletes, with a listing compared to the model every five steps (one
  // random query, then every page of another); `churn(step)` runs before each step.
  void RunRandomOperations(int steps, const std::function<void(int)>& churn) {
    const uint64_t seed = TestSeed();
    std::mt19937_64 rng(seed);
    ListingModel model;
    const std::vector<std::string> prefixes = {"", "a/", "a/b/", "a/b/c", "c/", "d-", "d/"};
    auto random_key = [&] {
      return prefixes[rng() % prefixes.size()] + static_cast<char>('0' + rng() % 6);
    };
    auto random_size = [&]() -> uint64_t {
      switch (rng() % 6) {
        case 0:
          return 0;
        case 1:
          return kInline + rng() % 3 - 1;
        case 2:
          return kChunk + rng() % 5000;
        default:
          return rng() % 3000;
      }
    };
    for (int step = 0; step < steps; ++step) {
      SCOPED_TRACE("seed " + std::to_string(seed) + " step " + std::to_string(step));
      churn(step);
      ASSERT_FALSE(::testing::Test::HasFatalFailure());
      const std::string key = random_key();
      if (rng() % 4 == 0) {
        ASSERT_OK(store().Delete("b", key));
        model.Delete(key);
        EXPECT_THAT(store().Head("b", key), StatusIs(StatusCode::kNotFound)) << key;
      } else {
        const std::string body = RandomBytes(random_size(), rng());
        ASSERT_OK(PutString(store(), "b", key, body)) << key;
        model.Put(key, body);
      }
      if (step % 5 != 4) continue;
      // A random query, one page, then the whole listing page by page.
      gateway::ListQuery query;
      query.prefix = rng() % 2 ? prefixes[rng() % prefixes.size()] : "";
      query.delimiter = rng() % 2 ? "/" : "";
      query.max_keys = 1 + static_cast<uint32_t>(rng() % 6);
      if (query.delimiter.empty() && rng() % 2) query.start_after = random_key();
      ASSERT_OK_AND_ASSIGN(gateway::ListResult page, store().List("b", query));
      EXPECT_EQ(Describe(page), Describe(model.List(query)));
      query.start_after.clear();
      for (int pages = 0;; ++pages) {
        ASSERT_LT(pages, 100);
        ASSERT_OK_AND_ASSIGN(page, store().List("b", query));
        EXPECT_EQ(Describe(page), Describe(model.List(query)));
        if (!page.truncated) break;
        query.start_after = page.next_marker;
      }
    }
    // Every object the model holds reads back exactly, with its ETag.
    for (const auto& [key, body] : model.objects()) {
      ASSERT_OK_AND_ASSIGN(gateway::ObjectInfo head, store().Head("b", key));
      EXPECT_EQ(head.etag, HexEncode(Md5(body))) << key;
      ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(store(), head));
      EXPECT_TRUE(SameBytes(got, body)) << key;
    }
  }

  ClusterHarness harness_{
      {.nodes = 12, .k = 4, .m = 2, .chunk_size = kChunk, .inline_limit = kInline}};
};

TEST_F(ClusterTwoSetsTest, ObjectsSpreadOverBothSetsAndSurviveOneNodeDownInEach) {
  // Which nodes took shards of each object: the whole set Placement names (nodes
  // [6s, 6s + 6) in config order), and both sets get objects.
  const Placement placement(12, 6);
  std::set<uint32_t> sets_used;
  std::vector<std::string> data;
  for (int i = 0; i < 16; ++i) {
    const std::string key = "obj/" + std::to_string(i);
    data.push_back(RandomBytes(4 * kChunk + 100 * i, 300 + i));
    ASSERT_OK_AND_ASSIGN(std::vector<int> nodes, harness_.NodesServing("shard_put", [&] {
      EXPECT_OK(PutString(store(), "b", key, data.back()));
    }));
    const uint32_t set = placement.Locate("b", key).set;
    sets_used.insert(set);
    std::vector<int> want;
    for (int n = 0; n < 6; ++n) want.push_back(static_cast<int>(set) * 6 + n);
    EXPECT_EQ(nodes, want) << key;
  }
  ASSERT_EQ(sets_used.size(), 2u) << "16 objects should land in both sets";

  // One node of each set down: every read is still exact, listing complete.
  harness_.cluster().StopNode(1);
  harness_.cluster().StopNode(10);
  for (int i = 0; i < 16; ++i) {
    ASSERT_OK_AND_ASSIGN(std::string got, GetString(store(), "b", "obj/" + std::to_string(i)));
    EXPECT_TRUE(SameBytes(got, data[i])) << "object " << i;
  }
  ASSERT_OK_AND_ASSIGN(gateway::ListResult list, store().List("b", {}));
  EXPECT_EQ(list.objects.size(), 16u);
  // And writes still reach their quorum in both sets.
  for (int i = 16; i < 24; ++i) {
    const std::string body = RandomBytes(2 * kChunk + i, 300 + i);
    ASSERT_OK(PutString(store(), "b", "obj/" + std::to_string(i), body));
    ASSERT_OK_AND_ASSIGN(std::string got, GetString(store(), "b", "obj/" + std::to_string(i)));
    EXPECT_TRUE(SameBytes(got, body)) << "object " << i;
  }
}

TEST_F(ClusterTwoSetsTest, RandomOperationsMatchAnInMemoryModel) {
  RunRandomOperations(150, [](int) {});
}

// The same with nodes killed and brought back (missing what was written meanwhile): one node
// per set down at a time, so every write still reaches its quorum and every read and listing
// must still see the newest version of every key.
TEST_F(ClusterTwoSetsTest, RandomOperationsMatchTheModelWhileNodesComeAndGo) {
  TestCluster& cluster = harness_.cluster();
  RunRandomOperations(200, [&](int step) {
    switch (step) {
      case 40:
        cluster.KillNode(2);
        cluster.KillNode(9);
        break;
      case 90:
        ASSERT_OK(cluster.StartNode(2));
        ASSERT_OK(cluster.StartNode(9));
        cluster.KillNode(5);
        cluster.KillNode(6);
        break;
      case 140:
        ASSERT_OK(cluster.StartNode(5));
        ASSERT_OK(cluster.StartNode(6));
        break;
    }
  });
}

}  // namespace
}  // namespace shale::testing
