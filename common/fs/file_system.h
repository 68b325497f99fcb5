#pragma once

// The one door between the storage engine and the operating system's files. Everything the
// engine reads or writes (segments, node.json, scrub positions) goes through a FileSystem,
// so tests can swap in a fault-injecting implementation that produces short writes, EIO,
// ENOSPC, lost unsynced data, torn tails and bit flips. LMDB does its own I/O and is covered
// by process-level crash tests instead.
//
// Durability contract (what callers may rely on, and what FaultInjectionFileSystem enforces
// when it simulates a crash):
//   - Bytes appended to a file are durable only after a successful AppendableFile::Sync().
//   - A newly created, renamed or removed directory entry is durable only after a successful
//     SyncDir() of its parent directory.
//   - After a failed Sync() the file's unsynced bytes are in an unknown state (Linux may have
//     dropped the dirty pages and cleared the error): callers must not retry Sync() and
//     assume success; they truncate back to the last durable size or abandon the file.
//
// Thread-safety: FileSystem methods may be called concurrently. A file object is used by one
// thread at a time, except RandomAccessFile::ReadAt, which may be called concurrently.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace shale::fs {

// A file written only at its end, as segment logs and WALs are.
class AppendableFile {
 public:
  virtual ~AppendableFile() = default;

  // Appends all of `data` or fails. On failure a prefix of `data` may have been written:
  // Size() reports the bytes the file really holds, so the caller can truncate back.
  virtual Status Append(std::string_view data) = 0;
  // Makes every appended byte durable (fdatasync). See the contract above for failure.
  virtual Status Sync() = 0;
  // Cuts the file to `size` bytes (size <= Size()); used to drop a torn or unsynced tail.
  // Not durable until the next successful Sync().
  virtual Status Truncate(uint64_t size) = 0;
  // Closes the descriptor. Does not sync. Destruction closes too (errors ignored).
  virtual Status Close() = 0;
  // Bytes in the file as far as this handle knows (the offset of the next Append).
  virtual uint64_t Size() const = 0;
  virtual const std::string& path() const = 0;
};

// A file read at arbitrary offsets; safe for concurrent ReadAt calls.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;

  // Reads up to out.size() bytes at `offset` into `out`; returns the count, which is smaller
  // than out.size() only at end of file (0 at or past it).
  virtual Result<size_t> ReadAt(uint64_t offset, std::span<char> out) const = 0;
  virtual Result<uint64_t> Size() const = 0;
  virtual const std::string& path() const = 0;
};

// A file read from start to end, e.g. to re-scan a segment without the index.
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;

  // Reads up to out.size() bytes; returns the count, 0 at end of file.
  virtual Result<size_t> Read(std::span<char> out) = 0;
  // Skips `n` bytes forward (may go past the end; the next Read returns 0).
  virtual Status Skip(uint64_t n) = 0;
  virtual const std::string& path() const = 0;
};

// An advisory lock on a file, held until destruction (closes the descriptor).
class FileLock {
 public:
  virtual ~FileLock() = default;
};

struct SpaceInfo {
  uint64_t capacity_bytes = 0;   // Size of the file system.
  uint64_t available_bytes = 0;  // What an unprivileged writer may still use.
};

enum class OpenMode : uint8_t {
  kCreateOrAppend,  // Create if missing, otherwise continue at the end.
  kCreateNew,       // Fail with AlreadyExists if the file exists.
  kTruncate,        // Create if missing, otherwise cut to zero length.
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual Result<std::unique_ptr<AppendableFile>> NewAppendableFile(const std::string& path,
                                                                    OpenMode mode) = 0;
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) = 0;
  virtual Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) = 0;

  // fsync() of a directory, making entries created, renamed or removed in it durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // Atomically replaces `to` with `from` (rename(2)); durable after SyncDir of the parent(s).
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Removes a file. NotFound if it does not exist.
  virtual Status RemoveFile(const std::string& path) = 0;
  // Creates a directory and any missing parents; OK if it exists already.
  virtual Status CreateDirs(const std::string& path) = 0;
  // Names (not paths) of the entries of `dir`, without "." and "..", in no particular order.
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  virtual Result<bool> Exists(const std::string& path) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  // Takes an exclusive advisory lock (flock) on `path`, creating it if missing. Fails with
  // Unavailable if another process holds it: one process per data directory.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;
  // Capacity and free space of the file system holding `path`.
  virtual Result<SpaceInfo> GetSpaceInfo(const std::string& path) = 0;
};

// The process-wide POSIX file system. Never null; lives for the whole program.
FileSystem* DefaultFileSystem();

}  // namespace shale::fs
