// SegmentWriter on real files: append + sync + reopen + scan, streaming appends, and the
// poison rule (a failed sync or append drops the unsynced tail and refuses further writes).
#include "storage/segment_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "storage/crc32c.h"
#include "storage/segment_format.h"
#include "storage/segment_reader.h"
#include "tests/storage/segment_test_util.h"
#include "tests/support/fault_injection_fs.h"

namespace shale::storage {
namespace {

using ::shale::testing::StatusIs;
using testing::ReadBytes;
using testing::ScanAll;
using testing::ScanResult;
using testing::WriteBytes;

RecordSpec Shard(const std::string& id, uint64_t seq, std::string_view payload) {
  return {RecordType::kShard, id, seq, payload};
}

class SegmentWriterTest : public ::testing::Test {
 protected:
  std::unique_ptr<SegmentWriter> Create(fs::FileSystem& fs) {
    auto writer = SegmentWriter::Create(fs, path_, testing::TestHeaderInfo());
    EXPECT_OK(writer);
    return writer.ok() ? std::move(writer).value() : nullptr;
  }

  ScanResult Scan() {
    auto file = fs_.NewRandomAccessFile(path_);
    EXPECT_OK(file);
    auto reader = SegmentReader::Open(std::move(file).value());
    EXPECT_OK(reader);
    return ScanAll(**reader);
  }

  // A writer on `fs` holding one synced record; `durable_end` receives that record's end.
  std::unique_ptr<SegmentWriter> CreateWithSyncedRecord(fs::FileSystem& fs, uint64_t* durable_end) {
    auto writer = Create(fs);
    auto a = writer->Append(Shard("a", 1, "synced"));
    EXPECT_OK(a);
    EXPECT_OK(writer->Sync());
    *durable_end = a.ok() ? a->offset + a->length : 0;
    EXPECT_EQ(writer->durable_size(), *durable_end);
    return writer;
  }

  // Asserts that a scan ends cleanly after exactly the records with these ids.
  void ExpectCleanScan(const std::vector<std::string>& ids) {
    ScanResult r = Scan();
    EXPECT_EQ(r.stop.reason, ScanStopReason::kEnd) << r.stop.status.ToString();
    std::vector<std::string> got;
    for (const auto& record : r.records) got.push_back(record.header.id);
    EXPECT_EQ(got, ids);
  }

  uint64_t FileSize() { return std::filesystem::file_size(path_); }

  shale::testing::TempDir dir_;
  fs::PosixFileSystem fs_;
  std::string path_ = dir_.Sub("00000001.seg");
};

TEST_F(SegmentWriterTest, CreateMakesTheHeaderDurableAndRefusesAnExistingFile) {
  auto writer = Create(fs_);
  EXPECT_EQ(writer->size(), kSegmentHeaderSize);
  EXPECT_EQ(writer->durable_size(), kSegmentHeaderSize);
  EXPECT_EQ(FileSize(), kSegmentHeaderSize);
  EXPECT_THAT(SegmentWriter::Create(fs_, path_, testing::TestHeaderInfo()),
              StatusIs(StatusCode::kAlreadyExists));
}

TEST_F(SegmentWriterTest, AppendSyncReopenAppendScan) {
  auto writer = Create(fs_);
  ASSERT_OK(writer->Append(Shard("a", 1, "first")));
  ASSERT_OK_AND_ASSIGN(RecordExtent b, writer->Append(Shard("b", 2, "second")));
  EXPECT_EQ(writer->durable_size(), kSegmentHeaderSize);  // Appends do not sync.
  ASSERT_OK(writer->Sync());
  EXPECT_EQ(writer->durable_size(), b.offset + b.length);
  ASSERT_OK(writer->Close());
  writer.reset();

  ASSERT_OK_AND_ASSIGN(auto reopened,
                       SegmentWriter::OpenForAppend(fs_, path_, b.offset + b.length));
  EXPECT_EQ(reopened->header().node_id, "node-a");
  ASSERT_OK_AND_ASSIGN(RecordExtent c, reopened->Append(Shard("c", 3, "third")));
  EXPECT_EQ(c.offset, b.offset + b.length);
  ASSERT_OK(reopened->Sync());

  ScanResult r = Scan();
  EXPECT_EQ(r.stop.reason, ScanStopReason::kEnd);
  ASSERT_EQ(r.records.size(), 3u);
  EXPECT_EQ(r.records[2].payload, "third");
  EXPECT_EQ(r.records[2].location, c);
}

TEST_F(SegmentWriterTest, OpenForAppendTruncatesATornTail) {
  uint64_t end = 0;
  CreateWithSyncedRecord(fs_, &end).reset();
  WriteBytes(path_, ReadBytes(path_) + "SHRC torn");
  ScanResult torn = Scan();
  ASSERT_EQ(torn.stop.reason, ScanStopReason::kTornTail);
  ASSERT_EQ(torn.stop.offset, end);

  ASSERT_OK_AND_ASSIGN(auto reopened, SegmentWriter::OpenForAppend(fs_, path_, torn.stop.offset));
  EXPECT_EQ(FileSize(), end);
  EXPECT_EQ(reopened->durable_size(), end);
  ASSERT_OK(reopened->Append(Shard("b", 2, "second")));
  ASSERT_OK(reopened->Sync());
  ExpectCleanScan({"a", "b"});
}

TEST_F(SegmentWriterTest, OpenForAppendRejectsImpossibleDurableEnds) {
  Create(fs_);
  EXPECT_THAT(SegmentWriter::OpenForAppend(fs_, path_, 10), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(SegmentWriter::OpenForAppend(fs_, path_, kSegmentHeaderSize + 1),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(SegmentWriterTest, InvalidSpecIsRejectedWithoutPoisoning) {
  auto writer = Create(fs_);
  EXPECT_THAT(writer->Append(Shard("", 1, "x")), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(writer->Append({RecordType::kVersion, "not a version id", 1, ""}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_FALSE(writer->poisoned());
  EXPECT_EQ(FileSize(), kSegmentHeaderSize);
  EXPECT_OK(writer->Append(Shard("ok", 1, "x")));
}

TEST_F(SegmentWriterTest, StreamedRecordMatchesAWholeAppend) {
  auto writer = Create(fs_);
  std::string payload;
  for (int i = 0; i < 200000; ++i) payload.push_back(static_cast<char>(i % 251));
  ASSERT_OK(writer->BeginRecord(Shard("streamed", 1, ""), payload.size()));
  EXPECT_THAT(writer->Sync(), StatusIs(StatusCode::kFailedPrecondition));
  for (size_t at = 0; at < payload.size(); at += 65536) {
    ASSERT_OK(writer->AppendPayload(std::string_view(payload).substr(at, 65536)));
  }
  EXPECT_THAT(writer->AppendPayload("x"), StatusIs(StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(RecordExtent loc, writer->FinishRecord());
  EXPECT_EQ(loc.payload_crc, Crc32c(payload));
  ASSERT_OK(writer->Sync());

  ScanResult r = Scan();
  EXPECT_EQ(r.stop.reason, ScanStopReason::kEnd);
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].location, loc);
}

TEST_F(SegmentWriterTest, FinishBeforeTheDeclaredLengthFails) {
  auto writer = Create(fs_);
  ASSERT_OK(writer->BeginRecord(Shard("s", 1, ""), 10));
  ASSERT_OK(writer->AppendPayload("12345"));
  EXPECT_THAT(writer->FinishRecord(), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(writer->Append(Shard("t", 2, "")), StatusIs(StatusCode::kFailedPrecondition));
}

TEST_F(SegmentWriterTest, AbortRecordDropsItAndKeepsTheWriterUsable) {
  auto writer = Create(fs_);
  ASSERT_OK(writer->Append(Shard("a", 1, "kept, unsynced")));
  const uint64_t before = writer->size();
  ASSERT_OK(writer->BeginRecord(Shard("s", 2, ""), 1000));
  ASSERT_OK(writer->AppendPayload(std::string(500, 'p')));
  ASSERT_OK(writer->AbortRecord());
  EXPECT_EQ(writer->size(), before);
  EXPECT_EQ(FileSize(), before);
  ASSERT_OK(writer->Append(Shard("b", 3, "after")));
  ASSERT_OK(writer->Sync());
  ExpectCleanScan({"a", "b"});
}

// Regression shape of seaweedfs' volume_write_fsync_test: a failed fsync must not leave the
// unsynced append behind, and the writer must stop appending there.
TEST_F(SegmentWriterTest, FailedSyncPoisonsAndDropsTheUnsyncedTail) {
  shale::testing::FaultInjectionFileSystem faulty(&fs_);
  uint64_t durable_end = 0;
  auto writer = CreateWithSyncedRecord(faulty, &durable_end);
  ASSERT_OK(writer->Append(Shard("b", 2, "never synced")));
  faulty.AddFault(shale::testing::FailNth(shale::testing::FaultOp::kSync, 1));
  EXPECT_THAT(writer->Sync(), StatusIs(StatusCode::kIOError));
  EXPECT_TRUE(writer->poisoned());
  EXPECT_EQ(writer->durable_size(), durable_end);
  EXPECT_EQ(FileSize(), durable_end);
  EXPECT_THAT(writer->Append(Shard("c", 3, "refused")), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(writer->Sync(), StatusIs(StatusCode::kFailedPrecondition));
  ExpectCleanScan({"a"});
}

TEST_F(SegmentWriterTest, ShortAppendPoisonsAndDropsTheUnsyncedTail) {
  shale::testing::FaultInjectionFileSystem faulty(&fs_);
  uint64_t durable_end = 0;
  auto writer = CreateWithSyncedRecord(faulty, &durable_end);
  shale::testing::FaultRule short_write;
  short_write.op = shale::testing::FaultOp::kAppend;
  short_write.code = StatusCode::kNoSpace;
  short_write.short_write_bytes = 500;
  faulty.AddFault(short_write);
  // Small records are held back and written together when the batch syncs: the short write
  // surfaces there, and poisons the writer just the same.
  ASSERT_OK(writer->Append(Shard("b", 2, std::string(1000, 'b'))).status());
  EXPECT_THAT(writer->Sync(), StatusIs(StatusCode::kNoSpace));
  EXPECT_TRUE(writer->poisoned());
  EXPECT_EQ(FileSize(), durable_end);
  EXPECT_THAT(writer->BeginRecord(Shard("c", 3, ""), 1), StatusIs(StatusCode::kFailedPrecondition));
  ExpectCleanScan({"a"});
}

TEST_F(SegmentWriterTest, ShortAppendOfALargeRecordPoisonsAtOnce) {
  shale::testing::FaultInjectionFileSystem faulty(&fs_);
  uint64_t durable_end = 0;
  auto writer = CreateWithSyncedRecord(faulty, &durable_end);
  shale::testing::FaultRule short_write;
  short_write.op = shale::testing::FaultOp::kAppend;
  short_write.code = StatusCode::kNoSpace;
  short_write.short_write_bytes = 500;
  faulty.AddFault(short_write);
  // Over the coalescing limit: written at once, so the failure is the Append's.
  EXPECT_THAT(writer->Append(Shard("b", 2, std::string(200 * 1024, 'b'))),
              StatusIs(StatusCode::kNoSpace));
  EXPECT_TRUE(writer->poisoned());
  EXPECT_EQ(FileSize(), durable_end);
  ExpectCleanScan({"a"});
}

TEST_F(SegmentWriterTest, SmallRecordsOfABatchReachTheFileTogetherAtSync) {
  uint64_t durable_end = 0;
  auto writer = CreateWithSyncedRecord(fs_, &durable_end);
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK(
        writer->Append(Shard("s" + std::to_string(i), 10 + i, std::string(4096, 'x'))).status());
  }
  EXPECT_EQ(FileSize(), durable_end);  // Held back until the sync.
  ASSERT_OK(writer->Sync());
  EXPECT_EQ(FileSize(), writer->size());
  EXPECT_EQ(writer->durable_size(), writer->size());
}

TEST_F(SegmentWriterTest, FailedCreateLeavesNoFile) {
  shale::testing::FaultInjectionFileSystem faulty(&fs_);
  faulty.AddFault(shale::testing::FailNth(shale::testing::FaultOp::kSync, 1));
  EXPECT_THAT(SegmentWriter::Create(faulty, path_, testing::TestHeaderInfo()),
              StatusIs(StatusCode::kIOError));
  ASSERT_OK_AND_ASSIGN(bool exists, faulty.Exists(path_));
  EXPECT_FALSE(exists);
}

}  // namespace
}  // namespace shale::storage
