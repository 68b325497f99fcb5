// The data path's record codecs: round trips of every field, strict decoding (every truncation
// and trailing byte refused), shard ids.

#include "common/object_record.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/support/status_matchers.h"

namespace shale::gateway {
namespace {

using ::shale::testing::StatusIs;

ObjectInfo FullInfo() {
  ObjectInfo info;
  info.size = 123456789;
  info.etag = "0123456789abcdef0123456789abcdef";
  info.last_modified_ms = 1700000000123;
  info.owner_id = "alice";
  info.attributes.content_type = "text/plain";
  info.attributes.content_encoding = "gzip";
  info.attributes.content_disposition = "attachment";
  info.attributes.content_language = "en";
  info.attributes.cache_control = "no-cache";
  info.attributes.expires = "Wed, 21 Oct 2015 07:28:00 GMT";
  info.attributes.user_metadata = {{"b", "2"}, {"a", std::string("\0x", 2)}};
  info.attributes.tags = {{"color", "blue"}};
  info.checksums = {{ChecksumAlgorithm::kCrc64Nvme, "AAAAAAAAAAA="},
                    {ChecksumAlgorithm::kSha256, "x"}};
  ObjectLayout layout;
  layout.kind = LayoutKind::kErasure;
  layout.set = 3;
  layout.rotation = 5;
  layout.k = 4;
  layout.m = 2;
  layout.chunk_size = 4 << 20;
  layout.data_id = {1700000000000000, 7, 9};
  info.layout = EncodeLayout(layout);
  return info;
}

TEST(ObjectRecordTest, RoundTripsEveryField) {
  ObjectInfo info = FullInfo();
  VersionId revision{1700000000000001, 2, 3};
  std::string payload = EncodeObjectRecord(info, revision);
  ASSERT_OK_AND_ASSIGN(ObjectRecord rec, DecodeObjectRecord(payload));
  EXPECT_EQ(rec.attr_revision, revision);
  EXPECT_EQ(rec.info.size, info.size);
  EXPECT_EQ(rec.info.etag, info.etag);
  EXPECT_EQ(rec.info.last_modified_ms, info.last_modified_ms);
  EXPECT_EQ(rec.info.owner_id, info.owner_id);
  EXPECT_EQ(rec.info.attributes, info.attributes);
  EXPECT_EQ(rec.info.checksums, info.checksums);
  EXPECT_EQ(rec.info.layout, info.layout);
  EXPECT_EQ(rec.info.null_version, info.null_version);
  EXPECT_EQ(EncodeObjectRecord(rec.info, rec.attr_revision), payload);
  info.null_version = !info.null_version;
  ASSERT_OK_AND_ASSIGN(rec, DecodeObjectRecord(EncodeObjectRecord(info, VersionId{1, 2, 3})));
  EXPECT_EQ(rec.info.null_version, info.null_version);
}

TEST(ObjectRecordTest, FormatOneRecordsDecodeAsNullVersions) {
  ObjectInfo info = FullInfo();
  info.null_version = false;
  // Format 1 is format 2 without the trailing flags byte.
  std::string payload = EncodeObjectRecord(info, VersionId{1, 2, 3});
  payload[0] = 1;
  payload.pop_back();
  ASSERT_OK_AND_ASSIGN(ObjectRecord rec, DecodeObjectRecord(payload));
  EXPECT_TRUE(rec.info.null_version);
  EXPECT_EQ(rec.info.layout, info.layout);
  payload.push_back('\0');  // A flags byte is trailing garbage in format 1.
  EXPECT_THAT(DecodeObjectRecord(payload), StatusIs(StatusCode::kCorruption));
}

TEST(ObjectRecordTest, MultipartLayoutsRoundTripAndNameTheirExtents) {
  ObjectLayout l;
  l.kind = LayoutKind::kMultipart;
  l.k = 4;
  l.m = 2;
  l.rotation = 5;
  l.parts = {{1,
              5u << 20,
              4u << 20,
              VersionId{10, 0, 1},
              std::string(32, 'a'),
              {{ChecksumAlgorithm::kCrc32, "AAAAAA=="}}},
             {3, 7, 4u << 20, VersionId{11, 0, 1}, std::string(32, 'b'), {}}};
  ASSERT_OK_AND_ASSIGN(ObjectLayout back, DecodeLayout(EncodeLayout(l)));
  EXPECT_EQ(back, l);
  EXPECT_EQ(ErasureExtents(l, (5u << 20) + 7),
            (std::vector<ErasureExtent>{{VersionId{10, 0, 1}, 5u << 20, 4u << 20},
                                        {VersionId{11, 0, 1}, 7, 4u << 20}}));
  EXPECT_EQ(ChunkCount({VersionId{}, 5u << 20, 4u << 20}), 2u);
  EXPECT_EQ(ChunkCount({VersionId{}, 0, 4u << 20}), 0u);
  std::string encoded = EncodeLayout(l);
  for (size_t n = 0; n < encoded.size(); ++n) {
    EXPECT_THAT(DecodeLayout(encoded.substr(0, n)), StatusIs(StatusCode::kCorruption)) << n;
  }
  ObjectLayout bad = l;
  bad.parts.clear();
  EXPECT_THAT(DecodeLayout(EncodeLayout(bad)), StatusIs(StatusCode::kCorruption));
  bad = l;
  bad.parts[0].part_number = 10001;
  EXPECT_THAT(DecodeLayout(EncodeLayout(bad)), StatusIs(StatusCode::kCorruption));
  bad = l;
  bad.kind = LayoutKind::kErasure;  // Parts only belong to multipart layouts.
  bad.chunk_size = 1;
  EXPECT_THAT(DecodeLayout(EncodeLayout(bad)), StatusIs(StatusCode::kCorruption));

  ObjectLayout erasure;
  erasure.kind = LayoutKind::kErasure;
  erasure.k = 4;
  erasure.chunk_size = 100;
  erasure.data_id = VersionId{9, 9, 9};
  EXPECT_EQ(ErasureExtents(erasure, 250),
            (std::vector<ErasureExtent>{{VersionId{9, 9, 9}, 250, 100}}));
  EXPECT_TRUE(ErasureExtents(ObjectLayout{}, 0).empty());
}

TEST(ObjectRecordTest, MultipartNamesAndShardDataIds) {
  EXPECT_EQ(UploadsBucket("b"), "b:uploads");
  EXPECT_EQ(PartsBucket("b"), "b:parts");
  VersionId upload{0x0102, 3, 4};
  EXPECT_EQ(PartKey(upload, 7), upload.ToText() + "/00007");
  EXPECT_EQ(PartKey(upload, 10000), upload.ToText() + "/10000");
  ASSERT_OK_AND_ASSIGN(VersionId id, ShardDataId(ShardId(upload, 5, 2)));
  EXPECT_EQ(id, upload);
  EXPECT_THAT(ShardDataId("x"), StatusIs(StatusCode::kCorruption));
  EXPECT_THAT(ShardDataId(std::string(22, 'd')), StatusIs(StatusCode::kCorruption));
}

TEST(ObjectRecordTest, EveryTruncationAndTrailingByteIsCorruption) {
  std::string payload = EncodeObjectRecord(FullInfo(), VersionId{1, 2, 3});
  for (size_t n = 0; n < payload.size(); ++n) {
    EXPECT_THAT(DecodeObjectRecord(payload.substr(0, n)), StatusIs(StatusCode::kCorruption)) << n;
  }
  EXPECT_THAT(DecodeObjectRecord(payload + "x"), StatusIs(StatusCode::kCorruption));
  payload[0] = 3;  // Unknown format.
  EXPECT_THAT(DecodeObjectRecord(payload), StatusIs(StatusCode::kCorruption));
}

TEST(ObjectRecordTest, LayoutsRoundTripAndInconsistentOnesAreRefused) {
  ObjectLayout inline_layout;
  inline_layout.kind = LayoutKind::kReplicated;
  inline_layout.k = 4;
  inline_layout.m = 2;
  inline_layout.replicas = 3;
  inline_layout.has_data = true;
  inline_layout.data = std::string("bytes\0more", 10);
  ASSERT_OK_AND_ASSIGN(ObjectLayout back, DecodeLayout(EncodeLayout(inline_layout)));
  EXPECT_EQ(back, inline_layout);
  ASSERT_OK_AND_ASSIGN(ObjectLayout none, DecodeLayout(EncodeLayout(ObjectLayout{})));
  EXPECT_EQ(none.kind, LayoutKind::kNone);

  ObjectLayout bad = inline_layout;
  bad.replicas = 7;  // More replicas than nodes in the set.
  EXPECT_THAT(DecodeLayout(EncodeLayout(bad)), StatusIs(StatusCode::kCorruption));
  bad = inline_layout;
  bad.rotation = 6;
  EXPECT_THAT(DecodeLayout(EncodeLayout(bad)), StatusIs(StatusCode::kCorruption));
  bad = inline_layout;
  bad.kind = LayoutKind::kErasure;
  bad.chunk_size = 0;
  EXPECT_THAT(DecodeLayout(EncodeLayout(bad)), StatusIs(StatusCode::kCorruption));
  std::string encoded = EncodeLayout(inline_layout);
  for (size_t n = 0; n < encoded.size(); ++n) {
    EXPECT_THAT(DecodeLayout(encoded.substr(0, n)), StatusIs(StatusCode::kCorruption)) << n;
  }
}

TEST(ObjectRecordTest, RecordFromWireFillsTheNodeFields) {
  ObjectInfo info = FullInfo();
  node_wire::WireVersion wire;
  wire.key = "dir/key";
  VersionId version{1700000000000000, 1, 42};
  wire.version = version.ToBinary();
  wire.kind = node_wire::WireKind::kDeleteMarker;
  wire.payload = EncodeObjectRecord(info, version);
  ASSERT_OK_AND_ASSIGN(ObjectRecord rec, RecordFromWire("bkt", wire));
  EXPECT_EQ(rec.info.bucket, "bkt");
  EXPECT_EQ(rec.info.key, "dir/key");
  EXPECT_EQ(rec.info.version, version);
  EXPECT_TRUE(rec.info.delete_marker);
}

TEST(ObjectRecordTest, ShardIdsAreDistinctAndFixedSize) {
  VersionId a{1700000000000000, 0, 1}, b{1700000000000000, 0, 2};
  std::set<std::string> ids;
  for (const VersionId& v : {a, b}) {
    for (uint32_t chunk : {0u, 1u, 256u, 0xffffffffu}) {
      for (uint32_t shard = 0; shard < 20; ++shard) {
        std::string id = ShardId(v, chunk, shard);
        EXPECT_EQ(id.size(), 22u);
        EXPECT_EQ(id[0], 'c');
        ids.insert(id);
      }
    }
  }
  EXPECT_EQ(ids.size(), 2u * 4 * 20);
  // The layout is fixed: 'c', the binary data id, the chunk big-endian, the shard.
  std::string id = ShardId(a, 0x01020304, 5);
  VersionId::Binary bin = a.ToBinary();
  EXPECT_EQ(id.substr(1, 16), std::string(bin.begin(), bin.end()));
  EXPECT_EQ(id.substr(17), std::string("\x01\x02\x03\x04\x05", 5));
}

TEST(ObjectRecordTest, BucketRecordsRoundTrip) {
  BucketRecord rec{VersionId{5, 6, 7},
                   true,
                   {"name-ignored", "owner", 42, "eu-west-1", "{}", BucketVersioning::kSuspended}};
  ASSERT_OK_AND_ASSIGN(BucketRecord back, DecodeBucketRecord("bucket", EncodeBucketRecord(rec)));
  EXPECT_EQ(back.revision, rec.revision);
  EXPECT_TRUE(back.deleted);
  EXPECT_EQ(back.info,
            (BucketInfo{"bucket", "owner", 42, "eu-west-1", "{}", BucketVersioning::kSuspended}));
  // Format 1 (no versioning byte) is an unversioned bucket.
  std::string v1 = EncodeBucketRecord(rec);
  v1[0] = 1;
  v1.pop_back();
  ASSERT_OK_AND_ASSIGN(back, DecodeBucketRecord("bucket", v1));
  EXPECT_EQ(back.info.versioning, BucketVersioning::kUnversioned);
  std::string encoded = EncodeBucketRecord(rec);
  for (size_t n = 0; n < encoded.size(); ++n) {
    EXPECT_THAT(DecodeBucketRecord("b", encoded.substr(0, n)), StatusIs(StatusCode::kCorruption));
  }
}

}  // namespace
}  // namespace shale::gateway
