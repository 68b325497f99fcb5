// ClusterStore over six in-process engines (4+2, 64 KiB chunks, 4 KiB inline limit): round trips,
// ranges, attributes, overwrite and delete, before_commit, declared sizes, buckets.

#include "gateway/cluster_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "common/crc.h"
#include "common/encoding.h"
#include "common/hash.h"
#include "common/object_record.h"
#include "tests/datapath/cluster_store_test_util.h"
#include "tests/support/random_seed.h"

namespace shale::gateway::testing {
namespace {

using ::shale::testing::StatusIs;

constexpr uint64_t kChunk = 64 * kKiB;

class ClusterStoreTest : public ::testing::Test {
 protected:
  ClusterStore& store() { return cluster_.store(); }
  Result<ObjectInfo> PutString(const std::string& key, const std::string& data,
                               std::optional<uint64_t> size, size_t step = 1 << 30) {
    return store().Put(Request("b", key, size), StringSource(data, step));
  }
  InProcessCluster cluster_;
};

TEST_F(ClusterStoreTest, RoundTripsEverySizeBitExact) {
  const size_t sizes[] = {0,          1,      100,        4 * kKiB,        4 * kKiB + 1,
                          kChunk - 1, kChunk, kChunk + 1, 3 * kChunk + 17, 5 * kChunk};
  for (size_t size : sizes) {
    for (bool declared : {true, false}) {
      SCOPED_TRACE(std::to_string(size) + (declared ? " declared" : " streamed"));
      std::string key = "obj-" + std::to_string(size) + (declared ? "-d" : "-s");
      std::string data = RandomBody(size, size * 7 + declared);
      // Odd-sized pieces from the body source: chunk boundaries never line up with them.
      ASSERT_OK_AND_ASSIGN(
          ObjectInfo put,
          PutString(key, data, declared ? std::optional<uint64_t>(size) : std::nullopt, 7919));
      EXPECT_EQ(put.size, size);
      EXPECT_EQ(put.etag, HexEncode(Md5(data)));
      ASSERT_OK_AND_ASSIGN(ObjectInfo head, store().Head("b", key));
      EXPECT_EQ(head.size, size);
      EXPECT_EQ(head.etag, put.etag);
      EXPECT_EQ(head.version, put.version);
      EXPECT_EQ(head.owner_id, "owner");
      ASSERT_OK_AND_ASSIGN(ObjectLayout layout, DecodeLayout(head.layout));
      EXPECT_EQ(layout.kind, size <= 4 * kKiB ? LayoutKind::kReplicated : LayoutKind::kErasure);
      ASSERT_OK_AND_ASSIGN(std::string back, ReadRange(store(), head, 0, UINT64_MAX, 5000));
      EXPECT_TRUE(back == data);
      // The layout Put returned reads too (inline objects then fetch their bytes from a holder).
      ASSERT_OK_AND_ASSIGN(std::string again, ReadRange(store(), put, 0, UINT64_MAX));
      EXPECT_TRUE(again == data);
    }
  }
}

TEST_F(ClusterStoreTest, RandomRangesMatchTheReference) {
  const uint64_t seed = shale::testing::TestSeed();
  std::mt19937_64 rng(seed);
  std::string big = RandomBody(4 * kChunk + 1234, seed);
  std::string small = RandomBody(3000, seed + 1);
  ASSERT_OK_AND_ASSIGN(ObjectInfo big_info, PutString("big", big, big.size()));
  ASSERT_OK_AND_ASSIGN(ObjectInfo small_info, PutString("small", small, small.size()));
  for (int i = 0; i < 200; ++i) {
    bool use_big = i % 4 != 0;
    const std::string& ref = use_big ? big : small;
    const ObjectInfo& info = use_big ? big_info : small_info;
    uint64_t offset = rng() % (ref.size() + 10);
    uint64_t length = i % 10 == 0 ? UINT64_MAX : rng() % (ref.size() / 2 + 1);
    SCOPED_TRACE("offset " + std::to_string(offset) + " length " + std::to_string(length));
    ASSERT_OK_AND_ASSIGN(std::string got,
                         ReadRange(store(), info, offset, length, 1 + rng() % 70000));
    std::string want = offset >= ref.size() ? "" : ref.substr(offset, length);
    ASSERT_TRUE(got == want);
  }
}

TEST_F(ClusterStoreTest, ComputesAndStoresRequestedChecksums) {
  std::string data = RandomBody(kChunk + 5, 3);
  PutRequest req = Request("b", "sums", data.size());
  req.compute = {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c,
                 ChecksumAlgorithm::kCrc64Nvme, ChecksumAlgorithm::kSha1,
                 ChecksumAlgorithm::kSha256};
  req.store = {ChecksumAlgorithm::kSha256, ChecksumAlgorithm::kCrc32c};
  PutDigests seen;
  req.before_commit = [&](const PutDigests& d) {
    seen = d;
    return Status::OK();
  };
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, store().Put(req, StringSource(data, 1000)));
  auto be32 = [](uint32_t v) {
    std::string s(4, '\0');
    for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (24 - 8 * i));
    return Base64Encode(s);
  };
  uint64_t crc64 = Crc64Nvme(data);
  std::string be64(8, '\0');
  for (int i = 0; i < 8; ++i) be64[i] = static_cast<char>(crc64 >> (56 - 8 * i));
  auto sha1 = Sha1(data);
  auto sha256 = Sha256(data);
  ASSERT_EQ(seen.checksums.size(), 5u);
  EXPECT_EQ(seen.size, data.size());
  EXPECT_EQ(seen.md5_hex, HexEncode(Md5(data)));
  EXPECT_EQ(seen.checksums[0].base64, be32(Crc32(data)));
  EXPECT_EQ(seen.checksums[1].base64, be32(Crc32c(data)));
  EXPECT_EQ(seen.checksums[2].base64, Base64Encode(be64));
  EXPECT_EQ(seen.checksums[3].base64, Base64Encode(std::span<const uint8_t>(sha1)));
  EXPECT_EQ(seen.checksums[4].base64, Base64Encode(std::span<const uint8_t>(sha256)));
  ASSERT_OK_AND_ASSIGN(ObjectInfo head, store().Head("b", "sums"));
  ASSERT_EQ(head.checksums.size(), 2u);
  EXPECT_EQ(head.checksums[0], seen.checksums[4]);
  EXPECT_EQ(head.checksums[1], seen.checksums[1]);
  EXPECT_EQ(head.checksums, info.checksums);
}

TEST_F(ClusterStoreTest, BeforeCommitRefusalLeavesNothingVisible) {
  for (size_t size : {size_t{10}, size_t{3 * kChunk}}) {
    PutRequest req = Request("b", "refused", size);
    req.before_commit = [](const PutDigests&) { return Status::FailedPrecondition("nope"); };
    std::string data = RandomBody(size, 5);
    Result<ObjectInfo> put = store().Put(req, StringSource(data));
    EXPECT_THAT(put, StatusIs(StatusCode::kFailedPrecondition));
    EXPECT_EQ(put.status().message(), "nope");
    EXPECT_THAT(store().Head("b", "refused"), StatusIs(StatusCode::kNotFound));
  }
  // The shards written before the refusal are cleaned up.
  store().DrainBackground();
  for (size_t i = 0; i < cluster_.size(); ++i) {
    ASSERT_OK_AND_ASSIGN(uint64_t shards, cluster_.engine(i).CountShards());
    EXPECT_EQ(shards, 0u) << "node " << i;
  }
}

TEST_F(ClusterStoreTest, DeclaredSizeIsEnforced) {
  std::string data = RandomBody(2 * kChunk, 9);
  for (uint64_t declared :
       {uint64_t{10}, uint64_t{2 * kChunk - 1}, uint64_t{2 * kChunk + 1}, uint64_t{3 * kChunk}}) {
    SCOPED_TRACE(declared);
    EXPECT_THAT(PutString("sized", data, declared), StatusIs(StatusCode::kInvalidArgument));
    EXPECT_THAT(store().Head("b", "sized"), StatusIs(StatusCode::kNotFound));
  }
  std::string tiny = "abc";
  EXPECT_THAT(PutString("sized", tiny, 2), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(PutString("sized", tiny, 4), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_OK(PutString("sized", tiny, 3).status());
}

TEST_F(ClusterStoreTest, BodySourceErrorIsReturnedAndNothingVisible) {
  int calls = 0;
  BodySource failing = [&](std::span<char> buf) -> Result<size_t> {
    if (++calls > 3) return Status::IOError("client went away");
    std::fill(buf.begin(), buf.end(), 'x');
    return buf.size();
  };
  EXPECT_THAT(store().Put(Request("b", "broken", std::nullopt), failing),
              StatusIs(StatusCode::kIOError));
  EXPECT_THAT(store().Head("b", "broken"), StatusIs(StatusCode::kNotFound));
}

TEST_F(ClusterStoreTest, OverwriteServesTheNewestAndCleansTheOld) {
  std::string v1 = RandomBody(3 * kChunk, 1), v2 = RandomBody(100, 2), v3 = RandomBody(kChunk, 3);
  ASSERT_OK_AND_ASSIGN(ObjectInfo i1, PutString("k", v1, v1.size()));
  ASSERT_OK_AND_ASSIGN(ObjectInfo i2, PutString("k", v2, v2.size()));
  EXPECT_GT(i2.version, i1.version);
  EXPECT_EQ(ReadAll(store(), "b", "k").value(), v2);
  ASSERT_OK_AND_ASSIGN(ObjectInfo i3, PutString("k", v3, v3.size()));
  EXPECT_TRUE(ReadAll(store(), "b", "k").value() == v3);
  // Superseded data stays for a grace period: a reader that found v1 before the overwrite
  // still reads it.
  EXPECT_TRUE(ReadRange(store(), i1, 0, UINT64_MAX).value() == v1);
  store().DrainBackground();
  // Only v3's shards (one chunk, 6 shards) and one live record per node remain; v1 and v2 are
  // purge tombstones.
  uint64_t total = 0;
  for (size_t i = 0; i < cluster_.size(); ++i) {
    total += cluster_.engine(i).CountShards().value();
    ASSERT_OK_AND_ASSIGN(auto page, cluster_.local(i).ListVersions({"b", "", {}, {}, 100, false}));
    std::vector<node_wire::WireVersion> live = Live(page);
    ASSERT_EQ(live.size(), 1u) << "node " << i;
    EXPECT_EQ(live[0].version, i3.version.ToBinary());
    EXPECT_EQ(page.versions.size() - live.size(), 2u) << "node " << i;
  }
  EXPECT_EQ(total, 6u);
  // The old version's reader fails cleanly (its shards are gone), never with wrong bytes.
  EXPECT_FALSE(ReadRange(store(), i1, 0, UINT64_MAX).ok());
  EXPECT_THAT(store().Head("b", "k", i1.version), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(ObjectInfo by_version, store().Head("b", "k", i3.version));
  EXPECT_EQ(by_version.etag, i3.etag);
}

TEST_F(ClusterStoreTest, DeleteHidesTheObjectAndKeepsAMarker) {
  std::string data = RandomBody(2 * kChunk, 4);
  ASSERT_OK(PutString("gone", data, data.size()).status());
  ASSERT_OK(store().Delete("b", "gone"));
  EXPECT_THAT(store().Head("b", "gone"), StatusIs(StatusCode::kNotFound));
  EXPECT_OK(store().Delete("b", "gone"));   // Deleting again succeeds.
  EXPECT_OK(store().Delete("b", "never"));  // So does deleting a missing key.
  store().DrainBackground();
  for (size_t i = 0; i < cluster_.size(); ++i) {
    EXPECT_EQ(cluster_.engine(i).CountShards().value(), 0u);
    ASSERT_OK_AND_ASSIGN(node_wire::WireVersion newest,
                         cluster_.local(i).GetVersion("b", "gone", std::nullopt));
    EXPECT_EQ(newest.kind, node_wire::WireKind::kDeleteMarker);
    EXPECT_THAT(cluster_.local(i).GetVersion("b", "never", std::nullopt),
                StatusIs(StatusCode::kNotFound));
  }
  // A put after the delete is visible again.
  ASSERT_OK(PutString("gone", "back", 4).status());
  EXPECT_EQ(ReadAll(store(), "b", "gone").value(), "back");
}

TEST_F(ClusterStoreTest, UpdateAttributesKeepsBytesAndVersion) {
  for (size_t size : {size_t{50}, size_t{kChunk + 3}}) {
    std::string key = "attrs-" + std::to_string(size);
    std::string data = RandomBody(size, size);
    PutRequest req = Request("b", key, size);
    req.attributes.content_type = "text/plain";
    req.attributes.user_metadata = {{"a", "1"}};
    ASSERT_OK_AND_ASSIGN(ObjectInfo put, store().Put(req, StringSource(data)));
    ObjectAttributes attrs = req.attributes;
    attrs.tags = {{"color", "blue"}, {"size", "xl"}};
    ASSERT_OK_AND_ASSIGN(ObjectInfo updated, store().UpdateAttributes("b", key, attrs));
    EXPECT_EQ(updated.version, put.version);
    ASSERT_OK_AND_ASSIGN(ObjectInfo head, store().Head("b", key));
    EXPECT_EQ(head.attributes, attrs);
    EXPECT_EQ(head.version, put.version);
    EXPECT_EQ(head.etag, put.etag);
    EXPECT_TRUE(ReadRange(store(), head, 0, UINT64_MAX).value() == data);
    EXPECT_TRUE(ReadRange(store(), updated, 0, UINT64_MAX).value() == data);
  }
  EXPECT_THAT(store().UpdateAttributes("b", "missing", {}), StatusIs(StatusCode::kNotFound));
}

TEST_F(ClusterStoreTest, ObjectsSpreadOverRotations) {
  // Shard 0 of different keys lands on different nodes (parity load spreads).
  std::set<uint32_t> rotations;
  for (int i = 0; i < 64; ++i) {
    ASSERT_OK_AND_ASSIGN(ObjectInfo info, PutString("r" + std::to_string(i), "x", 1));
    rotations.insert(DecodeLayout(info.layout).value().rotation);
  }
  EXPECT_EQ(rotations.size(), 6u);
}

TEST_F(ClusterStoreTest, Buckets) {
  BucketInfo a{"alpha", "owner-1", 1000, "", ""};
  BucketInfo b{"beta", "owner-2", 2000, "eu-west-1", "<cors/>"};
  ASSERT_OK(store().CreateBucket(b));
  ASSERT_OK(store().CreateBucket(a));
  EXPECT_THAT(store().CreateBucket(a), StatusIs(StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(BucketInfo got, store().GetBucket("beta"));
  EXPECT_EQ(got, b);
  ASSERT_OK_AND_ASSIGN(auto list, store().ListBuckets());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0], a);
  EXPECT_EQ(list[1], b);
  b.cors_json = "";
  ASSERT_OK(store().UpdateBucket(b));
  EXPECT_EQ(store().GetBucket("beta").value(), b);
  EXPECT_THAT(store().UpdateBucket({"gamma", "o", 0, "", ""}), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(store().GetBucket("gamma"), StatusIs(StatusCode::kNotFound));

  // Not empty while an object lives in it; empty again once it is deleted.
  ASSERT_OK(store().Put(Request("alpha", "x", 3), StringSource("abc")).status());
  EXPECT_THAT(store().DeleteBucket("alpha"), StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_OK(store().Delete("alpha", "x"));
  ASSERT_OK(store().DeleteBucket("alpha"));
  EXPECT_THAT(store().GetBucket("alpha"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(store().DeleteBucket("alpha"), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(list, store().ListBuckets());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "beta");
  // Re-created after the delete.
  ASSERT_OK(store().CreateBucket(a));
  EXPECT_EQ(store().GetBucket("alpha").value(), a);
}

TEST_F(ClusterStoreTest, ListShowsTheNewestOfEachKey) {
  ASSERT_OK(PutString("a/1", "one", 3).status());
  ASSERT_OK(PutString("a/2", "two", 3).status());
  std::string big = RandomBody(kChunk + 1, 8);
  ASSERT_OK(PutString("a/2", big, big.size()).status());  // Overwritten: listed once, new size.
  ASSERT_OK(PutString("a/3", "three", 5).status());
  ASSERT_OK(store().Delete("b", "a/3"));
  ASSERT_OK(PutString("b/x", "x", 1).status());
  ASSERT_OK(PutString("c", "c", 1).status());
  ASSERT_OK_AND_ASSIGN(ListResult all, store().List("b", {}));
  std::vector<std::string> keys;
  for (const ObjectInfo& o : all.objects) keys.push_back(o.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"a/1", "a/2", "b/x", "c"}));
  EXPECT_FALSE(all.truncated);
  EXPECT_EQ(all.objects[1].size, big.size());
  EXPECT_EQ(all.objects[0].etag, HexEncode(Md5("one")));
  // Listed entries carry no inline bytes, but read like any ObjectInfo.
  EXPECT_FALSE(DecodeLayout(all.objects[0].layout).value().has_data);
  EXPECT_EQ(ReadRange(store(), all.objects[0], 0, UINT64_MAX).value(), "one");

  ListQuery grouped;
  grouped.delimiter = "/";
  ASSERT_OK_AND_ASSIGN(ListResult g, store().List("b", grouped));
  EXPECT_EQ(g.common_prefixes, (std::vector<std::string>{"a/", "b/"}));
  ASSERT_EQ(g.objects.size(), 1u);
  EXPECT_EQ(g.objects[0].key, "c");

  ListQuery page;
  page.prefix = "a/";
  page.max_keys = 1;
  ASSERT_OK_AND_ASSIGN(ListResult p1, store().List("b", page));
  ASSERT_EQ(p1.objects.size(), 1u);
  EXPECT_TRUE(p1.truncated);
  page.start_after = p1.next_marker;
  ASSERT_OK_AND_ASSIGN(ListResult p2, store().List("b", page));
  ASSERT_EQ(p2.objects.size(), 1u);
  EXPECT_EQ(p2.objects[0].key, "a/2");
  EXPECT_FALSE(p2.truncated);
}

TEST_F(ClusterStoreTest, TwoGatewaysSeeEachOthersWrites) {
  auto other = cluster_.NewStore(/*origin=*/2);
  ASSERT_OK(PutString("shared", "one", 3).status());
  ASSERT_OK(other->Put(Request("b", "shared", 3), StringSource("two")).status());
  EXPECT_EQ(ReadAll(store(), "b", "shared").value(), "two");
  ASSERT_OK(store().Delete("b", "shared"));
  EXPECT_THAT(other->Head("b", "shared"), StatusIs(StatusCode::kNotFound));
}

TEST_F(ClusterStoreTest, ALaterPutWinsOverAGatewayWhoseClockRunsAhead) {
  const uint64_t now = SystemClock::Default().NowMicros();
  ManualClock ahead(now + 60'000'000), behind(now);
  auto fast = cluster_.NewStore(/*origin=*/7, &ahead);
  auto slow = cluster_.NewStore(/*origin=*/8, &behind);
  std::string big = RandomBody(2 * kChunk, 12);
  for (const std::string& second : {std::string("second"), big}) {
    ASSERT_OK(fast->Put(Request("b", "skew", 5), StringSource("first")).status());
    ASSERT_OK_AND_ASSIGN(ObjectInfo put,
                         slow->Put(Request("b", "skew", second.size()), StringSource(second)));
    EXPECT_GT(put.version.wall_micros, now + 60'000'000 - 1);
    EXPECT_TRUE(ReadAll(*fast, "b", "skew").value() == second);
    EXPECT_TRUE(ReadAll(*slow, "b", "skew").value() == second);
  }
  fast->DrainBackground();
  slow->DrainBackground();
  for (size_t i = 0; i < cluster_.size(); ++i) {
    ASSERT_OK_AND_ASSIGN(auto page,
                         cluster_.local(i).ListVersions({"b", "skew", {}, {}, 100, false}));
    // The first attempts were taken back; the "first" versions were purged by the overwrites.
    EXPECT_EQ(Live(page).size(), 1u) << "node " << i;
    EXPECT_EQ(page.versions.size(), 4u) << "node " << i;
  }
}

}  // namespace
}  // namespace shale::gateway::testing
