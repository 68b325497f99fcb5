// Segment files on real files: round trips through SegmentWriter, SegmentReader and
// SegmentScanner, then one corruption per test, each asserting the exact outcome and offset.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "storage/byte_codec.h"
#include "storage/crc32c.h"
#include "storage/segment_format.h"
#include "storage/segment_reader.h"
#include "storage/segment_writer.h"
#include "tests/storage/segment_test_util.h"

namespace shale::storage {
namespace {

using ::shale::testing::StatusIs;
using testing::FlipByte;
using ::testing::HasSubstr;
using testing::ReadBytes;
using testing::ScanAll;
using testing::ScanResult;
using testing::WriteBytes;

struct Item {
  RecordType type;
  std::string id;
  std::string payload;
};

std::string VersionIdBytes() {
  auto id = EncodeVersionRecordId({"bucket", "some/key", std::string(kVersionIdSize, '\x07')});
  EXPECT_OK(id);
  return id.ok() ? *id : std::string();
}

std::vector<Item> EveryType() {
  auto tomb = EncodeTombstoneId({RecordType::kShard, "shard-0"});
  EXPECT_OK(tomb);
  return {
      {RecordType::kShard, "shard-0", std::string(3000, 's')},
      {RecordType::kShard, std::string(255, '\xee'), ""},  // Longest shard id, empty payload.
      {RecordType::kVersion, VersionIdBytes(), "{\"size\":3000}"},
      {RecordType::kBucket, "bucket", ""},
      {RecordType::kTombstone, tomb.ok() ? *tomb : "", ""},
  };
}

class SegmentTest : public ::testing::Test {
 protected:
  // Writes `items` (sequence numbers 1, 2, ...) to a new segment and syncs it.
  std::vector<RecordExtent> Write(const std::vector<Item>& items) {
    auto writer = SegmentWriter::Create(fs_, path_, testing::TestHeaderInfo());
    EXPECT_OK(writer);
    std::vector<RecordExtent> locs;
    if (!writer.ok()) return locs;
    for (size_t i = 0; i < items.size(); ++i) {
      auto loc = (*writer)->Append({items[i].type, items[i].id, i + 1, items[i].payload});
      EXPECT_OK(loc);
      if (loc.ok()) locs.push_back(*loc);
    }
    EXPECT_OK((*writer)->Sync());
    EXPECT_OK((*writer)->Close());
    return locs;
  }

  std::vector<RecordExtent> WriteShards(int n, size_t payload_size = 100) {
    std::vector<Item> items;
    for (int i = 0; i < n; ++i) {
      items.push_back({RecordType::kShard, "shard-" + std::to_string(i),
                       std::string(payload_size, static_cast<char>('a' + i))});
    }
    return Write(items);
  }

  std::unique_ptr<SegmentReader> OpenReader() {
    auto file = fs_.NewRandomAccessFile(path_);
    EXPECT_OK(file);
    auto reader = SegmentReader::Open(std::move(file).value());
    EXPECT_OK(reader);
    return reader.ok() ? std::move(reader).value() : nullptr;
  }

  ScanResult Scan(ScanOptions options = {}) { return ScanAll(*OpenReader(), options); }

  // Overwrites the header field at `field_offset` of the record at `loc` with `value`, then
  // rewrites the header CRC, so that the test's one defect is the only one.
  void RewriteHeaderField(const RecordExtent& loc, size_t field_offset, std::string_view value) {
    std::string bytes = ReadBytes(path_);
    value.copy(bytes.data() + loc.offset + field_offset, value.size());
    const uint64_t header_end = loc.payload_offset - kRecordCrcSize;
    char salt[8];
    EncodeFixedAt<uint64_t>(salt, OpenReader()->header().salt);
    uint32_t crc =
        Crc32cExtend(Crc32c(std::string_view(salt, 8)),
                     std::string_view(bytes).substr(loc.offset, header_end - loc.offset));
    EncodeFixedAt<uint32_t>(bytes.data() + header_end, crc);
    WriteBytes(path_, bytes);
  }

  static std::string Fixed32(uint32_t v) {
    std::string out(4, '\0');
    EncodeFixedAt<uint32_t>(out.data(), v);
    return out;
  }

  // Asserts "corruption at `bad`, next record at `next`" with `reason` in the message.
  void ExpectCorruption(const ScanResult& r, const RecordExtent& bad, const RecordExtent& next,
                        size_t records_before, const char* reason) {
    ExpectStop(r, ScanStopReason::kCorruption, bad.offset, records_before);
    EXPECT_EQ(r.stop.resume_offset, next.offset);
    EXPECT_THAT(r.stop.status.message(), HasSubstr(reason));
  }

  void ExpectStop(const ScanResult& r, ScanStopReason reason, uint64_t offset, size_t records) {
    EXPECT_EQ(r.stop.reason, reason)
        << ScanStopReasonName(r.stop.reason) << " " << r.stop.status.ToString();
    EXPECT_EQ(r.stop.offset, offset);
    EXPECT_EQ(r.records.size(), records);
  }

  shale::testing::TempDir dir_;
  fs::PosixFileSystem fs_;
  std::string path_ = dir_.Sub("00000001.seg");
};

TEST_F(SegmentTest, EveryTypeRoundTripsThroughScanAndRandomReads) {
  const std::vector<Item> items = EveryType();
  std::vector<RecordExtent> locs = Write(items);
  ASSERT_EQ(locs.size(), items.size());
  EXPECT_EQ(locs[0].offset, kSegmentHeaderSize);
  for (size_t i = 1; i < locs.size(); ++i) {
    EXPECT_EQ(locs[i].offset, locs[i - 1].offset + locs[i - 1].length);  // Packed.
  }

  auto reader = OpenReader();
  EXPECT_EQ(reader->header().node_id, "node-a");
  ScanResult r = ScanAll(*reader);
  ExpectStop(r, ScanStopReason::kEnd, locs.back().offset + locs.back().length, items.size());
  EXPECT_EQ(r.stop.offset, ReadBytes(path_).size());
  for (size_t i = 0; i < r.records.size(); ++i) {
    const ScannedRecord& rec = r.records[i];
    EXPECT_EQ(rec.header.type, items[i].type);
    EXPECT_EQ(rec.header.id, items[i].id);
    EXPECT_EQ(rec.header.sequence, i + 1);
    EXPECT_TRUE(rec.payload_loaded);
    EXPECT_EQ(rec.payload, items[i].payload);
    EXPECT_EQ(rec.location, locs[i]);

    ASSERT_OK_AND_ASSIGN(Record read, reader->ReadRecord(locs[i].offset));
    EXPECT_EQ(read.header.id, items[i].id);
    EXPECT_EQ(read.payload, items[i].payload);
    EXPECT_EQ(read.location, locs[i]);
  }
  ASSERT_OK_AND_ASSIGN(std::string range, reader->ReadPayloadRange(locs[0], 1000, 5));
  EXPECT_EQ(range, "sssss");
  ASSERT_OK_AND_ASSIGN(std::string empty, reader->ReadPayloadRange(locs[1], 0, 0));
  EXPECT_EQ(empty, "");
  EXPECT_THAT(reader->ReadPayloadRange(locs[0], 2999, 2), StatusIs(StatusCode::kOutOfRange));
}

TEST_F(SegmentTest, ScanResumesFromARecordBoundary) {
  auto locs = WriteShards(3);
  ScanOptions options;
  options.start_offset = locs[1].offset;
  ScanResult r = Scan(options);
  ExpectStop(r, ScanStopReason::kEnd, locs[2].offset + locs[2].length, 2);
  EXPECT_EQ(r.records[0].header.id, "shard-1");
  EXPECT_EQ(r.records[1].header.id, "shard-2");
}

TEST_F(SegmentTest, ScanStopsAtTheGivenEndOffset) {
  auto locs = WriteShards(3);
  ScanOptions options;
  options.end_offset = locs[2].offset;
  ExpectStop(Scan(options), ScanStopReason::kEnd, locs[2].offset, 2);
}

TEST_F(SegmentTest, ScanRejectsAStartInsideTheSegmentHeader) {
  WriteShards(1);
  auto reader = OpenReader();
  ScanOptions options;
  options.start_offset = 10;
  EXPECT_THAT(SegmentScanner::Create(*reader, options), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(SegmentTest, EmptySegmentEndsCleanly) {
  Write({});
  ExpectStop(Scan(), ScanStopReason::kEnd, kSegmentHeaderSize, 0);
}

TEST_F(SegmentTest, LargePayloadIsVerifiedInPiecesNotLoaded) {
  std::string big(300 * 1000, 'x');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>(i);
  auto locs = Write({{RecordType::kShard, "big", big}, {RecordType::kShard, "small", "s"}});
  ScanOptions options;
  options.buffer_size = 8192;
  options.max_loaded_payload = 1000;
  ScanResult r = Scan(options);
  ExpectStop(r, ScanStopReason::kEnd, locs[1].offset + locs[1].length, 2);
  EXPECT_FALSE(r.records[0].payload_loaded);
  EXPECT_TRUE(r.records[0].payload.empty());
  EXPECT_EQ(r.records[0].location.payload_crc, Crc32c(big));
  EXPECT_TRUE(r.records[1].payload_loaded);
  ASSERT_OK_AND_ASSIGN(std::string range, OpenReader()->ReadPayloadRange(locs[0], 100, 250000));
  EXPECT_EQ(range, big.substr(100, 250000));
}

// ---- One corruption per test ----

TEST_F(SegmentTest, TornHeaderIsATornTail) {
  auto locs = WriteShards(2);
  std::filesystem::resize_file(path_, locs[1].offset + 10);
  ScanResult r = Scan();
  ExpectStop(r, ScanStopReason::kTornTail, locs[1].offset, 1);
  EXPECT_TRUE(IsIncomplete(r.stop.status)) << r.stop.status.ToString();
}

TEST_F(SegmentTest, TornPayloadIsATornTail) {
  auto locs = WriteShards(2);
  std::filesystem::resize_file(path_, locs[1].payload_offset + 50);
  ScanResult r = Scan();
  ExpectStop(r, ScanStopReason::kTornTail, locs[1].offset, 1);
  EXPECT_THAT(OpenReader()->ReadRecord(locs[1].offset), StatusIs(StatusCode::kCorruption));
}

TEST_F(SegmentTest, MissingPayloadCrcIsATornTail) {
  auto locs = WriteShards(2);
  std::filesystem::resize_file(path_, locs[1].offset + locs[1].length - 1);
  ExpectStop(Scan(), ScanStopReason::kTornTail, locs[1].offset, 1);
}

TEST_F(SegmentTest, BadHeaderCrcFollowedByARecordIsCorruption) {
  auto locs = WriteShards(3);
  FlipByte(path_, locs[1].offset + kRecordFixedHeaderSize);  // First id byte.
  ScanResult r = Scan();
  ExpectCorruption(r, locs[1], locs[2], 1, "header CRC mismatch");
  EXPECT_THAT(OpenReader()->ReadRecord(locs[1].offset), StatusIs(StatusCode::kCorruption));

  ScanOptions resume;  // Recovery skips the bad record and carries on.
  resume.start_offset = r.stop.resume_offset;
  ExpectStop(Scan(resume), ScanStopReason::kEnd, locs[2].offset + locs[2].length, 1);
}

TEST_F(SegmentTest, BadHeaderCrcInTheLastRecordIsATornTail) {
  auto locs = WriteShards(2);
  FlipByte(path_, locs[1].offset + kRecSequenceOffset);
  ScanResult r = Scan();
  ExpectStop(r, ScanStopReason::kTornTail, locs[1].offset, 1);
  EXPECT_THAT(r.stop.status.message(), HasSubstr("header CRC mismatch"));
}

TEST_F(SegmentTest, BadPayloadCrcFollowedByARecordIsCorruption) {
  auto locs = WriteShards(3);
  FlipByte(path_, locs[1].payload_offset + 7);
  ExpectCorruption(Scan(), locs[1], locs[2], 1, "payload CRC mismatch");
  auto reader = OpenReader();
  EXPECT_THAT(reader->ReadRecord(locs[1].offset), StatusIs(StatusCode::kCorruption));
  // A range away from the flipped byte still fails: the whole payload is verified.
  EXPECT_THAT(reader->ReadPayloadRange(locs[1], 50, 10), StatusIs(StatusCode::kCorruption));
}

TEST_F(SegmentTest, BadPayloadCrcInTheLastRecordIsATornTail) {
  auto locs = WriteShards(2);
  FlipByte(path_, locs[1].offset + locs[1].length - 1);  // The stored payload CRC.
  ExpectStop(Scan(), ScanStopReason::kTornTail, locs[1].offset, 1);
}

TEST_F(SegmentTest, PayloadLengthPastTheEndOfFileIsATornTail) {
  // A well-checksummed header that declares more payload than the file holds: the header was
  // written, the payload was not.
  auto locs = WriteShards(2);
  RewriteHeaderField(locs[1], kRecPayloadLenOffset, Fixed32(1 << 20));
  ScanResult r = Scan();
  ExpectStop(r, ScanStopReason::kTornTail, locs[1].offset, 1);
  EXPECT_THAT(r.stop.status.message(), HasSubstr("passes the end"));
}

TEST_F(SegmentTest, PayloadLengthOverTheMaximumIsCorruption) {
  auto locs = WriteShards(3);
  RewriteHeaderField(locs[1], kRecPayloadLenOffset, Fixed32(kMaxPayloadLength + 1));
  ExpectCorruption(Scan(), locs[1], locs[2], 1, "impossible payload length");
}

TEST_F(SegmentTest, UnknownTypeIsCorruption) {
  auto locs = WriteShards(3);
  RewriteHeaderField(locs[1], kRecTypeOffset, "\x09");
  ExpectCorruption(Scan(), locs[1], locs[2], 1, "unknown record type 9");
}

TEST_F(SegmentTest, ZeroFilledTailIsATornTail) {
  auto locs = WriteShards(2);
  const uint64_t end = locs[1].offset + locs[1].length;
  std::filesystem::resize_file(path_, end + 8192);  // Zeros, as after a crash mid-extend.
  ScanResult r = Scan();
  ExpectStop(r, ScanStopReason::kTornTail, end, 2);
  EXPECT_THAT(r.stop.status.message(), HasSubstr("bad record magic"));
}

TEST_F(SegmentTest, GarbageTailIsATornTail) {
  auto locs = WriteShards(2);
  const uint64_t end = locs[1].offset + locs[1].length;
  std::string bytes = ReadBytes(path_);
  for (int i = 0; i < 5000; ++i) bytes.push_back(static_cast<char>(i * 131 + 7));
  bytes += "SHRC";  // Even a stray magic without a valid header is not a record.
  WriteBytes(path_, bytes);
  ExpectStop(Scan(), ScanStopReason::kTornTail, end, 2);
}

TEST_F(SegmentTest, RecordCopiedFromAnotherSegmentIsNotARecord) {
  // Each segment salts its header CRCs: another segment's bytes (e.g. inside an object a
  // user uploaded) never pass as records here, so resync cannot find them.
  auto locs = WriteShards(2);
  std::string foreign = ReadBytes(path_).substr(locs[0].offset, locs[0].length);
  std::string other = dir_.Sub("00000002.seg");
  {
    auto writer = SegmentWriter::Create(fs_, other, testing::TestHeaderInfo(2));
    ASSERT_OK(writer);
    ASSERT_OK((*writer)->Sync());
  }
  WriteBytes(other, ReadBytes(other) + foreign);
  auto file = fs_.NewRandomAccessFile(other);
  ASSERT_OK(file);
  auto reader = SegmentReader::Open(std::move(file).value());
  ASSERT_OK(reader);
  ScanResult r = ScanAll(**reader);
  ExpectStop(r, ScanStopReason::kTornTail, kSegmentHeaderSize, 0);
  EXPECT_THAT(r.stop.status.message(), HasSubstr("header CRC mismatch"));
}

TEST_F(SegmentTest, ResyncThroughAPayloadFullOfMagicsReadsEachByteAboutOnce) {
  std::string magics;
  while (magics.size() < 400 * 1024) magics += "SHRC";
  auto locs = Write({{RecordType::kShard, "a", "x"},
                     {RecordType::kShard, "magics", magics},
                     {RecordType::kShard, "c", "y"}});
  FlipByte(path_, locs[1].offset + kRecSequenceOffset);
  auto file = fs_.NewRandomAccessFile(path_);
  ASSERT_OK(file);
  auto counting = std::make_unique<testing::FailingReadFile>(std::move(file).value(), UINT64_MAX);
  const testing::FailingReadFile* reads = counting.get();
  auto reader = SegmentReader::Open(std::move(counting));
  ASSERT_OK(reader);
  ScanOptions options;
  options.buffer_size = 64 * 1024;
  ExpectCorruption(ScanAll(**reader, options), locs[1], locs[2], 1, "header CRC mismatch");
  // 400 KiB through a 64 KiB buffer: a handful of reads, not one per candidate magic.
  EXPECT_LT(reads->reads(), 20u);
}

TEST_F(SegmentTest, ReadErrorInAHeaderStopsWithIOErrorAtThatRecord) {
  auto locs = WriteShards(3, 10000);
  auto file = fs_.NewRandomAccessFile(path_);
  ASSERT_OK(file);
  auto reader = SegmentReader::Open(
      std::make_unique<testing::FailingReadFile>(std::move(file).value(), locs[1].offset));
  ASSERT_OK(reader);
  ScanOptions options;
  options.buffer_size = 4096;  // Smaller than a record: every record needs its own reads.
  ScanResult r = ScanAll(**reader, options);
  ExpectStop(r, ScanStopReason::kIOError, locs[1].offset, 1);
  EXPECT_THAT(r.stop.status, StatusIs(StatusCode::kIOError));
  EXPECT_THAT((*reader)->ReadRecord(locs[1].offset), StatusIs(StatusCode::kIOError));
  EXPECT_THAT((*reader)->ReadPayloadRange(locs[1], 0, 10), StatusIs(StatusCode::kIOError));
}

TEST_F(SegmentTest, ReadErrorInAPayloadStopsWithIOErrorAtThatRecord) {
  auto locs = WriteShards(3, 10000);
  auto file = fs_.NewRandomAccessFile(path_);
  ASSERT_OK(file);
  auto reader = SegmentReader::Open(std::make_unique<testing::FailingReadFile>(
      std::move(file).value(), locs[1].payload_offset + 5000));
  ASSERT_OK(reader);
  ScanOptions options;
  options.buffer_size = 4096;
  ScanResult r = ScanAll(**reader, options);
  ExpectStop(r, ScanStopReason::kIOError, locs[1].offset, 1);
  EXPECT_THAT(r.stop.status, StatusIs(StatusCode::kIOError));
}

TEST_F(SegmentTest, SegmentHeaderCorruptionIsReportedOnOpen) {
  WriteShards(1);
  FlipByte(path_, kSegHdrSegmentIdOffset);
  auto file = fs_.NewRandomAccessFile(path_);
  ASSERT_OK(file);
  auto reader = SegmentReader::Open(std::move(file).value());
  EXPECT_THAT(reader, StatusIs(StatusCode::kCorruption));
  EXPECT_THAT(reader.status().message(), HasSubstr("segment header CRC mismatch"));
  EXPECT_THAT(SegmentWriter::OpenForAppend(fs_, path_, kSegmentHeaderSize),
              StatusIs(StatusCode::kCorruption));
}

TEST_F(SegmentTest, TornSegmentHeaderIsReportedOnOpen) {
  WriteShards(0);
  std::filesystem::resize_file(path_, 100);
  auto file = fs_.NewRandomAccessFile(path_);
  ASSERT_OK(file);
  auto reader = SegmentReader::Open(std::move(file).value());
  EXPECT_THAT(reader, StatusIs(StatusCode::kCorruption));
  EXPECT_THAT(reader.status().message(), HasSubstr("segment header incomplete: 100 of 256"));
}

}  // namespace
}  // namespace shale::storage
