#pragma once

// Shared helpers of the segment tests: a segment of known records in a TempDir, whole-file
// byte editing, and small FileSystem test doubles that fail a named operation.

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

// A RandomAccessFile whose reads starting at or past `fail_from` fail with EIO (reads that
// start before it succeed whole).
class FailingReadFile : public fs::RandomAccessFile {
 public:
  FailingReadFile(std::unique_ptr<fs::RandomAccessFile> base, uint64_t fail_from)
      : base_(std::move(base)), fail_from_(fail_from) {}
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) const override {
    if (offset >= fail_from_) return Status::IOError("injected EIO at " + std::to_string(offset));
    return base_->ReadAt(offset, out);
  }
  Result<uint64_t> Size() const override { return base_->Size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  std::unique_ptr<fs::RandomAccessFile> base_;
  uint64_t fail_from_;
};

// What FaultyAppendFileSystem's files do when told to fail.
struct AppendFaults {
  std::atomic<bool> fail_sync{false};
  // The next Append writes half of its data, then fails (a short write, like ENOSPC).
  std::atomic<bool> fail_append{false};
};

class FaultyAppendableFile : public fs::AppendableFile {
 public:
  FaultyAppendableFile(std::unique_ptr<fs::AppendableFile> base, AppendFaults* faults)
      : base_(std::move(base)), faults_(faults) {}
  Status Append(std::string_view data) override {
    if (faults_->fail_append.exchange(false)) {
      SHALE_RETURN_IF_ERROR(base_->Append(data.substr(0, data.size() / 2)));
      return Status::NoSpace("injected short write");
    }
    return base_->Append(data);
  }
  Status Sync() override {
    if (faults_->fail_sync) return Status::IOError("injected fdatasync EIO");
    return base_->Sync();
  }
  Status Truncate(uint64_t size) override { return base_->Truncate(size); }
  Status Close() override { return base_->Close(); }
  uint64_t Size() const override { return base_->Size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  std::unique_ptr<fs::AppendableFile> base_;
  AppendFaults* faults_;  // Borrowed from the file system, which outlives its files in tests.
};

// The POSIX file system whose appendable files fail on demand (see AppendFaults).
class FaultyAppendFileSystem : public fs::FileSystem {
 public:
  Result<std::unique_ptr<fs::AppendableFile>> NewAppendableFile(const std::string& path,
                                                                fs::OpenMode mode) override {
    SHALE_ASSIGN_OR_RETURN(auto base, posix_.NewAppendableFile(path, mode));
    return std::unique_ptr<fs::AppendableFile>(
        std::make_unique<FaultyAppendableFile>(std::move(base), &faults));
  }
  Result<std::unique_ptr<fs::RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override {
    return posix_.NewRandomAccessFile(path);
  }
  Result<std::unique_ptr<fs::SequentialFile>> NewSequentialFile(const std::string& path) override {
    return posix_.NewSequentialFile(path);
  }
  Status SyncDir(const std::string& dir) override { return posix_.SyncDir(dir); }
  Status Rename(const std::string& from, const std::string& to) override {
    return posix_.Rename(from, to);
  }
  Status RemoveFile(const std::string& path) override { return posix_.RemoveFile(path); }
  Status CreateDirs(const std::string& path) override { return posix_.CreateDirs(path); }
  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    return posix_.ListDir(dir);
  }
  Result<bool> Exists(const std::string& path) override { return posix_.Exists(path); }
  Result<uint64_t> FileSize(const std::string& path) override { return posix_.FileSize(path); }
  Result<std::unique_ptr<fs::FileLock>> LockFile(const std::string& path) override {
    return posix_.LockFile(path);
  }
  Result<fs::SpaceInfo> GetSpaceInfo(const std::string& path) override {
    return posix_.GetSpaceInfo(path);
  }

  AppendFaults faults;

 private:
  fs::PosixFileSystem posix_;
};

}  // namespace shale::storage::testing
