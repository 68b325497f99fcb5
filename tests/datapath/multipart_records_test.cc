// The multipart record codecs (gateway/multipart_records.h): round trips of upload and part
// records, and one malformed input per rule the decoders enforce.

#include "gateway/multipart_records.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace shale::gateway {
namespace {

using ::shale::testing::StatusIs;

const VersionId kId{1700000000000000, 3, 9};

// A record as the nodes return it: decoded payload plus the node's key and version.
ObjectRecord AsRead(const std::string& payload, const std::string& key) {
  ObjectRecord rec = DecodeObjectRecord(payload).value();
  rec.info.key = key;
  rec.info.version = kId;
  return rec;
}

TEST(MultipartRecordsTest, UploadRecordRoundTrips) {
  MultipartUpload u;
  u.bucket = "b";
  u.key = "photos/1";
  u.upload_id = kId;
  u.owner_id = "alice";
  u.initiated_ms = 1700000000123;
  u.attributes.content_type = "image/png";
  u.attributes.tags = {{"a", "1"}};
  for (auto [algorithm, full] :
       {std::pair<std::optional<ChecksumAlgorithm>, bool>{std::nullopt, false},
        {ChecksumAlgorithm::kCrc32c, false},
        {ChecksumAlgorithm::kCrc64Nvme, true}}) {
    u.checksum_algorithm = algorithm;
    u.checksum_full_object = full;
    ASSERT_OK_AND_ASSIGN(MultipartUpload got,
                         DecodeUploadRecord("b", AsRead(EncodeUploadRecord(u), u.key)));
    EXPECT_EQ(got.key, u.key);
    EXPECT_EQ(got.upload_id, kId);
    EXPECT_EQ(got.owner_id, "alice");
    EXPECT_EQ(got.initiated_ms, u.initiated_ms);
    EXPECT_EQ(got.attributes, u.attributes);
    EXPECT_EQ(got.checksum_algorithm, algorithm);
    EXPECT_EQ(got.checksum_full_object, full);
  }
}

TEST(MultipartRecordsTest, UploadRecordRefusesForeignChecksumLists) {
  ObjectInfo info;
  info.layout = EncodeLayout(ObjectLayout{});
  info.checksums = {{ChecksumAlgorithm::kCrc32, "AAAAAA=="}};  // A digest, not a type.
  EXPECT_THAT(DecodeUploadRecord("b", AsRead(EncodeObjectRecord(info, kId), "k")),
              StatusIs(StatusCode::kCorruption));
  info.checksums = {{ChecksumAlgorithm::kCrc32, "COMPOSITE"},
                    {ChecksumAlgorithm::kSha1, "COMPOSITE"}};
  EXPECT_THAT(DecodeUploadRecord("b", AsRead(EncodeObjectRecord(info, kId), "k")),
              StatusIs(StatusCode::kCorruption));
  ObjectRecord marker = AsRead(EncodeObjectRecord(ObjectInfo{.layout = info.layout}, kId), "k");
  marker.info.delete_marker = true;
  EXPECT_THAT(DecodeUploadRecord("b", marker), StatusIs(StatusCode::kCorruption));
}

TEST(MultipartRecordsTest, PartRecordRoundTripsAndRetiresWithOrWithoutData) {
  PartInfo part;
  part.part_number = 42;
  part.size = 70000;
  part.etag = "0123456789abcdef0123456789abcdef";
  part.last_modified_ms = 1700000000999;
  part.checksums = {{ChecksumAlgorithm::kCrc32c, "AAAAAA=="}};
  ObjectLayout layout;
  layout.kind = LayoutKind::kErasure;
  layout.k = 4;
  layout.m = 2;
  layout.rotation = 5;
  layout.chunk_size = 65536;
  layout.data_id = VersionId{1700000000000001, 0, 9};
  const std::string key = PartKey(kId, 42);
  ASSERT_OK_AND_ASSIGN(StoredPart got,
                       DecodePartRecord(AsRead(EncodePartRecord(part, layout), key)));
  EXPECT_EQ(got.record_version, kId);
  EXPECT_EQ(got.info.part_number, 42u);
  EXPECT_EQ(got.info.size, part.size);
  EXPECT_EQ(got.info.etag, part.etag);
  EXPECT_EQ(got.info.checksums, part.checksums);
  EXPECT_EQ(got.layout, layout);
  EXPECT_EQ(got.extent, (PartExtent{42, 70000, 65536, layout.data_id, part.etag, part.checksums}));

  ObjectRecord retire = PartRecordOf("b", kId, got, /*with_data=*/true);
  EXPECT_EQ(retire.info.bucket, PartsBucket("b"));
  EXPECT_EQ(retire.info.key, key);
  EXPECT_EQ(retire.info.version, kId);
  EXPECT_EQ(ErasureExtents(DecodeLayout(retire.info.layout).value(), retire.info.size).size(), 1u);
  retire = PartRecordOf("b", kId, got, /*with_data=*/false);
  EXPECT_TRUE(ErasureExtents(DecodeLayout(retire.info.layout).value(), retire.info.size).empty());

  // Never inline, never another key.
  ObjectLayout inline_layout = layout;
  inline_layout.kind = LayoutKind::kReplicated;
  inline_layout.replicas = 3;
  EXPECT_THAT(DecodePartRecord(AsRead(EncodePartRecord(part, inline_layout), key)),
              StatusIs(StatusCode::kCorruption));
  EXPECT_THAT(DecodePartRecord(AsRead(EncodePartRecord(part, layout), "photos/1")),
              StatusIs(StatusCode::kCorruption));
}

TEST(MultipartRecordsTest, PartNumberOfKey) {
  const std::string id = kId.ToText();
  EXPECT_EQ(PartNumberOfKey(PartKey(kId, 1)).value(), 1u);
  EXPECT_EQ(PartNumberOfKey(PartKey(kId, 10000)).value(), 10000u);
  EXPECT_TRUE(PartKey(kId, 7).starts_with(PartKeyPrefix(kId)));
  for (const std::string& bad : {id + "/00000", id + "/10001", id + "/0001", id + "/000001",
                                 id + "-00001", id + "/0000a", std::string(""), id}) {
    EXPECT_THAT(PartNumberOfKey(bad), StatusIs(StatusCode::kCorruption)) << bad;
  }
}

}  // namespace
}  // namespace shale::gateway
