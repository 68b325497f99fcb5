#pragma once

#include <atomic>

// Internals of FaultInjectionFileSystem shared by its two source files; not for tests to use.
// Thread-safety: every field of State is guarded by State::mu.

#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/fault_injection_fs.h"

namespace shale::testing::fault_internal {

// Hidden names for removed files and backups of replaced ones; ListDir() hides them.
inline constexpr std::string_view kHiddenPrefix = ".faultfs-";

// What the crash model knows about one file opened for append. Shared by its handles and
// moved between names by Rename/RemoveFile.
struct FileState {
  uint64_t synced = 0;  // Durable bytes: what a crash keeps in kDropUnsynced mode.
};

// A directory-entry change not yet made durable by SyncDir(dir).
struct DirOp {
  enum class Kind : uint8_t { kCreate, kRename, kRemove };
  Kind kind;
  std::string path;    // Created, destination of the rename, or removed path.
  std::string from;    // kRename: the source.
  std::string hidden;  // kRename: copy of the replaced destination ("" if none);
                       // kRemove: where the removed file now lives.
  std::string dir;     // SyncDir of this directory makes the change durable.
};

struct ReadCorruption {
  std::string path;
  uint64_t offset;
  int bit;
};

struct RuleState {
  FaultRule rule;
  uint64_t seen = 0;
  uint64_t fired = 0;
};

class LockHandle;

}  // namespace shale::testing::fault_internal

namespace shale::testing {

struct FaultInjectionFileSystem::State {
  using FileState = fault_internal::FileState;

  State(fs::FileSystem* b, uint64_t seed) : base(b), rng(seed) {}

  std::atomic<int64_t> available_override{-1};  // < 0: report the base file system's figure.

  // Returns the fault to inject for this call (or OK) and, if one fires, the rule in `*fired`
  // (valid while `mu` is held). `path2` is Rename's second path.
  Status MaybeFail(FaultOp op, std::string_view path, std::string_view path2 = {},
                   const FaultRule** fired = nullptr);
  // IOError if a crash happened since the handle was opened in `handle_epoch`.
  Status CheckAlive(uint64_t handle_epoch, std::string_view op, const std::string& path) const;
  uint64_t Uniform(uint64_t n) { return n == 0 ? 0 : rng() % n; }
  // Takes `mu`: fails a read on a dead handle or by an injected kRead fault.
  Status BeforeRead(uint64_t handle_epoch, const std::string& path);
  // Flips bits of `data`, read from `path` at `offset`, per the read corruptions.
  void CorruptBuffer(const std::string& path, uint64_t offset, std::span<char> data) const;

  fs::FileSystem* const base;
  mutable std::mutex mu;
  std::mt19937_64 rng;
  uint64_t epoch = 0;
  uint64_t next_hidden = 0;
  std::vector<fault_internal::RuleState> rules;
  FaultCounters counters;
  std::map<std::string, std::shared_ptr<FileState>> files;  // By current path.
  std::vector<fault_internal::DirOp> journal;               // Oldest first.
  std::vector<fault_internal::ReadCorruption> corruptions;
  std::set<fault_internal::LockHandle*> locks;
};

}  // namespace shale::testing

namespace shale::testing::fault_internal {

using State = FaultInjectionFileSystem::State;

std::unique_ptr<fs::AppendableFile> WrapAppendable(std::shared_ptr<State> state,
                                                   std::unique_ptr<fs::AppendableFile> base,
                                                   std::shared_ptr<FileState> file);
std::unique_ptr<fs::RandomAccessFile> WrapRandomAccess(std::shared_ptr<State> state,
                                                       std::unique_ptr<fs::RandomAccessFile> base);
std::unique_ptr<fs::SequentialFile> WrapSequential(std::shared_ptr<State> state,
                                                   std::unique_ptr<fs::SequentialFile> base);
// Takes state->mu itself: call without holding it. The other Wrap* need it held.
std::unique_ptr<fs::FileLock> WrapLock(std::shared_ptr<State> state,
                                       std::unique_ptr<fs::FileLock> base);
// Releases the base lock of every live wrapped lock (a crash). Caller holds state.mu.
void ReleaseAllLocks(State& state);

}  // namespace shale::testing::fault_internal
