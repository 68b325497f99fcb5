// MergeVersionListing (ListObjectVersions) and the purge awareness of MergeListing over
// in-process storage nodes with divergent contents: purge tombstones on some nodes only,
// differing attribute revisions, IsLatest, markers, paging with a node failing mid-listing
// (resumed at its key and version), and the bounded reads of a delimiter listing.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/object_record.h"
#include "gateway/list_merge.h"
#include "tests/datapath/list_merge_test_util.h"
#include "tests/support/status_matchers.h"

namespace shale::gateway {
namespace {

using node_wire::WireKind;
using ::shale::testing::ListVersion;
using ::shale::testing::TestNodes;
using ::testing::ElementsAre;

constexpr char kBucket[] = "bkt";

class VersionListMergeTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(nodes_.status()); }

  // Version `version` of `key` on `nodes`: an object record (null version when `null`) with
  // attribute revision `revision` (0: the version), a marker, or a purge tombstone.
  void Put(std::vector<size_t> nodes, std::string_view key, uint64_t version,
           WireKind kind = WireKind::kObject, bool null = false, uint64_t revision = 0) {
    ObjectInfo info;
    info.null_version = null;
    info.etag = "e" + std::to_string(revision);
    info.layout = EncodeLayout(ObjectLayout{});
    const VersionId rev{revision != 0 ? revision : version, 0, 0};
    std::string payload =
        kind == WireKind::kPurged ? std::string(8, '\0') : EncodeObjectRecord(info, rev);
    for (size_t n : nodes) {
      ASSERT_OK(nodes_.client(n).PutVersion(kBucket, key, ListVersion(version), payload, kind));
    }
  }
  ListSet Set(std::vector<size_t> ids, uint32_t quorum) {
    ListSet s;
    for (size_t i : ids) s.nodes.push_back(&nodes_.client(i));
    s.read_quorum = quorum;
    return s;
  }
  // "key@version[L][D]" per entry.
  static std::vector<std::string> Entries(const MergedVersionsPage& page) {
    std::vector<std::string> out;
    for (const MergedVersion& v : page.versions) {
      uint64_t n = 0;
      for (int i = 8; i < 16; ++i) n = (n << 8) | v.wire.version[i];
      out.push_back(v.wire.key + "@" + std::to_string(n) + (v.is_latest ? "L" : "") +
                    (v.wire.kind == WireKind::kDeleteMarker ? "D" : ""));
    }
    return out;
  }
  // Every page of a version listing, concatenated (entries and prefixes in listing order).
  std::vector<std::string> AllPages(std::span<const ListSet> sets, ListVersionsQuery q,
                                    const MergeOptions& options = {}) {
    std::vector<std::string> out;
    for (int guard = 0; guard < 1000; ++guard) {
      auto page = MergeVersionListing(sets, kBucket, q, options);
      EXPECT_OK(page.status());
      if (!page.ok()) return out;
      for (const std::string& e : Entries(*page)) out.push_back(e);
      for (const std::string& p : page->common_prefixes) out.push_back(p);
      if (!page->truncated) return out;
      q.key_marker = page->next_key_marker;
      auto marker = VersionSelector::Parse(page->next_version_id_marker);
      q.version_id_marker = marker.ok() ? *marker : VersionSelector();
    }
    ADD_FAILURE() << "listing never ended";
    return out;
  }

  TestNodes nodes_{6};
};

TEST_F(VersionListMergeTest, PurgedOnAnyNodeIsDroppedAndNewestRevisionWins) {
  Put({0, 1, 2}, "a", 1);
  Put({0, 1, 2}, "a", 2);
  Put({0, 1}, "a", 3);
  Put({2}, "a", 3, WireKind::kPurged);  // Nodes 0 and 1 missed the purge of a@3.
  Put({0, 1, 2}, "b", 5, WireKind::kDeleteMarker);
  Put({0}, "b", 4, WireKind::kObject, false, 4);
  Put({1}, "b", 4, WireKind::kObject, false, 9);  // A newer attribute revision of b@4.
  Put({1}, "c", 1, WireKind::kPurged);
  Put({0}, "c", 1);
  std::vector<ListSet> sets = {Set({0, 1, 2}, 3)};
  ASSERT_OK_AND_ASSIGN(MergedVersionsPage page, MergeVersionListing(sets, kBucket, {}));
  EXPECT_THAT(Entries(page), ElementsAre("a@2L", "a@1", "b@5LD", "b@4"));
  ASSERT_OK_AND_ASSIGN(ObjectRecord b4, DecodeObjectRecord(page.versions[3].wire.payload));
  EXPECT_EQ(b4.info.etag, "e9");
  // Latest only: the node that missed the purge of a@3 is outvoted by the one that knows it.
  ASSERT_OK_AND_ASSIGN(MergedPage latest, MergeListing(sets, kBucket, ListQuery{}));
  ASSERT_EQ(latest.objects.size(), 1u);
  EXPECT_EQ(latest.objects[0].key, "a");
  EXPECT_EQ(latest.objects[0].version, ListVersion(2));
}

TEST_F(VersionListMergeTest, MarkersResumeInsideAKey) {
  for (uint64_t v = 1; v <= 4; ++v) Put({0, 1}, "k", v, WireKind::kObject, v == 2);
  Put({0, 1}, "l", 1);
  std::vector<ListSet> sets = {Set({0, 1}, 2)};
  ListVersionsQuery q;
  q.key_marker = "k";
  ASSERT_OK_AND_ASSIGN(VersionId three, VersionId::FromBinary(ListVersion(3)));
  q.version_id_marker = VersionSelector(three);
  ASSERT_OK_AND_ASSIGN(MergedVersionsPage page, MergeVersionListing(sets, kBucket, q));
  EXPECT_THAT(Entries(page), ElementsAre("k@2", "k@1", "l@1L"));
  q.version_id_marker = VersionSelector::Null();  // After k's null version (k@2).
  ASSERT_OK_AND_ASSIGN(page, MergeVersionListing(sets, kBucket, q));
  EXPECT_THAT(Entries(page), ElementsAre("k@1", "l@1L"));
  q.version_id_marker = {};  // key-marker alone: after every version of k.
  ASSERT_OK_AND_ASSIGN(page, MergeVersionListing(sets, kBucket, q));
  EXPECT_THAT(Entries(page), ElementsAre("l@1L"));
  q.max_keys = 3;
  q.key_marker.clear();
  ASSERT_OK_AND_ASSIGN(page, MergeVersionListing(sets, kBucket, q));
  EXPECT_TRUE(page.truncated);
  EXPECT_EQ(page.next_key_marker, "k");
  EXPECT_EQ(page.next_version_id_marker, "null");  // k@4, k@3, then k@2: the null version.
}

TEST_F(VersionListMergeTest, PagesAcrossAFailingNodeMatchTheHealthyListing) {
  for (int k = 0; k < 12; ++k) {
    for (uint64_t v = 1; v <= 5; ++v) {
      Put({0, 1, 2}, "key" + std::to_string(10 + k), v, WireKind::kObject, v == 1);
    }
    Put({0, 1, 2}, "key" + std::to_string(10 + k), 6, WireKind::kPurged);
  }
  std::vector<ListSet> sets = {Set({0, 1, 2}, 2)};
  std::vector<std::string> healthy = AllPages(sets, {});
  ASSERT_EQ(healthy.size(), 60u);
  for (uint32_t max_keys : {1u, 4u, 7u}) {
    ListVersionsQuery q;
    q.max_keys = max_keys;
    EXPECT_EQ(AllPages(sets, q, MergeOptions{3}), healthy) << max_keys;
  }
  nodes_.client(1).fail_after = 5;  // Fails mid-listing; node 2 resumes at its key and version.
  EXPECT_EQ(AllPages(sets, {}, MergeOptions{3}), healthy);
  EXPECT_GT(nodes_.client(2).list_calls, 0u);
}

TEST_F(VersionListMergeTest, DelimiterListingSkipsWhatIsUnderAPrefix) {
  for (int k = 0; k < 60; ++k) {
    for (uint64_t v = 1; v <= 3; ++v) Put({0, 1}, "p/" + std::to_string(1000 + k), v);
  }
  Put({0, 1}, "q", 1);
  std::vector<ListSet> sets = {Set({0, 1}, 2)};
  nodes_.client(0).ResetCounts();
  ListVersionsQuery q;
  q.delimiter = "/";
  ASSERT_OK_AND_ASSIGN(MergedVersionsPage page,
                       MergeVersionListing(sets, kBucket, q, MergeOptions{50}));
  EXPECT_THAT(page.common_prefixes, ElementsAre("p/"));
  EXPECT_THAT(Entries(page), ElementsAre("q@1L"));
  EXPECT_LE(nodes_.client(0).entries_fetched, 100u);  // Not the 180 versions under p/.
}

}  // namespace
}  // namespace shale::gateway
