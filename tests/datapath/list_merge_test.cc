// MergeListing over in-process storage nodes with divergent contents: newest-wins across nodes,
// delete markers, S3's prefix/delimiter/start-after/max-keys rules, node failure mid-listing,
// and the bounded reads of a delimiter listing.

#include "gateway/list_merge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "tests/datapath/list_merge_test_util.h"
#include "tests/support/status_matchers.h"

namespace shale::gateway {
namespace {

using node_wire::WireKind;
using ::shale::testing::CountingNodeClient;
using ::shale::testing::ListVersion;
using ::shale::testing::StatusIs;
using ::shale::testing::TestNodes;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kBucket[] = "bkt";

class ListMergeTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(nodes_.status()); }

  void Put(size_t node, std::string_view key, uint64_t version, WireKind kind = WireKind::kObject) {
    std::string payload = kind == WireKind::kObject ? "v" + std::to_string(version) : "";
    ASSERT_OK(nodes_.client(node).PutVersion(kBucket, key, ListVersion(version), payload, kind));
  }
  // Puts version 1 of every key on every node of `ids`, from many threads so that the engines'
  // group commits share fdatasyncs.
  void PutMany(const std::vector<size_t>& ids, const std::vector<std::string>& keys) {
    constexpr size_t kThreads = 16;
    std::atomic<bool> failed{false};
    {
      std::vector<std::jthread> threads;
      for (size_t t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
          for (size_t i = t; i < keys.size(); i += kThreads) {
            for (size_t n : ids) {
              if (!nodes_.client(n)
                       .PutVersion(kBucket, keys[i], ListVersion(1), "v1", WireKind::kObject)
                       .ok()) {
                failed = true;
              }
            }
          }
        });
      }
    }
    ASSERT_FALSE(failed);
  }
  // One set of the given nodes.
  ListSet Set(std::vector<size_t> ids, uint32_t quorum) {
    ListSet s;
    for (size_t i : ids) s.nodes.push_back(&nodes_.client(i));
    s.read_quorum = quorum;
    return s;
  }
  static std::vector<std::string> Keys(const MergedPage& page) {
    std::vector<std::string> out;
    for (const auto& v : page.objects) out.push_back(v.key);
    return out;
  }
  // Every page of a listing, concatenated: objects and common prefixes in listing order.
  static std::vector<std::string> AllPages(std::span<const ListSet> sets, ListQuery q,
                                           const MergeOptions& options = {}) {
    std::vector<std::string> out;
    for (int guard = 0; guard < 10000; ++guard) {
      auto page = MergeListing(sets, kBucket, q, options);
      EXPECT_OK(page);
      if (!page.ok()) return out;
      std::vector<std::string> entries = Keys(*page);
      entries.insert(entries.end(), page->common_prefixes.begin(), page->common_prefixes.end());
      std::sort(entries.begin(), entries.end());
      out.insert(out.end(), entries.begin(), entries.end());
      if (!page->truncated) return out;
      EXPECT_FALSE(entries.empty());
      EXPECT_EQ(page->next_marker, entries.back());
      q.start_after = page->next_marker;
    }
    ADD_FAILURE() << "listing never ended";
    return out;
  }

  TestNodes nodes_{6};
};

TEST_F(ListMergeTest, NewestVersionWinsAcrossNodesAndDeleteMarkersHide) {
  Put(0, "a", 1);
  Put(1, "a", 2);  // Node 0 missed the overwrite.
  Put(0, "b", 1);
  Put(1, "b", 2, WireKind::kDeleteMarker);  // Node 0 missed the delete.
  Put(0, "c", 1);                           // Node 1 missed the write.
  Put(2, "d", 1);                           // Only on a node outside the read quorum.
  Put(0, "e", 3, WireKind::kDeleteMarker);
  Put(1, "e", 2);  // Node 1 missed the delete and holds an older object.
  Put(1, "f", 4);
  Put(1, "f", 5, WireKind::kDeleteMarker);
  Put(0, "f", 4);
  std::vector<ListSet> sets = {Set({0, 1, 2}, 2)};
  ASSERT_OK_AND_ASSIGN(MergedPage page, MergeListing(sets, kBucket, ListQuery{}));
  EXPECT_THAT(Keys(page), ElementsAre("a", "c"));
  EXPECT_EQ(page.objects[0].version, ListVersion(2));
  EXPECT_EQ(page.objects[0].payload, "v2");
  EXPECT_FALSE(page.truncated);
  EXPECT_EQ(nodes_.client(2).list_calls, 0u);  // Only the read quorum is asked.
}

TEST_F(ListMergeTest, TwoSetsWithDisjointKeysMergeInKeyOrder) {
  for (std::string k : {"a", "c", "e/1", "e/2", "g"}) Put(0, k, 1), Put(1, k, 1);
  for (std::string k : {"b", "d", "e/3", "f/1"}) Put(3, k, 1), Put(4, k, 1);
  std::vector<ListSet> sets = {Set({0, 1, 2}, 2), Set({3, 4, 5}, 2)};
  ASSERT_OK_AND_ASSIGN(MergedPage page, MergeListing(sets, kBucket, ListQuery{}));
  EXPECT_THAT(Keys(page), ElementsAre("a", "b", "c", "d", "e/1", "e/2", "e/3", "f/1", "g"));
  ListQuery q;
  q.delimiter = "/";
  ASSERT_OK_AND_ASSIGN(page, MergeListing(sets, kBucket, q));
  EXPECT_THAT(Keys(page), ElementsAre("a", "b", "c", "d", "g"));
  EXPECT_THAT(page.common_prefixes, ElementsAre("e/", "f/"));
  for (uint32_t max_keys : {1u, 2u, 3u}) {
    q.max_keys = max_keys;
    EXPECT_THAT(AllPages(sets, q, MergeOptions{1}),
                ElementsAre("a", "b", "c", "d", "e/", "f/", "g"))
        << max_keys;
  }
}

TEST_F(ListMergeTest, PrefixAndDelimiterAsInTheS3Documentation) {
  for (std::string k : {"sample.jpg", "photos/2006/January/sample.jpg",
                        "photos/2006/February/sample2.jpg", "photos/2006/February/sample3.jpg",
                        "photos/2006/February/sample4.jpg", "photos/2006/index.html"}) {
    Put(0, k, 1);
  }
  std::vector<ListSet> sets = {Set({0}, 1)};
  ListQuery q;
  q.delimiter = "/";
  ASSERT_OK_AND_ASSIGN(MergedPage page, MergeListing(sets, kBucket, q));
  EXPECT_THAT(Keys(page), ElementsAre("sample.jpg"));
  EXPECT_THAT(page.common_prefixes, ElementsAre("photos/"));
  q.prefix = "photos/2006/";
  ASSERT_OK_AND_ASSIGN(page, MergeListing(sets, kBucket, q));
  EXPECT_THAT(Keys(page), ElementsAre("photos/2006/index.html"));
  EXPECT_THAT(page.common_prefixes, ElementsAre("photos/2006/February/", "photos/2006/January/"));
  q.prefix = "photos/2006/F";  // A prefix that is not a "directory".
  ASSERT_OK_AND_ASSIGN(page, MergeListing(sets, kBucket, q));
  EXPECT_THAT(page.common_prefixes, ElementsAre("photos/2006/February/"));
  q.delimiter = "Jan";  // Multi-byte delimiters group too.
  q.prefix = "photos/";
  ASSERT_OK_AND_ASSIGN(page, MergeListing(sets, kBucket, q));
  EXPECT_THAT(page.common_prefixes, ElementsAre("photos/2006/Jan"));
  EXPECT_EQ(page.objects.size(), 4u);
}

TEST_F(ListMergeTest, MaxKeysAndExactTruncation) {
  Put(0, "a", 1);
  Put(0, "b", 1);
  Put(0, "c", 1);
  Put(0, "d", 2, WireKind::kDeleteMarker);
  Put(0, "e", 2, WireKind::kDeleteMarker);
  std::vector<ListSet> sets = {Set({0}, 1)};
  ListQuery q;
  q.max_keys = 0;  // S3: an empty, untruncated page.
  ASSERT_OK_AND_ASSIGN(MergedPage page, MergeListing(sets, kBucket, q));
  EXPECT_THAT(page.objects, IsEmpty());
  EXPECT_FALSE(page.truncated);
  EXPECT_EQ(page.next_marker, "");
  q.max_keys = 2;
  ASSERT_OK_AND_ASSIGN(page, MergeListing(sets, kBucket, q));
  EXPECT_THAT(Keys(page), ElementsAre("a", "b"));
  EXPECT_TRUE(page.truncated);
  EXPECT_EQ(page.next_marker, "b");
  // Only deleted keys follow "c": the page is complete even though the nodes hold more.
  q.max_keys = 3;
  ASSERT_OK_AND_ASSIGN(page, MergeListing(sets, kBucket, q, MergeOptions{1}));
  EXPECT_THAT(Keys(page), ElementsAre("a", "b", "c"));
  EXPECT_FALSE(page.truncated);
  q.start_after = "b";
  q.max_keys = 1;
  ASSERT_OK_AND_ASSIGN(page, MergeListing(sets, kBucket, q));
  EXPECT_THAT(Keys(page), ElementsAre("c"));
  EXPECT_FALSE(page.truncated);
}

TEST_F(ListMergeTest, StartAfterACommonPrefixSkipsEverythingUnderIt) {
  // The versitygw #816 case: marker "boo/" with delimiter "/" and max-keys 1.
  for (std::string k : {"asdf", "boo/bar", "boo/baz/xyzzy", "cquux/thud", "cquux/bla"}) {
    Put(0, k, 1);
  }
  std::vector<ListSet> sets = {Set({0}, 1)};
  ListQuery q;
  q.delimiter = "/";
  q.start_after = "boo/";
  q.max_keys = 1;
  ASSERT_OK_AND_ASSIGN(MergedPage page, MergeListing(sets, kBucket, q));
  EXPECT_THAT(Keys(page), IsEmpty());
  EXPECT_THAT(page.common_prefixes, ElementsAre("cquux/"));
  EXPECT_FALSE(page.truncated);
  // Without a delimiter the same marker is only a key: what sorts after it is listed.
  q.delimiter = "";
  q.max_keys = 10;
  ASSERT_OK_AND_ASSIGN(page, MergeListing(sets, kBucket, q));
  EXPECT_THAT(Keys(page), ElementsAre("boo/bar", "boo/baz/xyzzy", "cquux/bla", "cquux/thud"));
  // A marker before the prefix starts at the prefix; one past it lists nothing.
  q.prefix = "cquux/";
  q.start_after = "a";
  ASSERT_OK_AND_ASSIGN(page, MergeListing(sets, kBucket, q));
  EXPECT_THAT(Keys(page), ElementsAre("cquux/bla", "cquux/thud"));
  q.start_after = "d";
  ASSERT_OK_AND_ASSIGN(page, MergeListing(sets, kBucket, q));
  EXPECT_THAT(Keys(page), IsEmpty());
}

TEST_F(ListMergeTest, KeysWithFfBytesAndSlashEdgeCases) {
  const std::vector<std::string> keys = {"/",     "//",         "/a",           "a",     "a/",
                                         "a//b",  "a/\xff",     "a/\xff\xff/b", "a\xff", "\xff",
                                         "\xff/", "\xff\xff/x", "\xff\xff\xff"};
  for (const auto& k : keys) Put(0, k, 1), Put(1, k, 1);
  std::vector<ListSet> sets = {Set({0, 1}, 2)};
  ListQuery q;
  q.delimiter = "/";
  ASSERT_OK_AND_ASSIGN(MergedPage page, MergeListing(sets, kBucket, q));
  EXPECT_THAT(Keys(page), ElementsAre("a", "a\xff", "\xff", "\xff\xff\xff"));
  EXPECT_THAT(page.common_prefixes, ElementsAre("/", "a/", "\xff/", "\xff\xff/"));
  for (uint32_t max_keys : {1u, 2u, 5u}) {
    q.max_keys = max_keys;
    EXPECT_THAT(AllPages(sets, q, MergeOptions{1}),
                ElementsAre("/", "a", "a/", "a\xff", "\xff", "\xff/", "\xff\xff/", "\xff\xff\xff"));
  }
  q.prefix = "a/";
  q.max_keys = 1000;
  ASSERT_OK_AND_ASSIGN(page, MergeListing(sets, kBucket, q));
  EXPECT_THAT(Keys(page), ElementsAre("a/", "a/\xff"));
  EXPECT_THAT(page.common_prefixes, ElementsAre("a//", "a/\xff\xff/"));
  q.prefix = "";
  q.delimiter = "\xff";
  ASSERT_OK_AND_ASSIGN(page, MergeListing(sets, kBucket, q));
  EXPECT_THAT(page.common_prefixes, ElementsAre("a/\xff", "a\xff", "\xff"));
}

TEST_F(ListMergeTest, AFailingNodeIsReplacedAndResumed) {
  for (int i = 0; i < 50; ++i) {
    std::string k = "k" + std::to_string(100 + i);
    for (size_t n : {0u, 1u, 2u}) Put(n, k, 1);
  }
  std::vector<ListSet> sets = {Set({0, 1, 2}, 2)};
  ListQuery q;
  ASSERT_OK_AND_ASSIGN(MergedPage healthy, MergeListing(sets, kBucket, q, MergeOptions{7}));
  ASSERT_EQ(healthy.objects.size(), 50u);

  for (size_t n = 0; n < 3; ++n) nodes_.client(n).ResetCounts();
  nodes_.client(1).fail_after = 3;  // Fails on its fourth page, mid-listing.
  ASSERT_OK_AND_ASSIGN(MergedPage page, MergeListing(sets, kBucket, q, MergeOptions{7}));
  EXPECT_EQ(Keys(page), Keys(healthy));
  EXPECT_GT(nodes_.client(2).list_calls, 0u);
  // The substitute resumed where node 1 stood instead of starting over.
  EXPECT_LT(nodes_.client(2).entries_fetched, 50u);

  // No substitute left: the set cannot keep its read quorum.
  nodes_.client(1).fail_after = 0;
  nodes_.client(2).fail_after = 1;
  EXPECT_THAT(MergeListing(sets, kBucket, q, MergeOptions{7}), StatusIs(StatusCode::kUnavailable));
  // A set with fewer nodes than its quorum, and a zero quorum.
  std::vector<ListSet> small = {Set({0}, 2)};
  EXPECT_THAT(MergeListing(small, kBucket, q), StatusIs(StatusCode::kUnavailable));
  std::vector<ListSet> zero = {Set({0}, 0)};
  EXPECT_THAT(MergeListing(zero, kBucket, q), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(ListMergeTest, DelimiterListingReadsBoundedEntriesWhateverTheBucketHolds) {
  // 3 prefixes x 1000 keys each on two nodes, and one top-level key.
  constexpr int kPerPrefix = 1000;
  std::vector<std::string> keys = {"z"};
  for (std::string p : {"p1/", "p2/", "p3/"}) {
    for (int i = 0; i < kPerPrefix; ++i) keys.push_back(p + std::to_string(10000 + i));
  }
  PutMany({0, 1}, keys);
  std::vector<ListSet> sets = {Set({0, 1}, 2)};
  ListQuery q;
  q.delimiter = "/";
  constexpr uint32_t kPage = 50;
  ASSERT_OK_AND_ASSIGN(MergedPage page, MergeListing(sets, kBucket, q, MergeOptions{kPage}));
  EXPECT_THAT(page.common_prefixes, ElementsAre("p1/", "p2/", "p3/"));
  EXPECT_THAT(Keys(page), ElementsAre("z"));
  // Each stream reads one page per common prefix (then seeks past it) and one for the rest.
  EXPECT_LE(nodes_.EntriesFetched(), 2u * 4u * kPage);
  EXPECT_LE(nodes_.client(0).list_calls, 4u);
}

TEST_F(ListMergeTest, PagesOfLargeRecordsAreBoundedBySize) {
  // Records that carry a small object's bytes: a node page stops at page_bytes.
  std::vector<std::string> keys;
  for (int i = 0; i < 60; ++i) {
    std::string k = "big" + std::to_string(100 + i);
    ASSERT_OK(nodes_.client(0).PutVersion(kBucket, k, ListVersion(1), std::string(10000, 'x'),
                                          WireKind::kObject));
    keys.push_back(k);
  }
  std::vector<ListSet> sets = {Set({0}, 1)};
  ASSERT_OK_AND_ASSIGN(MergedPage page,
                       MergeListing(sets, kBucket, ListQuery{}, MergeOptions{1000, 25000}));
  EXPECT_EQ(Keys(page), keys);
  EXPECT_EQ(page.objects[7].payload, std::string(10000, 'x'));
  // At most 3 records (about 30 KB) per call: 20 calls.
  EXPECT_EQ(nodes_.client(0).list_calls, 20u);
}

}  // namespace
}  // namespace shale::gateway
