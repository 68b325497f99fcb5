#pragma once

// Shared helpers of the segment tests: whole-file byte editing, a scan collector, and a
// RandomAccessFile double that fails reads from a chosen offset on (exact offsets, which
// counting reads in FaultInjectionFileSystem would not give).

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "common/fs/file_system.h"
#include "common/fs/posix_file_system.h"
#include "storage/record.h"
#include "storage/segment_reader.h"
#include "storage/segment_writer.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale::storage::testing {

inline SegmentHeaderInfo TestHeaderInfo(uint64_t segment_id = 1) {
  return {segment_id, "node-a", "cluster-x", 1700000000000000ULL, NewSegmentSalt()};
}

inline std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Flips bits of the byte at `offset` of the file.
inline void FlipByte(const std::string& path, uint64_t offset, char mask = 0x20) {
  std::string bytes = ReadBytes(path);
  ASSERT_LT(offset, bytes.size());
  bytes[offset] ^= mask;
  WriteBytes(path, bytes);
}

struct ScanResult {
  std::vector<ScannedRecord> records;
  ScanStop stop;
};

inline ScanResult ScanAll(const SegmentReader& reader, ScanOptions options = {}) {
  ScanResult result;
  auto scanner = SegmentScanner::Create(reader, options);
  EXPECT_OK(scanner);
  if (!scanner.ok()) return result;
  ScannedRecord record;
  while ((*scanner)->Next(&record)) result.records.push_back(record);
  result.stop = (*scanner)->stop();
  return result;
}

// A RandomAccessFile that counts reads and fails those starting at or past `fail_from` with
// EIO (reads that start before it succeed whole).
class FailingReadFile : public fs::RandomAccessFile {
 public:
  FailingReadFile(std::unique_ptr<fs::RandomAccessFile> base, uint64_t fail_from)
      : base_(std::move(base)), fail_from_(fail_from) {}
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) const override {
    ++reads_;
    if (offset >= fail_from_) return Status::IOError("injected EIO at " + std::to_string(offset));
    return base_->ReadAt(offset, out);
  }
  Result<uint64_t> Size() const override { return base_->Size(); }
  const std::string& path() const override { return base_->path(); }
  uint64_t reads() const { return reads_; }

 private:
  std::unique_ptr<fs::RandomAccessFile> base_;
  uint64_t fail_from_;
  mutable std::atomic<uint64_t> reads_{0};
};

}  // namespace shale::storage::testing
