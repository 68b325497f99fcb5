// Multipart uploads over six real shale-node processes (4+2): parts written while a node is
// stopped, Complete, bit-exact reads across part boundaries after the node returns, listing of
// open uploads, Abort and a retried Complete, all through the signed HTTP node API.

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/encoding.h"
#include "common/hash.h"
#include "tests/cluster/cluster_harness.h"
#include "tests/datapath/multipart_test_util.h"
#include "tests/node/node_test_util.h"
#include "tests/support/random_seed.h"
#include "tests/support/status_matchers.h"

namespace shale::testing {
namespace {

using gateway::CreateUploadRequest;
using gateway::MultipartUpload;
using gateway::PartInfo;

constexpr uint64_t kChunk = 256 * kKiB;

class ClusterMultipartNodesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(harness_.Start());
    ASSERT_OK(CreateBucket(harness_.store(), "b"));
  }

  Result<MultipartUpload> Create(const std::string& key) {
    CreateUploadRequest r;
    r.bucket = "b";
    r.key = key;
    r.owner_id = "tester";
    return harness_.store().CreateUpload(r);
  }

  Result<PartInfo> Part(const MultipartUpload& u, uint32_t n, const std::string& data) {
    return harness_.store().UploadPart(gateway::testing::PartRequest(u, n, data.size()),
                                       StringBody(data));
  }

  Result<gateway::ObjectInfo> Complete(const MultipartUpload& u,
                                       const std::vector<PartInfo>& parts) {
    return harness_.store().CompleteUpload(gateway::testing::CompleteOf(u, parts));
  }

  ClusterHarness harness_{
      {.nodes = 6, .k = 4, .m = 2, .chunk_size = kChunk, .inline_limit = 128 * kKiB}};
};

TEST_F(ClusterMultipartNodesTest, PartsWrittenWithANodeStoppedReadBackBitExact) {
  const uint64_t seed = TestSeed();
  std::mt19937_64 rng(seed);
  gateway::ObjectStore& store = harness_.store();
  ASSERT_OK_AND_ASSIGN(MultipartUpload u, Create("big"));
  const std::vector<uint64_t> sizes = {kChunk + 1, 3, 2 * kChunk + 77, 100 * kKiB};
  std::vector<std::string> data;
  std::string whole;
  for (size_t i = 0; i < sizes.size(); ++i) {
    data.push_back(RandomBytes(sizes[i], seed + i));
    whole += data.back();
  }
  std::vector<PartInfo> parts(sizes.size());
  ASSERT_OK_AND_ASSIGN(parts[2], Part(u, 3, data[2]));
  harness_.cluster().StopNode(4);  // Parts 1, 2 and 4 miss a node: repair hints, like puts.
  const uint64_t hints_before = harness_.cluster_store().repair_hints();
  ASSERT_OK_AND_ASSIGN(parts[0], Part(u, 1, data[0]));
  ASSERT_OK_AND_ASSIGN(parts[1], Part(u, 2, data[1]));
  ASSERT_OK_AND_ASSIGN(parts[3], Part(u, 4, data[3]));
  EXPECT_GT(harness_.cluster_store().repair_hints(), hints_before);
  for (size_t i = 0; i < sizes.size(); ++i) EXPECT_EQ(parts[i].etag, HexEncode(Md5(data[i])));

  ASSERT_OK_AND_ASSIGN(gateway::ListUploadsResult open, store.ListUploads("b", {}));
  ASSERT_EQ(open.uploads.size(), 1u);
  EXPECT_EQ(open.uploads[0].upload_id, u.upload_id);
  EXPECT_EQ(open.uploads[0].key, "big");

  ASSERT_OK_AND_ASSIGN(gateway::ObjectInfo done, Complete(u, parts));
  EXPECT_EQ(done.size, whole.size());
  ASSERT_OK(harness_.cluster().StartNode(4));
  ASSERT_OK_AND_ASSIGN(gateway::ObjectInfo head, store.Head("b", "big"));
  EXPECT_EQ(head.etag, "etag-4");
  ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(store, head));
  EXPECT_TRUE(SameBytes(got, whole));
  for (int i = 0; i < 20; ++i) {
    const uint64_t offset = rng() % whole.size(), length = rng() % (2 * kChunk);
    ASSERT_OK_AND_ASSIGN(got, ReadRange(store, head, offset, length));
    EXPECT_TRUE(SameBytes(got, std::string_view(whole).substr(offset, length)))
        << "offset " << offset << " length " << length;
  }
  for (uint32_t n = 1; n <= 4; ++n) {
    ASSERT_OK_AND_ASSIGN(gateway::PartRange range, gateway::ObjectPartRange(head, n));
    ASSERT_OK_AND_ASSIGN(got, ReadRange(store, head, range.offset, range.length));
    EXPECT_TRUE(SameBytes(got, data[n - 1])) << "part " << n;
  }
  // A retried Complete answers with the same version; the upload is no longer listed.
  ASSERT_OK_AND_ASSIGN(gateway::ObjectInfo again, Complete(u, parts));
  EXPECT_EQ(again.version, done.version);
  ASSERT_OK_AND_ASSIGN(open, store.ListUploads("b", {}));
  EXPECT_TRUE(open.uploads.empty());
}

TEST_F(ClusterMultipartNodesTest, AbortedUploadIsGone) {
  gateway::ObjectStore& store = harness_.store();
  ASSERT_OK_AND_ASSIGN(MultipartUpload u, Create("k"));
  ASSERT_OK_AND_ASSIGN(PartInfo p, Part(u, 1, RandomBytes(kChunk + 9, 3)));
  ASSERT_OK(store.AbortUpload("b", "k", u.upload_id));
  EXPECT_THAT(store.GetUpload("b", "k", u.upload_id), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(Complete(u, {p}), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(store.Head("b", "k"), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(gateway::ListUploadsResult open, store.ListUploads("b", {}));
  EXPECT_TRUE(open.uploads.empty());
}

}  // namespace
}  // namespace shale::testing
