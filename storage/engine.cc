#include "storage/engine.h"

#include "storage/engine_impl.h"
#include "storage/segment_header.h"

namespace shale::storage {
namespace {

StoredVersion ToStored(std::string bucket, std::string key, const VersionId& version,
                       const MetadataEntry& e, std::pair<VersionKind, std::string> decoded) {
  StoredVersion v;
  v.bucket = std::move(bucket);
  v.key = std::move(key);
  v.version = version;
  v.kind = decoded.first;
  v.payload = std::move(decoded.second);
  v.sequence = e.sequence;
  return v;
}

ShardInfo ToShardInfo(const ShardEntry& e) {
  return ShardInfo{e.payload_length, e.payload_crc32c, e.sequence, (e.flags & kEntryBad) != 0};
}

// The identity recorded in the oldest segment of `dir`.
Result<SegmentHeaderInfo> ReadFirstSegmentHeader(fs::FileSystem& fs, const std::string& dir) {
  const std::string segments = dir + "/" + kSegmentsDirName;
  SHALE_ASSIGN_OR_RETURN(auto names, fs.ListDir(segments));
  std::optional<uint64_t> first;
  for (const auto& name : names) {
    auto id = ParseSegmentFileName(name);
    if (id && (!first || *id < *first)) first = id;
  }
  if (!first) return Status::NotFound("no segment files in " + segments);
  SHALE_ASSIGN_OR_RETURN(auto file,
                         fs.NewRandomAccessFile(segments + "/" + SegmentFileName(*first)));
  SHALE_ASSIGN_OR_RETURN(auto reader, SegmentReader::Open(std::move(file)));
  return reader->header();
}

}  // namespace

Engine::Engine(PassKey, std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  SHALE_RETURN_IF_ERROR(impl->Open());
  return std::make_unique<Engine>(PassKey(), std::move(impl));
}

Status Engine::RebuildIndex(const EngineOptions& options) {
  fs::FileSystem* fs = options.fs ? options.fs : fs::DefaultFileSystem();
  {
    // Hold the directory lock while the index is removed, so no running engine loses it.
    SHALE_ASSIGN_OR_RETURN(auto lock, fs->LockFile(options.dir + "/LOCK"));
    SHALE_RETURN_IF_ERROR(Index::Destroy(options.dir + "/index"));
    SHALE_RETURN_IF_ERROR(fs->CreateDirs(options.dir + "/index"));
  }
  // An empty index replays every segment from its first record.
  EngineOptions rebuild = options;
  if (rebuild.node_id.empty() || rebuild.cluster_id.empty()) {
    SHALE_ASSIGN_OR_RETURN(DataDirIdentity id, ReadSegmentIdentity(options));
    rebuild.node_id = id.node_id;
    rebuild.cluster_id = id.cluster_id;
  }
  rebuild.background_compaction = false;
  rebuild.background_scrub = false;
  SHALE_ASSIGN_OR_RETURN(auto engine, Open(rebuild));
  return Status::OK();
}

Result<DataDirIdentity> Engine::ReadSegmentIdentity(const EngineOptions& options) {
  fs::FileSystem* fs = options.fs ? options.fs : fs::DefaultFileSystem();
  SHALE_ASSIGN_OR_RETURN(SegmentHeaderInfo first, ReadFirstSegmentHeader(*fs, options.dir));
  return DataDirIdentity{std::move(first.node_id), std::move(first.cluster_id)};
}

const EngineOptions& Engine::options() const { return impl_->options(); }

Status Engine::PutShard(std::string_view id, std::string_view data) {
  return impl_->Mutate(WriteOp::Kind::kPut, ShardTarget(id), data);
}

Result<std::string> Engine::GetShard(std::string_view id, uint64_t offset, uint64_t length) {
  return impl_->ReadShard(id, offset, length);
}

Result<ShardInfo> Engine::StatShard(std::string_view id) {
  SHALE_ASSIGN_OR_RETURN(ShardEntry e, impl_->index().GetShard(id));
  return ToShardInfo(e);
}

Result<ShardInfo> Engine::PutShardStream(std::string_view id, uint64_t length,
                                         const ShardSource& source) {
  return impl_->PutShardStream(id, length, source);
}

Status Engine::StreamShard(std::string_view id, uint64_t offset, uint64_t length,
                           const ShardSink& sink) {
  return impl_->StreamShard(id, offset, length, sink);
}

Status Engine::DeleteShard(std::string_view id) {
  return impl_->Mutate(WriteOp::Kind::kDelete, ShardTarget(id));
}

Status Engine::PutVersion(std::string_view bucket, std::string_view key, const VersionId& version,
                          std::string_view payload, VersionKind kind) {
  if (static_cast<uint8_t>(kind) > static_cast<uint8_t>(VersionKind::kPurged)) {
    return Status::InvalidArgument("unknown version kind");
  }
  std::string stored = EncodeStoredVersion(kind, payload);
  return impl_->Mutate(WriteOp::Kind::kPut, VersionTarget(bucket, key, version), stored,
                       VersionFlagsOf(stored));
}

Result<StoredVersion> Engine::GetVersion(std::string_view bucket, std::string_view key,
                                         const VersionId& version) {
  SHALE_ASSIGN_OR_RETURN(auto snap, impl_->index().Snapshot());
  SHALE_ASSIGN_OR_RETURN(MetadataEntry e, snap.GetVersion(bucket, key, version));
  SHALE_ASSIGN_OR_RETURN(auto decoded, DecodeStoredVersion(e.payload));
  return ToStored(std::string(bucket), std::string(key), version, e, std::move(decoded));
}

Result<StoredVersion> Engine::GetLatestVersion(std::string_view bucket, std::string_view key) {
  SHALE_ASSIGN_OR_RETURN(VersionListEntry e, impl_->index().GetLatestVersion(bucket, key));
  SHALE_ASSIGN_OR_RETURN(auto decoded, DecodeStoredVersion(e.entry.payload));
  return ToStored(std::string(bucket), std::move(e.key), e.version, e.entry, std::move(decoded));
}

Status Engine::DeleteVersion(std::string_view bucket, std::string_view key,
                             const VersionId& version) {
  return impl_->Mutate(WriteOp::Kind::kDelete, VersionTarget(bucket, key, version));
}

Result<VersionPage> Engine::ListVersions(const ListVersionsOptions& options) {
  SHALE_ASSIGN_OR_RETURN(auto snap, impl_->index().Snapshot());
  SHALE_ASSIGN_OR_RETURN(VersionListing listing, snap.ListVersions(options));
  VersionPage page;
  page.truncated = listing.truncated;
  page.versions.reserve(listing.entries.size());
  for (auto& e : listing.entries) {
    SHALE_ASSIGN_OR_RETURN(auto decoded, DecodeStoredVersion(e.entry.payload));
    page.versions.push_back(
        ToStored(options.bucket, std::move(e.key), e.version, e.entry, std::move(decoded)));
  }
  return page;
}

Result<VersionPage> Engine::ScanVersions(const VersionScanOptions& options) {
  SHALE_ASSIGN_OR_RETURN(auto snap, impl_->index().Snapshot());
  SHALE_ASSIGN_OR_RETURN(VersionScan scan, snap.ScanVersions(options));
  VersionPage page;
  page.truncated = scan.truncated;
  page.versions.reserve(scan.entries.size());
  for (auto& e : scan.entries) {
    SHALE_ASSIGN_OR_RETURN(auto decoded, DecodeStoredVersion(e.entry.payload));
    page.versions.push_back(ToStored(std::move(e.key.bucket), std::move(e.key.key), e.key.version,
                                     e.entry, std::move(decoded)));
  }
  return page;
}

Status Engine::PutBucket(std::string_view name, std::string_view payload) {
  return impl_->Mutate(WriteOp::Kind::kPut, BucketTarget(name), payload);
}

Result<StoredBucket> Engine::GetBucket(std::string_view name) {
  SHALE_ASSIGN_OR_RETURN(auto snap, impl_->index().Snapshot());
  SHALE_ASSIGN_OR_RETURN(MetadataEntry e, snap.GetBucket(name));
  return StoredBucket{std::string(name), std::move(e.payload)};
}

Status Engine::DeleteBucket(std::string_view name) {
  return impl_->Mutate(WriteOp::Kind::kDelete, BucketTarget(name));
}

Result<std::vector<StoredBucket>> Engine::ListBuckets() {
  SHALE_ASSIGN_OR_RETURN(auto snap, impl_->index().Snapshot());
  SHALE_ASSIGN_OR_RETURN(auto list, snap.ListBuckets());
  std::vector<StoredBucket> out;
  out.reserve(list.size());
  for (auto& b : list) out.push_back(StoredBucket{std::move(b.name), std::move(b.entry.payload)});
  return out;
}

Status Engine::EnqueueObjectRepair(std::string_view bucket, std::string_view key,
                                   const VersionId& version, std::string_view reason) {
  SHALE_ASSIGN_OR_RETURN(Target target, VersionTarget(bucket, key, version));
  WriteOp op;
  op.kind = WriteOp::Kind::kEnqueueHint;
  op.target = &target;
  op.reason = reason;
  return impl_->Submit(op);
}

Result<std::vector<RepairItem>> Engine::PeekRepairs(size_t limit) {
  SHALE_ASSIGN_OR_RETURN(auto snap, impl_->index().Snapshot());
  return snap.PeekRepairs(limit);
}

Status Engine::RemoveRepairs(const std::vector<uint64_t>& seqs) {
  if (seqs.empty()) return Status::OK();
  WriteOp op;
  op.kind = WriteOp::Kind::kRemoveRepairs;
  op.seqs = &seqs;
  return impl_->Submit(op);
}

Result<StepOutcome> Engine::CompactOnce() { return impl_->CompactOnce(); }

Status Engine::StartScrub() { return impl_->StartScrub(); }

Result<StepOutcome> Engine::ScrubOnce() { return impl_->ScrubOnce(); }

void Engine::SetScrubRate(uint64_t rate_bytes_per_sec) { impl_->SetScrubRate(rate_bytes_per_sec); }

Result<uint64_t> Engine::CountShards() {
  constexpr size_t kPage = 4096;
  SHALE_ASSIGN_OR_RETURN(auto snap, impl_->index().Snapshot());
  uint64_t count = 0;
  std::string after;
  for (;;) {
    SHALE_ASSIGN_OR_RETURN(auto page, snap.ListShards(after, kPage));
    count += page.size();
    if (page.size() < kPage) return count;
    after = std::move(page.back().id);
  }
}

Result<ShardListing> Engine::ListShards(std::string_view start_after, size_t limit) {
  SHALE_ASSIGN_OR_RETURN(auto snap, impl_->index().Snapshot());
  SHALE_ASSIGN_OR_RETURN(auto list, snap.ListShards(start_after, limit + 1));
  ShardListing out;
  out.truncated = list.size() > limit;
  if (out.truncated) list.resize(limit);
  out.shards.reserve(list.size());
  for (auto& s : list) out.shards.emplace_back(std::move(s.id), ToShardInfo(s.entry));
  return out;
}

Result<SpaceStats> Engine::GetSpaceStats() {
  SpaceStats out;
  {
    SHALE_ASSIGN_OR_RETURN(auto snap, impl_->index().Snapshot());
    SHALE_ASSIGN_OR_RETURN(auto list, snap.ListSegmentStats());
    for (const auto& e : list) {
      if (e.stats.indexed_up_to == kSegmentDropped) continue;
      out.live_bytes += e.stats.live_bytes;
      out.dead_bytes += e.stats.total_bytes - std::min(e.stats.total_bytes, e.stats.live_bytes);
      ++out.segment_count;
    }
  }
  SHALE_ASSIGN_OR_RETURN(auto space, impl_->fs().GetSpaceInfo(impl_->options().dir));
  out.disk_capacity_bytes = space.capacity_bytes;
  out.disk_available_bytes = space.available_bytes;
  out.reserve_bytes = impl_->reserve_bytes();
  return out;
}

EngineStatus Engine::status() { return impl_->CurrentStatus(); }

Status Engine::Impl::Mutate(WriteOp::Kind kind, Result<Target> target, std::string_view payload,
                            uint8_t flags) {
  SHALE_RETURN_IF_ERROR(target);
  WriteOp op;
  op.kind = kind;
  op.target = &*target;
  op.payload = payload;
  op.flags = flags;
  return Submit(op);
}

EngineStatus Engine::Impl::CurrentStatus() {
  EngineStatus s;
  s.read_only = read_only_;
  {
    std::lock_guard<std::mutex> lock(status_mu_);
    s.read_only_reason = read_only_reason_;
  }
  s.active_segment_id = published_active_;
  s.next_sequence = published_sequence_ + 1;
  if (auto snap = index_->Snapshot(); snap.ok()) {
    s.repair_queue_depth = snap->RepairCount().value_or(0);
  }
  if (compactor_) s.compaction = compactor_->stats();
  s.segments_compacted = segments_compacted_;
  s.compaction_bytes_copied = compaction_bytes_copied_;
  s.scrub = CurrentScrubStatus();
  return s;
}

}  // namespace shale::storage
