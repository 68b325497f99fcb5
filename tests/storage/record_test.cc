// Table tests of the pure record and segment-header codecs: one defect per case, each asserting
// the exact outcome.
#include "storage/record.h"

#include <gtest/gtest.h>

#include <string>

#include "storage/byte_codec.h"
#include "storage/crc32c.h"
#include "storage/segment_format.h"
#include "storage/segment_header.h"
#include "tests/support/status_matchers.h"

namespace shale::storage {
namespace {

using ::shale::testing::StatusIs;
using ::testing::HasSubstr;

constexpr uint64_t kSalt = 0x0123456789abcdefULL;

RecordHeader ShardHeader(std::string id, uint32_t payload_length, uint64_t seq = 7) {
  RecordHeader h;
  h.type = RecordType::kShard;
  h.id = std::move(id);
  h.payload_length = payload_length;
  h.sequence = seq;
  return h;
}

std::string Encoded(const RecordHeader& h) {
  std::string out;
  EXPECT_OK(EncodeRecordHeader(h, kSalt, &out));
  return out;
}

// Rewrites the header CRC after a test edited the header, so only the intended defect remains.
void FixHeaderCrc(std::string* bytes, size_t id_length) {
  const size_t crc_at = kRecordFixedHeaderSize + id_length;
  char salt[8];
  EncodeFixedAt<uint64_t>(salt, kSalt);
  uint32_t crc =
      Crc32cExtend(Crc32c(std::string_view(salt, 8)), std::string_view(*bytes).substr(0, crc_at));
  EncodeFixedAt<uint32_t>(bytes->data() + crc_at, crc);
}

std::string VersionIdBytes(size_t bucket_len = 6, size_t key_len = 9) {
  auto id = EncodeVersionRecordId({std::string(bucket_len, 'b'), std::string(key_len, 'k'),
                                   std::string(kVersionIdSize, '\x01')});
  EXPECT_OK(id);
  return id.ok() ? *id : std::string();
}

TEST(Crc32cTest, StandardCheckValue) { EXPECT_EQ(Crc32c("123456789"), 0xe3069283u); }

TEST(Crc32cTest, ExtendEqualsWhole) {
  EXPECT_EQ(Crc32cExtend(Crc32c("1234"), "56789"), Crc32c("123456789"));
}

TEST(RecordTest, HeaderLayoutIsDocumented) {
  // The bytes FORMAT.md promises, for a shard record with id "ab" and a 5-byte payload.
  std::string bytes = Encoded(ShardHeader("ab", 5, 0x1122334455667788ULL));
  ASSERT_EQ(bytes.size(), 24u + 2 + 4);
  EXPECT_EQ(bytes.substr(0, 4), "SHRC");
  EXPECT_EQ(bytes[4], 1);  // Version.
  EXPECT_EQ(bytes[5], 1);  // Type kShard.
  EXPECT_EQ(DecodeFixed<uint16_t>(bytes.data() + 6), 0);
  EXPECT_EQ(DecodeFixed<uint16_t>(bytes.data() + 8), 2);
  EXPECT_EQ(DecodeFixed<uint16_t>(bytes.data() + 10), 0);
  EXPECT_EQ(DecodeFixed<uint32_t>(bytes.data() + 12), 5u);
  EXPECT_EQ(DecodeFixed<uint64_t>(bytes.data() + 16), 0x1122334455667788ULL);
  EXPECT_EQ(bytes.substr(24, 2), "ab");
}

TEST(RecordTest, RoundTripEveryType) {
  auto tomb = EncodeTombstoneId({RecordType::kVersion, VersionIdBytes()});
  ASSERT_OK(tomb);
  struct Case {
    RecordType type;
    std::string id;
  } cases[] = {
      {RecordType::kShard, std::string(255, '\xff')},
      {RecordType::kShard, "s"},
      {RecordType::kVersion, VersionIdBytes(255, kMaxObjectKeyLength)},
      {RecordType::kTombstone, *tomb},
      {RecordType::kBucket, "photos"},
  };
  for (const auto& c : cases) {
    for (uint32_t payload_length : {0u, 1u, 1000u}) {
      RecordHeader h = ShardHeader(c.id, payload_length, 42);
      h.type = c.type;
      std::string bytes = Encoded(h);
      EXPECT_EQ(bytes.size(), h.encoded_size());
      bytes += "trailing bytes are not the header's business";
      ASSERT_OK_AND_ASSIGN(RecordHeader back, DecodeRecordHeader(bytes, kSalt));
      EXPECT_EQ(back.type, c.type);
      EXPECT_EQ(back.id, c.id);
      EXPECT_EQ(back.payload_length, payload_length);
      EXPECT_EQ(back.sequence, 42u);
      EXPECT_EQ(back.flags, 0);
    }
  }
}

TEST(RecordTest, EveryShortPrefixIsIncomplete) {
  std::string bytes = Encoded(ShardHeader("shard-1", 3));
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = DecodeRecordHeader(std::span<const char>(bytes.data(), n), kSalt);
    EXPECT_TRUE(IsIncomplete(r.status())) << n << ": " << r.status().ToString();
  }
}

struct CorruptCase {
  const char* name;
  void (*edit)(std::string*);  // Applied to the encoded header of ShardHeader("abc", 10).
  const char* reason;
};

const CorruptCase kCorruptCases[] = {
    {"bad magic", [](std::string* b) { (*b)[0] ^= 1; }, "bad record magic"},
    {"unknown version", [](std::string* b) { (*b)[4] = 2; }, "unsupported record format version"},
    {"type zero", [](std::string* b) { (*b)[5] = 0; }, "unknown record type 0"},
    {"type five", [](std::string* b) { (*b)[5] = 5; }, "unknown record type 5"},
    {"unknown flags", [](std::string* b) { (*b)[6] = 1; }, "unknown record flags"},
    {"zero id length", [](std::string* b) { (*b)[8] = 0; }, "impossible id length 0"},
    {"id length over max",
     [](std::string* b) { EncodeFixedAt<uint16_t>(b->data() + 8, kMaxIdLength + 1); },
     "impossible id length 2049"},
    {"reserved bytes", [](std::string* b) { (*b)[11] = 1; }, "nonzero reserved"},
    {"payload over max",
     [](std::string* b) { EncodeFixedAt<uint32_t>(b->data() + 12, kMaxPayloadLength + 1); },
     "impossible payload length"},
    {"flipped sequence bit", [](std::string* b) { (*b)[16] ^= 0x10; }, "header CRC mismatch"},
    {"flipped id bit", [](std::string* b) { (*b)[25] ^= 0x10; }, "header CRC mismatch"},
    {"flipped CRC bit", [](std::string* b) { (*b)[27] ^= 0x01; }, "header CRC mismatch"},
    {"payload length changed", [](std::string* b) { (*b)[12] = 11; }, "header CRC mismatch"},
};

TEST(RecordTest, EachCorruptionHasItsReason) {
  for (const auto& c : kCorruptCases) {
    std::string bytes = Encoded(ShardHeader("abc", 10));
    c.edit(&bytes);
    bytes.resize(bytes.size() + 4096, '\0');  // Enough bytes: never "incomplete".
    auto r = DecodeRecordHeader(bytes, kSalt);
    EXPECT_THAT(r, StatusIs(StatusCode::kCorruption)) << c.name;
    EXPECT_THAT(r.status().message(), HasSubstr(c.reason)) << c.name;
  }
}

TEST(RecordTest, WrongSaltFailsHeaderCrc) {
  std::string bytes = Encoded(ShardHeader("abc", 10));
  auto r = DecodeRecordHeader(bytes, kSalt + 1);
  EXPECT_THAT(r, StatusIs(StatusCode::kCorruption));
  EXPECT_THAT(r.status().message(), HasSubstr("header CRC mismatch"));
}

TEST(RecordTest, IdThatDoesNotParseForItsTypeIsCorruption) {
  // A well-checksummed kVersion header whose id is too short for a version id.
  std::string bytes = Encoded(ShardHeader("abc", 0));
  bytes[5] = static_cast<char>(RecordType::kVersion);
  FixHeaderCrc(&bytes, 3);
  auto r = DecodeRecordHeader(bytes, kSalt);
  EXPECT_THAT(r, StatusIs(StatusCode::kCorruption));
  EXPECT_THAT(r.status().message(), HasSubstr("bad record id"));
}

TEST(RecordTest, EncodeRejectsBrokenLimits) {
  std::string out;
  EXPECT_THAT(EncodeRecordHeader(ShardHeader("", 0), kSalt, &out),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(EncodeRecordHeader(ShardHeader(std::string(256, 'x'), 0), kSalt, &out),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(EncodeRecordHeader(ShardHeader("x", kMaxPayloadLength + 1), kSalt, &out),
              StatusIs(StatusCode::kInvalidArgument));
  RecordHeader bad_type = ShardHeader("x", 0);
  bad_type.type = static_cast<RecordType>(9);
  EXPECT_THAT(EncodeRecordHeader(bad_type, kSalt, &out), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_TRUE(out.empty());
  EXPECT_THAT(EncodeRecord(ShardHeader("x", 3), "ab", kSalt, &out),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(RecordIdTest, VersionIdRoundTripAndLimits) {
  VersionRecordId id{"bucket", std::string(kMaxObjectKeyLength, 'k'), std::string(16, '\0')};
  ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeVersionRecordId(id));
  EXPECT_EQ(bytes.size(), 1 + 6 + 2 + kMaxObjectKeyLength + 16);
  ASSERT_OK_AND_ASSIGN(VersionRecordId back, DecodeVersionRecordId(bytes));
  EXPECT_EQ(back.bucket, id.bucket);
  EXPECT_EQ(back.key, id.key);
  EXPECT_EQ(back.version_id, id.version_id);

  EXPECT_THAT(EncodeVersionRecordId({"", "k", std::string(16, 'v')}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(
      EncodeVersionRecordId({"b", std::string(kMaxObjectKeyLength + 1, 'k'), std::string(16, 'v')}),
      StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(EncodeVersionRecordId({"b", "k", std::string(15, 'v')}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(DecodeVersionRecordId(bytes.substr(0, bytes.size() - 1)),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(DecodeVersionRecordId(bytes + "x"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(DecodeVersionRecordId(std::string("\x05"
                                                "ab",
                                                3)),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(RecordIdTest, TombstoneIdRoundTripAndLimits) {
  for (auto [type, target] : {std::pair{RecordType::kShard, std::string(255, 's')},
                              std::pair{RecordType::kBucket, std::string("b")},
                              std::pair{RecordType::kVersion, VersionIdBytes()}}) {
    ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeTombstoneId({type, target}));
    EXPECT_EQ(bytes[0], static_cast<char>(type));
    ASSERT_OK_AND_ASSIGN(TombstoneId back, DecodeTombstoneId(bytes));
    EXPECT_EQ(back.target_type, type);
    EXPECT_EQ(back.target_id, target);
  }
  EXPECT_THAT(EncodeTombstoneId({RecordType::kTombstone, "\x01x"}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(EncodeTombstoneId({RecordType::kShard, ""}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(DecodeTombstoneId(""), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(DecodeTombstoneId("\x03\x01x"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(DecodeTombstoneId("\x01"), StatusIs(StatusCode::kInvalidArgument));
}

SegmentHeaderInfo SampleSegmentHeader() {
  return {42, "node-1", "cluster-a", 1700000000000000ULL, kSalt};
}

TEST(SegmentHeaderTest, RoundTripAndLayout) {
  ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeSegmentHeader(SampleSegmentHeader()));
  ASSERT_EQ(bytes.size(), kSegmentHeaderSize);
  EXPECT_EQ(bytes.substr(0, 4), "SHSG");
  EXPECT_EQ(DecodeFixed<uint64_t>(bytes.data() + 8), 42u);
  EXPECT_EQ(bytes.substr(40, 6), "node-1");
  EXPECT_EQ(bytes.substr(104, 9), "cluster-a");
  EXPECT_EQ(DecodeFixed<uint32_t>(bytes.data() + 252), Crc32c(bytes.substr(0, 252)));
  ASSERT_OK_AND_ASSIGN(SegmentHeaderInfo back, DecodeSegmentHeader(bytes));
  EXPECT_EQ(back, SampleSegmentHeader());

  SegmentHeaderInfo max_ids = SampleSegmentHeader();
  max_ids.node_id = std::string(kMaxNodeIdLength, 'n');
  max_ids.cluster_id = std::string(kMaxClusterIdLength, 'c');
  ASSERT_OK_AND_ASSIGN(bytes, EncodeSegmentHeader(max_ids));
  ASSERT_OK_AND_ASSIGN(back, DecodeSegmentHeader(bytes));
  EXPECT_EQ(back, max_ids);
}

TEST(SegmentHeaderTest, EncodeRejectsBadIds) {
  SegmentHeaderInfo info = SampleSegmentHeader();
  info.node_id = std::string(kMaxNodeIdLength + 1, 'n');
  EXPECT_THAT(EncodeSegmentHeader(info), StatusIs(StatusCode::kInvalidArgument));
  info = SampleSegmentHeader();
  info.cluster_id.clear();
  EXPECT_THAT(EncodeSegmentHeader(info), StatusIs(StatusCode::kInvalidArgument));
}

TEST(SegmentHeaderTest, EachCorruptionHasItsReason) {
  struct Case {
    size_t offset;
    const char* reason;
  } cases[] = {
      {0, "bad segment magic"},
      {4, "unsupported segment format version"},
      {8, "segment header CRC mismatch"},    // Segment id.
      {24, "segment header CRC mismatch"},   // Salt.
      {41, "segment header CRC mismatch"},   // Node id.
      {200, "segment header CRC mismatch"},  // Reserved.
      {253, "segment header CRC mismatch"},  // The CRC itself.
  };
  for (const auto& c : cases) {
    ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeSegmentHeader(SampleSegmentHeader()));
    bytes[c.offset] ^= 0x04;
    auto r = DecodeSegmentHeader(bytes);
    EXPECT_THAT(r, StatusIs(StatusCode::kCorruption)) << c.offset;
    EXPECT_THAT(r.status().message(), HasSubstr(c.reason)) << c.offset;
  }
  ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeSegmentHeader(SampleSegmentHeader()));
  auto r = DecodeSegmentHeader(std::span<const char>(bytes.data(), kSegmentHeaderSize - 1));
  EXPECT_THAT(r.status().message(), HasSubstr("segment header incomplete: 255 of 256"));
}

TEST(SegmentHeaderTest, FileNames) {
  EXPECT_EQ(SegmentFileName(1), "00000001.seg");
  EXPECT_EQ(SegmentFileName(123456789), "123456789.seg");
  EXPECT_EQ(ParseSegmentFileName("00000042.seg"), 42u);
  EXPECT_EQ(ParseSegmentFileName("123456789.seg"), 123456789u);
  EXPECT_EQ(ParseSegmentFileName("0000042.seg"), std::nullopt);
  EXPECT_EQ(ParseSegmentFileName("000000042.seg"), std::nullopt);
  EXPECT_EQ(ParseSegmentFileName("0000004x.seg"), std::nullopt);
  EXPECT_EQ(ParseSegmentFileName("00000042.seg.tmp"), std::nullopt);
  EXPECT_EQ(ParseSegmentFileName("99999999999999999999999.seg"), std::nullopt);
}

}  // namespace
}  // namespace shale::storage
