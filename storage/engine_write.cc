// The write path: one writer thread turns batches of requests into appended records, one
// fdatasync and one index transaction, then acknowledges every request of the batch.

#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "common/log.h"
#include "storage/engine_impl.h"
#include "storage/segment_header.h"
#include "storage/tombstone.h"

namespace shale::storage {
namespace {

// The state of a target after the ops of this batch seen so far.
struct Overlay {
  bool exists = false;
  uint32_t segment_id = 0;
  uint64_t sequence = 0;
  uint8_t flags = 0;
};

std::string OverlayKey(RecordType type, std::string_view record_id) {
  std::string k(1, static_cast<char>(type));
  k.append(record_id);
  return k;
}

// Bytes a request will append at most, to decide on rotation and free space up front.
uint64_t AppendEstimate(const WriteOp& op) {
  switch (op.kind) {
    case WriteOp::Kind::kPut:
      return kRecordOverhead + op.target->record_id.size() + op.payload.size();
    case WriteOp::Kind::kDelete:
      return kRecordOverhead + 3 + op.target->record_id.size() + kTombstonePayloadSize;
    case WriteOp::Kind::kRelocate:
      return op.record->location.length;
    default:
      return 0;
  }
}

void AddPut(IndexBatch* ib, const Target& t, const std::string& index_id, uint32_t segment_id,
            const RecordExtent& ext, uint64_t sequence, uint8_t flags, std::string_view payload) {
  RecordLocation loc{segment_id, ext.offset, static_cast<uint32_t>(ext.length)};
  switch (t.type) {
    case RecordType::kShard: {
      ShardEntry e;
      e.location = loc;
      e.payload_offset = static_cast<uint32_t>(ext.payload_offset - ext.offset);
      e.payload_length = ext.payload_length;
      e.payload_crc32c = ext.payload_crc;
      e.sequence = sequence;
      e.flags = flags;
      ib->PutShard(index_id, e);
      return;
    }
    case RecordType::kVersion:
      ib->PutVersion(t.name, t.key, t.version,
                     MetadataEntry{loc, sequence, flags, std::string(payload)});
      return;
    case RecordType::kBucket:
      ib->PutBucket(t.name, MetadataEntry{loc, sequence, flags, std::string(payload)});
      return;
    case RecordType::kTombstone:
      return;
  }
}

void AddDelete(IndexBatch* ib, const Target& t, uint64_t sequence) {
  switch (t.type) {
    case RecordType::kShard:
      ib->DeleteShard(t.name, sequence);
      return;
    case RecordType::kVersion:
      ib->DeleteVersion(t.name, t.key, t.version, sequence);
      return;
    case RecordType::kBucket:
      ib->DeleteBucket(t.name, sequence);
      return;
    case RecordType::kTombstone:
      return;
  }
}

}  // namespace

Result<std::optional<Current>> Engine::Impl::Lookup(const IndexSnapshot& snap,
                                                    const Target& t) const {
  auto wrap = [](auto result, auto to_current) -> Result<std::optional<Current>> {
    if (result.status().IsNotFound()) return std::optional<Current>();
    if (!result.ok()) return result.status();
    return std::optional<Current>(to_current(*result));
  };
  auto meta = [](const MetadataEntry& e) {
    return Current{e.location, e.sequence, e.flags, e.payload};
  };
  switch (t.type) {
    case RecordType::kShard:
      return wrap(snap.GetShard(t.name), [](const ShardEntry& e) {
        return Current{e.location, e.sequence, e.flags, {}};
      });
    case RecordType::kVersion:
      return wrap(snap.GetVersion(t.name, t.key, t.version), meta);
    case RecordType::kBucket:
      return wrap(snap.GetBucket(t.name), meta);
    case RecordType::kTombstone:
      break;
  }
  return Status::Internal("lookup of a tombstone");
}

std::string Engine::Impl::SegmentPath(uint32_t segment_id) const {
  return segments_dir_ + "/" + SegmentFileName(segment_id);
}

Result<std::unique_ptr<SegmentWriter>> Engine::Impl::CreateSegment(uint32_t* id_out) {
  // The id is used up even if creation fails half-way, so a leftover file never collides.
  uint32_t id = last_segment_id_.fetch_add(1) + 1;
  *id_out = id;
  SegmentHeaderInfo info;
  info.segment_id = id;
  info.node_id = options_.node_id;
  info.cluster_id = options_.cluster_id;
  info.created_unix_micros = SystemClock::Default().NowMicros();
  info.salt = NewSegmentSalt();
  auto writer = SegmentWriter::Create(*fs_, SegmentPath(id), info);
  if (!writer.ok()) {
    (void)fs_->RemoveFile(SegmentPath(id));  // Best effort; recovery removes a torn header too.
  }
  return writer;
}

Status Engine::Impl::OpenNewSegment() {
  uint32_t id = 0;
  SHALE_ASSIGN_OR_RETURN(active_, CreateSegment(&id));
  active_id_ = id;
  published_active_ = id;
  return Status::OK();
}

void Engine::Impl::SetReadOnly(const std::string& reason) {
  {
    std::lock_guard<std::mutex> lock(status_mu_);
    read_only_reason_ = reason;
  }
  read_only_ = true;
  log::Error("storage engine is read-only", {{"dir", options_.dir}, {"reason", reason}});
}

void Engine::Impl::FailWriter(const Status& cause) {
  log::Warn("abandoning the active segment", {{"segment", uint64_t{active_id_}}, {"cause", cause}});
  if (active_) {
    // A failed writer has already cut its unsynced tail; sealing makes indexed-up-to final,
    // and recovery cuts anything a sealed segment holds past it.
    (void)active_->Close();  // Nothing left to flush; the file is abandoned either way.
    pending_seals_.push_back(active_id_);
    active_.reset();
  }
  Status s = OpenNewSegment();
  if (!s.ok() && !s.IsNoSpace()) {
    SetReadOnly("cannot open a new segment after a failed write (" + cause.ToString() +
                "): " + s.ToString());
  }
}

void Engine::Impl::WriterLoop() {
  std::vector<BatchQueue<WriteOp>::Entry> batch;
  while (queue_.PopBatch(&batch)) ProcessBatch(batch);
}

void Engine::Impl::ProcessBatch(std::vector<BatchQueue<WriteOp>::Entry>& batch) {
  std::vector<Status> results(batch.size());
  auto finish = [&] {
    for (size_t i = 0; i < batch.size(); ++i) batch[i].done(results[i]);
  };
  auto fail_all = [&](const Status& s) {
    for (auto& r : results) r = s;
    finish();
  };

  if (read_only_) {
    std::lock_guard<std::mutex> lock(status_mu_);
    fail_all(Status::ReadOnly(read_only_reason_));
    return;
  }
  if (!active_) {
    Status s = OpenNewSegment();
    if (!s.ok()) return fail_all(s);
  }

  uint64_t put_bytes = 0;
  uint64_t batch_bytes = 0;
  for (const auto& e : batch) {
    uint64_t n = AppendEstimate(e.request);
    batch_bytes += n;
    if (e.request.kind == WriteOp::Kind::kPut) put_bytes += n;
  }
  // Puts may not eat into the reserve; deletes and compaction may, so space can be reclaimed.
  Status puts_refused;
  if (put_bytes > 0) {
    auto space = fs_->GetSpaceInfo(options_.dir);
    if (space.ok() && space->available_bytes < reserve_bytes_ + put_bytes) {
      puts_refused = Status::NoSpace(
          "data directory " + options_.dir + " is full (" + std::to_string(space->available_bytes) +
          " bytes free, reserve " + std::to_string(reserve_bytes_) + ")");
    }
  }
  // A batch goes into one segment whole, so a failure can cut it off whole.
  if (active_->size() > kSegmentHeaderSize &&
      active_->size() + batch_bytes > options_.segment_size) {
    (void)active_->Close();  // Every byte in it was synced by the batch that wrote it.
    pending_seals_.push_back(active_id_);
    active_.reset();
    Status s = OpenNewSegment();
    if (!s.ok()) {
      if (!s.IsNoSpace()) SetReadOnly("cannot open a new segment: " + s.ToString());
      return fail_all(s);
    }
  }

  const uint64_t batch_start = active_->size();
  const uint64_t now_ms = SystemClock::Default().NowMicros() / 1000;
  IndexBatch ib;
  std::unordered_map<std::string, Overlay> overlay;
  bool appended = false;
  Status failure;
  {
    auto snap_or = index_->Snapshot();
    if (!snap_or.ok()) return fail_all(snap_or.status());
    const IndexSnapshot& snap = *snap_or;
    // The current state of a target: this batch's earlier ops first, then the index.
    auto current = [&](const Target& t, const std::string& okey) -> Result<std::optional<Current>> {
      auto it = overlay.find(okey);
      if (it == overlay.end()) return Lookup(snap, t);
      if (!it->second.exists) return std::optional<Current>();
      Current c;
      c.location.segment_id = it->second.segment_id;
      c.sequence = it->second.sequence;
      c.flags = it->second.flags;
      return std::optional<Current>(c);
    };
    for (size_t i = 0; i < batch.size() && failure.ok(); ++i) {
      const WriteOp& op = batch[i].request;
      switch (op.kind) {
        case WriteOp::Kind::kPut: {
          if (!puts_refused.ok()) {
            results[i] = puts_refused;
            break;
          }
          const Target& t = *op.target;
          std::string okey = OverlayKey(t.type, t.record_id);
          if (t.type == RecordType::kVersion) {
            auto cur = current(t, okey);
            if (!cur.ok()) {
              results[i] = cur.status();
              break;
            }
            if (*cur && ((*cur)->flags & kEntryPurged) && !(op.flags & kEntryPurged)) {
              results[i] = Status::FailedPrecondition(
                  "a purge is final: the version is purged and cannot be stored again");
              break;
            }
            // A retried put of the same version record: already durable, nothing to do.
            if (*cur && !overlay.count(okey) && (*cur)->payload == op.payload &&
                (*cur)->flags == op.flags) {
              break;
            }
          }
          auto index_id = IndexIdOf(t);
          if (!index_id.ok()) {
            results[i] = index_id.status();
            break;
          }
          uint64_t seq = next_sequence_++;
          auto ext = active_->Append(RecordSpec{t.type, t.record_id, seq, op.payload});
          if (!ext.ok()) {
            failure = ext.status();
            break;
          }
          appended = true;
          AddPut(&ib, t, *index_id, active_id_, *ext, seq, op.flags, op.payload);
          overlay[okey] = Overlay{true, active_id_, seq, op.flags};
          break;
        }
        case WriteOp::Kind::kDelete: {
          const Target& t = *op.target;
          std::string okey = OverlayKey(t.type, t.record_id);
          auto cur = current(t, okey);
          if (!cur.ok()) {
            results[i] = cur.status();
            break;
          }
          if (!*cur) {
            results[i] = Status::NotFound(std::string(RecordTypeName(t.type)) + " not found");
            break;
          }
          auto tomb_id = EncodeTombstoneId(TombstoneId{t.type, t.record_id});
          if (!tomb_id.ok()) {
            results[i] = tomb_id.status();
            break;
          }
          std::string payload = EncodeTombstonePayload(
              TombstonePayload{(*cur)->location.segment_id, (*cur)->sequence});
          uint64_t seq = next_sequence_++;
          auto ext = active_->Append(RecordSpec{RecordType::kTombstone, *tomb_id, seq, payload});
          if (!ext.ok()) {
            failure = ext.status();
            break;
          }
          appended = true;
          AddDelete(&ib, t, seq);
          overlay[okey] = Overlay{false, 0, seq, 0};
          break;
        }
        case WriteOp::Kind::kRelocate: {
          const ScannedRecord& rec = *op.record;
          const RecordHeader& h = rec.header;
          if (h.type == RecordType::kTombstone) {
            auto ext = active_->Append(RecordSpec{h.type, h.id, h.sequence, rec.payload});
            if (!ext.ok()) {
              failure = ext.status();
              break;
            }
            appended = true;
            if (op.moved) *op.moved = true;
            break;
          }
          auto t = TargetOfRecord(h.type, h.id);
          if (!t.ok()) {
            results[i] = t.status();
            break;
          }
          std::string okey = OverlayKey(t->type, t->record_id);
          if (overlay.count(okey)) break;  // Replaced or deleted in this batch: the copy is dead.
          auto cur = Lookup(snap, *t);
          if (!cur.ok()) {
            results[i] = cur.status();
            break;
          }
          // Only the copy the index points at is live; anything else is garbage.
          if (!*cur || (*cur)->location.segment_id != op.segment_id ||
              (*cur)->location.offset != rec.location.offset) {
            break;
          }
          auto index_id = IndexIdOf(*t);
          if (!index_id.ok()) {
            results[i] = index_id.status();
            break;
          }
          auto ext = active_->Append(RecordSpec{h.type, h.id, h.sequence, rec.payload});
          if (!ext.ok()) {
            failure = ext.status();
            break;
          }
          appended = true;
          // The copy was just verified, so a stale "bad" mark does not travel with it.
          uint8_t flags = static_cast<uint8_t>((*cur)->flags & ~kEntryBad);
          AddPut(&ib, *t, *index_id, active_id_, *ext, h.sequence, flags, rec.payload);
          overlay[okey] = Overlay{true, active_id_, h.sequence, flags};
          if (op.moved) *op.moved = true;
          break;
        }
        case WriteOp::Kind::kMarkBad: {
          auto index_id = IndexIdOf(*op.target);
          if (!index_id.ok()) {
            results[i] = index_id.status();
            break;
          }
          if (op.expect_at) {
            // Marking by id is only right while the id still names the copy that was read.
            auto cur = Lookup(snap, *op.target);
            if (!cur.ok()) {
              results[i] = cur.status();
              break;
            }
            if (overlay.count(OverlayKey(op.target->type, op.target->record_id)) || !*cur ||
                (*cur)->location.segment_id != op.expect_at->segment_id ||
                (*cur)->location.offset != op.expect_at->offset) {
              results[i] = Status::NotFound("the record moved or was replaced");
              break;
            }
          }
          ib.MarkBad(KindOf(op.target->type), *index_id);
          ib.EnqueueRepair(KindOf(op.target->type), *index_id, std::string(op.reason), now_ms);
          break;
        }
        case WriteOp::Kind::kEnqueueHint: {
          auto index_id = IndexIdOf(*op.target);
          if (!index_id.ok()) {
            results[i] = index_id.status();
            break;
          }
          ib.EnqueueRepair(RecordKind::kObjectHint, *index_id, std::string(op.reason), now_ms);
          break;
        }
        case WriteOp::Kind::kRemoveRepairs:
          for (uint64_t seq : *op.seqs) ib.RemoveRepair(seq);
          break;
        case WriteOp::Kind::kSetMeta:
          ib.SetMeta(std::string(op.meta_name), std::string(op.payload));
          break;
        case WriteOp::Kind::kMarkDropped:
          ib.SetIndexedUpTo(op.segment_id, kSegmentDropped);
          break;
        case WriteOp::Kind::kForgetSegment:
          ib.DeleteSegment(op.segment_id);
          break;
        case WriteOp::Kind::kAdoptSegment: {
          // The record is already synced in a segment of its own; the index applies "newer
          // wins" by sequence, so a put of the same id that started later is not undone.
          const Target& t = *op.target;
          auto index_id = IndexIdOf(t);
          if (!index_id.ok()) {
            results[i] = index_id.status();
            break;
          }
          const RecordExtent& ext = *op.extent;
          AddPut(&ib, t, *index_id, op.segment_id, ext, op.sequence, 0, {});
          const uint64_t end = ext.offset + ext.length;
          ib.AddSegmentTotalBytes(op.segment_id, end - kSegmentHeaderSize);
          ib.SetIndexedUpTo(op.segment_id, end);
          ib.SealSegment(op.segment_id);
          std::string okey = OverlayKey(t.type, t.record_id);
          auto it = overlay.find(okey);
          if (it == overlay.end() || it->second.sequence < op.sequence) {
            overlay[okey] = Overlay{true, op.segment_id, op.sequence, 0};
          }
          break;
        }
      }
    }
  }  // The snapshot ends here: Apply must not run while this thread holds one.

  if (failure.ok() && appended) failure = active_->Sync();
  if (!failure.ok()) {
    // Nothing of this batch is indexed; the failed writer has cut its tail back to the last
    // synced batch. Requests get the error; writes continue in a new segment.
    FailWriter(failure);
    return fail_all(failure);
  }
  if (appended) {
    ib.AddSegmentTotalBytes(active_id_, active_->size() - batch_start);
    ib.SetIndexedUpTo(active_id_, active_->size());
  }
  for (uint32_t seg : pending_seals_) ib.SealSegment(seg);
  ib.SetLastAppliedSequence(next_sequence_ - 1);
  Status applied = index_->Apply(ib);
  if (!applied.ok()) {
    // The records are durable but unindexed. Abandon the segment: its indexed-up-to still
    // ends before them, and recovery cuts a sealed segment there, so they never surface.
    if (appended) FailWriter(applied);
    return fail_all(applied);
  }
  pending_seals_.clear();
  published_sequence_ = next_sequence_ - 1;
  finish();
}

}  // namespace shale::storage
