#include "storage/repair_coordinator.h"

#include <algorithm>

#include "common/log.h"

namespace shale::storage {
namespace {

using node_wire::WireKind;

bool IsNodeBucket(std::string_view bucket) { return bucket.find(':') != std::string_view::npos; }

// The null-version flag of a record's winner (false when it is not an object record).
bool IsNullVersion(const node_wire::WireVersion& w) {
  if (w.kind == WireKind::kPurged) return false;
  Result<ObjectRecord> r = DecodeObjectRecord(w.payload);
  return r.ok() && r->info.null_version;
}

}  // namespace

RepairCoordinator::RepairCoordinator(RepairCoordinatorOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : &SystemClock::Default()),
      repairer_(&options_.set),
      stats_(options_.metrics, options_.node_id),
      queue_(&options_.set, &repairer_, &stats_, clock_) {
  RepairSnapshot s;
  s.set = options_.set.set;
  stats_.SetSnapshot(s);
}

bool RepairCoordinator::coordinator() const {
  std::lock_guard<std::mutex> lock(mu_);
  return is_coordinator_;
}

SweepState RepairCoordinator::sweep_state() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sweep_;
}

Status RepairCoordinator::RequestSweep(const node_wire::RepairSweep& sweep) {
  if (sweep.bucket.empty() && !sweep.prefix.empty()) {
    return Status::InvalidArgument("a sweep prefix needs a bucket");
  }
  std::lock_guard<std::mutex> lock(mu_);
  // Callers send sweeps to every node of the set; only the coordinator (or a node that has not
  // checked yet) keeps it.
  if (checked_ && !is_coordinator_) return Status::OK();
  requested_ = sweep;
  return Status::OK();
}

Result<StepOutcome> RepairCoordinator::Step() {
  if (!state_loaded_) {
    state_loaded_ = true;
    Result<SweepState> loaded = LoadSweepState(*options_.fs, options_.state_dir);
    if (loaded.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      sweep_ = std::move(*loaded);  // A running sweep resumes from its cursor.
    } else {
      stats_.AddError(loaded.status().ToString());
    }
  }
  CheckCoordinator();
  Result<StepOutcome> out = StepOutcome{};
  if (coordinator() && options_.config.rate_bytes_per_sec != 0) {
    out = queue_.DrainOnce();
    if (!out->did_work) {
      if (collect_orphans_) {
        out = CollectOrphanShards();
      } else {
        MaybeStartSweep();
        if (sweep_state().running) out = SweepBatch();
      }
    }
  }
  Publish();
  return out;
}

void RepairCoordinator::CheckCoordinator() {
  const uint64_t mono = clock_->MonotonicMicros();
  if (last_check_mono_ &&
      mono - *last_check_mono_ < options_.config.coordinator_check_seconds * 1'000'000ull) {
    return;
  }
  last_check_mono_ = mono;
  std::vector<bool> healthy(options_.set.size());
  for (uint32_t j = 0; j < options_.set.size(); ++j) {
    healthy[j] = options_.set.nodes[j]->Health().ok();
  }
  const auto first = std::find(healthy.begin(), healthy.end(), true);
  const bool coordinates = first != healthy.end() && first - healthy.begin() == options_.self;
  {
    std::lock_guard<std::mutex> lock(mu_);
    is_coordinator_ = coordinates;
    checked_ = true;
  }
  queue_depth_ = coordinates ? queue_.Depth() : 0;
  if (!coordinates) {
    was_healthy_.clear();
    return;
  }
  const bool returned = NodeReturned(healthy);
  if (returned || (!sweep_state().running && DetectEmptyNode())) {
    log::Info("repair: a node of the set came back or holds no records; sweeping the set",
              {{"set", options_.set.set}});
    std::lock_guard<std::mutex> lock(mu_);
    if (!requested_) requested_ = node_wire::RepairSweep{};
  }
}

// A node that did not answer the previous check answers now: it may have missed writes.
bool RepairCoordinator::NodeReturned(const std::vector<bool>& healthy) {
  bool returned = false;
  for (size_t j = 0; j < healthy.size() && j < was_healthy_.size(); ++j) {
    returned = returned || (healthy[j] && !was_healthy_[j]);
  }
  was_healthy_ = healthy;
  return returned;
}

// A node that answers but holds no record while another holds some: a replaced disk.
bool RepairCoordinator::DetectEmptyNode() {
  NodeScanRequest probe;
  probe.limit = 1;
  bool some_empty = false, some_full = false;
  for (NodeClient* node : options_.set.nodes) {
    Result<node_wire::WireScanPage> page = node->ScanVersions(probe);
    if (!page.ok()) continue;
    (page->entries.empty() ? some_empty : some_full) = true;
  }
  return some_empty && some_full;
}

void RepairCoordinator::MaybeStartSweep() {
  std::optional<node_wire::RepairSweep> request;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (sweep_.running) return;  // A request waits for the running sweep to end.
    request = std::move(requested_);
    requested_.reset();
    const uint64_t period_ms = options_.config.sweep_period_seconds * 1000;
    if (!request && NowMs() - sweep_.last_completed_ms >= period_ms) {
      request = node_wire::RepairSweep{};
    }
  }
  if (request) StartSweep(*request, true);
}

void RepairCoordinator::StartSweep(const node_wire::RepairSweep& scope, bool from_start) {
  SweepState s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s.running = true;
    s.bucket = scope.bucket;
    s.prefix = scope.prefix;
    s.total_estimate = sweep_.total_estimate;
    s.started_ms = NowMs();
    s.last_completed_ms = sweep_.last_completed_ms;
    sweep_ = s;
  }
  scan_.reset();
  degraded_ = 0;
  null_seen_ = false;
  if (from_start && scope.bucket.empty()) {
    live_ = LiveDataIds{};
  } else {
    live_.reset();
  }
  Status saved = SaveSweepState(*options_.fs, options_.state_dir, s);
  if (!saved.ok()) stats_.AddError("saving the sweep state: " + saved.ToString());
  log::Info("repair: sweep started",
            {{"set", options_.set.set}, {"bucket", scope.bucket}, {"prefix", scope.prefix}});
}

Result<StepOutcome> RepairCoordinator::SweepBatch() {
  SweepState s = sweep_state();
  if (!scan_) {
    ScanRange range;
    if (!s.bucket.empty()) {
      const std::string names[3] = {s.bucket, PartsBucket(s.bucket), UploadsBucket(s.bucket)};
      range.bucket = names[std::min<uint8_t>(s.range_index, 2)];
      range.prefix = s.range_index == 1 ? "" : s.prefix;
    }
    scan_ = std::make_unique<MergedScan>(&options_.set, range, s.cursor);
  }
  StepOutcome out{true, 0};
  for (uint32_t i = 0; i < options_.sweep_batch; ++i) {
    std::optional<VersionGroup> g = scan_->Next();
    if (!g) {
      if (!scan_->all_answered()) live_.reset();
      if (NextRange()) return out;
      FinishSweep();
      return out;
    }
    out.bytes += HandleGroup(*g).bytes_moved;
    std::lock_guard<std::mutex> lock(mu_);
    sweep_.cursor = NodeScanPosition{g->bucket, g->key, g->version};
    ++sweep_.scanned;
    sweep_.total_estimate = std::max(sweep_.total_estimate, sweep_.scanned);
  }
  if (!scan_->all_answered()) live_.reset();
  Status saved = SaveSweepState(*options_.fs, options_.state_dir, sweep_state());
  if (!saved.ok()) stats_.AddError("saving the sweep state: " + saved.ToString());
  return out;
}

bool RepairCoordinator::NextRange() {
  std::lock_guard<std::mutex> lock(mu_);
  if (sweep_.bucket.empty() || sweep_.range_index >= 2) return false;
  ++sweep_.range_index;
  sweep_.cursor.reset();
  scan_.reset();
  return true;
}

void RepairCoordinator::FinishSweep() {
  SweepState s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sweep_.running = false;
    sweep_.cursor.reset();
    sweep_.range_index = 0;
    sweep_.last_completed_ms = NowMs();
    if (sweep_.bucket.empty()) sweep_.total_estimate = sweep_.scanned;
    s = sweep_;
  }
  scan_.reset();
  collect_orphans_ = live_.has_value();
  Status saved = SaveSweepState(*options_.fs, options_.state_dir, s);
  if (!saved.ok()) stats_.AddError("saving the sweep state: " + saved.ToString());
  log::Info("repair: sweep completed",
            {{"set", options_.set.set}, {"versions", s.scanned}, {"degraded", degraded_}});
}

RepairOutcome RepairCoordinator::HandleGroup(const VersionGroup& g) {
  if (live_) {
    Status s = AddLiveDataIds(g, &*live_);
    if (!s.ok()) {
      live_.reset();  // A record we cannot read: its shards must not be judged orphans.
      stats_.AddError(s.ToString());
    }
  }
  std::optional<size_t> winner = PickWinner(g.copies.held);
  if (!winner) return RepairOutcome{};
  const node_wire::WireVersion& w = *g.copies.held[*winner];
  RepairOutcome out;
  const uint64_t cutoff_ms =
      NowMs() - std::min(NowMs(), options_.config.orphan_grace_seconds * 1000);
  if (w.kind == WireKind::kPurged && g.copies.all_answered() &&
      TombstoneDroppable(g.copies.held, cutoff_ms)) {
    bool all = true;
    for (uint32_t j = 0; j < options_.set.size(); ++j) {
      if (!g.copies.held[j]) continue;
      Status s = options_.set.nodes[j]->DeleteVersion(g.bucket, g.key, g.version);
      if (!s.ok() && s.code() != StatusCode::kNotFound) {
        all = false;
        stats_.AddError("dropping a tombstone: " + s.ToString());
      }
    }
    if (all) stats_.AddTombstonesDropped(1);
    return out;
  }
  const bool same_key = null_seen_ && null_seen_bucket_ == g.bucket && null_seen_key_ == g.key;
  if (!IsNodeBucket(g.bucket) && IsNullVersion(w)) {
    if (same_key) {
      out = repairer_.PurgeEverywhere(g.bucket, g.key, g.version, NowMs());
      stats_.Add(out);
      return out;
    }
    null_seen_ = true;
    null_seen_bucket_ = g.bucket;
    null_seen_key_ = g.key;
  }
  out = repairer_.RepairHeld(g.bucket, g.key, g.version, g.copies);
  if (out.incomplete) ++degraded_;
  stats_.Add(out);
  return out;
}

Result<StepOutcome> RepairCoordinator::CollectOrphanShards() {
  collect_orphans_ = false;
  LiveDataIds live = std::move(*live_);
  live_.reset();
  for (NodeClient* node : options_.set.nodes) {
    if (!node->Health().ok()) return StepOutcome{};  // Only with the whole set answering.
  }
  const uint64_t grace_us = options_.config.orphan_grace_seconds * 1'000'000ull;
  const uint64_t now_us = clock_->NowMicros();
  Result<OrphanResult> r = CollectOrphans(options_.set, live, now_us - std::min(now_us, grace_us));
  if (!r.ok()) {
    stats_.AddError("orphan collection: " + r.status().ToString());
    return StepOutcome{true, 0};
  }
  stats_.AddOrphans(r->shards_deleted, r->bytes_deleted);
  if (r->shards_deleted != 0) {
    log::Info(
        "repair: orphan shards deleted",
        {{"set", options_.set.set}, {"shards", r->shards_deleted}, {"bytes", r->bytes_deleted}});
  }
  return StepOutcome{true, 0};
}

void RepairCoordinator::Publish() {
  RepairSnapshot s;
  s.coordinator = coordinator();
  s.set = options_.set.set;
  s.queue_depth = queue_depth_;
  s.sweep = sweep_state();
  s.degraded_objects = degraded_;
  s.now_ms = NowMs();
  stats_.SetSnapshot(std::move(s));
}

}  // namespace shale::storage
