// The file handles of FaultInjectionFileSystem and the fault-rule matching they share with it.

#include <algorithm>
#include <limits>
#include <utility>

#include "tests/support/fault_injection_state.h"

namespace shale::testing {
namespace {

std::string_view FaultOpName(FaultOp op) {
  switch (op) {
    case FaultOp::kNewAppendableFile:
      return "open for append";
    case FaultOp::kAppend:
      return "append";
    case FaultOp::kSync:
      return "fdatasync";
    case FaultOp::kTruncate:
      return "truncate";
    case FaultOp::kRead:
      return "read";
    case FaultOp::kRename:
      return "rename";
    case FaultOp::kRemoveFile:
      return "remove";
    case FaultOp::kSyncDir:
      return "fsync directory";
  }
  return "?";
}

}  // namespace

FaultRule FailNth(FaultOp op, uint64_t n, StatusCode code) {
  FaultRule rule;
  rule.op = op;
  rule.code = code;
  rule.skip = n > 0 ? n - 1 : 0;
  rule.count = 1;
  return rule;
}

FaultRule FailAlways(FaultOp op, StatusCode code) {
  FaultRule rule;
  rule.op = op;
  rule.code = code;
  rule.count = FaultRule::kUnlimited;
  return rule;
}

Status FaultInjectionFileSystem::State::MaybeFail(FaultOp op, std::string_view path,
                                                  std::string_view path2, const FaultRule** fired) {
  for (fault_internal::RuleState& rs : rules) {
    const FaultRule& rule = rs.rule;
    if (rule.op != op || rs.fired >= rule.count) continue;
    if (!rule.path_contains.empty() && path.find(rule.path_contains) == std::string_view::npos &&
        path2.find(rule.path_contains) == std::string_view::npos) {
      continue;
    }
    if (rs.seen++ < rule.skip) continue;
    if (rule.probability < 1.0 &&
        std::uniform_real_distribution<double>(0.0, 1.0)(rng) >= rule.probability) {
      continue;
    }
    ++rs.fired;
    ++counters.injected_faults;
    if (fired != nullptr) *fired = &rule;
    std::string msg = "injected fault: ";
    msg += FaultOpName(op);
    msg += ' ';
    msg += path;
    return Status(rule.code == StatusCode::kOk ? StatusCode::kIOError : rule.code, msg);
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::State::CheckAlive(uint64_t handle_epoch, std::string_view op,
                                                   const std::string& path) const {
  if (handle_epoch == epoch) return Status::OK();
  return Status::IOError(std::string(op) + " " + path + ": handle opened before a simulated crash");
}

Status FaultInjectionFileSystem::State::BeforeRead(uint64_t handle_epoch, const std::string& path) {
  std::lock_guard lock(mu);
  SHALE_RETURN_IF_ERROR(CheckAlive(handle_epoch, "read", path));
  return MaybeFail(FaultOp::kRead, path);
}

void FaultInjectionFileSystem::State::CorruptBuffer(const std::string& path, uint64_t offset,
                                                    std::span<char> data) const {
  for (const fault_internal::ReadCorruption& c : corruptions) {
    if (c.path == path && c.offset >= offset && c.offset - offset < data.size()) {
      data[c.offset - offset] = static_cast<char>(data[c.offset - offset] ^ (1 << c.bit));
    }
  }
}

namespace fault_internal {
namespace {

class FaultAppendableFile final : public fs::AppendableFile {
 public:
  FaultAppendableFile(std::shared_ptr<State> state, std::unique_ptr<fs::AppendableFile> base,
                      std::shared_ptr<FileState> file, uint64_t epoch)
      : state_(std::move(state)), base_(std::move(base)), file_(std::move(file)), epoch_(epoch) {}

  Status Append(std::string_view data) override {
    std::lock_guard lock(state_->mu);
    SHALE_RETURN_IF_ERROR(state_->CheckAlive(epoch_, "append", path()));
    ++state_->counters.appends;
    const FaultRule* rule = nullptr;
    Status fault = state_->MaybeFail(FaultOp::kAppend, path(), {}, &rule);
    std::string_view to_write = data;
    if (!fault.ok()) {
      size_t prefix = 0;
      if (rule->short_write_bytes.has_value()) {
        prefix = *rule->short_write_bytes == FaultRule::kRandomPrefix
                     ? state_->Uniform(data.size())
                     : std::min(*rule->short_write_bytes, data.size());
      }
      to_write = data.substr(0, prefix);
    }
    const uint64_t before = base_->Size();
    Status s = to_write.empty() ? Status::OK() : base_->Append(to_write);
    state_->counters.bytes_appended += base_->Size() - before;
    return fault.ok() ? s : fault;
  }

  Status Sync() override {
    std::lock_guard lock(state_->mu);
    SHALE_RETURN_IF_ERROR(state_->CheckAlive(epoch_, "fdatasync", path()));
    ++state_->counters.syncs;
    SHALE_RETURN_IF_ERROR(state_->MaybeFail(FaultOp::kSync, path()));
    SHALE_RETURN_IF_ERROR(base_->Sync());
    file_->synced = std::max(file_->synced, base_->Size());
    return Status::OK();
  }

  Status Truncate(uint64_t size) override {
    std::lock_guard lock(state_->mu);
    SHALE_RETURN_IF_ERROR(state_->CheckAlive(epoch_, "truncate", path()));
    ++state_->counters.truncates;
    SHALE_RETURN_IF_ERROR(state_->MaybeFail(FaultOp::kTruncate, path()));
    SHALE_RETURN_IF_ERROR(base_->Truncate(size));
    file_->synced = std::min(file_->synced, size);
    return Status::OK();
  }

  Status Close() override {
    Status s = base_->Close();
    std::lock_guard lock(state_->mu);
    SHALE_RETURN_IF_ERROR(state_->CheckAlive(epoch_, "close", path()));
    return s;
  }

  uint64_t Size() const override { return base_->Size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  const std::shared_ptr<State> state_;
  const std::unique_ptr<fs::AppendableFile> base_;
  const std::shared_ptr<FileState> file_;
  const uint64_t epoch_;
};

class FaultRandomAccessFile final : public fs::RandomAccessFile {
 public:
  FaultRandomAccessFile(std::shared_ptr<State> state, std::unique_ptr<fs::RandomAccessFile> base,
                        uint64_t epoch)
      : state_(std::move(state)), base_(std::move(base)), epoch_(epoch) {}

  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) const override {
    SHALE_RETURN_IF_ERROR(state_->BeforeRead(epoch_, path()));
    SHALE_ASSIGN_OR_RETURN(size_t n, base_->ReadAt(offset, out));
    std::lock_guard lock(state_->mu);
    state_->CorruptBuffer(path(), offset, out.first(n));
    return n;
  }

  Result<uint64_t> Size() const override {
    {
      std::lock_guard lock(state_->mu);
      SHALE_RETURN_IF_ERROR(state_->CheckAlive(epoch_, "size", path()));
    }
    return base_->Size();
  }

  const std::string& path() const override { return base_->path(); }

 private:
  const std::shared_ptr<State> state_;
  const std::unique_ptr<fs::RandomAccessFile> base_;
  const uint64_t epoch_;
};

class FaultSequentialFile final : public fs::SequentialFile {
 public:
  FaultSequentialFile(std::shared_ptr<State> state, std::unique_ptr<fs::SequentialFile> base,
                      uint64_t epoch)
      : state_(std::move(state)), base_(std::move(base)), epoch_(epoch) {}

  Result<size_t> Read(std::span<char> out) override {
    SHALE_RETURN_IF_ERROR(state_->BeforeRead(epoch_, path()));
    SHALE_ASSIGN_OR_RETURN(size_t n, base_->Read(out));
    std::lock_guard lock(state_->mu);
    state_->CorruptBuffer(path(), pos_, out.first(n));
    pos_ += n;
    return n;
  }

  Status Skip(uint64_t n) override {
    {
      std::lock_guard lock(state_->mu);
      SHALE_RETURN_IF_ERROR(state_->CheckAlive(epoch_, "skip", path()));
    }
    SHALE_RETURN_IF_ERROR(base_->Skip(n));
    pos_ = n > std::numeric_limits<uint64_t>::max() - pos_ ? std::numeric_limits<uint64_t>::max()
                                                           : pos_ + n;
    return Status::OK();
  }

  const std::string& path() const override { return base_->path(); }

 private:
  const std::shared_ptr<State> state_;
  const std::unique_ptr<fs::SequentialFile> base_;
  const uint64_t epoch_;
  uint64_t pos_ = 0;  // Offset of the next Read, to place read corruptions.
};

}  // namespace

class LockHandle final : public fs::FileLock {
 public:
  LockHandle(std::shared_ptr<State> state, std::unique_ptr<fs::FileLock> base)
      : state_(std::move(state)), base_(std::move(base)) {
    std::lock_guard lock(state_->mu);
    state_->locks.insert(this);
  }
  ~LockHandle() override {
    std::lock_guard lock(state_->mu);
    state_->locks.erase(this);
    base_.reset();
  }
  LockHandle(const LockHandle&) = delete;
  LockHandle& operator=(const LockHandle&) = delete;

  // Caller holds state_->mu.
  void Release() { base_.reset(); }

 private:
  const std::shared_ptr<State> state_;
  std::unique_ptr<fs::FileLock> base_;  // Guarded by state_->mu.
};

std::unique_ptr<fs::AppendableFile> WrapAppendable(std::shared_ptr<State> state,
                                                   std::unique_ptr<fs::AppendableFile> base,
                                                   std::shared_ptr<FileState> file) {
  const uint64_t epoch = state->epoch;
  return std::make_unique<FaultAppendableFile>(std::move(state), std::move(base), std::move(file),
                                               epoch);
}

std::unique_ptr<fs::RandomAccessFile> WrapRandomAccess(std::shared_ptr<State> state,
                                                       std::unique_ptr<fs::RandomAccessFile> base) {
  const uint64_t epoch = state->epoch;
  return std::make_unique<FaultRandomAccessFile>(std::move(state), std::move(base), epoch);
}

std::unique_ptr<fs::SequentialFile> WrapSequential(std::shared_ptr<State> state,
                                                   std::unique_ptr<fs::SequentialFile> base) {
  const uint64_t epoch = state->epoch;
  return std::make_unique<FaultSequentialFile>(std::move(state), std::move(base), epoch);
}

std::unique_ptr<fs::FileLock> WrapLock(std::shared_ptr<State> state,
                                       std::unique_ptr<fs::FileLock> base) {
  return std::make_unique<LockHandle>(std::move(state), std::move(base));
}

void ReleaseAllLocks(State& state) {
  for (LockHandle* lock : state.locks) lock->Release();
}

}  // namespace fault_internal
}  // namespace shale::testing
