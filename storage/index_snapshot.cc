#include "storage/index_snapshot.h"

#include "storage/byte_codec.h"

namespace shale::storage {

std::string SegmentRecordKey(uint32_t segment_id, uint64_t offset) {
  std::string k = BigEndian32(segment_id);
  PutBE(&k, offset, 8);
  return k;
}

std::string RepairIdKey(RecordKind kind, std::string_view id) {
  std::string k(1, static_cast<char>(kind));
  k.append(id);
  return k;
}

Result<ShardEntry> LookupShard(const lmdb::Txn& txn, const IndexTables& t, std::string_view id) {
  if (id.empty() || id.size() > kMaxShardIdSize) {
    return Status::InvalidArgument("shard id must be 1..255 bytes");
  }
  SHALE_ASSIGN_OR_RETURN(std::string_view v, txn.Get(t.shards, id));
  return DecodeShardEntry(v);
}

Result<MetadataEntry> LookupVersion(const lmdb::Txn& txn, const IndexTables& t,
                                    std::string_view encoded_key) {
  SHALE_ASSIGN_OR_RETURN(std::string_view v, t.versions->Get(txn, encoded_key));
  return DecodeMetadataEntry(v);
}

Result<BucketEntry> LookupBucket(const lmdb::Txn& txn, const IndexTables& t,
                                 std::string_view name) {
  SHALE_RETURN_IF_ERROR(ValidateBucketName(name));
  SHALE_ASSIGN_OR_RETURN(std::string_view v, txn.Get(t.buckets, name));
  return DecodeMetadataEntry(v);
}

Result<SegmentStats> LookupSegmentStats(const lmdb::Txn& txn, const IndexTables& t,
                                        uint32_t segment_id) {
  SHALE_ASSIGN_OR_RETURN(std::string_view v, txn.Get(t.segments, BigEndian32(segment_id)));
  return DecodeSegmentStats(v);
}

Result<uint64_t> LookupMetaU64(const lmdb::Txn& txn, const IndexTables& t, std::string_view name) {
  SHALE_ASSIGN_OR_RETURN(std::string_view v, txn.Get(t.meta, name));
  ByteReader r(v);
  uint64_t value = r.U64();
  if (!r.Done()) return Status::Corruption("bad index meta value " + std::string(name));
  return value;
}

Result<ShardEntry> IndexSnapshot::GetShard(std::string_view id) const {
  return LookupShard(txn_, *tables_, id);
}

Result<VersionEntry> IndexSnapshot::GetVersion(std::string_view bucket, std::string_view key,
                                               const VersionId& version) const {
  SHALE_ASSIGN_OR_RETURN(std::string k, EncodeVersionKey(bucket, key, version));
  return LookupVersion(txn_, *tables_, k);
}

Result<VersionListEntry> IndexSnapshot::GetLatestVersion(std::string_view bucket,
                                                         std::string_view key) const {
  ListVersionsOptions options;
  options.bucket = std::string(bucket);
  options.prefix = std::string(key);
  options.limit = 1;
  options.latest_only = true;  // Skips purged versions.
  SHALE_ASSIGN_OR_RETURN(VersionListing listing, ListVersions(options));
  if (listing.entries.empty() || listing.entries[0].key != key) {
    return Status::NotFound("no version of the key");
  }
  return std::move(listing.entries[0]);
}

Result<BucketEntry> IndexSnapshot::GetBucket(std::string_view name) const {
  return LookupBucket(txn_, *tables_, name);
}

Result<std::vector<BucketListEntry>> IndexSnapshot::ListBuckets() const {
  std::vector<BucketListEntry> out;
  SHALE_ASSIGN_OR_RETURN(lmdb::Cursor c, lmdb::Cursor::Open(txn_, tables_->buckets));
  SHALE_RETURN_IF_ERROR(c.SeekFirst());
  while (c.Valid()) {
    SHALE_ASSIGN_OR_RETURN(BucketEntry e, DecodeMetadataEntry(c.value()));
    out.push_back(BucketListEntry{std::string(c.key()), std::move(e)});
    SHALE_RETURN_IF_ERROR(c.Next());
  }
  return out;
}

Result<SegmentStats> IndexSnapshot::GetSegmentStats(uint32_t segment_id) const {
  return LookupSegmentStats(txn_, *tables_, segment_id);
}

Result<std::vector<SegmentStatsEntry>> IndexSnapshot::ListSegmentStats() const {
  std::vector<SegmentStatsEntry> out;
  SHALE_ASSIGN_OR_RETURN(lmdb::Cursor c, lmdb::Cursor::Open(txn_, tables_->segments));
  SHALE_RETURN_IF_ERROR(c.SeekFirst());
  while (c.Valid()) {
    if (c.key().size() != 4) return Status::Corruption("bad segment stats key");
    SHALE_ASSIGN_OR_RETURN(SegmentStats s, DecodeSegmentStats(c.value()));
    out.push_back(SegmentStatsEntry{static_cast<uint32_t>(GetBE(c.key(), 4)), s});
    SHALE_RETURN_IF_ERROR(c.Next());
  }
  return out;
}

// latest_only steps over at most this many older versions of a key before seeking past them.
constexpr int kMaxVersionSteps = 4;

Result<VersionListing> IndexSnapshot::ListVersions(const ListVersionsOptions& options) const {
  SHALE_ASSIGN_OR_RETURN(std::string range, EncodeKeyPrefix(options.bucket, options.prefix));
  std::string target = range;
  bool skip_equal = false;
  if (options.start_after_key) {
    std::string after;
    if (options.start_after_version && !options.latest_only) {
      SHALE_ASSIGN_OR_RETURN(after, EncodeVersionKey(options.bucket, *options.start_after_key,
                                                     *options.start_after_version));
      skip_equal = true;
    } else {
      SHALE_ASSIGN_OR_RETURN(after,
                             EncodeObjectSuccessor(options.bucket, *options.start_after_key));
    }
    if (after > target) target = std::move(after);
  }
  VersionListing listing;
  LongKeyTable::Iterator it = tables_->versions->NewIterator(txn_);
  SHALE_RETURN_IF_ERROR(it.Seek(target));
  if (skip_equal && it.Valid() && it.key() == target) SHALE_RETURN_IF_ERROR(it.Next());
  uint64_t bytes = 0;
  while (it.Valid() && it.key().starts_with(range)) {
    SHALE_ASSIGN_OR_RETURN(VersionEntry e, DecodeMetadataEntry(it.value()));
    if (options.latest_only && (e.flags & kEntryPurged)) {
      // The newest non-purged version stands for the key: look at the next older one.
      SHALE_RETURN_IF_ERROR(it.Next());
      continue;
    }
    if (listing.entries.size() >= options.limit ||
        (options.max_bytes > 0 && bytes >= options.max_bytes)) {
      listing.truncated = true;
      break;
    }
    SHALE_ASSIGN_OR_RETURN(VersionKey vk, DecodeVersionKey(it.key()));
    bytes += vk.key.size() + e.payload.size();
    listing.entries.push_back(VersionListEntry{std::move(vk.key), vk.version, std::move(e)});
    SHALE_RETURN_IF_ERROR(it.Next());
    if (options.latest_only) {
      // Skip the key's older versions: step over a few, seek past many.
      SHALE_ASSIGN_OR_RETURN(std::string same,
                             EncodeObjectStart(options.bucket, listing.entries.back().key));
      for (int steps = 0; it.Valid() && it.key().starts_with(same); ++steps) {
        if (steps == kMaxVersionSteps) {
          same.back() = '\x01';  // The key's successor (version_key.h).
          SHALE_RETURN_IF_ERROR(it.Seek(same));
          break;
        }
        SHALE_RETURN_IF_ERROR(it.Next());
      }
    }
  }
  return listing;
}

Result<VersionScan> IndexSnapshot::ScanVersions(const VersionScanOptions& options) const {
  std::string target;
  if (options.start_after) {
    const VersionKey& after = *options.start_after;
    SHALE_ASSIGN_OR_RETURN(target, EncodeVersionKey(after.bucket, after.key, after.version));
  }
  VersionScan scan;
  LongKeyTable::Iterator it = tables_->versions->NewIterator(txn_);
  SHALE_RETURN_IF_ERROR(it.Seek(target));
  if (options.start_after && it.Valid() && it.key() == target) SHALE_RETURN_IF_ERROR(it.Next());
  uint64_t bytes = 0;
  while (it.Valid()) {
    if (scan.entries.size() >= options.limit ||
        (options.max_bytes > 0 && bytes >= options.max_bytes)) {
      scan.truncated = true;
      break;
    }
    SHALE_ASSIGN_OR_RETURN(VersionKey vk, DecodeVersionKey(it.key()));
    SHALE_ASSIGN_OR_RETURN(VersionEntry e, DecodeMetadataEntry(it.value()));
    bytes += vk.bucket.size() + vk.key.size() + e.payload.size();
    scan.entries.push_back(VersionScanEntry{std::move(vk), std::move(e)});
    SHALE_RETURN_IF_ERROR(it.Next());
  }
  return scan;
}

Result<std::vector<ShardListEntry>> IndexSnapshot::ListShards(std::string_view start_after,
                                                              size_t limit) const {
  std::vector<ShardListEntry> out;
  SHALE_ASSIGN_OR_RETURN(lmdb::Cursor c, lmdb::Cursor::Open(txn_, tables_->shards));
  if (start_after.empty()) {
    SHALE_RETURN_IF_ERROR(c.SeekFirst());
  } else {
    SHALE_RETURN_IF_ERROR(c.Seek(start_after));
    if (c.Valid() && c.key() == start_after) SHALE_RETURN_IF_ERROR(c.Next());
  }
  while (c.Valid() && out.size() < limit) {
    SHALE_ASSIGN_OR_RETURN(ShardEntry e, DecodeShardEntry(c.value()));
    out.push_back(ShardListEntry{std::string(c.key()), e});
    SHALE_RETURN_IF_ERROR(c.Next());
  }
  return out;
}

Result<std::vector<SegmentRecordRef>> IndexSnapshot::ListSegmentRecords(uint32_t segment_id,
                                                                        uint64_t start_offset,
                                                                        size_t limit) const {
  std::vector<SegmentRecordRef> out;
  std::string prefix = BigEndian32(segment_id);
  SHALE_ASSIGN_OR_RETURN(lmdb::Cursor c, lmdb::Cursor::Open(txn_, tables_->by_segment));
  SHALE_RETURN_IF_ERROR(c.Seek(SegmentRecordKey(segment_id, start_offset)));
  while (c.Valid() && c.key().starts_with(prefix) && out.size() < limit) {
    if (c.key().size() != 12) return Status::Corruption("bad by_segment key");
    SHALE_ASSIGN_OR_RETURN(SegmentRecordRef r,
                           DecodeSegmentRecordRef(GetBE(c.key().substr(4), 8), c.value()));
    out.push_back(std::move(r));
    SHALE_RETURN_IF_ERROR(c.Next());
  }
  return out;
}

Result<std::vector<RepairItem>> IndexSnapshot::PeekRepairs(size_t limit) const {
  std::vector<RepairItem> out;
  SHALE_ASSIGN_OR_RETURN(lmdb::Cursor c, lmdb::Cursor::Open(txn_, tables_->repair));
  SHALE_RETURN_IF_ERROR(c.SeekFirst());
  while (c.Valid() && out.size() < limit) {
    if (c.key().size() != 8) return Status::Corruption("bad repair queue key");
    SHALE_ASSIGN_OR_RETURN(RepairItem item, DecodeRepairItem(GetBE(c.key(), 8), c.value()));
    out.push_back(std::move(item));
    SHALE_RETURN_IF_ERROR(c.Next());
  }
  return out;
}

Result<uint64_t> IndexSnapshot::RepairCount() const {
  MDB_stat stat;
  int rc = mdb_stat(txn_.raw(), tables_->repair.handle, &stat);
  if (rc != 0) return txn_.env().Error(rc, "mdb_stat repair");
  return uint64_t{stat.ms_entries};
}

Result<IndexMeta> IndexSnapshot::GetMeta() const {
  IndexMeta meta;
  SHALE_ASSIGN_OR_RETURN(std::string_view fv, txn_.Get(tables_->meta, kMetaFormatVersion));
  ByteReader r(fv);
  meta.format_version = r.U32();
  if (!r.Done()) return Status::Corruption("bad index format version value");
  for (auto [name, out] :
       {std::pair{kMetaNodeId, &meta.node_id}, std::pair{kMetaClusterId, &meta.cluster_id}}) {
    Result<std::string_view> v = txn_.Get(tables_->meta, name);
    if (v.ok()) *out = std::string(*v);
    if (!v.ok() && !v.status().IsNotFound()) return v.status();
  }
  Result<uint64_t> last = LookupMetaU64(txn_, *tables_, kMetaLastSequence);
  if (last.ok()) meta.last_applied_sequence = *last;
  if (!last.ok() && !last.status().IsNotFound()) return last.status();
  return meta;
}

Result<std::string> IndexSnapshot::GetMetaValue(std::string_view name) const {
  SHALE_ASSIGN_OR_RETURN(std::string_view v, txn_.Get(tables_->meta, name));
  return std::string(v);
}

}  // namespace shale::storage
