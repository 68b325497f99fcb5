// ListUploads over two erasure sets of in-process engines: open uploads only, key order then
// upload id order, prefix, delimiter, key and upload-id markers, max-uploads pagination checked
// against a reference computed from what the test created.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "gateway/cluster_store.h"
#include "tests/datapath/cluster_store_test_util.h"
#include "tests/datapath/multipart_test_util.h"
#include "tests/support/random_seed.h"

namespace shale::gateway::testing {
namespace {

using ::shale::testing::StatusIs;

class ClusterMultipartListTest : public ::testing::Test {
 protected:
  ClusterMultipartListTest() : cluster_(TestClusterOptions{.sets = 2}) {}
  ClusterStore& store() { return cluster_.store(); }

  MultipartUpload Create(const std::string& key) {
    auto upload = store().CreateUpload({"b", key, "owner", {}, {}, false});
    EXPECT_OK(upload.status());
    return *upload;
  }

  // Every page of a listing with `query`, concatenated: (key, upload id text or "" for a common
  // prefix) in order.
  std::vector<std::pair<std::string, std::string>> ListAll(ListUploadsQuery query) {
    std::vector<std::pair<std::string, std::string>> out;
    for (int pages = 0; pages < 1000; ++pages) {
      auto page = store().ListUploads("b", query);
      EXPECT_OK(page.status());
      if (!page.ok()) break;
      // Uploads and prefixes interleave by key.
      std::vector<std::pair<std::string, std::string>> got;
      for (const MultipartUpload& u : page->uploads) got.emplace_back(u.key, u.upload_id.ToText());
      for (const std::string& p : page->common_prefixes) got.emplace_back(p, "");
      std::stable_sort(got.begin(), got.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      EXPECT_LE(got.size(), query.max_uploads);
      out.insert(out.end(), got.begin(), got.end());
      if (!page->truncated) break;
      query.key_marker = page->next_key_marker;
      query.upload_id_marker.reset();
      if (!page->next_upload_id_marker.empty()) {
        query.upload_id_marker = VersionId::FromText(page->next_upload_id_marker).value();
      }
    }
    return out;
  }

  InProcessCluster cluster_;
};

TEST_F(ClusterMultipartListTest, OpenUploadsInKeyThenUploadIdOrderAcrossPages) {
  const uint64_t seed = shale::testing::TestSeed();
  std::mt19937_64 rng(seed);
  std::map<std::string, std::vector<VersionId>> open;  // The reference.
  const std::vector<std::string> keys = {
      "a", "a/b/c", "a/b/d", "a/x", "b", "photos/2024/1", "photos/2024/2", "photos/2025/1", "z"};
  for (int i = 0; i < 30; ++i) {
    const std::string& key = keys[rng() % keys.size()];
    open[key].push_back(Create(key).upload_id);
  }
  // Some end: completed or aborted uploads are not listed.
  int ended = 0;
  for (auto& [key, ids] : open) {
    if (ids.size() < 2) continue;
    if (ended++ % 2 == 0) {
      ASSERT_OK(store().AbortUpload("b", key, ids.front()));
    } else {
      const MultipartUpload u{"b", key, ids.front(), "owner", 0, {}, {}, false};
      auto part = store().UploadPart(PartRequest(u, 1, 1), StringSource("x"));
      ASSERT_OK(part.status());
      ASSERT_OK(store().CompleteUpload(CompleteOf(u, {*part})).status());
    }
    ids.erase(ids.begin());
  }
  for (uint32_t max : {1u, 2u, 3u, 7u, 1000u}) {
    SCOPED_TRACE("max " + std::to_string(max));
    ListUploadsQuery q;
    q.max_uploads = max;
    std::vector<std::pair<std::string, std::string>> want;
    for (auto& [key, ids] : open) {
      std::vector<VersionId> sorted = ids;
      std::sort(sorted.begin(), sorted.end());
      for (const VersionId& id : sorted) want.emplace_back(key, id.ToText());
    }
    EXPECT_EQ(ListAll(q), want);

    // Prefix and delimiter.
    q.prefix = "photos/";
    q.delimiter = "/";
    std::vector<std::pair<std::string, std::string>> grouped;
    std::set<std::string> prefixes;
    for (auto& [key, ids] : open) {
      if (!key.starts_with("photos/")) continue;
      prefixes.insert(key.substr(0, key.find('/', 7) + 1));
    }
    for (const std::string& p : prefixes) grouped.emplace_back(p, "");
    EXPECT_EQ(ListAll(q), grouped);

    q.prefix = "a";
    q.delimiter = "/";
    std::vector<std::pair<std::string, std::string>> a_level;
    for (auto& [key, ids] : open) {
      if (key == "a") {
        std::vector<VersionId> sorted = ids;
        std::sort(sorted.begin(), sorted.end());
        for (const VersionId& id : sorted) a_level.emplace_back(key, id.ToText());
      }
    }
    bool any_under_a = false;
    for (auto& [key, ids] : open) any_under_a |= key.starts_with("a/") && !ids.empty();
    if (any_under_a) a_level.emplace_back("a/", "");
    EXPECT_EQ(ListAll(q), a_level);
  }
  // Key marker alone: keys after it.
  ListUploadsQuery q;
  q.key_marker = "b";
  auto page = store().ListUploads("b", q);
  ASSERT_OK(page.status());
  for (const MultipartUpload& u : page->uploads) EXPECT_GT(u.key, "b");
  // max_uploads 0: empty and not truncated.
  q = {};
  q.max_uploads = 0;
  page = store().ListUploads("b", q);
  ASSERT_OK(page.status());
  EXPECT_TRUE(page->uploads.empty());
  EXPECT_FALSE(page->truncated);
}

TEST_F(ClusterMultipartListTest, UploadsOfOtherBucketsAndObjectsAreNotListed) {
  Create("k");
  ASSERT_OK(store().CreateUpload({"other", "k", "o", {}, {}, false}).status());
  std::string data = "object";
  ASSERT_OK(store().Put(Request("b", "plain", data.size()), StringSource(data)).status());
  auto page = store().ListUploads("b", {});
  ASSERT_OK(page.status());
  ASSERT_EQ(page->uploads.size(), 1u);
  EXPECT_EQ(page->uploads[0].key, "k");
  EXPECT_EQ(page->uploads[0].bucket, "b");
  // Objects do not see uploads either.
  auto listed = store().List("b", {});
  ASSERT_OK(listed.status());
  ASSERT_EQ(listed->objects.size(), 1u);
  EXPECT_EQ(listed->objects[0].key, "plain");
}

}  // namespace
}  // namespace shale::gateway::testing
