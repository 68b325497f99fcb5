#pragma once

// PosixFileSystem: the FileSystem backed by the local POSIX file system (Linux). Every
// descriptor is opened O_CLOEXEC and owned by a UniqueFd; every read and write loop retries
// EINTR and continues after short transfers; every error names the operation and the path.
// Sync() is fdatasync(2), SyncDir() is fsync(2) of the directory, LockFile() is flock(2).
// Thread-safety: stateless; all methods may be called concurrently (see FileSystem).

#include <memory>
#include <string>
#include <vector>

#include "common/fs/file_system.h"

namespace shale::fs {

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<AppendableFile>> NewAppendableFile(const std::string& path,
                                                            OpenMode mode) override;
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override;
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override;
  Status SyncDir(const std::string& dir) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status RemoveFile(const std::string& path) override;
  Status CreateDirs(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& dir) override;
  Result<bool> Exists(const std::string& path) override;
  Result<uint64_t> FileSize(const std::string& path) override;
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override;
  Result<SpaceInfo> GetSpaceInfo(const std::string& path) override;
};

}  // namespace shale::fs
