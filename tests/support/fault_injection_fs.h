#pragma once

// FaultInjectionFileSystem: a FileSystem wrapper for tests that makes the base file system
// (normally a PosixFileSystem over a TempDir) misbehave on demand. Pass-through until told
// otherwise; then it can
//   - fail chosen calls (the n-th, every one, or at random with probability p) with a chosen
//     code, optionally only for paths containing a substring (AddFault);
//   - make an Append a short write: a prefix reaches the file, then the call fails;
//   - simulate a crash (SimulateCrash): unsynced bytes are lost, torn or garbled, and directory
//     entries not made durable by SyncDir() are undone; every handle opened before dies;
//   - rot stored bits (FlipBit) or corrupt what reads return (CorruptReads);
//   - count calls (counters()), e.g. to assert one fdatasync per batch.
//
// Crash model (what the durability contract of common/fs/file_system.h promises, no more):
//   - Per file opened through NewAppendableFile, the wrapper tracks the durable size: the size
//     at the last successful Sync() (or at open, for bytes already in an untracked file; zero
//     after OpenMode::kTruncate). Truncate() is treated as durable at once (the synced size
//     shrinks with it). Files never opened for append are treated as fully durable.
//   - Directory entries: creating a file, Rename() and RemoveFile() are journaled until a
//     successful SyncDir() of the parent of the created / destination / removed path. A crash
//     undoes the pending ones newest first: created files vanish, renamed files move back and
//     the replaced destination reappears with its durable bytes, removed files reappear. To
//     make that cheap, RemoveFile() renames the file to a hidden ".faultfs-" name in the same
//     directory (deleted for real at SyncDir), and Rename() over an existing file first copies
//     its durable bytes to such a name. ListDir() hides these names. CreateDirs() is treated
//     as durable at once. Paths must be spelled consistently ("d/f" and "d//f" differ).
//   - A crash also releases every FileLock taken through the wrapper, as process death would.
//   - Injected faults do not stop at a crash; ClearFaults() does.
//
// Randomness (probabilities, short-write lengths, torn and garbage tails) comes from one
// generator seeded by FaultInjectionOptions::seed, so a failing test replays with its seed.
//
// Thread-safety: all methods may be called concurrently (one internal mutex; base writes and
// syncs run under it, base reads do not). The base FileSystem is borrowed: it must outlive
// this object and every file opened through it.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/fs/file_system.h"

namespace shale::testing {

// The calls a FaultRule can fail.
enum class FaultOp : uint8_t {
  kNewAppendableFile,
  kAppend,
  kSync,      // AppendableFile::Sync.
  kTruncate,  // AppendableFile::Truncate.
  kRead,      // RandomAccessFile::ReadAt and SequentialFile::Read.
  kRename,
  kRemoveFile,
  kSyncDir,
};

struct FaultRule {
  static constexpr uint64_t kUnlimited = UINT64_MAX;
  static constexpr size_t kRandomPrefix = SIZE_MAX;

  FaultOp op = FaultOp::kAppend;
  StatusCode code = StatusCode::kIOError;  // E.g. kIOError (EIO) or kNoSpace (ENOSPC).
  std::string path_contains;               // Empty matches all; Rename matches either path.
  uint64_t skip = 0;                       // Matching calls let through before the first fault.
  uint64_t count = 1;                      // Faults to inject, then the rule is spent.
  double probability = 1.0;                // Chance that an eligible call fails.
  // kAppend only: bytes of the data written to the file before the call fails (capped at the
  // data's size), or kRandomPrefix for a random length in [0, size). Unset: nothing written.
  std::optional<size_t> short_write_bytes;
};

// Fails the n-th (1-based) matching call of `op` from now on.
FaultRule FailNth(FaultOp op, uint64_t n, StatusCode code = StatusCode::kIOError);
// Fails every matching call of `op` until ClearFaults().
FaultRule FailAlways(FaultOp op, StatusCode code = StatusCode::kIOError);

enum class CrashMode : uint8_t {
  kDropUnsynced,  // Every tracked file is cut back to its durable size.
  kTornTail,      // Keeps a random-length prefix (possibly all, possibly none) of unsynced bytes.
  kGarbageTail,   // Keeps the length, but a random non-empty range of the unsynced bytes is
                  // overwritten with zeros or random bytes (always differing from before).
};

// Every call is counted, including those that failed by injection.
struct FaultCounters {
  uint64_t new_appendable_files = 0;
  uint64_t appends = 0;
  uint64_t bytes_appended = 0;  // Bytes that reached the base file system.
  uint64_t syncs = 0;           // AppendableFile::Sync calls.
  uint64_t truncates = 0;
  uint64_t sync_dirs = 0;
  uint64_t renames = 0;
  uint64_t removes = 0;
  uint64_t injected_faults = 0;
};

struct FaultInjectionOptions {
  uint64_t seed = 1;
};

class FaultInjectionFileSystem final : public fs::FileSystem {
 public:
  explicit FaultInjectionFileSystem(fs::FileSystem* base, FaultInjectionOptions options = {});
  ~FaultInjectionFileSystem() override;
  FaultInjectionFileSystem(const FaultInjectionFileSystem&) = delete;
  FaultInjectionFileSystem& operator=(const FaultInjectionFileSystem&) = delete;

  // --- Faults. Rules are checked in the order added; the first that fires wins.
  void AddFault(FaultRule rule);
  void ClearFaults();

  // --- Crashes. Applies the crash model above to the base files, then starts a new "process":
  // handles opened before return IOError from then on, new opens work. Errors come from the
  // base file system while rewriting files.
  Status SimulateCrash(CrashMode mode);
  // Durable size of a tracked file; nullopt if untracked (treated as fully durable).
  std::optional<uint64_t> SyncedSize(const std::string& path) const;

  // --- Corruption. Flips bit `bit` (0-7) of the byte at `offset` in the stored file.
  Status FlipBit(const std::string& path, uint64_t offset, int bit);
  // Reads of `path` through this wrapper (any handle, old or new) return the byte at `offset`
  // with bit `bit` flipped; the stored file is unchanged.
  void CorruptReads(const std::string& path, uint64_t offset, int bit);
  void ClearReadCorruption();

  FaultCounters counters() const;
  void ResetCounters();

  // --- Space. GetSpaceInfo reports `available_bytes` free (of an unchanged capacity) instead of
  // the base file system's figure, to test reserves and full-disk behaviour; nullopt restores it.
  void SetAvailableBytes(std::optional<uint64_t> available_bytes);

  // --- fs::FileSystem.
  Result<std::unique_ptr<fs::AppendableFile>> NewAppendableFile(const std::string& path,
                                                                fs::OpenMode mode) override;
  Result<std::unique_ptr<fs::RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override;
  Result<std::unique_ptr<fs::SequentialFile>> NewSequentialFile(const std::string& path) override;
  Status SyncDir(const std::string& dir) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status RemoveFile(const std::string& path) override;
  Status CreateDirs(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& dir) override;
  Result<bool> Exists(const std::string& path) override;
  Result<uint64_t> FileSize(const std::string& path) override;
  Result<std::unique_ptr<fs::FileLock>> LockFile(const std::string& path) override;
  Result<fs::SpaceInfo> GetSpaceInfo(const std::string& path) override;

  struct State;  // Shared with the file handles, so they stay valid after this object dies.

 private:
  std::shared_ptr<State> state_;
};

}  // namespace shale::testing
