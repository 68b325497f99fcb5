// Opening an engine: identity checks, crash recovery (replaying every segment past its
// indexed-up-to offset and cutting torn tails), and the start of the writer.

#include <algorithm>
#include <map>

#include "common/clock.h"
#include "common/log.h"
#include "storage/engine_impl.h"
#include "storage/segment_header.h"
#include "storage/tombstone.h"

namespace shale::storage {
namespace {

constexpr size_t kReplayBatchOps = 1024;
constexpr uint64_t kMaxReserve = uint64_t{256} << 20;

std::string RebuildHint(const std::string& dir) {
  return "; run `shale rebuild-index --data " + dir + "` to rebuild it from the segments";
}

}  // namespace

Engine::Impl::~Impl() {
  if (compactor_) compactor_->Stop();
  if (scrubber_) scrubber_->Stop();
  queue_.Close();
  if (writer_thread_.joinable()) writer_thread_.join();
  if (active_) (void)active_->Close();  // Synced by its last batch; nothing else to flush.
}

Status Engine::Impl::CheckIdentity() {
  IndexMeta meta;
  {
    SHALE_ASSIGN_OR_RETURN(auto snap, index_->Snapshot());
    SHALE_ASSIGN_OR_RETURN(meta, snap.GetMeta());
  }  // The snapshot ends before any Apply.
  if (meta.node_id.empty() && meta.cluster_id.empty()) {
    IndexBatch ib;
    ib.SetIdentity(options_.node_id, options_.cluster_id);
    return index_->Apply(ib);
  }
  if (meta.node_id != options_.node_id || meta.cluster_id != options_.cluster_id) {
    return Status::FailedPrecondition("data directory " + options_.dir + " belongs to node '" +
                                      meta.node_id + "' of cluster '" + meta.cluster_id +
                                      "', not node '" + options_.node_id + "' of cluster '" +
                                      options_.cluster_id + "'");
  }
  return Status::OK();
}

// Replays the records of one segment from its indexed-up-to offset into the index.
Status Engine::Impl::ReplaySegment(uint32_t segment_id, const SegmentStats* stats, bool* sealed_out,
                                   uint64_t* end_out) {
  const std::string path = SegmentPath(segment_id);
  SHALE_ASSIGN_OR_RETURN(auto file, fs_->NewRandomAccessFile(path));
  SHALE_ASSIGN_OR_RETURN(uint64_t file_size, file->Size());
  auto reader_or = SegmentReader::Open(std::move(file));
  if (!reader_or.ok()) return reader_or.status().WithContext(path);
  const SegmentReader& reader = **reader_or;
  const SegmentHeaderInfo& hdr = reader.header();
  if (hdr.segment_id != segment_id || hdr.node_id != options_.node_id ||
      hdr.cluster_id != options_.cluster_id) {
    return Status::FailedPrecondition(path + " belongs to segment " +
                                      std::to_string(hdr.segment_id) + " of node '" + hdr.node_id +
                                      "' in cluster '" + hdr.cluster_id + "'");
  }
  uint64_t start =
      stats ? std::max<uint64_t>(stats->indexed_up_to, kSegmentHeaderSize) : kSegmentHeaderSize;
  *sealed_out = stats && stats->sealed;
  if (start > file_size) {
    return Status::Corruption(path + " is shorter (" + std::to_string(file_size) +
                              " bytes) than its indexed part (" + std::to_string(start) +
                              " bytes): acknowledged data was lost");
  }
  if (*sealed_out) {
    // A sealed segment's indexed-up-to is final: bytes past it belong to a failed batch.
    if (file_size > start) {
      SHALE_ASSIGN_OR_RETURN(auto w, SegmentWriter::OpenForAppend(*fs_, path, start));
      SHALE_RETURN_IF_ERROR(w->Close());
    }
    *end_out = start;
    return Status::OK();
  }

  ScanOptions scan;
  scan.start_offset = start;
  // Version and bucket payloads are indexed inline and are small; shard payloads are not
  // needed (only their locations), so big ones are verified but not kept.
  scan.max_loaded_payload = 64 * 1024;
  uint64_t pos = start;
  uint64_t records = 0;
  IndexBatch ib;
  uint64_t max_seq = 0;
  auto flush = [&]() -> Status {
    ib.AddSegmentTotalBytes(segment_id, pos - start);
    ib.SetIndexedUpTo(segment_id, pos);
    ib.SetLastAppliedSequence(max_seq);
    SHALE_RETURN_IF_ERROR(index_->Apply(ib));
    ib.Clear();
    start = pos;
    return Status::OK();
  };
  for (;;) {
    SHALE_ASSIGN_OR_RETURN(auto scanner, SegmentScanner::Create(reader, scan));
    ScannedRecord rec;
    while (scanner->Next(&rec)) {
      const RecordHeader& h = rec.header;
      max_seq = std::max(max_seq, h.sequence);
      if (h.type == RecordType::kTombstone) {
        SHALE_ASSIGN_OR_RETURN(TombstoneId tid, DecodeTombstoneId(h.id));
        SHALE_ASSIGN_OR_RETURN(Target t, TargetOfRecord(tid.target_type, tid.target_id));
        switch (t.type) {
          case RecordType::kShard:
            ib.DeleteShard(t.name, h.sequence);
            break;
          case RecordType::kVersion:
            ib.DeleteVersion(t.name, t.key, t.version, h.sequence);
            break;
          default:
            ib.DeleteBucket(t.name, h.sequence);
            break;
        }
      } else {
        SHALE_ASSIGN_OR_RETURN(Target t, TargetOfRecord(h.type, h.id));
        RecordLocation loc{segment_id, rec.location.offset,
                           static_cast<uint32_t>(rec.location.length)};
        if (t.type == RecordType::kShard) {
          ShardEntry e;
          e.location = loc;
          e.payload_offset = static_cast<uint32_t>(rec.location.payload_offset - loc.offset);
          e.payload_length = rec.location.payload_length;
          e.payload_crc32c = rec.location.payload_crc;
          e.sequence = h.sequence;
          ib.PutShard(t.name, e);
        } else {
          MetadataEntry e{loc, h.sequence, 0, std::move(rec.payload)};
          if (!rec.payload_loaded) {
            SHALE_ASSIGN_OR_RETURN(Record full, reader.ReadRecord(rec.location.offset));
            e.payload = std::move(full.payload);
          }
          if (t.type == RecordType::kVersion) {
            e.flags = VersionFlagsOf(e.payload);
            ib.PutVersion(t.name, t.key, t.version, std::move(e));
          } else {
            ib.PutBucket(t.name, std::move(e));
          }
        }
      }
      pos = rec.location.offset + rec.location.length;
      if (++records % kReplayBatchOps == 0) SHALE_RETURN_IF_ERROR(flush());
    }
    const ScanStop& stop = scanner->stop();
    if (stop.reason == ScanStopReason::kEnd) break;
    if (stop.reason == ScanStopReason::kTornTail) {
      log::Warn("cutting a torn segment tail",
                {{"segment", path}, {"offset", stop.offset}, {"bytes", file_size - stop.offset}});
      pos = stop.offset;
      break;
    }
    if (stop.reason == ScanStopReason::kCorruption) {
      // A damaged record with whole records after it: skip it and go on. What it held is
      // lost here; the cluster's repair restores it from other nodes.
      log::Error("skipping a corrupt record during recovery", {{"segment", path},
                                                               {"offset", stop.offset},
                                                               {"resume", stop.resume_offset},
                                                               {"cause", stop.status}});
      scan.start_offset = stop.resume_offset;
      pos = stop.resume_offset;
      continue;
    }
    return stop.status.WithContext("recovering " + path);
  }
  SHALE_RETURN_IF_ERROR(flush());
  if (pos < file_size) {
    // Cut the torn tail so the next append starts on a record boundary.
    SHALE_ASSIGN_OR_RETURN(auto w, SegmentWriter::OpenForAppend(*fs_, path, pos));
    SHALE_RETURN_IF_ERROR(w->Close());
  }
  if (max_seq + 1 > next_sequence_) next_sequence_ = max_seq + 1;
  *end_out = pos;
  return Status::OK();
}

Status Engine::Impl::Open() {
  fs_ = options_.fs ? options_.fs : fs::DefaultFileSystem();
  clock_ = options_.clock ? options_.clock : &SystemClock::Default();
  scrub_rate_ = options_.scrub_rate_bytes_per_sec;
  if (options_.dir.empty()) return Status::InvalidArgument("engine: no data directory");
  segments_dir_ = options_.dir + "/" + kSegmentsDirName;
  SHALE_RETURN_IF_ERROR(fs_->CreateDirs(segments_dir_));
  SHALE_ASSIGN_OR_RETURN(lock_, fs_->LockFile(options_.dir + "/LOCK"));

  // Segments first: an index missing beside existing segments is a lost index, not a new node.
  SHALE_ASSIGN_OR_RETURN(auto names, fs_->ListDir(segments_dir_));
  std::vector<uint32_t> ids;
  for (const auto& name : names) {
    if (auto id = ParseSegmentFileName(name)) ids.push_back(static_cast<uint32_t>(*id));
  }
  std::sort(ids.begin(), ids.end());
  const std::string index_dir = options_.dir + "/index";
  SHALE_ASSIGN_OR_RETURN(bool index_exists, fs_->Exists(index_dir));
  if (!index_exists && !ids.empty()) {
    return Status::Corruption("the index of " + options_.dir + " is missing" +
                              RebuildHint(options_.dir));
  }
  IndexOptions io;
  io.initial_map_size = options_.lmdb_map_size;
  auto index = Index::Open(index_dir, io);
  if (!index.ok()) return index.status().WithContext("opening the index of " + options_.dir);
  index_ = std::move(index).value();
  SHALE_RETURN_IF_ERROR(CheckIdentity());

  SHALE_ASSIGN_OR_RETURN(auto space, fs_->GetSpaceInfo(options_.dir));
  reserve_bytes_ = options_.space_reserve_bytes ? options_.space_reserve_bytes
                                                : std::min(space.capacity_bytes / 100, kMaxReserve);

  std::map<uint32_t, SegmentStats> stats;
  {
    SHALE_ASSIGN_OR_RETURN(auto snap, index_->Snapshot());
    SHALE_ASSIGN_OR_RETURN(auto list, snap.ListSegmentStats());
    for (auto& e : list) stats[e.segment_id] = e.stats;
    SHALE_ASSIGN_OR_RETURN(IndexMeta meta, snap.GetMeta());
    next_sequence_ = meta.last_applied_sequence + 1;
  }
  // Finish removals that compaction began: the records were moved before the mark was set.
  for (auto& [id, st] : stats) {
    if (st.indexed_up_to != kSegmentDropped) continue;
    Status removed = fs_->RemoveFile(SegmentPath(id));
    if (!removed.ok() && !removed.IsNotFound()) return removed;
    SHALE_RETURN_IF_ERROR(fs_->SyncDir(segments_dir_));
    IndexBatch ib;
    ib.DeleteSegment(id);
    SHALE_RETURN_IF_ERROR(index_->Apply(ib));
    ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
  }
  for (const auto& [id, st] : stats) {
    if (st.indexed_up_to != kSegmentDropped && !std::binary_search(ids.begin(), ids.end(), id)) {
      return Status::Corruption("segment " + SegmentPath(id) +
                                " is in the index but missing on disk: data was lost");
    }
  }

  bool last_sealed = true;
  uint64_t last_end = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    uint32_t id = ids[i];
    auto it = stats.find(id);
    const SegmentStats* st = it == stats.end() ? nullptr : &it->second;
    bool sealed = false;
    uint64_t end = 0;
    Status s = ReplaySegment(id, st, &sealed, &end);
    if (!s.ok() && st == nullptr && s.IsCorruption()) {
      // A segment never indexed whose header is torn: a crash while creating it (the writer's
      // newest, or a streamed put's own segment). It holds nothing acknowledged.
      SHALE_ASSIGN_OR_RETURN(uint64_t size, fs_->FileSize(SegmentPath(id)));
      if (size <= kSegmentHeaderSize) {
        log::Warn("removing a segment torn at creation", {{"segment", SegmentPath(id)}});
        SHALE_RETURN_IF_ERROR(fs_->RemoveFile(SegmentPath(id)));
        SHALE_RETURN_IF_ERROR(fs_->SyncDir(segments_dir_));
        last_segment_id_ = std::max(last_segment_id_.load(), id);
        continue;
      }
    }
    if (!s.ok()) return s;
    last_segment_id_ = std::max(last_segment_id_.load(), id);
    if (st == nullptr && end == kSegmentHeaderSize && i + 1 < ids.size()) {
      // A streamed put's own segment cut back to nothing (a crash mid-stream): drop it rather
      // than keep an empty sealed segment that compaction would never pick.
      log::Warn("removing an empty unindexed segment", {{"segment", SegmentPath(id)}});
      SHALE_RETURN_IF_ERROR(fs_->RemoveFile(SegmentPath(id)));
      SHALE_RETURN_IF_ERROR(fs_->SyncDir(segments_dir_));
      IndexBatch ib;
      ib.DeleteSegment(id);
      SHALE_RETURN_IF_ERROR(index_->Apply(ib));
      continue;
    }
    // Every segment but the newest is sealed: writes only ever go to the newest.
    if (!sealed && i + 1 < ids.size()) {
      IndexBatch ib;
      ib.SealSegment(id);
      SHALE_RETURN_IF_ERROR(index_->Apply(ib));
      sealed = true;
    }
    last_sealed = sealed;
    last_end = end;
  }
  return StartWriting(ids.empty() ? 0 : last_segment_id_.load(), last_sealed, last_end);
}

Status Engine::Impl::StartWriting(uint32_t last_segment_id, bool last_sealed, uint64_t last_end) {
  if (last_segment_id != 0 && !last_sealed && last_end < options_.segment_size) {
    SHALE_ASSIGN_OR_RETURN(
        active_, SegmentWriter::OpenForAppend(*fs_, SegmentPath(last_segment_id), last_end));
    active_id_ = last_segment_id;
    published_active_ = last_segment_id;
  } else {
    if (last_segment_id != 0 && !last_sealed) pending_seals_.push_back(last_segment_id);
    SHALE_RETURN_IF_ERROR(OpenNewSegment());
  }
  published_sequence_ = next_sequence_ - 1;
  writer_thread_ = std::thread([this] { WriterLoop(); });
  if (options_.background_compaction) {
    BackgroundWorker::Options wo;
    wo.name = "compaction";
    wo.idle_interval = std::chrono::seconds(10);
    wo.rate_bytes_per_sec = options_.compaction_rate_bytes_per_sec;
    compactor_ = std::make_unique<BackgroundWorker>(wo, [this] { return CompactOnce(); });
    compactor_->Start();
  }
  SHALE_RETURN_IF_ERROR(LoadScrubState());
  if (options_.background_scrub) StartScrubWorker();
  return Status::OK();
}

}  // namespace shale::storage
