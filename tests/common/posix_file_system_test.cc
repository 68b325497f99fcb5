// PosixFileSystem behaviour beyond the shared conformance suite: error messages, errno
// mapping, and the process-wide default instance.

#include "common/fs/posix_file_system.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <utility>

#include "common/fs/unique_fd.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale::fs {
namespace {

using ::shale::testing::StatusIs;
using ::testing::HasSubstr;

class PosixFileSystemTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  PosixFileSystem fs_;
};

TEST_F(PosixFileSystemTest, ErrorsNameTheOperationAndPath) {
  const std::string missing = dir_.Sub("missing.seg");
  auto r = fs_.NewRandomAccessFile(missing);
  EXPECT_THAT(r, StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(r.status().message(), HasSubstr("open " + missing));
  Status s = fs_.RemoveFile(missing);
  EXPECT_THAT(s, StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(s.message(), HasSubstr("remove " + missing));
  s = fs_.SyncDir(dir_.Sub("nodir"));
  EXPECT_THAT(s, StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(s.message(), HasSubstr(dir_.Sub("nodir")));
  s = fs_.Rename(missing, dir_.Sub("to"));
  EXPECT_THAT(s.message(), HasSubstr(missing));
  EXPECT_THAT(s.message(), HasSubstr(dir_.Sub("to")));
}

TEST_F(PosixFileSystemTest, SyncDirOfAFileFails) {
  ASSERT_OK_AND_ASSIGN(auto f, fs_.NewAppendableFile(dir_.Sub("f"), OpenMode::kCreateNew));
  EXPECT_FALSE(fs_.SyncDir(dir_.Sub("f")).ok());
}

TEST_F(PosixFileSystemTest, AppendableFileOnADirectoryFails) {
  EXPECT_FALSE(fs_.NewAppendableFile(dir_.path(), OpenMode::kCreateOrAppend).ok());
}

TEST_F(PosixFileSystemTest, ClosedFileRefusesWork) {
  ASSERT_OK_AND_ASSIGN(auto f, fs_.NewAppendableFile(dir_.Sub("f"), OpenMode::kCreateNew));
  ASSERT_OK(f->Close());
  ASSERT_OK(f->Close());  // Idempotent.
  EXPECT_THAT(f->Append("x"), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(f->Sync(), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(f->Truncate(0), StatusIs(StatusCode::kFailedPrecondition));
}

TEST_F(PosixFileSystemTest, AppendIsVisibleToReadersBeforeSync) {
  ASSERT_OK_AND_ASSIGN(auto w, fs_.NewAppendableFile(dir_.Sub("f"), OpenMode::kCreateNew));
  ASSERT_OK(w->Append("abc"));
  ASSERT_OK_AND_ASSIGN(auto r, fs_.NewRandomAccessFile(dir_.Sub("f")));
  char buf[8];
  ASSERT_OK_AND_ASSIGN(size_t n, r->ReadAt(0, buf));
  EXPECT_EQ(std::string(buf, n), "abc");
  ASSERT_OK(w->Append("de"));
  ASSERT_OK_AND_ASSIGN(uint64_t size, r->Size());
  EXPECT_EQ(size, 5u);
}

// Creating a file in a read-only directory is PermissionDenied and names the path. Root
// ignores directory permissions, so as root the check runs in a forked child that first
// drops to the unprivileged uid/gid 65534 ("nobody").
TEST_F(PosixFileSystemTest, PermissionDeniedOnReadOnlyDirectory) {
  const std::string ro = dir_.Sub("ro");
  ASSERT_OK(fs_.CreateDirs(ro));
  ASSERT_EQ(::chmod(ro.c_str(), 0555), 0);
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);  // Let "nobody" reach ro/.
  const std::string target = ro + "/f";
  auto check = [&] {
    auto r = fs_.NewAppendableFile(target, OpenMode::kCreateNew);
    return r.status().code() == StatusCode::kPermissionDenied &&
           r.status().message().find(target) != std::string::npos;
  };
  if (::geteuid() != 0) {
    EXPECT_TRUE(check());
    return;
  }
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) std::_Exit(2);
        std::_Exit(check() ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(PosixFileSystemTest, CreateDirsThroughAFileIsNotADirectory) {
  ASSERT_OK_AND_ASSIGN(auto f, fs_.NewAppendableFile(dir_.Sub("f"), OpenMode::kCreateNew));
  Status s = fs_.CreateDirs(dir_.Sub("f/sub"));
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr(dir_.Sub("f")));
}

TEST_F(PosixFileSystemTest, AppendAfterTruncateLeavesNoHole) {
  ASSERT_OK_AND_ASSIGN(auto f, fs_.NewAppendableFile(dir_.Sub("f"), OpenMode::kCreateNew));
  ASSERT_OK(f->Append("0123456789"));
  ASSERT_OK(f->Truncate(2));
  ASSERT_OK(f->Append("ab"));
  ASSERT_OK_AND_ASSIGN(uint64_t size, fs_.FileSize(dir_.Sub("f")));
  EXPECT_EQ(size, 4u);
}

TEST_F(PosixFileSystemTest, DescriptorsAreCloseOnExec) {
  ASSERT_OK_AND_ASSIGN(auto lock, fs_.LockFile(dir_.Sub("LOCK")));
  // The newest descriptor is the lock's; it must carry FD_CLOEXEC.
  UniqueFd probe(::open(dir_.path().c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(probe.valid());
  bool found = false;
  for (int fd = 3; fd < probe.get(); ++fd) {
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0) continue;
    std::string link(256, '\0');
    const std::string proc = "/proc/self/fd/" + std::to_string(fd);
    const ssize_t n = ::readlink(proc.c_str(), link.data(), link.size());
    if (n > 0 && link.substr(0, static_cast<size_t>(n)) == dir_.Sub("LOCK")) {
      found = true;
      EXPECT_TRUE(flags & FD_CLOEXEC);
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(PosixFileSystemTest, DefaultFileSystemIsPosixAndStable) {
  FileSystem* fs = DefaultFileSystem();
  ASSERT_NE(fs, nullptr);
  EXPECT_EQ(fs, DefaultFileSystem());
  EXPECT_NE(dynamic_cast<PosixFileSystem*>(fs), nullptr);
}

TEST(UniqueFdTest, ClosesOnDestructionAndMoves) {
  int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(raw, 0);
  {
    UniqueFd a(raw);
    UniqueFd b(std::move(a));
    EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): moved-from is empty.
    EXPECT_EQ(b.get(), raw);
  }
  EXPECT_EQ(::fcntl(raw, F_GETFD), -1);
  EXPECT_EQ(errno, EBADF);
}

}  // namespace
}  // namespace shale::fs
