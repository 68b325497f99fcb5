// Compaction: rewrites a sealed segment whose live ratio fell under the threshold. Live
// records are copied through the writer (so they are synced and indexed like any write, and a
// concurrent overwrite or delete always wins), then the segment is marked dropped, its file
// removed, and its stats forgotten. Reads never fail meanwhile: a reader holding the old file
// keeps reading it, and a lookup that finds the file gone looks the shard up again.

#include <map>
#include <optional>
#include <unordered_set>

#include "common/log.h"
#include "storage/engine_impl.h"
#include "storage/tombstone.h"

namespace shale::storage {
namespace {

// True if a segment other than `compacting`, with an id <= `target`, still exists: it may hold
// a copy of the record a tombstone deleted (see the caller).
bool OlderCopiesMayExist(const std::map<uint32_t, SegmentStats>& all, uint32_t target,
                         uint32_t compacting) {
  for (const auto& [id, stats] : all) {
    if (id > target) break;  // std::map: ascending ids.
    if (id != compacting && stats.indexed_up_to != kSegmentDropped) return true;
  }
  return false;
}

// Relocations handed to the writer at once: bounds the memory a step holds.
constexpr size_t kRelocateBatchRecords = 64;
constexpr uint64_t kRelocateBatchBytes = uint64_t{8} << 20;

}  // namespace

Result<StepOutcome> Engine::Impl::CompactOnce() {
  std::lock_guard<std::mutex> guard(compaction_mu_);
  // Choose the sealed segment with the lowest live ratio under the threshold.
  std::optional<uint32_t> victim;
  std::map<uint32_t, SegmentStats> all;
  {
    SHALE_ASSIGN_OR_RETURN(auto snap, index_->Snapshot());
    SHALE_ASSIGN_OR_RETURN(auto list, snap.ListSegmentStats());
    double best = options_.compaction_threshold;
    for (const auto& e : list) {
      all[e.segment_id] = e.stats;
      const SegmentStats& st = e.stats;
      if (!st.sealed || st.indexed_up_to == kSegmentDropped || st.total_bytes == 0) continue;
      if (compaction_skip_.count(e.segment_id)) continue;
      double ratio = static_cast<double>(st.live_bytes) / static_cast<double>(st.total_bytes);
      if (ratio < best) {
        best = ratio;
        victim = e.segment_id;
      }
    }
  }
  if (!victim) return StepOutcome{.did_work = false};
  const uint32_t seg = *victim;
  auto fail = [&](const Status& s) {
    // Leave the segment alone until restart rather than retrying a bad one forever.
    compaction_skip_.insert(seg);
    return s.WithContext("compacting segment " + std::to_string(seg));
  };

  auto reader_or = Reader(seg);
  if (!reader_or.ok()) return fail(reader_or.status());
  std::shared_ptr<const SegmentReader> reader = *reader_or;
  ScanOptions scan;
  scan.end_offset = all[seg].indexed_up_to;
  scan.max_loaded_payload = static_cast<uint32_t>(kRelocateBatchBytes);
  auto scanner_or = SegmentScanner::Create(*reader, scan);
  if (!scanner_or.ok()) return fail(scanner_or.status());
  auto& scanner = *scanner_or;

  uint64_t copied = 0;
  std::vector<ScannedRecord> pending;
  uint64_t pending_bytes = 0;
  auto relocate = [&]() -> Status {
    if (pending.empty()) return Status::OK();
    // One Submit per record, all queued before waiting, so they share a group commit.
    std::vector<Status> results(pending.size());
    std::atomic<size_t> outstanding{pending.size()};
    std::mutex mu;
    std::condition_variable cv;
    std::vector<WriteOp> ops(pending.size());
    // Not vector<bool>: the writer sets each flag through a pointer.
    std::unique_ptr<bool[]> moved = std::make_unique<bool[]>(pending.size());
    for (size_t i = 0; i < pending.size(); ++i) {
      ops[i].kind = WriteOp::Kind::kRelocate;
      ops[i].record = &pending[i];
      ops[i].segment_id = seg;
      ops[i].moved = &moved[i];
    }
    size_t pushed = 0;
    Status push_error;
    for (size_t i = 0; i < ops.size(); ++i) {
      push_error = queue_.Push(ops[i], [&, i](const Status& s) {
        std::lock_guard<std::mutex> l(mu);
        results[i] = s;
        if (--outstanding == 0) cv.notify_all();
      });
      if (!push_error.ok()) break;
      ++pushed;
    }
    {
      std::unique_lock<std::mutex> l(mu);
      outstanding -= (ops.size() - pushed);
      cv.wait(l, [&] { return outstanding == 0; });
    }
    SHALE_RETURN_IF_ERROR(push_error);
    for (const auto& r : results) SHALE_RETURN_IF_ERROR(r);
    for (size_t i = 0; i < pending.size(); ++i) {
      if (moved[i]) copied += pending[i].location.length;
    }
    pending.clear();
    pending_bytes = 0;
    return Status::OK();
  };

  // The offsets the index points at right now: everything else in the segment is dead and
  // is not even handed to the writer (which re-checks liveness anyway, as records may die
  // while the step runs).
  std::unordered_set<uint64_t> live_offsets;
  {
    SHALE_ASSIGN_OR_RETURN(auto snap, index_->Snapshot());
    constexpr size_t kPage = 4096;
    for (uint64_t from = 0;;) {
      auto refs = snap.ListSegmentRecords(seg, from, kPage);
      if (!refs.ok()) return fail(refs.status());
      for (const auto& r : *refs) live_offsets.insert(r.offset);
      if (refs->size() < kPage) break;
      from = refs->back().offset + 1;
    }
  }

  ScannedRecord rec;
  while (scanner->Next(&rec)) {
    if (rec.header.type != RecordType::kTombstone && !live_offsets.count(rec.location.offset)) {
      continue;
    }
    if (rec.header.type == RecordType::kTombstone) {
      auto payload = DecodeTombstonePayload(rec.payload);
      if (!payload.ok()) return fail(payload.status());
      // Needed while a rebuild could replay an older copy of what it deleted. Every copy
      // (the deleted record, the versions it overwrote, earlier relocations) was written no
      // later than the deleted record, so lies in a segment <= target_segment_id. Checking only
      // the target segment itself was not enough: dropping the tombstone once that segment was
      // gone let a rebuild resurrect an overwritten copy from an older segment.
      if (!OlderCopiesMayExist(all, payload->target_segment_id, seg)) continue;
    } else if (!rec.payload_loaded) {
      auto full = reader->ReadRecord(rec.location.offset);
      if (!full.ok()) return fail(full.status());
      rec.payload = std::move(full->payload);
    }
    pending_bytes += rec.location.length;
    pending.push_back(std::move(rec));
    if (pending.size() >= kRelocateBatchRecords || pending_bytes >= kRelocateBatchBytes) {
      Status s = relocate();
      if (!s.ok()) return fail(s);
    }
  }
  if (scanner->stop().reason != ScanStopReason::kEnd) {
    // A damaged sealed segment: do not drop it, since what it holds cannot all be moved.
    return fail(scanner->stop().status.ok() ? Status::Corruption("segment scan stopped early")
                                            : scanner->stop().status);
  }
  if (Status s = relocate(); !s.ok()) return fail(s);

  // Everything live was moved: nothing in the index may still point into the segment.
  {
    SHALE_ASSIGN_OR_RETURN(auto snap, index_->Snapshot());
    SHALE_ASSIGN_OR_RETURN(auto refs, snap.ListSegmentRecords(seg, 0, 1));
    if (!refs.empty()) {
      return fail(Status::Internal("a record is still indexed in the segment after moving"));
    }
  }
  WriteOp mark;
  mark.kind = WriteOp::Kind::kMarkDropped;
  mark.segment_id = seg;
  if (Status s = Submit(mark); !s.ok()) return fail(s);
  ForgetReader(seg);  // Readers already holding it keep their copy open.
  Status removed = fs_->RemoveFile(SegmentPath(seg));
  if (!removed.ok() && !removed.IsNotFound()) return fail(removed);
  if (Status s = fs_->SyncDir(segments_dir_); !s.ok()) return fail(s);
  WriteOp forget;
  forget.kind = WriteOp::Kind::kForgetSegment;
  forget.segment_id = seg;
  if (Status s = Submit(forget); !s.ok()) return fail(s);

  ++segments_compacted_;
  compaction_bytes_copied_ += copied;
  log::Info("compacted segment", {{"segment", uint64_t{seg}},
                                  {"total_bytes", all[seg].total_bytes},
                                  {"copied_bytes", copied}});
  return StepOutcome{.did_work = true, .bytes = all[seg].total_bytes};
}

}  // namespace shale::storage
