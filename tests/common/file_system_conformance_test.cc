// One conformance suite for every FileSystem implementation: each must behave like the
// contract in common/fs/file_system.h, so code tested against one can run on another.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/fs/file_system.h"
#include "common/fs/file_util.h"
#include "common/fs/posix_file_system.h"
#include "tests/support/fault_injection_fs.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale::fs {
namespace {

using ::shale::testing::StatusIs;
using ::testing::UnorderedElementsAre;

// Owns a FileSystem under test and whatever it wraps.
struct FsHolder {
  std::unique_ptr<FileSystem> base;
  std::unique_ptr<FileSystem> wrapper;  // Declared after base, so destroyed before it.
  FileSystem* fs = nullptr;
};

struct FsFactory {
  std::string name;
  std::function<FsHolder()> make;
};

std::vector<FsFactory> Factories() {
  return {
      {"Posix",
       [] {
         FsHolder h;
         h.base = std::make_unique<PosixFileSystem>();
         h.fs = h.base.get();
         return h;
       }},
      {"FaultInjectionPassThrough",
       [] {
         FsHolder h;
         h.base = std::make_unique<PosixFileSystem>();
         h.wrapper = std::make_unique<testing::FaultInjectionFileSystem>(h.base.get());
         h.fs = h.wrapper.get();
         return h;
       }},
  };
}

class FileSystemConformanceTest : public ::testing::TestWithParam<FsFactory> {
 protected:
  void SetUp() override {
    holder_ = GetParam().make();
    fs_ = holder_.fs;
  }

  void WriteFile(const std::string& path, std::string_view data) {
    ASSERT_OK_AND_ASSIGN(auto f, fs_->NewAppendableFile(path, OpenMode::kTruncate));
    ASSERT_OK(f->Append(data));
    ASSERT_OK(f->Close());
  }

  std::string ReadAll(const std::string& path) {
    auto r = ReadFileToString(*fs_, path, 1 << 20);
    EXPECT_OK(r);
    return r.ok() ? *r : std::string();
  }

  testing::TempDir dir_;
  FsHolder holder_;
  FileSystem* fs_ = nullptr;
};

TEST_P(FileSystemConformanceTest, AppendSizeAndReadBack) {
  const std::string path = dir_.Sub("a.seg");
  ASSERT_OK_AND_ASSIGN(auto f, fs_->NewAppendableFile(path, OpenMode::kCreateNew));
  EXPECT_EQ(f->Size(), 0u);
  EXPECT_EQ(f->path(), path);
  ASSERT_OK(f->Append("hello "));
  ASSERT_OK(f->Append(""));
  ASSERT_OK(f->Append("world"));
  EXPECT_EQ(f->Size(), 11u);
  ASSERT_OK(f->Sync());
  ASSERT_OK(f->Close());
  EXPECT_EQ(ReadAll(path), "hello world");
  ASSERT_OK_AND_ASSIGN(uint64_t size, fs_->FileSize(path));
  EXPECT_EQ(size, 11u);
}

TEST_P(FileSystemConformanceTest, CreateNewOnExistingFileFails) {
  const std::string path = dir_.Sub("a");
  WriteFile(path, "x");
  EXPECT_THAT(fs_->NewAppendableFile(path, OpenMode::kCreateNew),
              StatusIs(StatusCode::kAlreadyExists));
  EXPECT_EQ(ReadAll(path), "x");
}

TEST_P(FileSystemConformanceTest, TruncateModeEmptiesTheFile) {
  const std::string path = dir_.Sub("a");
  WriteFile(path, "old contents");
  ASSERT_OK_AND_ASSIGN(auto f, fs_->NewAppendableFile(path, OpenMode::kTruncate));
  EXPECT_EQ(f->Size(), 0u);
  ASSERT_OK(f->Append("new"));
  ASSERT_OK(f->Close());
  EXPECT_EQ(ReadAll(path), "new");
}

TEST_P(FileSystemConformanceTest, CreateOrAppendContinuesAtTheEnd) {
  const std::string path = dir_.Sub("a");
  ASSERT_OK_AND_ASSIGN(auto created, fs_->NewAppendableFile(path, OpenMode::kCreateOrAppend));
  ASSERT_OK(created->Append("first;"));
  ASSERT_OK(created->Close());
  ASSERT_OK_AND_ASSIGN(auto f, fs_->NewAppendableFile(path, OpenMode::kCreateOrAppend));
  EXPECT_EQ(f->Size(), 6u);
  ASSERT_OK(f->Append("second"));
  EXPECT_EQ(f->Size(), 12u);
  ASSERT_OK(f->Close());
  EXPECT_EQ(ReadAll(path), "first;second");
}

TEST_P(FileSystemConformanceTest, ReadAtShortAtEndAndZeroPastIt) {
  const std::string path = dir_.Sub("a");
  WriteFile(path, "0123456789");
  ASSERT_OK_AND_ASSIGN(auto f, fs_->NewRandomAccessFile(path));
  EXPECT_EQ(f->path(), path);
  ASSERT_OK_AND_ASSIGN(uint64_t size, f->Size());
  EXPECT_EQ(size, 10u);
  char buf[4];
  ASSERT_OK_AND_ASSIGN(size_t n, f->ReadAt(2, buf));
  EXPECT_EQ(std::string(buf, n), "2345");
  ASSERT_OK_AND_ASSIGN(n, f->ReadAt(8, buf));
  EXPECT_EQ(std::string(buf, n), "89");
  ASSERT_OK_AND_ASSIGN(n, f->ReadAt(10, buf));
  EXPECT_EQ(n, 0u);
  ASSERT_OK_AND_ASSIGN(n, f->ReadAt(1000, buf));
  EXPECT_EQ(n, 0u);
  ASSERT_OK_AND_ASSIGN(n, f->ReadAt(UINT64_MAX - 1, buf));
  EXPECT_EQ(n, 0u);
}

TEST_P(FileSystemConformanceTest, SequentialReadAndSkip) {
  const std::string path = dir_.Sub("a");
  WriteFile(path, "abcdefghij");
  ASSERT_OK_AND_ASSIGN(auto f, fs_->NewSequentialFile(path));
  EXPECT_EQ(f->path(), path);
  char buf[3];
  ASSERT_OK_AND_ASSIGN(size_t n, f->Read(buf));
  EXPECT_EQ(std::string(buf, n), "abc");
  ASSERT_OK(f->Skip(4));
  ASSERT_OK_AND_ASSIGN(n, f->Read(buf));
  EXPECT_EQ(std::string(buf, n), "hij");
  ASSERT_OK_AND_ASSIGN(n, f->Read(buf));
  EXPECT_EQ(n, 0u);
  ASSERT_OK(f->Skip(100));
  ASSERT_OK_AND_ASSIGN(n, f->Read(buf));
  EXPECT_EQ(n, 0u);
}

TEST_P(FileSystemConformanceTest, TruncateDropsTheTailAndAppendContinuesThere) {
  const std::string path = dir_.Sub("a");
  ASSERT_OK_AND_ASSIGN(auto f, fs_->NewAppendableFile(path, OpenMode::kCreateNew));
  ASSERT_OK(f->Append("keep|drop"));
  ASSERT_OK(f->Truncate(5));
  EXPECT_EQ(f->Size(), 5u);
  ASSERT_OK(f->Append("more"));
  EXPECT_EQ(f->Size(), 9u);
  EXPECT_FALSE(f->Truncate(100).ok());  // Truncate only shrinks.
  ASSERT_OK(f->Close());
  EXPECT_EQ(ReadAll(path), "keep|more");
}

TEST_P(FileSystemConformanceTest, RenameReplacesTheTarget) {
  const std::string from = dir_.Sub("from");
  const std::string to = dir_.Sub("to");
  WriteFile(from, "new");
  WriteFile(to, "old");
  ASSERT_OK(fs_->Rename(from, to));
  ASSERT_OK(fs_->SyncDir(dir_.path()));
  EXPECT_EQ(ReadAll(to), "new");
  ASSERT_OK_AND_ASSIGN(bool exists, fs_->Exists(from));
  EXPECT_FALSE(exists);
  EXPECT_THAT(fs_->Rename(dir_.Sub("missing"), to), StatusIs(StatusCode::kNotFound));
}

TEST_P(FileSystemConformanceTest, RemoveFile) {
  const std::string path = dir_.Sub("a");
  WriteFile(path, "x");
  ASSERT_OK(fs_->RemoveFile(path));
  ASSERT_OK_AND_ASSIGN(bool exists, fs_->Exists(path));
  EXPECT_FALSE(exists);
  EXPECT_THAT(fs_->RemoveFile(path), StatusIs(StatusCode::kNotFound));
}

TEST_P(FileSystemConformanceTest, OpenMissingFileIsNotFound) {
  EXPECT_THAT(fs_->NewRandomAccessFile(dir_.Sub("missing")), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(fs_->NewSequentialFile(dir_.Sub("missing")), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(fs_->FileSize(dir_.Sub("missing")), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(fs_->NewAppendableFile(dir_.Sub("no/such/dir"), OpenMode::kCreateOrAppend),
              StatusIs(StatusCode::kNotFound));
}

TEST_P(FileSystemConformanceTest, ListDirExistsAndFileSize) {
  WriteFile(dir_.Sub("one"), "1");
  WriteFile(dir_.Sub("two"), "22");
  ASSERT_OK(fs_->CreateDirs(dir_.Sub("sub")));
  ASSERT_OK_AND_ASSIGN(auto names, fs_->ListDir(dir_.path()));
  EXPECT_THAT(names, UnorderedElementsAre("one", "two", "sub"));
  ASSERT_OK_AND_ASSIGN(bool exists, fs_->Exists(dir_.Sub("two")));
  EXPECT_TRUE(exists);
  ASSERT_OK_AND_ASSIGN(exists, fs_->Exists(dir_.Sub("sub")));
  EXPECT_TRUE(exists);
  ASSERT_OK_AND_ASSIGN(exists, fs_->Exists(dir_.Sub("three")));
  EXPECT_FALSE(exists);
  ASSERT_OK_AND_ASSIGN(uint64_t size, fs_->FileSize(dir_.Sub("two")));
  EXPECT_EQ(size, 2u);
  EXPECT_THAT(fs_->ListDir(dir_.Sub("missing")), StatusIs(StatusCode::kNotFound));
}

TEST_P(FileSystemConformanceTest, CreateDirsNestedAndExisting) {
  const std::string nested = dir_.Sub("a/b/c");
  ASSERT_OK(fs_->CreateDirs(nested));
  ASSERT_OK(fs_->CreateDirs(nested));  // Existing is fine.
  ASSERT_OK(fs_->CreateDirs(dir_.Sub("a/b/")));
  ASSERT_OK(fs_->SyncDir(nested));
  WriteFile(nested + "/f", "x");
  EXPECT_EQ(ReadAll(nested + "/f"), "x");
  // A file in the way is an error, not success.
  EXPECT_FALSE(fs_->CreateDirs(nested + "/f/g").ok());
}

TEST_P(FileSystemConformanceTest, LockFileIsExclusive) {
  const std::string path = dir_.Sub("LOCK");
  ASSERT_OK_AND_ASSIGN(auto lock, fs_->LockFile(path));
  ASSERT_OK_AND_ASSIGN(bool exists, fs_->Exists(path));
  EXPECT_TRUE(exists);
  // flock locks belong to the open file description, so a second open conflicts even here.
  auto second = fs_->LockFile(path);
  EXPECT_THAT(second, StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(second.status().message(), ::testing::HasSubstr(path));
  lock.reset();
  ASSERT_OK_AND_ASSIGN(auto again, fs_->LockFile(path));
}

TEST_P(FileSystemConformanceTest, GetSpaceInfoIsSane) {
  ASSERT_OK_AND_ASSIGN(SpaceInfo info, fs_->GetSpaceInfo(dir_.path()));
  EXPECT_GT(info.capacity_bytes, 0u);
  EXPECT_LE(info.available_bytes, info.capacity_bytes);
  EXPECT_THAT(fs_->GetSpaceInfo(dir_.Sub("missing")), StatusIs(StatusCode::kNotFound));
}

TEST_P(FileSystemConformanceTest, WriteFileAtomicallyAndReadFileToString) {
  const std::string path = dir_.Sub("node.json");
  ASSERT_OK(WriteFileAtomically(*fs_, path, R"({"v":1})"));
  ASSERT_OK_AND_ASSIGN(std::string got, ReadFileToString(*fs_, path, 100));
  EXPECT_EQ(got, R"({"v":1})");
  ASSERT_OK(WriteFileAtomically(*fs_, path, R"({"v":2})"));
  ASSERT_OK_AND_ASSIGN(got, ReadFileToString(*fs_, path, 7));  // Exactly at the limit.
  EXPECT_EQ(got, R"({"v":2})");
  EXPECT_THAT(ReadFileToString(*fs_, path, 6), StatusIs(StatusCode::kOutOfRange));
  ASSERT_OK_AND_ASSIGN(auto names, fs_->ListDir(dir_.path()));
  EXPECT_THAT(names, UnorderedElementsAre("node.json"));  // No temporary left behind.
  EXPECT_THAT(ReadFileToString(*fs_, dir_.Sub("missing"), 10), StatusIs(StatusCode::kNotFound));
}

TEST_P(FileSystemConformanceTest, ReadFileToStringOfLargeFile) {
  const std::string path = dir_.Sub("big");
  std::string data(300 * 1024 + 17, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + i / 251);
  WriteFile(path, data);
  ASSERT_OK_AND_ASSIGN(std::string got, ReadFileToString(*fs_, path, data.size()));
  EXPECT_TRUE(got == data);
  EXPECT_THAT(ReadFileToString(*fs_, path, data.size() - 1), StatusIs(StatusCode::kOutOfRange));
  ASSERT_OK_AND_ASSIGN(got, ReadFileToString(*fs_, path, SIZE_MAX));
  EXPECT_EQ(got.size(), data.size());
}

TEST_P(FileSystemConformanceTest, ConcurrentReadAt) {
  const std::string path = dir_.Sub("a");
  constexpr size_t kBlock = 4096;
  constexpr size_t kBlocks = 64;
  std::string data;
  for (size_t b = 0; b < kBlocks; ++b) data.append(kBlock, static_cast<char>('A' + b % 26));
  WriteFile(path, data);
  ASSERT_OK_AND_ASSIGN(auto f, fs_->NewRandomAccessFile(path));
  const RandomAccessFile& shared = *f;
  constexpr int kThreads = 4;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string buf(kBlock, '\0');
      for (int round = 0; round < 50; ++round) {
        const size_t b = (static_cast<size_t>(t) * 17 + static_cast<size_t>(round) * 5) % kBlocks;
        auto n = shared.ReadAt(b * kBlock, buf);
        if (!n.ok() || *n != kBlock ||
            buf != std::string(kBlock, static_cast<char>('A' + b % 26))) {
          ++mismatches[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

INSTANTIATE_TEST_SUITE_P(AllFileSystems, FileSystemConformanceTest,
                         ::testing::ValuesIn(Factories()),
                         [](const ::testing::TestParamInfo<FsFactory>& p) { return p.param.name; });

}  // namespace
}  // namespace shale::fs
