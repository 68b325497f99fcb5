// Random puts, overwrites, deletes, attribute updates and reads against an in-memory reference,
// while one node at a time is down (within the write quorum), on two sets of 4+2; every read
// and the final listing must match the reference exactly. Seed printed; SHALE_TEST_SEED replays.

#include <gtest/gtest.h>

#include <map>

#include "gateway/cluster_store.h"
#include "tests/datapath/cluster_store_test_util.h"
#include "tests/support/random_seed.h"

namespace shale::gateway::testing {
namespace {

using ::shale::testing::StatusIs;

constexpr uint64_t kChunk = 64 * kKiB;

struct Expected {
  std::string data;
  ObjectAttributes attributes;
};

TEST(ClusterStoreModelTest, MatchesTheReferenceUnderNodeFailures) {
  const uint64_t seed = shale::testing::TestSeed();
  std::mt19937_64 rng(seed);
  InProcessCluster cluster(TestClusterOptions{.sets = 2});
  ClusterStore& store = cluster.store();
  std::map<std::string, Expected> model;
  const size_t sizes[] = {0, 1, 100, 4 * kKiB, 4 * kKiB + 1, kChunk - 1, kChunk, 2 * kChunk + 7};
  int down = -1;
  for (int op = 0; op < 600; ++op) {
    SCOPED_TRACE("op " + std::to_string(op) + " seed " + std::to_string(seed));
    // Now and then another single node is down (writes tolerate one per set).
    if (rng() % 10 == 0) {
      if (down >= 0) cluster.node(down).set_down(false);
      down = rng() % 3 == 0 ? -1 : static_cast<int>(rng() % cluster.size());
      if (down >= 0) cluster.node(down).set_down(true);
    }
    std::string key = "k" + std::to_string(rng() % 20);
    switch (rng() % 6) {
      case 0:
      case 1: {
        std::string data = RandomBody(sizes[rng() % std::size(sizes)], rng());
        PutRequest req =
            Request("b", key, rng() % 2 ? std::optional<uint64_t>(data.size()) : std::nullopt);
        req.attributes.content_type = "type/" + std::to_string(op);
        ASSERT_OK(store.Put(req, StringSource(data, 1 + rng() % 50000)).status());
        model[key] = {data, req.attributes};
        break;
      }
      case 2:
        ASSERT_OK(store.Delete("b", key));
        model.erase(key);
        break;
      case 3: {
        ObjectAttributes attrs;
        attrs.tags = {{"op", std::to_string(op)}};
        Result<ObjectInfo> updated = store.UpdateAttributes("b", key, attrs);
        if (model.count(key) == 0) {
          ASSERT_THAT(updated, StatusIs(StatusCode::kNotFound));
        } else {
          ASSERT_OK(updated.status());
          model[key].attributes = attrs;
        }
        break;
      }
      default: {
        Result<ObjectInfo> head = store.Head("b", key);
        if (model.count(key) == 0) {
          ASSERT_THAT(head, StatusIs(StatusCode::kNotFound));
          break;
        }
        ASSERT_OK(head.status());
        const Expected& want = model[key];
        EXPECT_EQ(head->attributes, want.attributes);
        ASSERT_EQ(head->size, want.data.size());
        uint64_t offset = want.data.empty() ? 0 : rng() % want.data.size();
        uint64_t length = rng() % (want.data.size() + 1);
        ASSERT_OK_AND_ASSIGN(std::string got, ReadRange(store, *head, offset, length));
        ASSERT_TRUE(got == want.data.substr(offset, length));
      }
    }
  }
  if (down >= 0) cluster.node(down).set_down(false);
  // The listing, and every object, match the reference.
  ListQuery query;
  query.max_keys = 7;  // Several pages.
  std::vector<std::string> listed;
  for (;;) {
    ASSERT_OK_AND_ASSIGN(ListResult page, store.List("b", query));
    for (const ObjectInfo& o : page.objects) {
      listed.push_back(o.key);
      ASSERT_EQ(o.size, model[o.key].data.size()) << o.key;
    }
    if (!page.truncated) break;
    query.start_after = page.next_marker;
  }
  std::vector<std::string> want;
  for (const auto& [key, e] : model) want.push_back(key);
  EXPECT_EQ(listed, want);
  for (const auto& [key, e] : model) {
    ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(store, "b", key));
    EXPECT_TRUE(got == e.data) << key;
  }
}

}  // namespace
}  // namespace shale::gateway::testing
