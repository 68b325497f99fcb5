#include "storage/index.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <optional>
#include <type_traits>
#include <vector>

#include "storage/byte_codec.h"

namespace shale::storage {
namespace {

std::string U64Value(uint64_t v) {
  std::string s;
  PutLE(&s, v, 8);
  return s;
}

// Runs the ops of one batch inside one write transaction.
class BatchApplier {
 public:
  BatchApplier(lmdb::WriteTxn& txn, const IndexTables& t) : txn_(txn), t_(t) {}

  Status Run(const IndexBatch::Op& op) {
    return std::visit([this](const auto& o) { return Do(o); }, op);
  }

 private:
  // An entry about to be replaced or deleted: what its accounting needs.
  struct Old {
    RecordLocation location;
    uint64_t sequence;
  };

  template <typename T>
  static Result<std::optional<T>> Optional(Result<T> r) {
    if (r.ok()) return std::optional<T>(std::move(r).value());
    if (r.status().IsNotFound()) return std::optional<T>();
    return r.status();
  }

  Status IgnoreNotFound(Status s) { return s.IsNotFound() ? Status::OK() : s; }

  Status AdjustLive(uint32_t segment_id, uint64_t bytes, bool add) {
    SHALE_ASSIGN_OR_RETURN(std::optional<SegmentStats> found,
                           Optional(LookupSegmentStats(txn_, t_, segment_id)));
    SegmentStats s = found.value_or(SegmentStats{});
    // Clamped: an accounting drift must not make every later write fail.
    s.live_bytes = add ? s.live_bytes + bytes : (s.live_bytes > bytes ? s.live_bytes - bytes : 0);
    return txn_.Put(t_.segments, BigEndian32(segment_id), EncodeSegmentStats(s));
  }

  // Moves the live-bytes and by_segment accounting from `old` (if any) to `now` (if any).
  Status Account(RecordKind kind, std::string_view id, const std::optional<Old>& old,
                 const RecordLocation* now) {
    if (old) {
      const RecordLocation& l = old->location;
      SHALE_RETURN_IF_ERROR(
          IgnoreNotFound(txn_.Delete(t_.by_segment, SegmentRecordKey(l.segment_id, l.offset))));
      SHALE_RETURN_IF_ERROR(AdjustLive(l.segment_id, l.length, /*add=*/false));
    }
    if (now) {
      SegmentRecordRef ref{now->offset, now->length, kind, std::string(id)};
      SHALE_RETURN_IF_ERROR(txn_.Put(t_.by_segment, SegmentRecordKey(now->segment_id, now->offset),
                                     EncodeSegmentRecordRef(ref)));
      SHALE_RETURN_IF_ERROR(AdjustLive(now->segment_id, now->length, /*add=*/true));
    }
    return Status::OK();
  }

  template <typename Entry>
  static std::optional<Old> OldOf(const std::optional<Entry>& e) {
    if (!e) return std::nullopt;
    return Old{e->location, e->sequence};
  }

  // Newer (or equal) wins.
  template <typename Entry>
  static bool Superseded(const std::optional<Entry>& stored, uint64_t sequence) {
    return stored && stored->sequence > sequence;
  }

  // "Newer wins" put: replaces `stored` unless it has a larger sequence, moving the accounting.
  template <typename Entry, typename Write>
  Status PutIfNewer(RecordKind kind, std::string_view id, Result<Entry> stored, const Entry& e,
                    Write write) {
    SHALE_ASSIGN_OR_RETURN(std::optional<Entry> old, Optional(std::move(stored)));
    if (Superseded(old, e.sequence)) return Status::OK();
    SHALE_RETURN_IF_ERROR(Account(kind, id, OldOf(old), &e.location));
    return write();
  }
  template <typename Entry, typename Erase>
  Status DeleteIfNewer(RecordKind kind, std::string_view id, Result<Entry> stored,
                       uint64_t sequence, Erase erase) {
    SHALE_ASSIGN_OR_RETURN(std::optional<Entry> old, Optional(std::move(stored)));
    if (!old || Superseded(old, sequence)) return Status::OK();
    SHALE_RETURN_IF_ERROR(Account(kind, id, OldOf(old), nullptr));
    return erase();
  }

  Status Do(const IndexBatch::PutShardOp& op) {
    return PutIfNewer(RecordKind::kShard, op.id, LookupShard(txn_, t_, op.id), op.entry,
                      [&] { return txn_.Put(t_.shards, op.id, EncodeShardEntry(op.entry)); });
  }
  Status Do(const IndexBatch::DeleteShardOp& op) {
    return DeleteIfNewer(RecordKind::kShard, op.id, LookupShard(txn_, t_, op.id), op.sequence,
                         [&] { return txn_.Delete(t_.shards, op.id); });
  }
  Status Do(const IndexBatch::PutVersionOp& op) {
    SHALE_ASSIGN_OR_RETURN(std::string k, EncodeVersionKey(op.bucket, op.key, op.version));
    return PutIfNewer(RecordKind::kVersion, k, LookupVersion(txn_, t_, k), op.entry,
                      [&] { return t_.versions->Put(txn_, k, EncodeMetadataEntry(op.entry)); });
  }
  Status Do(const IndexBatch::DeleteVersionOp& op) {
    SHALE_ASSIGN_OR_RETURN(std::string k, EncodeVersionKey(op.bucket, op.key, op.version));
    return DeleteIfNewer(RecordKind::kVersion, k, LookupVersion(txn_, t_, k), op.sequence,
                         [&] { return t_.versions->Delete(txn_, k); });
  }
  Status Do(const IndexBatch::PutBucketOp& op) {
    return PutIfNewer(RecordKind::kBucket, op.name, LookupBucket(txn_, t_, op.name), op.entry,
                      [&] { return txn_.Put(t_.buckets, op.name, EncodeMetadataEntry(op.entry)); });
  }
  Status Do(const IndexBatch::DeleteBucketOp& op) {
    return DeleteIfNewer(RecordKind::kBucket, op.name, LookupBucket(txn_, t_, op.name), op.sequence,
                         [&] { return txn_.Delete(t_.buckets, op.name); });
  }
  Status Do(const IndexBatch::MarkBadOp& op) {
    switch (op.kind) {
      case RecordKind::kShard: {
        SHALE_ASSIGN_OR_RETURN(auto e, Optional(LookupShard(txn_, t_, op.id)));
        if (!e) return Status::OK();
        e->flags |= kEntryBad;
        return txn_.Put(t_.shards, op.id, EncodeShardEntry(*e));
      }
      case RecordKind::kVersion: {
        SHALE_ASSIGN_OR_RETURN(auto e, Optional(LookupVersion(txn_, t_, op.id)));
        if (!e) return Status::OK();
        e->flags |= kEntryBad;
        return t_.versions->Put(txn_, op.id, EncodeMetadataEntry(*e));
      }
      case RecordKind::kBucket: {
        SHALE_ASSIGN_OR_RETURN(auto e, Optional(LookupBucket(txn_, t_, op.id)));
        if (!e) return Status::OK();
        e->flags |= kEntryBad;
        return txn_.Put(t_.buckets, op.id, EncodeMetadataEntry(*e));
      }
      case RecordKind::kObjectHint:
        break;  // A repair item only: there is no entry to mark.
    }
    return Status::InvalidArgument("unknown record kind");
  }
  Status Do(const IndexBatch::SegmentOp& op) {
    using Kind = IndexBatch::SegmentOp::Kind;
    std::string key = BigEndian32(op.segment_id);
    if (op.kind == Kind::kDelete) {
      SHALE_RETURN_IF_ERROR(CheckSegmentEmpty(op.segment_id));
      return IgnoreNotFound(txn_.Delete(t_.segments, key));
    }
    SHALE_ASSIGN_OR_RETURN(std::optional<SegmentStats> found,
                           Optional(LookupSegmentStats(txn_, t_, op.segment_id)));
    SegmentStats s = found.value_or(SegmentStats{});
    if (op.kind == Kind::kAddTotalBytes) s.total_bytes += op.value;
    if (op.kind == Kind::kSetIndexedUpTo) s.indexed_up_to = op.value;
    if (op.kind == Kind::kSeal) s.sealed = true;
    return txn_.Put(t_.segments, key, EncodeSegmentStats(s));
  }
  // A segment may only be forgotten once nothing in the index points into it.
  Status CheckSegmentEmpty(uint32_t segment_id) {
    std::string prefix = BigEndian32(segment_id);
    SHALE_ASSIGN_OR_RETURN(lmdb::Cursor c, lmdb::Cursor::Open(txn_, t_.by_segment));
    SHALE_RETURN_IF_ERROR(c.Seek(prefix));
    if (c.Valid() && c.key().starts_with(prefix)) {
      return Status::FailedPrecondition("segment " + std::to_string(segment_id) +
                                        " still holds records the index points at");
    }
    return Status::OK();
  }
  Status Do(const IndexBatch::EnqueueRepairOp& op) {
    std::string id_key = RepairIdKey(op.item.kind, op.item.id);
    Result<std::string_view> queued = txn_.Get(t_.repair_ids, id_key);
    if (queued.ok()) return Status::OK();  // Already queued: keep its place.
    SHALE_RETURN_IF_ERROR(IgnoreNotFound(queued.status()));
    SHALE_ASSIGN_OR_RETURN(std::optional<uint64_t> next,
                           Optional(LookupMetaU64(txn_, t_, kMetaNextRepairSeq)));
    uint64_t seq = next.value_or(1);
    RepairItem item = op.item;
    item.seq = seq;
    SHALE_RETURN_IF_ERROR(txn_.Put(t_.repair, BigEndian64(seq), EncodeRepairItem(item)));
    SHALE_RETURN_IF_ERROR(txn_.Put(t_.repair_ids, id_key, U64Value(seq)));
    return txn_.Put(t_.meta, kMetaNextRepairSeq, U64Value(seq + 1));
  }
  Status Do(const IndexBatch::RemoveRepairOp& op) {
    std::string key = BigEndian64(op.seq);
    Result<std::string_view> v = txn_.Get(t_.repair, key);
    if (v.status().IsNotFound()) return Status::OK();
    SHALE_RETURN_IF_ERROR(v.status());
    SHALE_ASSIGN_OR_RETURN(RepairItem item, DecodeRepairItem(op.seq, *v));
    SHALE_RETURN_IF_ERROR(
        IgnoreNotFound(txn_.Delete(t_.repair_ids, RepairIdKey(item.kind, item.id))));
    return txn_.Delete(t_.repair, key);
  }
  Status Do(const IndexBatch::SetIdentityOp& op) {
    SHALE_RETURN_IF_ERROR(txn_.Put(t_.meta, kMetaNodeId, op.node_id));
    return txn_.Put(t_.meta, kMetaClusterId, op.cluster_id);
  }
  Status Do(const IndexBatch::SetMetaOp& op) { return txn_.Put(t_.meta, op.name, op.value); }
  Status Do(const IndexBatch::SetLastSequenceOp& op) {
    SHALE_ASSIGN_OR_RETURN(std::optional<uint64_t> last,
                           Optional(LookupMetaU64(txn_, t_, kMetaLastSequence)));
    if (last && *last >= op.sequence) return Status::OK();
    return txn_.Put(t_.meta, kMetaLastSequence, U64Value(op.sequence));
  }

  lmdb::WriteTxn& txn_;   // Borrowed for one ApplyOnce.
  const IndexTables& t_;  // Owned by the Index.
};

// Opens every database and checks (or, for a new index, writes) the format version.
Result<IndexTables> InitTables(const lmdb::Env& env, const std::string& data_dir) {
  SHALE_ASSIGN_OR_RETURN(lmdb::WriteTxn txn, lmdb::WriteTxn::Begin(env));
  IndexTables t;
  std::pair<lmdb::Dbi*, const char*> dbs[] = {
      {&t.shards, "shards"},     {&t.buckets, "buckets"},
      {&t.segments, "segments"}, {&t.by_segment, "by_segment"},
      {&t.repair, "repair"},     {&t.repair_ids, "repair_ids"},
      {&t.meta, "meta"}};
  for (auto [dbi, name] : dbs) {
    SHALE_ASSIGN_OR_RETURN(*dbi, txn.OpenDbi(name));
  }
  SHALE_ASSIGN_OR_RETURN(LongKeyTable versions, LongKeyTable::Open(txn, "versions"));
  t.versions.emplace(versions);
  Result<std::string_view> fv = txn.Get(t.meta, kMetaFormatVersion);
  if (fv.status().IsNotFound()) {
    std::string v;
    PutLE(&v, kIndexFormatVersion, 4);
    SHALE_RETURN_IF_ERROR(txn.Put(t.meta, kMetaFormatVersion, v));
  } else {
    SHALE_RETURN_IF_ERROR(fv.status());
    ByteReader r(*fv);
    uint32_t version = r.U32();
    if (!r.Done() || version != kIndexFormatVersion) {
      return Status::Corruption("index format version is not " +
                                std::to_string(kIndexFormatVersion) +
                                "; rebuild it with `shale rebuild-index --data " + data_dir + "`");
    }
  }
  SHALE_RETURN_IF_ERROR(txn.Commit());
  return t;
}

}  // namespace

Result<std::unique_ptr<Index>> Index::Open(const std::string& dir, const IndexOptions& options) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status::FromErrno(errno, "mkdir " + dir);
  }
  std::string data_dir = std::filesystem::path(dir).parent_path().string();
  if (data_dir.empty()) data_dir.push_back('.');
  lmdb::EnvOptions env_options;
  env_options.map_size = options.initial_map_size;
  env_options.max_dbs = 16;
  env_options.max_readers = options.max_readers;
  env_options.data_dir = data_dir;
  SHALE_ASSIGN_OR_RETURN(std::unique_ptr<lmdb::Env> env, lmdb::Env::Open(dir, env_options));
  for (;;) {
    Result<IndexTables> tables = InitTables(*env, data_dir);
    if (tables.ok()) {
      return std::make_unique<Index>(std::move(env), std::move(tables).value(), options);
    }
    uint64_t size = env->MapSize();
    if (!lmdb::IsMapFull(tables.status()) || size >= options.max_map_size) {
      return tables.status();
    }
    SHALE_RETURN_IF_ERROR(env->SetMapSize(std::min(size * 2, options.max_map_size)));
  }
}

Status Index::Destroy(const std::string& dir) {
  for (const char* name : {"/data.mdb", "/lock.mdb"}) {
    std::string path = dir + name;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return Status::FromErrno(errno, "unlink " + path);
    }
  }
  if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) return Status::FromErrno(errno, "rmdir " + dir);
  return Status::OK();
}

Index::Index(std::unique_ptr<lmdb::Env> env, IndexTables tables, IndexOptions options)
    : env_(std::move(env)), tables_(std::move(tables)), options_(options) {}

Status Index::ApplyOnce(const IndexBatch& batch) {
  SHALE_ASSIGN_OR_RETURN(lmdb::WriteTxn txn, lmdb::WriteTxn::Begin(*env_));
  BatchApplier applier(txn, tables_);
  for (const IndexBatch::Op& op : batch.ops()) SHALE_RETURN_IF_ERROR(applier.Run(op));
  return txn.Commit();
}

Status Index::Apply(const IndexBatch& batch) {
  std::lock_guard<std::mutex> writer(write_mu_);
  for (;;) {
    Status s;
    uint64_t size;
    {
      std::shared_lock<std::shared_mutex> txns(resize_mu_);
      size = env_->MapSize();
      s = ApplyOnce(batch);  // Its txn has ended (committed or aborted) when this returns.
    }
    if (!lmdb::IsMapFull(s)) return s;
    if (size >= options_.max_map_size) {
      return Status::NoSpace("index map is full at max_map_size (" + std::to_string(size) +
                             " bytes)");
    }
    std::lock_guard<std::mutex> gate(gate_);                 // Holds off new snapshots,
    std::unique_lock<std::shared_mutex> resize(resize_mu_);  // waits for the open ones.
    SHALE_RETURN_IF_ERROR(env_->SetMapSize(std::min(size * 2, options_.max_map_size)));
  }
}

Result<IndexSnapshot> Index::Snapshot() const {
  std::unique_lock<std::mutex> gate(gate_);
  std::shared_lock<std::shared_mutex> lock(resize_mu_);
  gate.unlock();
  SHALE_ASSIGN_OR_RETURN(lmdb::ReadTxn txn, lmdb::ReadTxn::Begin(*env_));
  return IndexSnapshot(std::move(lock), std::move(txn), &tables_);
}

Result<ShardEntry> Index::GetShard(std::string_view id) const {
  SHALE_ASSIGN_OR_RETURN(IndexSnapshot snap, Snapshot());
  return snap.GetShard(id);
}

Result<VersionListEntry> Index::GetLatestVersion(std::string_view bucket,
                                                 std::string_view key) const {
  SHALE_ASSIGN_OR_RETURN(IndexSnapshot snap, Snapshot());
  return snap.GetLatestVersion(bucket, key);
}

uint64_t Index::MapSize() const {
  std::shared_lock<std::shared_mutex> lock(resize_mu_);  // Not concurrent with a resize.
  return env_->MapSize();
}

}  // namespace shale::storage
