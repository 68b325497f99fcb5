#include "tests/support/fault_injection_fs.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "common/fs/file_util.h"
#include "tests/support/fault_injection_state.h"

namespace shale::testing {
namespace {

using fault_internal::DirOp;
using fault_internal::FileState;
using Files = std::map<std::string, std::shared_ptr<FileState>>;

// The directory whose SyncDir() makes an entry of `path` durable, spelled like callers
// spell directories (no trailing slash).
std::string DirOf(std::string_view path) {
  std::string dir = fs::ParentDir(path);
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

std::string NormalizeDir(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

// Re-keys the tracked state of the file at `from` (if any) to `to`.
void MoveTracked(Files& files, const std::string& from, const std::string& to) {
  auto it = files.find(from);
  if (it == files.end()) return;
  std::shared_ptr<FileState> file = std::move(it->second);
  files.erase(it);
  files[to] = std::move(file);
}

void ForgetTracked(Files& files, const std::string& path) { files.erase(path); }

// Writes the first `len` bytes of `from` to a new file `to`, synced.
Status CopyPrefix(fs::FileSystem& base, const std::string& from, const std::string& to,
                  uint64_t len) {
  SHALE_ASSIGN_OR_RETURN(auto in, base.NewRandomAccessFile(from));
  std::string data(len, '\0');
  SHALE_ASSIGN_OR_RETURN(size_t n, in->ReadAt(0, data));
  data.resize(n);
  SHALE_ASSIGN_OR_RETURN(auto out, base.NewAppendableFile(to, fs::OpenMode::kTruncate));
  SHALE_RETURN_IF_ERROR(out->Append(data));
  SHALE_RETURN_IF_ERROR(out->Sync());
  return out->Close();
}

// Rewrites the bytes of `path` from `offset` to the end through `mutate` (which must keep
// their length), using only calls every FileSystem has: read, truncate, append.
Status MutateTail(fs::FileSystem& base, const std::string& path, uint64_t offset,
                  const std::function<void(std::string&)>& mutate) {
  SHALE_ASSIGN_OR_RETURN(uint64_t size, base.FileSize(path));
  if (offset >= size) return Status::OutOfRange("mutate " + path + ": offset past the end");
  SHALE_ASSIGN_OR_RETURN(auto in, base.NewRandomAccessFile(path));
  std::string tail(size - offset, '\0');
  SHALE_ASSIGN_OR_RETURN(size_t n, in->ReadAt(offset, tail));
  tail.resize(n);
  mutate(tail);
  SHALE_ASSIGN_OR_RETURN(auto out, base.NewAppendableFile(path, fs::OpenMode::kCreateOrAppend));
  SHALE_RETURN_IF_ERROR(out->Truncate(offset));
  SHALE_RETURN_IF_ERROR(out->Append(tail));
  return out->Close();
}

Status TruncateBase(fs::FileSystem& base, const std::string& path, uint64_t size) {
  SHALE_ASSIGN_OR_RETURN(auto out, base.NewAppendableFile(path, fs::OpenMode::kCreateOrAppend));
  SHALE_RETURN_IF_ERROR(out->Truncate(size));
  return out->Close();
}

Status IgnoreNotFound(Status s) { return s.IsNotFound() ? Status::OK() : s; }

// Applies `mode` to one tracked file; afterwards its durable size is its size.
Status CrashFile(FaultInjectionFileSystem::State& st, const std::string& path, FileState& file,
                 CrashMode mode) {
  Result<uint64_t> size = st.base->FileSize(path);
  if (size.status().IsNotFound()) return Status::OK();
  SHALE_RETURN_IF_ERROR(size);
  const uint64_t synced = std::min(file.synced, *size);
  const uint64_t unsynced = *size - synced;
  uint64_t keep = synced;
  if (mode == CrashMode::kTornTail) keep = synced + st.Uniform(unsynced + 1);
  if (mode == CrashMode::kGarbageTail) {
    keep = *size;
    if (unsynced > 0) {
      const uint64_t start = synced + st.Uniform(unsynced);
      const uint64_t len = 1 + st.Uniform(*size - start);
      const bool zeros = st.Uniform(2) == 0;
      SHALE_RETURN_IF_ERROR(MutateTail(*st.base, path, start, [&](std::string& tail) {
        const std::string before = tail.substr(0, len);
        for (uint64_t i = 0; i < len; ++i) {
          tail[i] = zeros ? '\0' : static_cast<char>(st.rng());
        }
        if (tail.compare(0, len, before) == 0) tail[0] = static_cast<char>(tail[0] ^ 1);
      }));
    }
  }
  if (keep < *size) SHALE_RETURN_IF_ERROR(TruncateBase(*st.base, path, keep));
  file.synced = keep;
  return Status::OK();
}

// Undoes one directory change that a crash did not let reach the disk.
Status UndoDirOp(FaultInjectionFileSystem::State& st, const DirOp& op) {
  switch (op.kind) {
    case DirOp::Kind::kCreate:
      ForgetTracked(st.files, op.path);
      return IgnoreNotFound(st.base->RemoveFile(op.path));
    case DirOp::Kind::kRename:
      SHALE_RETURN_IF_ERROR(IgnoreNotFound(st.base->Rename(op.path, op.from)));
      MoveTracked(st.files, op.path, op.from);
      if (op.hidden.empty()) return Status::OK();
      return st.base->Rename(op.hidden, op.path);
    case DirOp::Kind::kRemove:
      SHALE_RETURN_IF_ERROR(st.base->Rename(op.hidden, op.path));
      MoveTracked(st.files, op.hidden, op.path);
      return Status::OK();
  }
  return Status::Internal("unknown directory operation");
}

}  // namespace

FaultInjectionFileSystem::FaultInjectionFileSystem(fs::FileSystem* base,
                                                   FaultInjectionOptions options)
    : state_(std::make_shared<State>(base, options.seed)) {}

FaultInjectionFileSystem::~FaultInjectionFileSystem() = default;

void FaultInjectionFileSystem::AddFault(FaultRule rule) {
  std::lock_guard lock(state_->mu);
  state_->rules.push_back({std::move(rule)});
}

void FaultInjectionFileSystem::ClearFaults() {
  std::lock_guard lock(state_->mu);
  state_->rules.clear();
}

Status FaultInjectionFileSystem::SimulateCrash(CrashMode mode) {
  std::lock_guard lock(state_->mu);
  ++state_->epoch;
  fault_internal::ReleaseAllLocks(*state_);
  Status first;
  for (auto& [path, file] : state_->files) {
    Status s = CrashFile(*state_, path, *file, mode);
    if (first.ok()) first = s;
  }
  for (auto it = state_->journal.rbegin(); it != state_->journal.rend(); ++it) {
    Status s = UndoDirOp(*state_, *it);
    if (first.ok()) first = s;
  }
  state_->journal.clear();
  return first.WithContext("simulate crash");
}

std::optional<uint64_t> FaultInjectionFileSystem::SyncedSize(const std::string& path) const {
  std::lock_guard lock(state_->mu);
  auto it = state_->files.find(path);
  if (it == state_->files.end()) return std::nullopt;
  return it->second->synced;
}

Status FaultInjectionFileSystem::FlipBit(const std::string& path, uint64_t offset, int bit) {
  if (bit < 0 || bit > 7) return Status::InvalidArgument("FlipBit: bit must be in [0, 7]");
  std::lock_guard lock(state_->mu);
  return MutateTail(*state_->base, path, offset, [bit](std::string& tail) {
    tail[0] = static_cast<char>(tail[0] ^ (1 << bit));
  });
}

void FaultInjectionFileSystem::CorruptReads(const std::string& path, uint64_t offset, int bit) {
  std::lock_guard lock(state_->mu);
  state_->corruptions.push_back({path, offset, bit & 7});
}

void FaultInjectionFileSystem::ClearReadCorruption() {
  std::lock_guard lock(state_->mu);
  state_->corruptions.clear();
}

FaultCounters FaultInjectionFileSystem::counters() const {
  std::lock_guard lock(state_->mu);
  return state_->counters;
}

void FaultInjectionFileSystem::ResetCounters() {
  std::lock_guard lock(state_->mu);
  state_->counters = FaultCounters();
}

Result<std::unique_ptr<fs::AppendableFile>> FaultInjectionFileSystem::NewAppendableFile(
    const std::string& path, fs::OpenMode mode) {
  std::lock_guard lock(state_->mu);
  ++state_->counters.new_appendable_files;
  SHALE_RETURN_IF_ERROR(state_->MaybeFail(FaultOp::kNewAppendableFile, path));
  SHALE_ASSIGN_OR_RETURN(bool existed, state_->base->Exists(path));
  SHALE_ASSIGN_OR_RETURN(auto file, state_->base->NewAppendableFile(path, mode));
  std::shared_ptr<FileState>& tracked = state_->files[path];
  if (tracked == nullptr) {
    // Bytes already in an untracked file count as durable.
    tracked = std::make_shared<FileState>(FileState{existed ? file->Size() : 0});
  }
  tracked->synced = std::min(tracked->synced, file->Size());
  if (!existed) state_->journal.push_back({DirOp::Kind::kCreate, path, "", "", DirOf(path)});
  return fault_internal::WrapAppendable(state_, std::move(file), tracked);
}

Result<std::unique_ptr<fs::RandomAccessFile>> FaultInjectionFileSystem::NewRandomAccessFile(
    const std::string& path) {
  std::lock_guard lock(state_->mu);
  SHALE_ASSIGN_OR_RETURN(auto file, state_->base->NewRandomAccessFile(path));
  return fault_internal::WrapRandomAccess(state_, std::move(file));
}

Result<std::unique_ptr<fs::SequentialFile>> FaultInjectionFileSystem::NewSequentialFile(
    const std::string& path) {
  std::lock_guard lock(state_->mu);
  SHALE_ASSIGN_OR_RETURN(auto file, state_->base->NewSequentialFile(path));
  return fault_internal::WrapSequential(state_, std::move(file));
}

Status FaultInjectionFileSystem::SyncDir(const std::string& dir) {
  std::lock_guard lock(state_->mu);
  ++state_->counters.sync_dirs;
  SHALE_RETURN_IF_ERROR(state_->MaybeFail(FaultOp::kSyncDir, dir));
  SHALE_RETURN_IF_ERROR(state_->base->SyncDir(dir));
  const std::string synced_dir = NormalizeDir(dir);
  std::vector<DirOp> pending;
  for (DirOp& op : state_->journal) {
    if (op.dir != synced_dir) {
      pending.push_back(std::move(op));
    } else if (!op.hidden.empty()) {
      // The removal or replacement is durable: the hidden copy is garbage now.
      ForgetTracked(state_->files, op.hidden);
      (void)state_->base->RemoveFile(op.hidden);  // A leftover only costs space in a test.
    }
  }
  state_->journal = std::move(pending);
  return Status::OK();
}

Status FaultInjectionFileSystem::Rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(state_->mu);
  ++state_->counters.renames;
  SHALE_RETURN_IF_ERROR(state_->MaybeFail(FaultOp::kRename, from, to));
  if (from == to) return state_->base->Rename(from, to);
  fs::FileSystem& base = *state_->base;
  // Keep the durable bytes of a replaced destination, so a crash can bring it back.
  std::string hidden;
  SHALE_ASSIGN_OR_RETURN(bool replaces, base.Exists(to));
  SHALE_ASSIGN_OR_RETURN(bool from_exists, base.Exists(from));
  if (replaces && from_exists) {
    hidden = DirOf(to) + "/" + std::string(fault_internal::kHiddenPrefix) +
             std::to_string(state_->next_hidden++);
    SHALE_ASSIGN_OR_RETURN(uint64_t keep, base.FileSize(to));
    if (auto it = state_->files.find(to); it != state_->files.end()) {
      keep = std::min(keep, it->second->synced);
    }
    SHALE_RETURN_IF_ERROR(CopyPrefix(base, to, hidden, keep));
  }
  if (Status s = base.Rename(from, to); !s.ok()) {
    if (!hidden.empty()) (void)base.RemoveFile(hidden);  // Best effort: it is only a copy.
    return s;
  }
  ForgetTracked(state_->files, to);
  MoveTracked(state_->files, from, to);
  state_->journal.push_back({DirOp::Kind::kRename, to, from, hidden, DirOf(to)});
  return Status::OK();
}

Status FaultInjectionFileSystem::RemoveFile(const std::string& path) {
  std::lock_guard lock(state_->mu);
  ++state_->counters.removes;
  SHALE_RETURN_IF_ERROR(state_->MaybeFail(FaultOp::kRemoveFile, path));
  fs::FileSystem& base = *state_->base;
  SHALE_ASSIGN_OR_RETURN(bool exists, base.Exists(path));
  if (!exists) return Status::NotFound("remove " + path + ": No such file or directory");
  if (base.ListDir(path).ok()) return Status::IOError("remove " + path + ": Is a directory");
  // Park the file under a hidden name until SyncDir, so a crash can bring it back.
  const std::string hidden = DirOf(path) + "/" + std::string(fault_internal::kHiddenPrefix) +
                             std::to_string(state_->next_hidden++);
  SHALE_RETURN_IF_ERROR(base.Rename(path, hidden));
  MoveTracked(state_->files, path, hidden);
  state_->journal.push_back({DirOp::Kind::kRemove, path, "", hidden, DirOf(path)});
  return Status::OK();
}

Status FaultInjectionFileSystem::CreateDirs(const std::string& path) {
  return state_->base->CreateDirs(path);
}

Result<std::vector<std::string>> FaultInjectionFileSystem::ListDir(const std::string& dir) {
  SHALE_ASSIGN_OR_RETURN(std::vector<std::string> names, state_->base->ListDir(dir));
  std::erase_if(names, [](const std::string& name) {
    return name.starts_with(fault_internal::kHiddenPrefix);
  });
  return names;
}

Result<bool> FaultInjectionFileSystem::Exists(const std::string& path) {
  return state_->base->Exists(path);
}

Result<uint64_t> FaultInjectionFileSystem::FileSize(const std::string& path) {
  return state_->base->FileSize(path);
}

Result<std::unique_ptr<fs::FileLock>> FaultInjectionFileSystem::LockFile(const std::string& path) {
  SHALE_ASSIGN_OR_RETURN(auto lock, state_->base->LockFile(path));
  return fault_internal::WrapLock(state_, std::move(lock));
}

void FaultInjectionFileSystem::SetAvailableBytes(std::optional<uint64_t> available_bytes) {
  state_->available_override = available_bytes ? static_cast<int64_t>(*available_bytes) : -1;
}

Result<fs::SpaceInfo> FaultInjectionFileSystem::GetSpaceInfo(const std::string& path) {
  SHALE_ASSIGN_OR_RETURN(fs::SpaceInfo info, state_->base->GetSpaceInfo(path));
  int64_t forced = state_->available_override.load();
  if (forced >= 0) info.available_bytes = static_cast<uint64_t>(forced);
  return info;
}

}  // namespace shale::testing
