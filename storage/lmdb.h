#pragma once

// A thin RAII layer over LMDB: every MDB_env, MDB_txn and MDB_cursor is owned by exactly one
// object whose destructor releases it (an uncommitted transaction is aborted), and every LMDB
// return code becomes a Status through one mapping (MdbStatus).
//
// Threading contract (LMDB's, restated): the Env is opened with MDB_NOTLS, so a ReadTxn may be
// used from any one thread at a time and may migrate between threads (coroutines, pools); a
// WriteTxn must begin, run and end on one thread. LMDB allows one write transaction at a time.
// Env::SetMapSize may only run while no transaction of this process is active: callers (the
// Index) enforce that with their own lock. None of these classes locks anything itself.

#include <lmdb.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"
#include "common/status.h"

namespace shale::storage::lmdb {

// Message prefix of the Status returned for MDB_MAP_FULL (code kNoSpace): the map is full but
// may be grown, unlike a disk that is full. Test with IsMapFull().
inline constexpr std::string_view kMapFullTag = "MDB_MAP_FULL";

// Maps an LMDB (or errno) return code: MDB_NOTFOUND -> NotFound; MDB_MAP_FULL -> NoSpace tagged
// kMapFullTag; MDB_CORRUPTED, MDB_INVALID, MDB_VERSION_MISMATCH, MDB_PAGE_NOTFOUND,
// MDB_INCOMPATIBLE, MDB_PANIC -> Corruption naming `shale rebuild-index --data <data_dir>`;
// MDB_READERS_FULL -> Unavailable (retryable); MDB_TXN_FULL -> NoSpace; MDB_MAP_RESIZED ->
// Aborted; errno values via Status::FromErrno. `data_dir` may be empty ("DIR" is printed).
Status MdbStatus(int rc, std::string_view context, std::string_view data_dir = {});
bool IsMapFull(const Status& s);

inline MDB_val ToVal(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};  // LMDB never writes through it.
}
inline std::string_view FromVal(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

struct EnvOptions {
  uint64_t map_size = uint64_t{1} << 30;  // Initial map size (bytes); rounded up by LMDB.
  unsigned max_dbs = 16;
  unsigned max_readers = 512;
  // Directory to name in corruption messages (`shale rebuild-index --data <data_dir>`).
  std::string data_dir;
  // False: commits are not flushed (MDB_NOSYNC). LMDB stays consistent across process crashes
  // (its writes are in the page cache in order) but not across a power loss; Sync() flushes.
  bool sync_commits = true;
};

// An open environment in directory `path` (data.mdb + lock.mdb).
// Thread-safety: thread-safe for beginning transactions; SetMapSize needs external exclusion.
class Env {
 public:
  static Result<std::unique_ptr<Env>> Open(const std::string& path, const EnvOptions& options);
  // Adopts `env` (closed by the destructor). Prefer Open().
  Env(MDB_env* env, std::string data_dir) : env_(env), data_dir_(std::move(data_dir)) {}
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  MDB_env* raw() const { return env_; }
  // Precondition: no transaction of this process is active.
  Status SetMapSize(uint64_t bytes);
  uint64_t MapSize() const;
  size_t MaxKeySize() const;
  // Flushes every committed transaction to the disk (mdb_env_sync, forced).
  Status Sync();
  Status Error(int rc, std::string_view context) const { return MdbStatus(rc, context, data_dir_); }

 private:
  MDB_env* env_;
  std::string data_dir_;
};

// A named database handle. Handles live as long as the Env and need no closing, so Dbi is a
// plain value.
struct Dbi {
  MDB_dbi handle = 0;
};

// Common part of read and write transactions. Move-only; aborts on destruction unless ended.
class Txn {
 public:
  Txn(Txn&& other) noexcept;
  Txn& operator=(Txn&& other) noexcept;
  ~Txn();

  MDB_txn* raw() const { return txn_; }
  const Env& env() const { return *env_; }
  // The returned view points into the map: valid until this txn ends or next writes to `dbi`.
  Result<std::string_view> Get(Dbi dbi, std::string_view key) const;
  void Abort();

 protected:
  Txn(const Env* env, MDB_txn* txn) : env_(env), txn_(txn) {}
  const Env* env_;
  MDB_txn* txn_;
};

class ReadTxn : public Txn {
 public:
  static Result<ReadTxn> Begin(const Env& env);

 private:
  using Txn::Txn;
};

class WriteTxn : public Txn {
 public:
  // Thread-bound: use, commit or abort it on the beginning thread only.
  static Result<WriteTxn> Begin(const Env& env);
  // Creates the named database if missing.
  Result<Dbi> OpenDbi(const char* name);
  Status Put(Dbi dbi, std::string_view key, std::string_view value);
  // NotFound if the key does not exist.
  Status Delete(Dbi dbi, std::string_view key);
  Status Commit();

 private:
  using Txn::Txn;
};

// A cursor over one database inside a live transaction (which it must not outlive).
// After any positioning call, Valid() says whether it stands on an entry; errors other than
// "no such entry" are returned as Status.
class Cursor {
 public:
  static Result<Cursor> Open(const Txn& txn, Dbi dbi);
  Cursor(Cursor&& other) noexcept;
  Cursor& operator=(Cursor&& other) noexcept;
  ~Cursor();

  Status SeekFirst() { return Move(MDB_FIRST, {}); }
  Status SeekLast() { return Move(MDB_LAST, {}); }
  // First entry with key >= `key`.
  Status Seek(std::string_view key) { return Move(MDB_SET_RANGE, key); }
  Status Next() { return Move(MDB_NEXT, {}); }
  Status Prev() { return Move(MDB_PREV, {}); }
  bool Valid() const { return valid_; }
  std::string_view key() const { return FromVal(key_); }
  std::string_view value() const { return FromVal(value_); }

 private:
  Cursor(const Env* env, MDB_cursor* cursor) : env_(env), cursor_(cursor) {}
  Status Move(MDB_cursor_op op, std::string_view key);

  const Env* env_;
  MDB_cursor* cursor_;
  bool valid_ = false;
  MDB_val key_{};
  MDB_val value_{};
};

}  // namespace shale::storage::lmdb
