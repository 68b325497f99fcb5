// The S3 maximum: an upload of 10,000 one-byte parts (uploaded from several threads) completes
// into one version record listing every part, which stays well-formed, listable and readable:
// whole, across part boundaries, and part by part.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "common/object_record.h"
#include "gateway/cluster_store.h"
#include "tests/datapath/cluster_store_test_util.h"
#include "tests/datapath/multipart_test_util.h"

namespace shale::gateway::testing {
namespace {

constexpr uint32_t kParts = 10000;

TEST(ClusterMultipartManyTest, TenThousandOneByteParts) {
  InProcessCluster cluster;
  ClusterStore& store = cluster.store();
  ASSERT_OK_AND_ASSIGN(MultipartUpload u,
                       store.CreateUpload({"b", "many", "owner", {}, {}, false}));
  auto byte_of = [](uint32_t n) { return std::string(1, static_cast<char>('a' + n % 26)); };
  std::vector<PartInfo> parts(kParts);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  constexpr uint32_t kThreads = 16;
  for (uint32_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (uint32_t n = 1 + t; n <= kParts; n += kThreads) {
        const std::string data = byte_of(n);
        auto part = store.UploadPart(PartRequest(u, n, 1), StringSource(data));
        if (!part.ok()) {
          ++failures;
          continue;
        }
        parts[n - 1] = *part;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);

  ASSERT_OK_AND_ASSIGN(PartsPage page, store.ListParts("b", "many", u.upload_id, 9990, 1000));
  EXPECT_EQ(page.parts.size(), 10u);
  EXPECT_FALSE(page.truncated);

  const CompleteRequest c = CompleteOf(u, parts);
  ASSERT_OK_AND_ASSIGN(ObjectInfo done, store.CompleteUpload(c));
  EXPECT_EQ(done.size, kParts);

  std::string whole;
  for (uint32_t n = 1; n <= kParts; ++n) whole += byte_of(n);
  ASSERT_OK_AND_ASSIGN(ObjectInfo head, store.Head("b", "many"));
  ASSERT_OK_AND_ASSIGN(ObjectLayout layout, DecodeLayout(head.layout));
  EXPECT_EQ(layout.parts.size(), kParts);
  EXPECT_EQ(ErasureExtents(layout, head.size).size(), kParts);
  // Listable: the record of 10,000 parts comes back whole in a listing.
  ASSERT_OK_AND_ASSIGN(ListResult listed, store.List("b", {}));
  ASSERT_EQ(listed.objects.size(), 1u);
  EXPECT_EQ(listed.objects[0].layout, head.layout);
  ASSERT_OK_AND_ASSIGN(std::string all, ReadRange(store, head, 0, UINT64_MAX, 4096));
  EXPECT_TRUE(all == whole);
  ASSERT_OK_AND_ASSIGN(std::string middle, ReadRange(store, head, 4998, 5));
  EXPECT_EQ(middle, whole.substr(4998, 5));
  ASSERT_OK_AND_ASSIGN(PartRange last, ObjectPartRange(head, kParts));
  EXPECT_EQ(last.offset, kParts - 1);
  EXPECT_EQ(last.length, 1u);
  EXPECT_EQ(last.parts_count, kParts);
  // A retried Complete finds the version by its upload id.
  ASSERT_OK_AND_ASSIGN(ObjectInfo again, store.CompleteUpload(c));
  EXPECT_EQ(again.version, done.version);
}

}  // namespace
}  // namespace shale::gateway::testing
