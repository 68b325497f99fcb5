// ClusterStore over six real shale-node processes (4+2): bit-exact round trips at the sizes
// where chunking and replication change, and random ranges against the reference bytes.

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/encoding.h"
#include "common/hash.h"
#include "tests/cluster/cluster_harness.h"
#include "tests/node/node_test_util.h"
#include "tests/support/random_seed.h"
#include "tests/support/status_matchers.h"

namespace shale::testing {
namespace {

constexpr uint64_t kChunk = 256 * kKiB;
constexpr uint64_t kInline = 128 * kKiB;

class ClusterRoundTripTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(harness_.Start());
    ASSERT_OK(CreateBucket(harness_.store(), "b"));
  }

  ClusterHarness harness_{
      {.nodes = 6, .k = 4, .m = 2, .chunk_size = kChunk, .inline_limit = kInline}};
};

TEST_F(ClusterRoundTripTest, SizesAroundTheInlineLimitAndChunkBoundaries) {
  const std::vector<uint64_t> sizes = {
      0,      1,          kInline - 1,    kInline,    kInline + 1,      kChunk - 1,
      kChunk, kChunk + 1, kChunk / 4 + 1, 4 * kChunk, 5 * kChunk + 4097};
  gateway::ObjectStore& store = harness_.store();
  for (size_t i = 0; i < sizes.size(); ++i) {
    SCOPED_TRACE("size " + std::to_string(sizes[i]));
    const std::string key = "obj-" + std::to_string(sizes[i]);
    const std::string data = RandomBytes(sizes[i], 1000 + i);
    ASSERT_OK_AND_ASSIGN(gateway::ObjectInfo put, PutString(store, "b", key, data));
    EXPECT_EQ(put.size, data.size());
    EXPECT_EQ(put.etag, HexEncode(Md5(data)));
    ASSERT_OK_AND_ASSIGN(gateway::ObjectInfo head, store.Head("b", key));
    EXPECT_EQ(head.size, data.size());
    EXPECT_EQ(head.etag, put.etag);
    EXPECT_EQ(head.version, put.version);
    ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(store, head));
    EXPECT_TRUE(SameBytes(got, data));
  }
  // Everything is still exact once all of it was written (no object clobbered another).
  for (size_t i = 0; i < sizes.size(); ++i) {
    ASSERT_OK_AND_ASSIGN(std::string got, GetString(store, "b", "obj-" + std::to_string(sizes[i])));
    EXPECT_TRUE(SameBytes(got, RandomBytes(sizes[i], 1000 + i))) << "size " << sizes[i];
  }
}

TEST_F(ClusterRoundTripTest, RandomRangesMatchTheReference) {
  const uint64_t seed = TestSeed();
  std::mt19937_64 rng(seed);
  gateway::ObjectStore& store = harness_.store();
  // One erasure-coded object of several chunks with a short last one, one replicated object.
  const std::string big = RandomBytes(5 * kChunk + 12345, seed);
  const std::string small = RandomBytes(kInline / 2 + 3, seed + 1);
  ASSERT_OK_AND_ASSIGN(gateway::ObjectInfo big_info, PutString(store, "b", "big", big));
  ASSERT_OK_AND_ASSIGN(gateway::ObjectInfo small_info, PutString(store, "b", "small", small));
  for (int i = 0; i < 150; ++i) {
    const bool use_big = i % 3 != 0;
    const std::string& ref = use_big ? big : small;
    const gateway::ObjectInfo& info = use_big ? big_info : small_info;
    uint64_t offset = rng() % (ref.size() + 10);  // Sometimes at or past the end.
    uint64_t length = 0;
    switch (rng() % 4) {
      case 0:
        length = rng() % 16;
        break;  // Tiny.
      case 1:
        length = rng() % (kChunk / 4 + 2);
        break;  // Around a shard.
      case 2:
        length = rng() % (2 * kChunk + 2);
        break;  // Across chunks.
      default:
        length = UINT64_MAX - offset;
        break;  // To the end.
    }
    SCOPED_TRACE("seed " + std::to_string(seed) + " step " + std::to_string(i) + ": " +
                 (use_big ? "big" : "small") + " offset " + std::to_string(offset) + " length " +
                 std::to_string(length));
    ASSERT_OK_AND_ASSIGN(std::string got, ReadRange(store, info, offset, length));
    const std::string want =
        offset >= ref.size() ? std::string() : ref.substr(offset, std::min(length, ref.size()));
    ASSERT_TRUE(SameBytes(got, want));
  }
}

TEST_F(ClusterRoundTripTest, SixtyFourMiBWithTheDefaultChunkSize) {
  ASSERT_OK_AND_ASSIGN(auto store, harness_.MakeStore(4 * kMiB, 128 * kKiB));
  const std::string data = RandomBytes(64 * kMiB, 64);
  ASSERT_OK_AND_ASSIGN(gateway::ObjectInfo put, store->Put(PutOf("b", "sixty-four", data.size()),
                                                           StringBody(data, {}, 1 * kMiB)));
  EXPECT_EQ(put.etag, HexEncode(Md5(data)));
  ASSERT_OK_AND_ASSIGN(gateway::ObjectInfo head, store->Head("b", "sixty-four"));
  EXPECT_EQ(head.size, data.size());
  ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(*store, head));
  EXPECT_TRUE(SameBytes(got, data));
  // The store with the small chunk size reads it too: the layout travels with the record.
  ASSERT_OK_AND_ASSIGN(got, ReadRange(harness_.store(), head, 4 * kMiB - 100, 4 * kMiB + 200));
  EXPECT_TRUE(SameBytes(got, std::string_view(data).substr(4 * kMiB - 100, 4 * kMiB + 200)));
}

}  // namespace
}  // namespace shale::testing
