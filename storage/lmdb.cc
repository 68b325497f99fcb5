#include "storage/lmdb.h"

#include <string>
#include <utility>

namespace shale::storage::lmdb {

Status MdbStatus(int rc, std::string_view context, std::string_view data_dir) {
  if (rc == MDB_SUCCESS) return Status::OK();
  std::string msg(context);
  msg += ": ";
  msg += mdb_strerror(rc);
  switch (rc) {
    case MDB_NOTFOUND:
      return Status::NotFound(msg);
    case MDB_MAP_FULL:
      return Status::NoSpace(std::string(kMapFullTag) + ": " + msg);
    case MDB_TXN_FULL:
      return Status::NoSpace(msg + " (index batch too large)");
    case MDB_READERS_FULL:
      return Status::Unavailable(msg);
    case MDB_MAP_RESIZED:
      return Status::Aborted(msg);
    case MDB_CORRUPTED:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
    case MDB_PAGE_NOTFOUND:
    case MDB_INCOMPATIBLE:
    case MDB_PANIC:
      return Status::Corruption(
          msg + "; the index is damaged: rebuild it with `shale rebuild-index --data " +
          std::string(data_dir.empty() ? "DIR" : data_dir) + "`");
    case MDB_BAD_VALSIZE:
      return Status::InvalidArgument(msg);
    default:
      if (rc > 0) return Status::FromErrno(rc, context);
      return Status::Internal(msg);
  }
}

bool IsMapFull(const Status& s) {
  return s.code() == StatusCode::kNoSpace && s.message().starts_with(kMapFullTag);
}

Result<std::unique_ptr<Env>> Env::Open(const std::string& path, const EnvOptions& options) {
  MDB_env* raw = nullptr;
  int rc = mdb_env_create(&raw);
  if (rc != 0) return MdbStatus(rc, "mdb_env_create", options.data_dir);
  // Owned from here on, so every early return closes it.
  auto env = std::make_unique<Env>(raw, options.data_dir);
  rc = mdb_env_set_mapsize(raw, options.map_size);
  if (rc != 0) return env->Error(rc, "mdb_env_set_mapsize");
  rc = mdb_env_set_maxdbs(raw, options.max_dbs);
  if (rc != 0) return env->Error(rc, "mdb_env_set_maxdbs");
  rc = mdb_env_set_maxreaders(raw, options.max_readers);
  if (rc != 0) return env->Error(rc, "mdb_env_set_maxreaders");
  const unsigned flags = MDB_NOTLS | (options.sync_commits ? 0u : unsigned{MDB_NOSYNC});
  rc = mdb_env_open(raw, path.c_str(), flags, 0644);
  if (rc != 0) return env->Error(rc, "open LMDB environment " + path);
  return env;
}

Env::~Env() { mdb_env_close(env_); }

Status Env::SetMapSize(uint64_t bytes) {
  return Error(mdb_env_set_mapsize(env_, bytes), "mdb_env_set_mapsize");
}

uint64_t Env::MapSize() const {
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  return info.me_mapsize;
}

Status Env::Sync() { return Error(mdb_env_sync(env_, 1), "mdb_env_sync"); }

size_t Env::MaxKeySize() const { return static_cast<size_t>(mdb_env_get_maxkeysize(env_)); }

Txn::Txn(Txn&& other) noexcept : env_(other.env_), txn_(std::exchange(other.txn_, nullptr)) {}

Txn& Txn::operator=(Txn&& other) noexcept {
  if (this != &other) {
    Abort();
    env_ = other.env_;
    txn_ = std::exchange(other.txn_, nullptr);
  }
  return *this;
}

Txn::~Txn() { Abort(); }

void Txn::Abort() {
  if (txn_ != nullptr) mdb_txn_abort(std::exchange(txn_, nullptr));
}

Result<std::string_view> Txn::Get(Dbi dbi, std::string_view key) const {
  MDB_val k = ToVal(key);
  MDB_val v;
  int rc = mdb_get(txn_, dbi.handle, &k, &v);
  if (rc != 0) return env_->Error(rc, "mdb_get");
  return FromVal(v);
}

Result<ReadTxn> ReadTxn::Begin(const Env& env) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env.raw(), nullptr, MDB_RDONLY, &txn);
  if (rc != 0) return env.Error(rc, "begin read txn");
  return ReadTxn(&env, txn);
}

Result<WriteTxn> WriteTxn::Begin(const Env& env) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env.raw(), nullptr, 0, &txn);
  if (rc != 0) return env.Error(rc, "begin write txn");
  return WriteTxn(&env, txn);
}

Result<Dbi> WriteTxn::OpenDbi(const char* name) {
  Dbi dbi;
  int rc = mdb_dbi_open(txn_, name, MDB_CREATE, &dbi.handle);
  if (rc != 0) return env_->Error(rc, std::string("open database ") + name);
  return dbi;
}

Status WriteTxn::Put(Dbi dbi, std::string_view key, std::string_view value) {
  MDB_val k = ToVal(key);
  MDB_val v = ToVal(value);
  return env_->Error(mdb_put(txn_, dbi.handle, &k, &v, 0), "mdb_put");
}

Status WriteTxn::Delete(Dbi dbi, std::string_view key) {
  MDB_val k = ToVal(key);
  return env_->Error(mdb_del(txn_, dbi.handle, &k, nullptr), "mdb_del");
}

Status WriteTxn::Commit() {
  // mdb_txn_commit frees the txn even when it fails.
  return env_->Error(mdb_txn_commit(std::exchange(txn_, nullptr)), "mdb_txn_commit");
}

Result<Cursor> Cursor::Open(const Txn& txn, Dbi dbi) {
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn.raw(), dbi.handle, &cursor);
  if (rc != 0) return txn.env().Error(rc, "mdb_cursor_open");
  return Cursor(&txn.env(), cursor);
}

Cursor::Cursor(Cursor&& other) noexcept
    : env_(other.env_),
      cursor_(std::exchange(other.cursor_, nullptr)),
      valid_(other.valid_),
      key_(other.key_),
      value_(other.value_) {}

Cursor& Cursor::operator=(Cursor&& other) noexcept {
  if (this != &other) {
    if (cursor_ != nullptr) mdb_cursor_close(cursor_);
    env_ = other.env_;
    cursor_ = std::exchange(other.cursor_, nullptr);
    valid_ = other.valid_;
    key_ = other.key_;
    value_ = other.value_;
  }
  return *this;
}

Cursor::~Cursor() {
  if (cursor_ != nullptr) mdb_cursor_close(cursor_);
}

Status Cursor::Move(MDB_cursor_op op, std::string_view key) {
  if (op == MDB_SET_RANGE) key_ = ToVal(key);
  int rc = mdb_cursor_get(cursor_, &key_, &value_, op);
  valid_ = rc == 0;
  if (rc == 0 || rc == MDB_NOTFOUND) return Status::OK();
  return env_->Error(rc, "mdb_cursor_get");
}

}  // namespace shale::storage::lmdb
