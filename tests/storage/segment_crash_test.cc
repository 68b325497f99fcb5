// Crash simulation over real files (FaultInjectionFileSystem): whatever a crash does to the
// unsynced tail (dropped, torn, garbled), a recovery scan finds every synced record intact and
// in order, never reports damage below the durable size, and the segment can be reopened for
// append where the scan stopped. Randomized: prints its seed; SHALE_TEST_SEED replays one.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "common/fs/posix_file_system.h"
#include "storage/segment_reader.h"
#include "storage/segment_writer.h"
#include "tests/storage/segment_test_util.h"
#include "tests/support/fault_injection_fs.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale::storage {
namespace {

using shale::testing::CrashMode;
using shale::testing::FaultInjectionFileSystem;

uint64_t TestSeed() {
  const char* env = std::getenv("SHALE_TEST_SEED");
  uint64_t seed = env != nullptr ? std::strtoull(env, nullptr, 10) : std::random_device()();
  std::printf("SHALE_TEST_SEED=%llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

struct Written {
  std::string id;
  std::string payload;
};

// Scans like recovery does: past a corruption it resumes at the next valid record. Returns the
// records and sets `*end` to where appending may continue.
std::vector<ScannedRecord> RecoverScan(const SegmentReader& reader, uint64_t durable,
                                       uint64_t* end) {
  std::vector<ScannedRecord> records;
  ScanOptions options;
  options.max_loaded_payload = UINT32_MAX;
  for (;;) {
    testing::ScanResult r = testing::ScanAll(reader, options);
    records.insert(records.end(), r.records.begin(), r.records.end());
    EXPECT_NE(r.stop.reason, ScanStopReason::kIOError) << r.stop.status.ToString();
    EXPECT_GE(r.stop.offset, durable) << ScanStopReasonName(r.stop.reason) << " below the "
                                      << "durable size: " << r.stop.status.ToString();
    if (r.stop.reason != ScanStopReason::kCorruption) {
      *end = r.stop.offset;
      return records;
    }
    options.start_offset = r.stop.resume_offset;
  }
}

TEST(SegmentCrashTest, SyncedRecordsSurviveEveryCrashMode) {
  const uint64_t seed = TestSeed();
  std::mt19937_64 rng(seed);
  const CrashMode modes[] = {CrashMode::kDropUnsynced, CrashMode::kTornTail,
                             CrashMode::kGarbageTail};
  for (int round = 0; round < 60; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    shale::testing::TempDir dir;
    fs::PosixFileSystem posix;
    FaultInjectionFileSystem faulty(&posix, {seed + static_cast<uint64_t>(round)});
    const std::string path = dir.Sub("00000001.seg");
    ASSERT_OK_AND_ASSIGN(auto writer,
                         SegmentWriter::Create(faulty, path, testing::TestHeaderInfo()));
    std::vector<Written> synced;
    std::map<std::string, std::string> unsynced;
    uint64_t seq = 0;
    const int batches = 1 + static_cast<int>(rng() % 4);
    for (int b = 0; b < batches; ++b) {
      std::vector<Written> batch;
      for (int n = 1 + static_cast<int>(rng() % 5); n > 0; --n) {
        ++seq;
        Written w{"shard-" + std::to_string(seq),
                  std::string(rng() % 20000, static_cast<char>('a' + seq % 26))};
        ASSERT_OK(writer->Append({RecordType::kShard, w.id, seq, w.payload}));
        batch.push_back(w);
      }
      if (b + 1 < batches) {  // The last batch is never synced.
        ASSERT_OK(writer->Sync());
        synced.insert(synced.end(), batch.begin(), batch.end());
      } else {
        for (const auto& w : batch) unsynced[w.id] = w.payload;
      }
    }
    const uint64_t durable = writer->durable_size();
    writer.reset();
    ASSERT_OK(faulty.SimulateCrash(modes[round % 3]));

    ASSERT_OK_AND_ASSIGN(auto file, faulty.NewRandomAccessFile(path));
    ASSERT_OK_AND_ASSIGN(auto reader, SegmentReader::Open(std::move(file)));
    uint64_t end = 0;
    std::vector<ScannedRecord> records = RecoverScan(*reader, durable, &end);
    ASSERT_GE(records.size(), synced.size());
    for (size_t i = 0; i < synced.size(); ++i) {
      EXPECT_EQ(records[i].header.id, synced[i].id);
      EXPECT_EQ(records[i].payload, synced[i].payload);
    }
    for (size_t i = synced.size(); i < records.size(); ++i) {  // Unacknowledged survivors.
      auto it = unsynced.find(records[i].header.id);
      ASSERT_NE(it, unsynced.end()) << records[i].header.id;
      EXPECT_EQ(records[i].payload, it->second);
    }

    ASSERT_OK_AND_ASSIGN(auto reopened, SegmentWriter::OpenForAppend(faulty, path, end));
    ASSERT_OK(reopened->Append({RecordType::kShard, "after-crash", seq + 1, "x"}));
    ASSERT_OK(reopened->Sync());
    ScanOptions options;
    options.start_offset = end;
    testing::ScanResult after = testing::ScanAll(*reader, options);
    EXPECT_EQ(after.stop.reason, ScanStopReason::kEnd);
    ASSERT_EQ(after.records.size(), 1u);
    EXPECT_EQ(after.records[0].header.id, "after-crash");
  }
}

}  // namespace
}  // namespace shale::storage
