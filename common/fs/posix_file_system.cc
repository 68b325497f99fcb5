#include "common/fs/posix_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>

#include "common/fs/unique_fd.h"

namespace shale::fs {
namespace {

constexpr mode_t kFileMode = 0644;
constexpr mode_t kDirMode = 0755;

Status ErrnoStatus(int err, std::string_view op, const std::string& path) {
  std::string context(op);
  context += ' ';
  context += path;
  return Status::FromErrno(err, context);
}

Status ClosedStatus(std::string_view op, const std::string& path) {
  return Status::FailedPrecondition(std::string(op) + " " + path + ": file is closed");
}

// open(2) with O_CLOEXEC, retrying EINTR (possible on FIFOs and some network file systems).
Result<UniqueFd> OpenFd(const std::string& path, int flags, std::string_view op) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, kFileMode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ErrnoStatus(errno, op, path);
  return UniqueFd(fd);
}

// Reads until `out` is full or end of file; returns the bytes read. `offset` < 0 means the
// descriptor's current position (read(2)), otherwise pread(2) at that offset.
Result<size_t> ReadFully(int fd, int64_t offset, std::span<char> out, const std::string& path) {
  size_t done = 0;
  while (done < out.size()) {
    const size_t want = out.size() - done;
    const ssize_t n = offset < 0 ? ::read(fd, out.data() + done, want)
                                 : ::pread(fd, out.data() + done, want,
                                           static_cast<off_t>(offset + static_cast<int64_t>(done)));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "read", path);
    }
    if (n == 0) break;  // End of file.
    done += static_cast<size_t>(n);
  }
  return done;
}

Result<struct stat> StatFd(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoStatus(errno, "fstat", path);
  return st;
}

class PosixAppendableFile final : public AppendableFile {
 public:
  PosixAppendableFile(std::string path, UniqueFd fd, uint64_t size)
      : path_(std::move(path)), fd_(std::move(fd)), size_(size) {}

  // Writes at the tracked size with pwrite(2), so a Truncate() moves the next Append too.
  Status Append(std::string_view data) override {
    if (!fd_.valid()) return ClosedStatus("append", path_);
    while (!data.empty()) {
      const ssize_t n = ::pwrite(fd_.get(), data.data(), data.size(), static_cast<off_t>(size_));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, "append", path_);
      }
      if (n == 0) {
        return Status::IOError("append " + path_ + ": write made no progress");
      }
      size_ += static_cast<uint64_t>(n);
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::OK();
  }

  Status Sync() override {
    if (!fd_.valid()) return ClosedStatus("fdatasync", path_);
    int rc;
    do {
      rc = ::fdatasync(fd_.get());
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) return ErrnoStatus(errno, "fdatasync", path_);
    return Status::OK();
  }

  Status Truncate(uint64_t size) override {
    if (!fd_.valid()) return ClosedStatus("truncate", path_);
    if (size > size_) {
      return Status::InvalidArgument("truncate " + path_ + ": size " + std::to_string(size) +
                                     " is past the end " + std::to_string(size_));
    }
    int rc;
    do {
      rc = ::ftruncate(fd_.get(), static_cast<off_t>(size));
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) return ErrnoStatus(errno, "truncate", path_);
    size_ = size;
    return Status::OK();
  }

  Status Close() override {
    if (!fd_.valid()) return Status::OK();
    if (fd_.Close() != 0) return ErrnoStatus(errno, "close", path_);
    return Status::OK();
  }

  uint64_t Size() const override { return size_; }
  const std::string& path() const override { return path_; }

 private:
  const std::string path_;
  UniqueFd fd_;
  uint64_t size_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, UniqueFd fd)
      : path_(std::move(path)), fd_(std::move(fd)) {}

  // pread(2) neither reads nor moves the file position, so concurrent calls are safe.
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) const override {
    // No file reaches offset 2^63: treat such offsets as past the end instead of overflowing.
    const uint64_t max_offset = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    if (offset >= max_offset) return size_t{0};
    out = out.first(std::min<uint64_t>(out.size(), max_offset - offset));
    return ReadFully(fd_.get(), static_cast<int64_t>(offset), out, path_);
  }

  Result<uint64_t> Size() const override {
    SHALE_ASSIGN_OR_RETURN(struct stat st, StatFd(fd_.get(), path_));
    return static_cast<uint64_t>(st.st_size);
  }

  const std::string& path() const override { return path_; }

 private:
  const std::string path_;
  const UniqueFd fd_;
};

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}

  Result<size_t> Read(std::span<char> out) override { return ReadFully(fd_.get(), -1, out, path_); }

  Status Skip(uint64_t n) override {
    // lseek past the end is allowed; the next read then returns 0.
    while (n > 0) {
      const uint64_t step = std::min<uint64_t>(n, std::numeric_limits<int32_t>::max());
      if (::lseek(fd_.get(), static_cast<off_t>(step), SEEK_CUR) < 0) {
        return ErrnoStatus(errno, "skip", path_);
      }
      n -= step;
    }
    return Status::OK();
  }

  const std::string& path() const override { return path_; }

 private:
  const std::string path_;
  UniqueFd fd_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(UniqueFd fd) : fd_(std::move(fd)) {}

 private:
  UniqueFd fd_;  // Closing the descriptor releases the flock.
};

struct DirCloser {
  void operator()(DIR* dir) const { (void)::closedir(dir); }  // Read-only: nothing to lose.
};

}  // namespace

Result<std::unique_ptr<AppendableFile>> PosixFileSystem::NewAppendableFile(const std::string& path,
                                                                           OpenMode mode) {
  int flags = O_WRONLY | O_CREAT;
  if (mode == OpenMode::kCreateNew) flags |= O_EXCL;
  if (mode == OpenMode::kTruncate) flags |= O_TRUNC;
  SHALE_ASSIGN_OR_RETURN(UniqueFd fd, OpenFd(path, flags, "open"));
  SHALE_ASSIGN_OR_RETURN(struct stat st, StatFd(fd.get(), path));
  if (S_ISDIR(st.st_mode)) return Status::InvalidArgument("open " + path + ": is a directory");
  return std::unique_ptr<AppendableFile>(std::make_unique<PosixAppendableFile>(
      path, std::move(fd), static_cast<uint64_t>(st.st_size)));
}

Result<std::unique_ptr<RandomAccessFile>> PosixFileSystem::NewRandomAccessFile(
    const std::string& path) {
  SHALE_ASSIGN_OR_RETURN(UniqueFd fd, OpenFd(path, O_RDONLY, "open"));
  return std::unique_ptr<RandomAccessFile>(
      std::make_unique<PosixRandomAccessFile>(path, std::move(fd)));
}

Result<std::unique_ptr<SequentialFile>> PosixFileSystem::NewSequentialFile(
    const std::string& path) {
  SHALE_ASSIGN_OR_RETURN(UniqueFd fd, OpenFd(path, O_RDONLY, "open"));
  return std::unique_ptr<SequentialFile>(
      std::make_unique<PosixSequentialFile>(path, std::move(fd)));
}

Status PosixFileSystem::SyncDir(const std::string& dir) {
  SHALE_ASSIGN_OR_RETURN(UniqueFd fd, OpenFd(dir, O_RDONLY | O_DIRECTORY, "open directory"));
  int rc;
  do {
    rc = ::fsync(fd.get());
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return ErrnoStatus(errno, "fsync directory", dir);
  if (fd.Close() != 0) return ErrnoStatus(errno, "close directory", dir);
  return Status::OK();
}

Status PosixFileSystem::Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return ErrnoStatus(errno, "rename", from + " to " + to);
  }
  return Status::OK();
}

Status PosixFileSystem::RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return ErrnoStatus(errno, "remove", path);
  return Status::OK();
}

Status PosixFileSystem::CreateDirs(const std::string& path) {
  if (path.empty()) return Status::InvalidArgument("create directories: empty path");
  // Create each prefix ending before a '/', then the whole path (mkdir -p).
  for (size_t pos = path.find('/', 1);; pos = path.find('/', pos + 1)) {
    const std::string prefix = path.substr(0, pos);
    if (::mkdir(prefix.c_str(), kDirMode) != 0) {
      const int err = errno;
      struct stat st;
      if (err != EEXIST) return ErrnoStatus(err, "create directory", prefix);
      if (::stat(prefix.c_str(), &st) != 0) return ErrnoStatus(errno, "stat", prefix);
      if (!S_ISDIR(st.st_mode)) return ErrnoStatus(ENOTDIR, "create directory", prefix);
    }
    if (pos == std::string::npos) break;
  }
  return Status::OK();
}

Result<std::vector<std::string>> PosixFileSystem::ListDir(const std::string& dir) {
  std::unique_ptr<DIR, DirCloser> d(::opendir(dir.c_str()));
  if (d == nullptr) return ErrnoStatus(errno, "list directory", dir);
  std::vector<std::string> names;
  while (true) {
    errno = 0;
    const struct dirent* entry = ::readdir(d.get());
    if (entry == nullptr) {
      if (errno != 0) return ErrnoStatus(errno, "list directory", dir);
      break;
    }
    const std::string_view name(entry->d_name);
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  return names;
}

Result<bool> PosixFileSystem::Exists(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  return ErrnoStatus(errno, "stat", path);
}

Result<uint64_t> PosixFileSystem::FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus(errno, "stat", path);
  return static_cast<uint64_t>(st.st_size);
}

Result<std::unique_ptr<FileLock>> PosixFileSystem::LockFile(const std::string& path) {
  SHALE_ASSIGN_OR_RETURN(UniqueFd fd, OpenFd(path, O_RDWR | O_CREAT, "open lock file"));
  int rc;
  do {
    rc = ::flock(fd.get(), LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    if (errno == EWOULDBLOCK) {
      return Status::Unavailable("lock " + path + ": is locked by another process");
    }
    return ErrnoStatus(errno, "lock", path);
  }
  return std::unique_ptr<FileLock>(std::make_unique<PosixFileLock>(std::move(fd)));
}

Result<SpaceInfo> PosixFileSystem::GetSpaceInfo(const std::string& path) {
  struct statvfs vfs;
  if (::statvfs(path.c_str(), &vfs) != 0) return ErrnoStatus(errno, "statvfs", path);
  SpaceInfo info;
  info.capacity_bytes = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize;
  info.available_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  return info;
}

FileSystem* DefaultFileSystem() {
  static PosixFileSystem posix;  // Stateless, so destruction at exit is harmless.
  return &posix;
}

}  // namespace shale::fs
