// Multipart uploads on ClusterStore over in-process engines: upload and part records, parts
// streamed as erasure-coded chunks, Complete listing the parts without copying them, reads
// across part boundaries, partNumber ranges, Abort, retried Complete, concurrent uploads of one
// key and a node down while parts are written.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "common/encoding.h"
#include "common/hash.h"
#include "common/object_record.h"
#include "common/placement.h"
#include "gateway/cluster_store.h"
#include "gateway/multipart_records.h"
#include "tests/datapath/cluster_store_test_util.h"
#include "tests/datapath/multipart_test_util.h"
#include "tests/support/random_seed.h"

namespace shale::gateway::testing {
namespace {

using ::shale::testing::StatusIs;

MATCHER_P2(CodeAndMessage, code, part,
           "has status code and a message naming " + std::string(part)) {
  const Status& s = ::shale::testing::GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code && s.message().find(part) != std::string::npos;
}

constexpr uint64_t kChunk = 64 * kKiB;

std::string Md5Hex(const std::string& data) {
  Md5Stream md5;
  md5.Update(data);
  return HexEncode(md5.Finish());
}

class ClusterMultipartTest : public ::testing::Test {
 protected:
  ClusterStore& store() { return cluster_.store(); }

  MultipartUpload Create(const std::string& key) {
    CreateUploadRequest r;
    r.bucket = "b";
    r.key = key;
    r.owner_id = "owner";
    r.attributes.content_type = "text/plain";
    auto upload = store().CreateUpload(r);
    EXPECT_OK(upload.status());
    return upload.ok() ? *upload : MultipartUpload{};
  }

  Result<PartInfo> Part(const MultipartUpload& u, uint32_t n, const std::string& data) {
    return store().UploadPart(PartRequest(u, n, data.size()), StringSource(data, 10000));
  }

  Result<ObjectInfo> Complete(const MultipartUpload& u, const std::vector<PartInfo>& parts,
                              BucketVersioning versioning = BucketVersioning::kUnversioned) {
    return store().CompleteUpload(CompleteOf(u, parts, versioning));
  }

  // The part record of upload u, part n, as node `i` holds it.
  StoredPart PartRecord(const MultipartUpload& u, uint32_t n, size_t i) {
    auto wire =
        cluster_.local(i).GetVersion(PartsBucket(u.bucket), PartKey(u.upload_id, n), std::nullopt);
    EXPECT_OK(wire.status());
    auto rec = RecordFromWire(PartsBucket(u.bucket), *wire);
    EXPECT_OK(rec.status());
    auto part = DecodePartRecord(*rec);
    EXPECT_OK(part.status());
    return *part;
  }

  // Shards of data id `id` (chunk 0) still stored on any node.
  size_t ShardsLeft(const VersionId& id) {
    size_t n = 0;
    for (size_t node = 0; node < cluster_.size(); ++node) {
      for (uint32_t s = 0; s < 6; ++s) n += cluster_.local(node).GetShard(ShardId(id, 0, s)).ok();
    }
    return n;
  }

  InProcessCluster cluster_;
};

TEST_F(ClusterMultipartTest, CreateKeepsAttributesAndChecksumSettings) {
  CreateUploadRequest r;
  r.bucket = "b";
  r.key = "k";
  r.owner_id = "alice";
  r.attributes.content_type = "image/png";
  r.attributes.user_metadata = {{"color", "blue"}};
  r.attributes.tags = {{"project", "x"}};
  r.checksum_algorithm = ChecksumAlgorithm::kCrc64Nvme;
  r.checksum_full_object = true;
  ASSERT_OK_AND_ASSIGN(MultipartUpload created, store().CreateUpload(r));
  ASSERT_OK_AND_ASSIGN(MultipartUpload got, store().GetUpload("b", "k", created.upload_id));
  EXPECT_EQ(got.owner_id, "alice");
  EXPECT_EQ(got.attributes, r.attributes);
  EXPECT_EQ(got.checksum_algorithm, ChecksumAlgorithm::kCrc64Nvme);
  EXPECT_TRUE(got.checksum_full_object);
  EXPECT_EQ(got.initiated_ms, created.initiated_ms);
  EXPECT_EQ(got.upload_id, created.upload_id);

  r.checksum_algorithm.reset();
  r.checksum_full_object = false;
  ASSERT_OK_AND_ASSIGN(MultipartUpload plain, store().CreateUpload(r));
  ASSERT_OK_AND_ASSIGN(got, store().GetUpload("b", "k", plain.upload_id));
  EXPECT_FALSE(got.checksum_algorithm.has_value());
  EXPECT_FALSE(got.checksum_full_object);

  EXPECT_THAT(store().GetUpload("b", "other", created.upload_id), StatusIs(StatusCode::kNotFound));
}

TEST_F(ClusterMultipartTest, PartsOutOfOrderAssembleBitExact) {
  const uint64_t seed = shale::testing::TestSeed();
  std::mt19937_64 rng(seed);
  MultipartUpload u = Create("obj");
  // Sizes across chunk boundaries, a 1-byte part, a part of exactly one chunk.
  const std::vector<size_t> sizes = {kChunk + 4321, 1, 2 * kChunk + 7, kChunk, 999};
  std::vector<std::string> data;
  for (size_t i = 0; i < sizes.size(); ++i) data.push_back(RandomBody(sizes[i], seed + i));
  std::vector<PartInfo> parts(sizes.size());
  for (size_t i : {3, 0, 4, 2, 1}) {  // Out of order.
    ASSERT_OK_AND_ASSIGN(parts[i], Part(u, static_cast<uint32_t>(i + 1), data[i]));
    EXPECT_EQ(parts[i].etag, Md5Hex(data[i]));
    EXPECT_EQ(parts[i].size, sizes[i]);
  }
  ASSERT_OK_AND_ASSIGN(PartsPage page, store().ListParts("b", "obj", u.upload_id, 0, 1000));
  ASSERT_EQ(page.parts.size(), 5u);
  EXPECT_FALSE(page.truncated);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(page.parts[i].part_number, i + 1);
    EXPECT_EQ(page.parts[i].etag, parts[i].etag);
  }
  // Pages of two.
  ASSERT_OK_AND_ASSIGN(page, store().ListParts("b", "obj", u.upload_id, 2, 2));
  ASSERT_EQ(page.parts.size(), 2u);
  EXPECT_EQ(page.parts[0].part_number, 3u);
  EXPECT_TRUE(page.truncated);
  EXPECT_EQ(page.next_part_number_marker, 4u);
  ASSERT_OK_AND_ASSIGN(page, store().ListParts("b", "obj", u.upload_id, 4, 2));
  ASSERT_EQ(page.parts.size(), 1u);
  EXPECT_FALSE(page.truncated);

  ASSERT_OK_AND_ASSIGN(ObjectInfo done, Complete(u, parts));
  std::string whole;
  for (const std::string& d : data) whole += d;
  ASSERT_OK_AND_ASSIGN(ObjectInfo head, store().Head("b", "obj"));
  EXPECT_EQ(head.version, done.version);
  EXPECT_EQ(head.size, whole.size());
  EXPECT_EQ(head.etag, "etag-5");
  EXPECT_EQ(head.attributes.content_type, "text/plain");
  EXPECT_EQ(head.owner_id, "owner");
  ASSERT_OK_AND_ASSIGN(std::string all, ReadRange(store(), head, 0, UINT64_MAX, 7777));
  EXPECT_TRUE(all == whole);
  for (int i = 0; i < 60; ++i) {
    uint64_t offset = rng() % whole.size();
    uint64_t length = rng() % (3 * kChunk);
    ASSERT_OK_AND_ASSIGN(std::string got,
                         ReadRange(store(), head, offset, length, 1 + rng() % 9000));
    ASSERT_TRUE(got == whole.substr(offset, length)) << "offset " << offset << " length " << length;
  }
  // Exactly across each boundary.
  uint64_t at = 0;
  for (size_t i = 0; i + 1 < sizes.size(); ++i) {
    at += sizes[i];
    ASSERT_OK_AND_ASSIGN(std::string got, ReadRange(store(), head, at - 1, 2));
    EXPECT_TRUE(got == whole.substr(at - 1, 2));
  }
  // partNumber ranges.
  uint64_t offset = 0;
  for (uint32_t n = 1; n <= 5; ++n) {
    ASSERT_OK_AND_ASSIGN(PartRange range, ObjectPartRange(head, n));
    EXPECT_EQ(range.parts_count, 5u);
    EXPECT_EQ(range.offset, offset);
    EXPECT_EQ(range.length, sizes[n - 1]);
    ASSERT_OK_AND_ASSIGN(std::string got, ReadRange(store(), head, range.offset, range.length));
    EXPECT_TRUE(got == data[n - 1]);
    offset += sizes[n - 1];
  }
  EXPECT_THAT(ObjectPartRange(head, 6), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ObjectPartRange(head, 0), StatusIs(StatusCode::kInvalidArgument));
  // The upload is gone.
  EXPECT_THAT(store().GetUpload("b", "obj", u.upload_id), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(store().ListParts("b", "obj", u.upload_id, 0, 10), StatusIs(StatusCode::kNotFound));
  // Part records are retired in the background; the object stays readable (its parts' shards
  // are referenced by its layout).
  store().DrainBackground();
  ASSERT_OK_AND_ASSIGN(all, ReadAll(store(), "b", "obj"));
  EXPECT_TRUE(all == whole);
}

TEST_F(ClusterMultipartTest, PartRangeOfASinglePartObject) {
  std::string data = RandomBody(3 * kChunk, 5);
  ASSERT_OK_AND_ASSIGN(ObjectInfo info,
                       store().Put(Request("b", "plain", data.size()), StringSource(data)));
  ASSERT_OK_AND_ASSIGN(PartRange range, ObjectPartRange(info, 1));
  EXPECT_EQ(range.offset, 0u);
  EXPECT_EQ(range.length, data.size());
  EXPECT_EQ(range.parts_count, 1u);
  EXPECT_THAT(ObjectPartRange(info, 2), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(ClusterMultipartTest, ReuploadedPartReplacesTheOldOne) {
  MultipartUpload u = Create("k");
  std::string old_data = RandomBody(kChunk + 10, 1), new_data = RandomBody(100, 2);
  ASSERT_OK_AND_ASSIGN(PartInfo old_part, Part(u, 1, old_data));
  const VersionId old_data_id = PartRecord(u, 1, 0).extent.data_id;
  ASSERT_OK_AND_ASSIGN(PartInfo new_part, Part(u, 1, new_data));
  EXPECT_NE(PartRecord(u, 1, 0).extent.data_id, old_data_id);
  ASSERT_OK_AND_ASSIGN(PartsPage page, store().ListParts("b", "k", u.upload_id, 0, 10));
  ASSERT_EQ(page.parts.size(), 1u);
  EXPECT_EQ(page.parts[0].etag, Md5Hex(new_data));
  EXPECT_EQ(page.parts[0].size, new_data.size());
  // Completing with the replaced part's ETag names the part.
  EXPECT_THAT(Complete(u, {old_part}), CodeAndMessage(StatusCode::kFailedPrecondition, "part 1"));
  ASSERT_OK(Complete(u, {new_part}).status());
  EXPECT_TRUE(ReadAll(store(), "b", "k").value() == new_data);
  // The replaced part's shards are deleted in the background.
  store().DrainBackground();
  EXPECT_EQ(ShardsLeft(old_data_id), 0u);
  EXPECT_TRUE(ReadAll(store(), "b", "k").value() == new_data);
}

TEST_F(ClusterMultipartTest, MissingPartIsNamed) {
  MultipartUpload u = Create("k");
  ASSERT_OK_AND_ASSIGN(PartInfo p1, Part(u, 1, "one"));
  ASSERT_OK_AND_ASSIGN(PartInfo p3, Part(u, 3, "three"));
  PartInfo p2 = p1;
  p2.part_number = 2;
  EXPECT_THAT(Complete(u, {p1, p2, p3}), CodeAndMessage(StatusCode::kFailedPrecondition, "part 2"));
  // Nothing became visible; the upload is still open and completes without the missing part.
  EXPECT_THAT(store().Head("b", "k"), StatusIs(StatusCode::kNotFound));
  ASSERT_OK(Complete(u, {p1, p3}).status());
  EXPECT_EQ(ReadAll(store(), "b", "k").value(), "onethree");
}

TEST_F(ClusterMultipartTest, OneBytePartsAndAnEmptyPart) {
  MultipartUpload u = Create("tiny");
  std::vector<PartInfo> parts;
  std::string whole;
  for (uint32_t n = 1; n <= 20; ++n) {
    std::string byte(1, static_cast<char>('a' + n));
    whole += byte;
    ASSERT_OK_AND_ASSIGN(PartInfo p, Part(u, n, byte));
    parts.push_back(p);
  }
  ASSERT_OK_AND_ASSIGN(PartInfo empty, Part(u, 21, ""));
  EXPECT_EQ(empty.size, 0u);
  parts.push_back(empty);
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, Complete(u, parts));
  EXPECT_EQ(info.size, 20u);
  EXPECT_EQ(ReadAll(store(), "b", "tiny").value(), whole);
  for (uint64_t off = 0; off < 20; ++off) {
    EXPECT_EQ(ReadRange(store(), info, off, 3, 2).value(), whole.substr(off, 3));
  }
  ASSERT_OK_AND_ASSIGN(PartRange last, ObjectPartRange(info, 21));
  EXPECT_EQ(last.offset, 20u);
  EXPECT_EQ(last.length, 0u);
}

TEST_F(ClusterMultipartTest, UploadPartEnforcesSizeUploadAndBeforeCommit) {
  MultipartUpload u = Create("k");
  UploadPartRequest r;
  r.bucket = "b";
  r.key = "k";
  r.upload_id = u.upload_id;
  r.part_number = 1;
  std::string data = RandomBody(kChunk * 2, 3);
  r.size = data.size() + 1;
  EXPECT_THAT(store().UploadPart(r, StringSource(data)), StatusIs(StatusCode::kInvalidArgument));
  r.size = data.size();
  r.compute = {ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kSha256};
  r.store = {ChecksumAlgorithm::kCrc32c};
  r.before_commit = [](const PutDigests& d) {
    EXPECT_EQ(d.checksums.size(), 2u);
    return Status::FailedPrecondition("BadDigest");
  };
  EXPECT_THAT(store().UploadPart(r, StringSource(data)),
              CodeAndMessage(StatusCode::kFailedPrecondition, "BadDigest"));
  ASSERT_OK_AND_ASSIGN(PartsPage page, store().ListParts("b", "k", u.upload_id, 0, 10));
  EXPECT_TRUE(page.parts.empty());
  r.before_commit = nullptr;
  ASSERT_OK_AND_ASSIGN(PartInfo part, store().UploadPart(r, StringSource(data)));
  ASSERT_EQ(part.checksums.size(), 1u);
  EXPECT_EQ(part.checksums[0].algorithm, ChecksumAlgorithm::kCrc32c);
  ASSERT_OK_AND_ASSIGN(page, store().ListParts("b", "k", u.upload_id, 0, 10));
  ASSERT_EQ(page.parts.size(), 1u);
  EXPECT_EQ(page.parts[0].checksums, part.checksums);
  // No such upload.
  r.upload_id = store().CreateUpload({"b", "other", "o", {}, {}, false})->upload_id;
  EXPECT_THAT(store().UploadPart(r, StringSource(data)), StatusIs(StatusCode::kNotFound));
  r.upload_id = u.upload_id;
  r.part_number = 10001;
  EXPECT_THAT(store().UploadPart(r, StringSource(data)), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(ClusterMultipartTest, AbortRemovesTheUploadAndItsParts) {
  MultipartUpload u = Create("k");
  ASSERT_OK_AND_ASSIGN(PartInfo p1, Part(u, 1, RandomBody(kChunk + 5, 1)));
  ASSERT_OK(Part(u, 2, RandomBody(10, 2)).status());
  const VersionId data1 = PartRecord(u, 1, 0).extent.data_id;
  const VersionId data2 = PartRecord(u, 2, 0).extent.data_id;
  EXPECT_GT(ShardsLeft(data1), 0u);
  ASSERT_OK(store().AbortUpload("b", "k", u.upload_id));
  EXPECT_THAT(store().GetUpload("b", "k", u.upload_id), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(store().ListParts("b", "k", u.upload_id, 0, 10), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(Part(u, 3, "x"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(Complete(u, {p1}), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(store().AbortUpload("b", "k", u.upload_id), StatusIs(StatusCode::kNotFound));
  store().DrainBackground();
  EXPECT_EQ(ShardsLeft(data1), 0u);
  EXPECT_EQ(ShardsLeft(data2), 0u);
  // Part records are purged on every node.
  for (size_t i = 0; i < cluster_.size(); ++i) {
    auto wire =
        cluster_.local(i).GetVersion(PartsBucket("b"), PartKey(u.upload_id, 1), std::nullopt);
    EXPECT_TRUE(!wire.ok() || wire->kind == node_wire::WireKind::kPurged);
  }
}

TEST_F(ClusterMultipartTest, RetriedCompleteReturnsTheSameVersion) {
  MultipartUpload u = Create("k");
  ASSERT_OK_AND_ASSIGN(PartInfo p1, Part(u, 1, "hello "));
  ASSERT_OK_AND_ASSIGN(PartInfo p2, Part(u, 2, "world"));
  ASSERT_OK_AND_ASSIGN(ObjectInfo first, Complete(u, {p1, p2}));
  store().DrainBackground();
  ASSERT_OK_AND_ASSIGN(ObjectInfo again, Complete(u, {p1, p2}));
  EXPECT_EQ(again.version, first.version);
  EXPECT_EQ(again.etag, first.etag);
  EXPECT_EQ(again.size, 11u);
  EXPECT_EQ(ReadAll(store(), "b", "k").value(), "hello world");
  // Once the key was overwritten, the upload is simply gone.
  std::string other = "other";
  ASSERT_OK(store().Put(Request("b", "k", other.size()), StringSource(other)).status());
  EXPECT_THAT(Complete(u, {p1, p2}), StatusIs(StatusCode::kNotFound));
  MultipartUpload never;
  never.bucket = "b";
  never.key = "k";
  never.upload_id = VersionId{123, 0, 9};
  EXPECT_THAT(Complete(never, {p1}), StatusIs(StatusCode::kNotFound));
}

// A Complete that committed its version but lost the quorum of its upload record's purge
// leaves the upload open: completing it again answers with that version instead of committing
// another (whose retirement of the first would delete the parts both reference), and aborting
// it keeps the parts the object references.
TEST_F(ClusterMultipartTest, UploadLeftOpenByACommittedCompleteKeepsItsObject) {
  MultipartUpload u = Create("k");
  std::string d1 = RandomBody(kChunk + 1, 40), d2 = RandomBody(50, 41);
  ASSERT_OK_AND_ASSIGN(PartInfo p1, Part(u, 1, d1));
  ASSERT_OK_AND_ASSIGN(PartInfo p2, Part(u, 2, d2));
  ASSERT_OK(Part(u, 3, "not in the object").status());
  const StoredPart s1 = PartRecord(u, 1, 0), s2 = PartRecord(u, 2, 0), s3 = PartRecord(u, 3, 0);
  // The version that Complete committed, written straight to the nodes of the set.
  ObjectLayout layout;
  layout.kind = LayoutKind::kMultipart;
  Placement placement(static_cast<uint32_t>(cluster_.size()), 6);
  const ObjectPlacement p = placement.Locate("b", "k");
  layout.set = p.set;
  layout.rotation = p.rotation;
  layout.k = 4;
  layout.m = 2;
  layout.data_id = u.upload_id;
  layout.parts = {s1.extent, s2.extent};
  ObjectInfo info;
  info.version = VersionId{u.upload_id.wall_micros + 1000, 0, 77};
  info.size = d1.size() + d2.size();
  info.etag = "etag-2";
  info.layout = EncodeLayout(layout);
  const std::string payload = EncodeObjectRecord(info, info.version);
  for (uint32_t i = 0; i < 6; ++i) {
    ASSERT_OK(cluster_.local(placement.NodeFor(p, i))
                  .PutVersion("b", "k", info.version.ToBinary(), payload));
  }
  ASSERT_OK(store().GetUpload("b", "k", u.upload_id).status());
  ASSERT_OK_AND_ASSIGN(ObjectInfo again, Complete(u, {p1, p2}));
  EXPECT_EQ(again.version, info.version);
  // That retry ended the upload, keeping the referenced parts' shards.
  EXPECT_THAT(store().GetUpload("b", "k", u.upload_id), StatusIs(StatusCode::kNotFound));
  store().DrainBackground();
  EXPECT_GT(ShardsLeft(s1.extent.data_id), 0u);
  EXPECT_GT(ShardsLeft(s2.extent.data_id), 0u);
  EXPECT_EQ(ShardsLeft(s3.extent.data_id), 0u);
  EXPECT_TRUE(ReadAll(store(), "b", "k").value() == d1 + d2);

  // The same state, ended by an Abort instead.
  MultipartUpload v = Create("k");
  ASSERT_OK_AND_ASSIGN(PartInfo q1, Part(v, 1, d2));
  ASSERT_OK(Part(v, 2, d1).status());
  const StoredPart t1 = PartRecord(v, 1, 0), t2 = PartRecord(v, 2, 0);
  layout.data_id = v.upload_id;
  layout.parts = {t1.extent};
  info.version = VersionId{v.upload_id.wall_micros + 1000, 0, 77};
  info.size = d2.size();
  info.layout = EncodeLayout(layout);
  const std::string payload2 = EncodeObjectRecord(info, info.version);
  for (uint32_t i = 0; i < 6; ++i) {
    ASSERT_OK(cluster_.local(placement.NodeFor(p, i))
                  .PutVersion("b", "k", info.version.ToBinary(), payload2));
  }
  ASSERT_OK(store().AbortUpload("b", "k", v.upload_id));
  store().DrainBackground();
  EXPECT_GT(ShardsLeft(t1.extent.data_id), 0u);
  EXPECT_EQ(ShardsLeft(t2.extent.data_id), 0u);
  EXPECT_TRUE(ReadAll(store(), "b", "k").value() == d2);
}

TEST_F(ClusterMultipartTest, ConcurrentUploadsOfOneKeyLastCompleteWins) {
  MultipartUpload a = Create("k");
  MultipartUpload b = Create("k");
  std::string da = RandomBody(kChunk + 1, 10), db = RandomBody(kChunk + 2, 11);
  ASSERT_OK_AND_ASSIGN(PartInfo pa, Part(a, 1, da));
  ASSERT_OK_AND_ASSIGN(PartInfo pb, Part(b, 1, db));
  const VersionId data_a = PartRecord(a, 1, 0).extent.data_id;
  const VersionId data_b = PartRecord(b, 1, 0).extent.data_id;
  ASSERT_OK(Complete(b, {pb}).status());
  ASSERT_OK_AND_ASSIGN(ObjectInfo last, Complete(a, {pa}));
  ASSERT_OK_AND_ASSIGN(ObjectInfo head, store().Head("b", "k"));
  EXPECT_EQ(head.version, last.version);
  EXPECT_TRUE(ReadAll(store(), "b", "k").value() == da);
  ObjectLayout layout = DecodeLayout(head.layout).value();
  ASSERT_EQ(layout.parts.size(), 1u);
  EXPECT_EQ(layout.parts[0].data_id, data_a);
  EXPECT_EQ(layout.data_id, a.upload_id);
  // b's object lost to a's in an unversioned bucket: its parts are garbage, a's stay.
  store().DrainBackground();
  EXPECT_EQ(ShardsLeft(data_b), 0u);
  EXPECT_GT(ShardsLeft(data_a), 0u);
  EXPECT_TRUE(ReadAll(store(), "b", "k").value() == da);
}

// An SDK that times out retries Complete while the first one still runs: both may commit a
// version of the same upload. The later one retires the earlier, which lists the SAME parts:
// retiring it must not delete the shards the surviving version reads.
TEST_F(ClusterMultipartTest, ConcurrentCompletesOfOneUploadKeepItsParts) {
  for (int round = 0; round < 4; ++round) {
    const std::string key = "race-" + std::to_string(round);
    MultipartUpload u = Create(key);
    const std::string data = RandomBody(kChunk + 7, 20 + round);
    ASSERT_OK_AND_ASSIGN(PartInfo part, Part(u, 1, data));
    const VersionId data_id = PartRecord(u, 1, 0).extent.data_id;
    Result<ObjectInfo> first = Status::Internal("not run"), second = Status::Internal("not run");
    std::thread t([&] { first = Complete(u, {part}); });
    second = Complete(u, {part});
    t.join();
    ASSERT_OK(first.status());
    ASSERT_OK(second.status());
    store().DrainBackground();
    EXPECT_GT(ShardsLeft(data_id), 0u) << "round " << round;
    ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(store(), "b", key));
    EXPECT_TRUE(got == data) << "round " << round;
  }
}

TEST_F(ClusterMultipartTest, CompleteFollowsTheBucketVersioningState) {
  const auto enabled = BucketVersioning::kEnabled, suspended = BucketVersioning::kSuspended;
  PutRequest put = Request("b", "k", 5);
  put.versioning = enabled;
  ASSERT_OK_AND_ASSIGN(ObjectInfo plain, store().Put(put, StringSource("plain")));
  // Enabled: every Complete is a new version; the older ones stay readable.
  MultipartUpload a = Create("k"), b = Create("k");
  ASSERT_OK_AND_ASSIGN(PartInfo pa, Part(a, 1, "upload a"));
  ASSERT_OK_AND_ASSIGN(PartInfo pb, Part(b, 1, "upload b"));
  ASSERT_OK_AND_ASSIGN(ObjectInfo va, Complete(a, {pa}, enabled));
  ASSERT_OK_AND_ASSIGN(ObjectInfo vb, Complete(b, {pb}, enabled));
  EXPECT_FALSE(va.null_version);
  EXPECT_FALSE(vb.null_version);
  ASSERT_OK_AND_ASSIGN(ObjectInfo head, store().Head("b", "k"));
  EXPECT_EQ(head.version, vb.version);
  for (const auto& [version, want] : {std::pair{plain.version, std::string("plain")},
                                      std::pair{va.version, std::string("upload a")},
                                      std::pair{vb.version, std::string("upload b")}}) {
    ASSERT_OK_AND_ASSIGN(ObjectInfo v, store().Head("b", "k", version));
    EXPECT_EQ(ReadRange(store(), v, 0, UINT64_MAX).value(), want);
  }
  // A retried Complete finds its version even when it is no longer the newest.
  ASSERT_OK_AND_ASSIGN(ObjectInfo again, Complete(a, {pa}, enabled));
  EXPECT_EQ(again.version, va.version);
  // Suspended: a Complete writes the null version, and the next one replaces it (its parts'
  // shards are deleted); the versions of the Enabled period stay.
  MultipartUpload c = Create("k"), d = Create("k");
  ASSERT_OK_AND_ASSIGN(PartInfo pc, Part(c, 1, RandomBody(kChunk + 3, 30)));
  ASSERT_OK_AND_ASSIGN(PartInfo pd, Part(d, 1, "upload d"));
  const VersionId data_c = PartRecord(c, 1, 0).extent.data_id;
  ASSERT_OK_AND_ASSIGN(ObjectInfo vc, Complete(c, {pc}, suspended));
  EXPECT_TRUE(vc.null_version);
  ASSERT_OK_AND_ASSIGN(ObjectInfo vd, Complete(d, {pd}, suspended));
  EXPECT_TRUE(vd.null_version);
  EXPECT_THAT(store().Head("b", "k", vc.version), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(ObjectInfo null_now, store().Head("b", "k", VersionSelector::Null()));
  EXPECT_EQ(null_now.version, vd.version);
  store().DrainBackground();
  EXPECT_EQ(ShardsLeft(data_c), 0u);
  ASSERT_OK_AND_ASSIGN(ObjectInfo v, store().Head("b", "k", va.version));
  EXPECT_EQ(ReadRange(store(), v, 0, UINT64_MAX).value(), "upload a");
  // The replaced upload's retried Complete: its version is gone.
  EXPECT_THAT(Complete(c, {pc}, suspended), StatusIs(StatusCode::kNotFound));
}

TEST_F(ClusterMultipartTest, NodeDownDuringPartUploadHintsRepair) {
  MultipartUpload u = Create("k");
  Placement placement(static_cast<uint32_t>(cluster_.size()), 6);
  const size_t down = placement.NodeFor(placement.Locate("b", "k"), 1);
  cluster_.node(down).set_down(true);
  std::string d1 = RandomBody(3 * kChunk + 3, 20), d2 = RandomBody(77, 21);
  ASSERT_OK_AND_ASSIGN(PartInfo p1, Part(u, 1, d1));
  ASSERT_OK_AND_ASSIGN(PartInfo p2, Part(u, 2, d2));
  store().DrainBackground();
  EXPECT_GT(store().repair_hints(), 0u);
  EXPECT_GT(cluster_.QueuedHints(), 0u);
  ASSERT_OK(Complete(u, {p1, p2}).status());
  EXPECT_TRUE(ReadAll(store(), "b", "k").value() == d1 + d2);
  cluster_.node(down).set_down(false);
  // The node that missed the shards is decoded around.
  EXPECT_TRUE(ReadAll(store(), "b", "k").value() == d1 + d2);
  // It also missed the purge of the upload record: the tombstones of the others outvote it.
  EXPECT_THAT(store().GetUpload("b", "k", u.upload_id), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(ListUploadsResult open, store().ListUploads("b", {}));
  EXPECT_TRUE(open.uploads.empty());
  EXPECT_THAT(Part(u, 3, "late"), StatusIs(StatusCode::kNotFound));
  // Two nodes down (k + 1 = 5 of 6 needed): a part cannot reach the write quorum.
  MultipartUpload v = Create("k2");
  for (uint32_t s = 0; s < 2; ++s) {
    cluster_.node(placement.NodeFor(placement.Locate("b", "k2"), s)).set_down(true);
  }
  EXPECT_THAT(Part(v, 1, d1), StatusIs(StatusCode::kUnavailable));
}

}  // namespace
}  // namespace shale::gateway::testing
