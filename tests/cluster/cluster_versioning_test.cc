// Versioning on six real shale-node processes (4+2, write quorum 5), through the signed HTTP node
// API (purge tombstones travel as x-shale-kind: purged and list kind 2): versions kept and read
// back bit-exact, delete markers, deletes of a given version with a node down that misses the
// purge and comes back, a Suspended put replacing only the null version, and DeleteBucket
// waiting for the last version.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/placement.h"
#include "tests/cluster/cluster_harness.h"
#include "tests/node/node_test_util.h"
#include "tests/support/status_matchers.h"

namespace shale::testing {
namespace {

using gateway::ObjectInfo;
using gateway::VersionSelector;
using ::shale::BucketVersioning;

constexpr uint64_t kChunk = 256 * kKiB;

class ClusterVersioningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(harness_.Start());
    ASSERT_OK(CreateBucket(store(), "b"));
  }
  gateway::ObjectStore& store() { return harness_.store(); }

  void SetState(BucketVersioning state) {
    ASSERT_OK_AND_ASSIGN(gateway::BucketInfo b, store().GetBucket("b"));
    b.versioning = state;
    ASSERT_OK(store().UpdateBucket(b));
  }
  Result<ObjectInfo> Put(const std::string& key, const std::string& data, BucketVersioning state) {
    gateway::PutRequest r = PutOf("b", key, data.size());
    r.versioning = state;
    return store().Put(r, StringBody(data));
  }
  // "<id or null>[D]" per version of the listing, in order.
  std::vector<std::string> Versions() {
    std::vector<std::string> out;
    auto page = store().ListVersions("b", {});
    EXPECT_OK(page.status());
    if (!page.ok()) return out;
    for (const auto& e : page->versions) {
      out.push_back(e.info.key + ":" + gateway::S3VersionId(e.info) + (e.is_latest ? ":L" : ":") +
                    (e.info.delete_marker ? "D" : ""));
    }
    return out;
  }

  ClusterHarness harness_{{.nodes = 6, .k = 4, .m = 2, .chunk_size = kChunk}};
};

TEST_F(ClusterVersioningTest, VersionsMarkersAndPurgesOverRealNodes) {
  const std::string old_null = RandomBytes(3 * kChunk + 17, 1);
  const std::string big = RandomBytes(5 * kChunk + 3, 2);
  ASSERT_OK_AND_ASSIGN(ObjectInfo v0, Put("k", old_null, BucketVersioning::kUnversioned));
  SetState(BucketVersioning::kEnabled);
  ASSERT_OK_AND_ASSIGN(ObjectInfo v1, Put("k", big, BucketVersioning::kEnabled));
  ASSERT_OK_AND_ASSIGN(ObjectInfo v2, Put("k", "small two", BucketVersioning::kEnabled));
  ASSERT_OK_AND_ASSIGN(gateway::DeleteOutcome marker,
                       store().DeleteObject({"b", "k", {}, BucketVersioning::kEnabled}));
  ASSERT_TRUE(marker.delete_marker);
  const std::string id1 = v1.version.ToText(), id2 = v2.version.ToText(),
                    idm = marker.version->version.ToText();
  EXPECT_EQ(Versions(), (std::vector<std::string>{"k:" + idm + ":LD", "k:" + id2 + ":",
                                                  "k:" + id1 + ":", "k:null:"}));
  EXPECT_EQ(store().Head("b", "k").status().code(), StatusCode::kNotFound);
  // Every version reads back bit-exact by its id (the null one by "null").
  ASSERT_OK_AND_ASSIGN(ObjectInfo h1, store().Head("b", "k", v1.version));
  EXPECT_TRUE(SameBytes(ReadAll(store(), h1).value(), big));
  ASSERT_OK_AND_ASSIGN(ObjectInfo h0, store().Head("b", "k", VersionSelector::Null()));
  EXPECT_EQ(h0.version, v0.version);
  EXPECT_TRUE(SameBytes(ReadAll(store(), h0).value(), old_null));

  // Undo the delete; then purge v2 while the node of shard 0 is down: it misses the purge.
  ASSERT_OK(store()
                .DeleteObject({"b", "k", marker.version->version, BucketVersioning::kEnabled})
                .status());
  Placement placement(6, 6);
  const int missed = static_cast<int>(placement.NodeFor(placement.Locate("b", "k"), 0));
  harness_.cluster().StopNode(missed);
  ASSERT_OK_AND_ASSIGN(gateway::DeleteOutcome purged,
                       store().DeleteObject({"b", "k", v2.version, BucketVersioning::kEnabled}));
  ASSERT_TRUE(purged.version.has_value());
  ASSERT_OK(harness_.cluster().StartNode(missed));
  ASSERT_OK_AND_ASSIGN(auto stale, harness_.node(missed).GetVersion("b", "k", std::nullopt));
  EXPECT_EQ(stale.version, v2.version.ToBinary());  // It still shows v2 as its newest...
  ASSERT_OK_AND_ASSIGN(ObjectInfo latest, store().Head("b", "k"));
  EXPECT_EQ(latest.version, v1.version);  // ...and is outvoted.
  EXPECT_TRUE(SameBytes(ReadAll(store(), latest).value(), big));
  EXPECT_EQ(store().Head("b", "k", v2.version).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Versions(), (std::vector<std::string>{"k:" + id1 + ":L", "k:null:"}));
  ASSERT_OK_AND_ASSIGN(gateway::ListResult listed, store().List("b", {}));
  ASSERT_EQ(listed.objects.size(), 1u);
  EXPECT_EQ(listed.objects[0].version, v1.version);

  // Suspended: a put replaces the null version (v0, purged) and leaves v1 alone.
  SetState(BucketVersioning::kSuspended);
  ASSERT_OK_AND_ASSIGN(ObjectInfo v3, Put("k", "suspended", BucketVersioning::kSuspended));
  EXPECT_TRUE(v3.null_version);
  EXPECT_EQ(Versions(), (std::vector<std::string>{"k:null:L", "k:" + id1 + ":"}));
  EXPECT_EQ(store().Head("b", "k", v0.version).status().code(), StatusCode::kNotFound);

  // The bucket goes only once its last version does.
  EXPECT_EQ(store().DeleteBucket("b").code(), StatusCode::kFailedPrecondition);
  ASSERT_OK(store()
                .DeleteObject({"b", "k", VersionSelector::Null(), BucketVersioning::kSuspended})
                .status());
  EXPECT_EQ(store().DeleteBucket("b").code(), StatusCode::kFailedPrecondition);
  ASSERT_OK(store().DeleteObject({"b", "k", v1.version, BucketVersioning::kSuspended}).status());
  EXPECT_TRUE(Versions().empty());
  EXPECT_OK(store().DeleteBucket("b"));
}

}  // namespace
}  // namespace shale::testing
