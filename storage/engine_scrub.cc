// Scrub: a throttled walk over every live record of every segment, verifying both CRCs. A bad
// record is marked and queued for repair (the MarkBad path reads use), but only while the index
// still points at the copy that was read: a record replaced or moved meanwhile is dead.
//
// A pass visits segments in id order and, within one, the live records by offset (the
// `by_segment` table), so the sealed segments and the active one up to its durable end are
// covered: only synced, indexed records are listed there. Each step verifies up to
// kStepBytes, then persists the position (ScrubState in the `meta` table) through the writer,
// so a restart continues from the last step instead of from zero.

#include <algorithm>

#include "common/log.h"
#include "storage/engine_impl.h"

namespace shale::storage {
namespace {

// Work per step: bounds the time a step holds scrub_mu_ and the position lost on a crash.
constexpr uint64_t kStepBytes = uint64_t{4} << 20;
constexpr size_t kStepRecords = 256;

// A segment the pass must visit (not one whose removal by compaction has begun).
bool Scrubbable(const SegmentStats& stats) { return stats.indexed_up_to != kSegmentDropped; }

}  // namespace

Status Engine::Impl::LoadScrubState() {
  SHALE_ASSIGN_OR_RETURN(auto snap, index_->Snapshot());
  Result<std::string> raw = snap.GetMetaValue(kMetaScrubState);
  ScrubState state;
  if (raw.ok()) {
    SHALE_ASSIGN_OR_RETURN(state, DecodeScrubState(*raw));
  } else if (!raw.status().IsNotFound()) {
    return raw.status();
  }
  std::lock_guard<std::mutex> lock(scrub_mu_);
  scrub_state_ = state;
  std::lock_guard<std::mutex> status_lock(scrub_status_mu_);
  published_scrub_ = state;
  return Status::OK();
}

void Engine::Impl::StartScrubWorker() {
  BackgroundWorker::Options wo;
  wo.name = "scrub";
  wo.idle_interval = std::chrono::seconds(10);
  wo.rate_bytes_per_sec = scrub_rate_;
  scrubber_ = std::make_unique<BackgroundWorker>(wo, [this] { return ScrubOnce(); });
  scrubber_->Start();
}

Status Engine::Impl::StartScrub() {
  {
    std::lock_guard<std::mutex> lock(scrub_status_mu_);
    if (published_scrub_.running) return Status::OK();
  }
  scrub_requested_ = true;
  if (scrubber_) scrubber_->Wake();
  return Status::OK();
}

void Engine::Impl::SetScrubRate(uint64_t rate_bytes_per_sec) {
  scrub_rate_ = rate_bytes_per_sec;
  if (scrubber_) {
    scrubber_->SetRate(rate_bytes_per_sec);
    scrubber_->Wake();
  }
}

ScrubStatus Engine::Impl::CurrentScrubStatus() {
  ScrubStatus s;
  {
    std::lock_guard<std::mutex> lock(scrub_status_mu_);
    s.running = published_scrub_.running;
    s.pass_started_ms = published_scrub_.pass_started_ms;
    s.last_pass_completed_ms = published_scrub_.last_pass_completed_ms;
    s.pass_bytes_done = published_scrub_.pass_bytes_done;
    s.pass_bytes_total = published_scrub_.pass_bytes_total;
  }
  s.bytes_scrubbed_total = scrub_bytes_total_;
  s.corruptions_found_total = scrub_corruptions_total_;
  s.rate_bytes_per_sec = scrub_rate_;
  s.period_seconds = options_.scrub_period_seconds;
  return s;
}

Status Engine::Impl::PersistScrubState(const ScrubState& state) {
  const std::string value = EncodeScrubState(state);
  WriteOp op;
  op.kind = WriteOp::Kind::kSetMeta;
  op.meta_name = kMetaScrubState;
  op.payload = value;
  SHALE_RETURN_IF_ERROR(Submit(op));
  std::lock_guard<std::mutex> lock(scrub_status_mu_);
  published_scrub_ = state;
  return Status::OK();
}

Result<StepOutcome> Engine::Impl::ScrubOnce() {
  if (scrub_rate_ == 0) return StepOutcome{};  // Paused.
  std::lock_guard<std::mutex> lock(scrub_mu_);
  ScrubState state = scrub_state_;
  const uint64_t now_ms = clock_->NowMicros() / 1000;

  std::vector<SegmentStatsEntry> segments;
  {
    SHALE_ASSIGN_OR_RETURN(auto snap, index_->Snapshot());
    SHALE_ASSIGN_OR_RETURN(segments, snap.ListSegmentStats());
  }  // No snapshot may be held while the writer is waited for.

  if (!state.running) {
    const uint64_t period_ms = options_.scrub_period_seconds * 1000;
    const bool due = scrub_requested_.exchange(false) || state.pass_started_ms == 0 ||
                     now_ms >= state.pass_started_ms + period_ms;
    if (!due) return StepOutcome{};
    uint64_t total = 0;
    for (const auto& e : segments) {
      if (Scrubbable(e.stats)) total += e.stats.live_bytes;
    }
    state.running = true;
    state.segment_id = 0;
    state.offset = 0;
    state.pass_started_ms = now_ms;
    state.pass_bytes_done = 0;
    state.pass_bytes_total = total;
    log::Info("scrub pass starting", {{"dir", options_.dir}, {"live_bytes", total}});
  } else {
    auto next = std::find_if(segments.begin(), segments.end(), [&](const SegmentStatsEntry& e) {
      return e.segment_id >= state.segment_id && Scrubbable(e.stats);
    });
    if (next == segments.end()) {
      state.running = false;
      state.last_pass_completed_ms = now_ms;
      log::Info("scrub pass complete", {{"dir", options_.dir},
                                        {"bytes", state.pass_bytes_done},
                                        {"corruptions_total", scrub_corruptions_total_.load()}});
    } else {
      if (next->segment_id != state.segment_id) {
        state.segment_id = next->segment_id;
        state.offset = 0;
      }
      uint64_t bytes = 0;
      SHALE_RETURN_IF_ERROR(ScrubSegmentStep(state.segment_id, &state, &bytes));
      state.pass_bytes_done += bytes;
      SHALE_RETURN_IF_ERROR(PersistScrubState(state));
      scrub_state_ = state;
      return StepOutcome{true, bytes};
    }
  }
  SHALE_RETURN_IF_ERROR(PersistScrubState(state));
  scrub_state_ = state;
  return StepOutcome{true, 0};
}

// Verifies the next records of `segment_id` from state->offset; advances the position (to the
// next segment once this one is done) and counts the bytes verified.
Status Engine::Impl::ScrubSegmentStep(uint32_t segment_id, ScrubState* state, uint64_t* bytes) {
  std::vector<SegmentRecordRef> refs;
  {
    SHALE_ASSIGN_OR_RETURN(auto snap, index_->Snapshot());
    SHALE_ASSIGN_OR_RETURN(refs, snap.ListSegmentRecords(segment_id, state->offset, kStepRecords));
  }
  auto reader = Reader(segment_id);
  if (!reader.ok() && !reader.status().IsNotFound()) return reader.status();
  size_t done = 0;
  // A segment file gone means compaction moved its records: they are scrubbed where they went.
  for (; reader.ok() && done < refs.size() && *bytes < kStepBytes; ++done) {
    const SegmentRecordRef& ref = refs[done];
    Status verdict = (*reader)->VerifyRecord(ref.offset).status();
    *bytes += ref.length;
    if (verdict.ok() || !(verdict.IsCorruption() || verdict.IsIOError())) {
      SHALE_RETURN_IF_ERROR(verdict);
      continue;
    }
    auto target = TargetOfIndexId(ref.kind, ref.id);
    if (!target.ok()) {
      log::Warn("scrub: bad record with an unusable index id", {{"cause", target.status()}});
      continue;
    }
    const RecordLocation at{segment_id, ref.offset, ref.length};
    WriteOp op;
    op.kind = WriteOp::Kind::kMarkBad;
    op.target = &*target;
    op.expect_at = &at;
    const std::string reason = "scrub: " + verdict.ToString();
    op.reason = reason;
    Status marked = Submit(op);
    if (marked.IsNotFound()) continue;  // Replaced or moved since it was listed: dead.
    SHALE_RETURN_IF_ERROR(marked);
    ++scrub_corruptions_total_;
    log::Error("scrub found a corrupt record", {{"dir", options_.dir},
                                                {"segment", uint64_t{segment_id}},
                                                {"offset", ref.offset},
                                                {"cause", verdict}});
  }
  scrub_bytes_total_ += *bytes;
  const bool segment_done = !reader.ok() || (done == refs.size() && refs.size() < kStepRecords);
  if (segment_done) {
    state->segment_id = segment_id + 1;
    state->offset = 0;
  } else {
    state->offset = refs[done - 1].offset + 1;
  }
  return Status::OK();
}

}  // namespace shale::storage
