// ClusterStore versioning over six in-process engines (4+2): versions kept or replaced by the
// bucket's state, null versions, delete markers, deletes of a given version (purge tombstones),
// ListVersions with its markers, DeleteBucket's emptiness rule, and the failure cases (quorum
// loss, a node that missed a purge).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/object_record.h"
#include "common/placement.h"
#include "gateway/cluster_store.h"
#include "tests/datapath/cluster_store_test_util.h"

namespace shale::gateway::testing {
namespace {

using ::shale::testing::StatusIs;
using Kind = VersionSelector::Kind;

constexpr uint64_t kChunk = 64 * kKiB;
constexpr auto kOff = BucketVersioning::kUnversioned;
constexpr auto kOn = BucketVersioning::kEnabled;
constexpr auto kSuspended = BucketVersioning::kSuspended;

class VersioningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BucketInfo b;
    b.name = "b";
    b.owner_id = "owner";
    ASSERT_OK(store().CreateBucket(b));
  }
  ClusterStore& store() { return cluster_.store(); }

  ObjectInfo Put(const std::string& key, const std::string& data, BucketVersioning state) {
    PutRequest r = Request("b", key, data.size());
    r.versioning = state;
    auto info = store().Put(r, StringSource(data, 10000));
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    return info.ok() ? *info : ObjectInfo{};
  }
  Result<DeleteOutcome> Delete(const std::string& key, VersionSelector which,
                               BucketVersioning state) {
    return store().DeleteObject({"b", key, which, state});
  }
  std::string Read(const ObjectInfo& info) {
    auto got = ReadRange(store(), info, 0, UINT64_MAX);
    return got.ok() ? *got : "<" + got.status().ToString() + ">";
  }
  // "key:version-or-null:flags" per entry (L latest, D delete marker).
  std::vector<std::string> Versions(ListVersionsQuery q = {}) {
    auto page = store().ListVersions("b", q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<std::string> out;
    if (!page.ok()) return out;
    for (const VersionListEntry& e : page->versions) {
      out.push_back(e.info.key + ":" + S3VersionId(e.info) + ":" + (e.is_latest ? "L" : "") +
                    (e.info.delete_marker ? "D" : ""));
    }
    return out;
  }
  static std::string Id(const ObjectInfo& info) { return S3VersionId(info); }
  void SetState(BucketVersioning state) {
    ASSERT_OK_AND_ASSIGN(BucketInfo b, store().GetBucket("b"));
    b.versioning = state;
    ASSERT_OK(store().UpdateBucket(b));
  }
  size_t LiveRecords(size_t node, const std::string& key) {
    auto page = cluster_.local(node).ListVersions({"b", key, {}, {}, 1000, false});
    EXPECT_TRUE(page.ok());
    size_t n = 0;
    for (const auto& v : Live(*page)) n += v.key == key ? 1 : 0;
    return n;
  }
  uint64_t TotalShards() {
    uint64_t total = 0;
    for (size_t i = 0; i < cluster_.size(); ++i) total += cluster_.engine(i).CountShards().value();
    return total;
  }

  InProcessCluster cluster_;
};

TEST_F(VersioningTest, BucketStatePersists) {
  SetState(kOn);
  ASSERT_OK_AND_ASSIGN(BucketInfo b, store().GetBucket("b"));
  EXPECT_EQ(b.versioning, kOn);
  SetState(kSuspended);
  auto other = cluster_.NewStore(/*origin=*/2);
  ASSERT_OK_AND_ASSIGN(BucketInfo seen, other->GetBucket("b"));
  EXPECT_EQ(seen.versioning, kSuspended);
}

TEST_F(VersioningTest, EnabledPutsKeepEveryVersion) {
  std::string a = RandomBody(2 * kChunk + 5, 1), b = "small", c = RandomBody(kChunk, 3);
  ObjectInfo va = Put("k", a, kOn), vb = Put("k", b, kOn), vc = Put("k", c, kOn);
  EXPECT_FALSE(va.null_version);
  EXPECT_LT(va.version, vb.version);
  EXPECT_LT(vb.version, vc.version);
  store().DrainBackground();
  for (const ObjectInfo* v : {&va, &vb, &vc}) {
    ASSERT_OK_AND_ASSIGN(ObjectInfo got, store().Head("b", "k", v->version));
    EXPECT_EQ(got.etag, v->etag);
    EXPECT_EQ(Read(got), v == &va ? a : v == &vb ? b : c);
  }
  ASSERT_OK_AND_ASSIGN(ObjectInfo latest, store().Head("b", "k"));
  EXPECT_EQ(latest.version, vc.version);
  EXPECT_THAT(store().Head("b", "k", VersionSelector::Null()), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(Versions(), ::testing::ElementsAre("k:" + Id(vc) + ":L", "k:" + Id(vb) + ":",
                                                 "k:" + Id(va) + ":"));
  ASSERT_OK_AND_ASSIGN(ListResult listed, store().List("b", {}));
  ASSERT_EQ(listed.objects.size(), 1u);
  EXPECT_EQ(listed.objects[0].version, vc.version);
}

TEST_F(VersioningTest, UnversionedOverwriteKeepsOneNullVersion) {
  ObjectInfo v1 = Put("k", RandomBody(3 * kChunk, 1), kOff);
  ObjectInfo v2 = Put("k", "second", kOff);
  EXPECT_TRUE(v1.null_version);
  EXPECT_TRUE(v2.null_version);
  store().DrainBackground();
  EXPECT_THAT(Versions(), ::testing::ElementsAre("k:null:L"));
  ASSERT_OK_AND_ASSIGN(ObjectInfo null, store().Head("b", "k", VersionSelector::Null()));
  EXPECT_EQ(null.version, v2.version);
  EXPECT_EQ(Read(null), "second");
  EXPECT_THAT(store().Head("b", "k", v1.version), StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(TotalShards(), 0u);  // v1's chunks went with its purge; v2 is inline.
  for (size_t i = 0; i < cluster_.size(); ++i) EXPECT_EQ(LiveRecords(i, "k"), 1u);
}

TEST_F(VersioningTest, SuspendedPutReplacesOnlyTheNullVersion) {
  std::string first = RandomBody(2 * kChunk, 7);
  ObjectInfo v0 = Put("k", first, kOff);  // null
  ObjectInfo v1 = Put("k", "one", kOn);
  ObjectInfo v2 = Put("k", "two", kOn);
  ObjectInfo v3 = Put("k", "three", kSuspended);  // null again: v0 goes, v1 and v2 stay
  EXPECT_TRUE(v3.null_version);
  store().DrainBackground();
  EXPECT_THAT(Versions(),
              ::testing::ElementsAre("k:null:L", "k:" + Id(v2) + ":", "k:" + Id(v1) + ":"));
  EXPECT_THAT(store().Head("b", "k", v0.version), StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(TotalShards(), 0u);  // v0's shards were cleaned up.
  ObjectInfo v4 = Put("k", "four", kSuspended);
  store().DrainBackground();
  EXPECT_THAT(Versions(),
              ::testing::ElementsAre("k:null:L", "k:" + Id(v2) + ":", "k:" + Id(v1) + ":"));
  ASSERT_OK_AND_ASSIGN(ObjectInfo null, store().Head("b", "k", VersionSelector::Null()));
  EXPECT_EQ(null.version, v4.version);
  EXPECT_EQ(Read(null), "four");
  // Re-enabled: new versions pile up on top of the null one.
  ObjectInfo v5 = Put("k", "five", kOn);
  EXPECT_THAT(Versions(), ::testing::ElementsAre("k:" + Id(v5) + ":L", "k:null:",
                                                 "k:" + Id(v2) + ":", "k:" + Id(v1) + ":"));
}

TEST_F(VersioningTest, EnabledDeleteWritesAMarker) {
  SetState(kOn);
  ObjectInfo v1 = Put("k", "data", kOn);
  ASSERT_OK_AND_ASSIGN(DeleteOutcome out, Delete("k", {}, kOn));
  ASSERT_TRUE(out.version.has_value());
  EXPECT_TRUE(out.delete_marker);
  EXPECT_TRUE(out.version->delete_marker);
  EXPECT_FALSE(out.version->null_version);
  EXPECT_GT(out.version->version, v1.version);
  EXPECT_THAT(store().Head("b", "k"), StatusIs(StatusCode::kNotFound));
  HeadOptions markers;
  markers.delete_markers = true;
  ASSERT_OK_AND_ASSIGN(ObjectInfo marker, store().Head("b", "k", {}, markers));
  EXPECT_TRUE(marker.delete_marker);
  EXPECT_EQ(marker.version, out.version->version);
  ASSERT_OK_AND_ASSIGN(ObjectInfo by_id, store().Head("b", "k", out.version->version));
  EXPECT_TRUE(by_id.delete_marker);
  ASSERT_OK_AND_ASSIGN(ObjectInfo old, store().Head("b", "k", v1.version));
  EXPECT_EQ(Read(old), "data");
  EXPECT_THAT(Versions(),
              ::testing::ElementsAre("k:" + Id(*out.version) + ":LD", "k:" + Id(v1) + ":"));
  ASSERT_OK_AND_ASSIGN(ListResult listed, store().List("b", {}));
  EXPECT_TRUE(listed.objects.empty());
  // A delete of a key that never existed still writes a marker in an Enabled bucket.
  ASSERT_OK_AND_ASSIGN(DeleteOutcome none, Delete("never", {}, kOn));
  EXPECT_TRUE(none.delete_marker);
}

TEST_F(VersioningTest, SuspendedDeleteWritesANullMarkerReplacingTheNullVersion) {
  ObjectInfo v0 = Put("k", "null one", kOff);
  ObjectInfo v1 = Put("k", "enabled", kOn);
  SetState(kSuspended);
  ASSERT_OK_AND_ASSIGN(DeleteOutcome out, Delete("k", {}, kSuspended));
  ASSERT_TRUE(out.version.has_value());
  EXPECT_TRUE(out.delete_marker);
  EXPECT_TRUE(out.version->null_version);
  EXPECT_THAT(store().Head("b", "k", v0.version), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(Versions(), ::testing::ElementsAre("k:null:LD", "k:" + Id(v1) + ":"));
  ASSERT_OK_AND_ASSIGN(ObjectInfo null, store().Head("b", "k", VersionSelector::Null()));
  EXPECT_TRUE(null.delete_marker);
}

TEST_F(VersioningTest, UnversionedDeleteShowsNoVersionAndNoMarker) {
  Put("k", RandomBody(kChunk + 1, 2), kOff);
  ASSERT_OK_AND_ASSIGN(DeleteOutcome out, Delete("k", {}, kOff));
  EXPECT_FALSE(out.version.has_value());
  EXPECT_FALSE(out.delete_marker);
  store().DrainBackground();
  EXPECT_THAT(store().Head("b", "k"), StatusIs(StatusCode::kNotFound));
  EXPECT_TRUE(Versions().empty());
  EXPECT_EQ(TotalShards(), 0u);
  ASSERT_OK_AND_ASSIGN(DeleteOutcome again, Delete("k", {}, kOff));
  EXPECT_FALSE(again.version.has_value());
  EXPECT_OK(store().DeleteBucket("b"));  // Hidden markers do not keep the bucket.
}

TEST_F(VersioningTest, DeleteOfAGivenVersionPurgesIt) {
  std::string big = RandomBody(2 * kChunk, 5);
  ObjectInfo v1 = Put("k", big, kOn);
  ObjectInfo v2 = Put("k", "two", kOn);
  ASSERT_OK_AND_ASSIGN(DeleteOutcome out, Delete("k", v2.version, kOn));
  ASSERT_TRUE(out.version.has_value());
  EXPECT_EQ(out.version->version, v2.version);
  EXPECT_FALSE(out.delete_marker);
  EXPECT_THAT(store().Head("b", "k", v2.version), StatusIs(StatusCode::kNotFound));
  // The latest is the previous version again.
  ASSERT_OK_AND_ASSIGN(ObjectInfo latest, store().Head("b", "k"));
  EXPECT_EQ(latest.version, v1.version);
  EXPECT_EQ(Read(latest), big);
  EXPECT_THAT(Versions(), ::testing::ElementsAre("k:" + Id(v1) + ":L"));
  // A purge is final: deleting it again, or an unknown version, succeeds with nothing.
  ASSERT_OK_AND_ASSIGN(DeleteOutcome again, Delete("k", v2.version, kOn));
  EXPECT_FALSE(again.version.has_value());
  ASSERT_OK_AND_ASSIGN(DeleteOutcome unknown, Delete("k", VersionId{1, 0, 1}, kOn));
  EXPECT_FALSE(unknown.version.has_value());
  ASSERT_OK_AND_ASSIGN(DeleteOutcome last, Delete("k", v1.version, kOn));
  EXPECT_TRUE(last.version.has_value());
  store().DrainBackground();
  EXPECT_EQ(TotalShards(), 0u);  // v1's chunks went with it.
  EXPECT_THAT(store().Head("b", "k"), StatusIs(StatusCode::kNotFound));
  EXPECT_TRUE(Versions().empty());
}

TEST_F(VersioningTest, DeletingAMarkerBringsTheObjectBack) {
  SetState(kOn);
  ObjectInfo v1 = Put("k", "data", kOn);
  ASSERT_OK_AND_ASSIGN(DeleteOutcome marker, Delete("k", {}, kOn));
  ASSERT_OK_AND_ASSIGN(DeleteOutcome out, Delete("k", marker.version->version, kOn));
  EXPECT_TRUE(out.delete_marker);
  ASSERT_OK_AND_ASSIGN(ObjectInfo latest, store().Head("b", "k"));
  EXPECT_EQ(latest.version, v1.version);
  EXPECT_THAT(Versions(), ::testing::ElementsAre("k:" + Id(v1) + ":L"));
}

TEST_F(VersioningTest, DeleteOfTheNullVersion) {
  ObjectInfo v0 = Put("k", "null", kOff);
  ObjectInfo v1 = Put("k", "one", kOn);
  ASSERT_OK_AND_ASSIGN(DeleteOutcome out, Delete("k", VersionSelector::Null(), kOn));
  ASSERT_TRUE(out.version.has_value());
  EXPECT_EQ(out.version->version, v0.version);
  EXPECT_TRUE(out.version->null_version);
  EXPECT_THAT(Versions(), ::testing::ElementsAre("k:" + Id(v1) + ":L"));
  ASSERT_OK_AND_ASSIGN(DeleteOutcome none, Delete("k", VersionSelector::Null(), kOn));
  EXPECT_FALSE(none.version.has_value());
  EXPECT_THAT(store().Head("b", "k", VersionSelector::Null()), StatusIs(StatusCode::kNotFound));
}

TEST_F(VersioningTest, ListVersionsPagesWithMarkers) {
  std::vector<ObjectInfo> a, c;
  Put("a", "null a", kOff);
  SetState(kOn);
  for (int i = 0; i < 3; ++i) a.push_back(Put("a", "a" + std::to_string(i), kOn));
  ObjectInfo marker = *Delete("b", {}, kOn)->version;
  for (int i = 0; i < 2; ++i) c.push_back(Put("c", "c" + std::to_string(i), kOn));
  Put("d/1", "x", kOn);
  Put("d/2", "y", kOn);
  Put("e", "e", kOn);
  const std::vector<std::string> all = {
      "a:" + Id(a[2]) + ":L",    "a:" + Id(a[1]) + ":",  "a:" + Id(a[0]) + ":", "a:null:",
      "b:" + Id(marker) + ":LD", "c:" + Id(c[1]) + ":L", "c:" + Id(c[0]) + ":"};
  std::vector<std::string> full = Versions();
  ASSERT_EQ(full.size(), all.size() + 3);
  EXPECT_TRUE(std::equal(all.begin(), all.end(), full.begin()));
  // Page through two at a time: the concatenation is the whole listing.
  for (uint32_t max_keys : {1u, 2u, 3u}) {
    ListVersionsQuery q;
    q.max_keys = max_keys;
    std::vector<std::string> paged;
    for (int pages = 0; pages < 20; ++pages) {
      ASSERT_OK_AND_ASSIGN(ListVersionsResult page, store().ListVersions("b", q));
      EXPECT_LE(page.versions.size(), max_keys);
      for (const auto& e : page.versions) {
        paged.push_back(e.info.key + ":" + S3VersionId(e.info) + ":" + (e.is_latest ? "L" : "") +
                        (e.info.delete_marker ? "D" : ""));
      }
      if (!page.truncated) break;
      q.key_marker = page.next_key_marker;
      ASSERT_OK_AND_ASSIGN(q.version_id_marker,
                           VersionSelector::Parse(page.next_version_id_marker));
    }
    EXPECT_EQ(paged, full) << "max_keys " << max_keys;
  }
  ListVersionsQuery q;
  q.key_marker = "a";
  q.version_id_marker = VersionSelector::Null();
  EXPECT_THAT(Versions(q), ::testing::ElementsAre(all[4], all[5], all[6], ::testing::_,
                                                  ::testing::_, ::testing::_));
  q.version_id_marker = a[1].version;
  EXPECT_EQ(Versions(q).front(), all[2]);
  q.version_id_marker = {};  // key-marker alone: after every version of "a".
  EXPECT_EQ(Versions(q).front(), all[4]);
  ListVersionsQuery grouped;
  grouped.delimiter = "/";
  grouped.prefix = "";
  ASSERT_OK_AND_ASSIGN(ListVersionsResult g, store().ListVersions("b", grouped));
  EXPECT_THAT(g.common_prefixes, ::testing::ElementsAre("d/"));
  EXPECT_EQ(g.versions.size(), all.size() + 1);
  grouped.max_keys = 8;  // 7 versions of a, b, c, then the prefix fills the page.
  ASSERT_OK_AND_ASSIGN(g, store().ListVersions("b", grouped));
  EXPECT_TRUE(g.truncated);
  EXPECT_EQ(g.next_key_marker, "d/");
  EXPECT_EQ(g.next_version_id_marker, "");
  grouped.key_marker = "d/";
  ASSERT_OK_AND_ASSIGN(g, store().ListVersions("b", grouped));
  ASSERT_EQ(g.versions.size(), 1u);
  EXPECT_EQ(g.versions[0].info.key, "e");
  EXPECT_FALSE(g.truncated);
}

TEST_F(VersioningTest, DeleteBucketWaitsForEveryVersionAndUpload) {
  SetState(kOn);
  ObjectInfo v1 = Put("k", "one", kOn);
  ASSERT_OK_AND_ASSIGN(DeleteOutcome marker, Delete("k", {}, kOn));
  // Nothing listed, but a non-current version and a marker remain.
  EXPECT_THAT(store().DeleteBucket("b"), StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_OK(Delete("k", v1.version, kOn).status());
  EXPECT_THAT(store().DeleteBucket("b"), StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_OK(Delete("k", marker.version->version, kOn).status());
  // An open multipart upload (an upload record on the nodes) keeps the bucket too.
  const VersionId upload = VersionId{123456789, 0, 9};
  for (size_t i = 0; i < cluster_.size(); ++i) {
    ASSERT_OK(cluster_.local(i).PutVersion(UploadsBucket("b"), "big", upload.ToBinary(), "x"));
  }
  EXPECT_THAT(store().DeleteBucket("b"), StatusIs(StatusCode::kFailedPrecondition));
  for (size_t i = 0; i < cluster_.size(); ++i) {
    ASSERT_OK(cluster_.local(i).PutVersion(UploadsBucket("b"), "big", upload.ToBinary(), "p",
                                           node_wire::WireKind::kPurged));
  }
  EXPECT_OK(store().DeleteBucket("b"));
}

// ---- Failures.

TEST_F(VersioningTest, PurgeNeedsTheWriteQuorum) {
  ObjectInfo v1 = Put("k", "one", kOn);
  ObjectInfo v2 = Put("k", "two", kOn);
  cluster_.node(0).set_down(true);
  cluster_.node(1).set_down(true);  // 4 of 6 up, 5 needed.
  EXPECT_THAT(Delete("k", v1.version, kOn), StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(Delete("k", {}, kOn), StatusIs(StatusCode::kUnavailable));
  cluster_.node(0).set_down(false);
  cluster_.node(1).set_down(false);
  // No marker became visible. The tombstones of v1 that landed stay (a purge is final): v1 is
  // gone for readers, and a retried delete succeeds.
  ASSERT_OK_AND_ASSIGN(ObjectInfo latest, store().Head("b", "k"));
  EXPECT_EQ(latest.version, v2.version);
  EXPECT_THAT(store().Head("b", "k", v1.version), StatusIs(StatusCode::kNotFound));
  EXPECT_OK(Delete("k", v1.version, kOn).status());
  EXPECT_THAT(Versions(), ::testing::ElementsAre("k:" + Id(v2) + ":L"));
}

TEST_F(VersioningTest, ANodeThatMissedAPurgeIsOutvoted) {
  ObjectInfo v1 = Put("k", "one", kOn);
  ObjectInfo v2 = Put("k", "two", kOn);
  Placement placement(static_cast<uint32_t>(cluster_.size()), 6);
  const size_t missed = placement.NodeFor(placement.Locate("b", "k"), 0);
  cluster_.node(missed).set_down(true);
  ASSERT_OK(Delete("k", v2.version, kOn).status());  // 5 of 6: the quorum.
  cluster_.node(missed).set_down(false);
  // The node still holds v2 as its newest; the others know it is purged.
  ASSERT_OK_AND_ASSIGN(auto held, cluster_.local(missed).GetVersion("b", "k", std::nullopt));
  EXPECT_EQ(held.version, v2.version.ToBinary());
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(ObjectInfo latest, store().Head("b", "k"));
    EXPECT_EQ(latest.version, v1.version);
    EXPECT_EQ(Read(latest), "one");
    EXPECT_THAT(store().Head("b", "k", v2.version), StatusIs(StatusCode::kNotFound));
    EXPECT_THAT(Versions(), ::testing::ElementsAre("k:" + Id(v1) + ":L"));
  }
  store().DrainBackground();
  EXPECT_GT(cluster_.QueuedHints(), 0u);  // Repair is told to spread the tombstone.
}

TEST_F(VersioningTest, VersionRecordQuorumLossRollsBackInEveryState) {
  ObjectInfo v1 = Put("k", "one", kOn);
  for (size_t i = 0; i < 2; ++i) cluster_.node(i).set_fail_version_puts(true);
  for (BucketVersioning state : {kOff, kOn, kSuspended}) {
    PutRequest r = Request("b", "k", 3);
    r.versioning = state;
    EXPECT_THAT(store().Put(r, StringSource("new")), StatusIs(StatusCode::kUnavailable));
  }
  for (size_t i = 0; i < 2; ++i) cluster_.node(i).set_fail_version_puts(false);
  ASSERT_OK_AND_ASSIGN(ObjectInfo latest, store().Head("b", "k"));
  EXPECT_EQ(latest.version, v1.version);
  EXPECT_THAT(Versions(), ::testing::ElementsAre("k:" + Id(v1) + ":L"));
}

}  // namespace
}  // namespace shale::gateway::testing
