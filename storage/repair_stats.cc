#include "storage/repair_stats.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace shale::storage {
namespace {

Counter* MakeCounter(MetricsRegistry& r, const char* name, const char* help,
                     const std::string& node) {
  Result<CounterFamily*> f = r.AddCounter(name, help, {"node"});
  if (!f.ok()) std::abort();  // Fixed, valid names: a clash is a bug.
  return &(*f)->WithLabels({node});
}

Gauge* MakeGauge(MetricsRegistry& r, const char* name, const char* help, const std::string& node) {
  Result<GaugeFamily*> f = r.AddGauge(name, help, {"node"});
  if (!f.ok()) std::abort();
  return &(*f)->WithLabels({node});
}

}  // namespace

double SweepProgress(const SweepState& s) {
  if (!s.running) return s.last_completed_ms != 0 ? 1.0 : 0.0;
  if (s.total_estimate == 0) return 0.0;
  return std::min(1.0, static_cast<double>(s.scanned) / static_cast<double>(s.total_estimate));
}

uint64_t SweepEtaSeconds(const SweepState& s, uint64_t now_ms) {
  if (!s.running || s.scanned == 0 || s.total_estimate <= s.scanned || now_ms <= s.started_ms) {
    return 0;
  }
  const double per_version_ms = static_cast<double>(now_ms - s.started_ms) / s.scanned;
  return static_cast<uint64_t>(per_version_ms * (s.total_estimate - s.scanned) / 1000.0) + 1;
}

RepairStats::RepairStats(MetricsRegistry* registry, const std::string& node) {
  if (registry == nullptr) {
    own_registry_ = std::make_unique<MetricsRegistry>();
    registry = own_registry_.get();
  }
  MetricsRegistry& r = *registry;
  records_copied_ = MakeCounter(r, "shale_repair_records_copied_total",
                                "Version records written to nodes that lacked them.", node);
  shards_repaired_ = MakeCounter(r, "shale_repair_shards_repaired_total",
                                 "Shards rebuilt from k good ones and written back.", node);
  shard_bytes_ = MakeCounter(r, "shale_repair_shard_bytes_repaired_total",
                             "Bytes of the shards rebuilt.", node);
  orphan_shards_ = MakeCounter(r, "shale_repair_orphan_shards_deleted_total",
                               "Shards no live version references, deleted after the grace.", node);
  orphan_bytes_ = MakeCounter(r, "shale_repair_orphan_bytes_deleted_total",
                              "Bytes of the orphan shards deleted.", node);
  tombstones_ = MakeCounter(r, "shale_repair_tombstones_dropped_total",
                            "Purge tombstones dropped once the whole set held them.", node);
  errors_ = MakeCounter(r, "shale_repair_errors_total", "Repairs that failed or stayed incomplete.",
                        node);
  queue_depth_ =
      MakeGauge(r, "shale_repair_queue_depth", "Items in the set's repair queues.", node);
  degraded_ = MakeGauge(r, "shale_repair_degraded_objects",
                        "Versions found degraded and not yet repaired.", node);
  progress_ =
      MakeGauge(r, "shale_repair_sweep_progress", "Anti-entropy sweep progress, 0..1.", node);
  eta_ = MakeGauge(r, "shale_repair_eta_seconds", "Estimated seconds until the sweep completes.",
                   node);
  coordinator_ =
      MakeGauge(r, "shale_repair_coordinator", "1 while this node coordinates its set.", node);
}

void RepairStats::Add(const RepairOutcome& o) {
  records_copied_->Inc(o.records_copied);
  shards_repaired_->Inc(o.shards_repaired);
  shard_bytes_->Inc(o.shard_bytes);
  if (o.incomplete) AddError(o.problem);
}

void RepairStats::AddOrphans(uint64_t shards, uint64_t bytes) {
  orphan_shards_->Inc(shards);
  orphan_bytes_->Inc(bytes);
}

void RepairStats::AddTombstonesDropped(uint64_t n) { tombstones_->Inc(n); }

void RepairStats::AddError(const std::string& error) {
  errors_->Inc();
  std::lock_guard<std::mutex> lock(mu_);
  last_error_ = error;
}

void RepairStats::SetSnapshot(RepairSnapshot s) {
  queue_depth_->Set(static_cast<double>(s.queue_depth));
  degraded_->Set(static_cast<double>(s.degraded_objects));
  progress_->Set(SweepProgress(s.sweep));
  eta_->Set(static_cast<double>(SweepEtaSeconds(s.sweep, s.now_ms)));
  coordinator_->Set(s.coordinator ? 1 : 0);
  std::lock_guard<std::mutex> lock(mu_);
  snapshot_ = std::move(s);
}

RepairSnapshot RepairStats::snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_;
}

std::string RepairStats::StatusJson() const {
  RepairSnapshot s;
  std::string last_error;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s = snapshot_;
    last_error = last_error_;
  }
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  auto u64 = [&w](const char* key, uint64_t v) {
    w.Key(key);
    w.Uint64(v);
  };
  auto str = [&w](const char* key, const std::string& v) {
    w.Key(key);
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  };
  w.StartObject();
  w.Key("coordinator");
  w.Bool(s.coordinator);
  u64("set", s.set);
  u64("queue_depth", s.queue_depth);
  w.Key("sweep");
  w.StartObject();
  w.Key("running");
  w.Bool(s.sweep.running);
  str("bucket", s.sweep.bucket);
  str("prefix", s.sweep.prefix);
  u64("scanned", s.sweep.scanned);
  u64("total_estimate", s.sweep.total_estimate);
  w.Key("progress");
  w.Double(SweepProgress(s.sweep));
  u64("started_ms", s.sweep.started_ms);
  u64("last_completed_ms", s.sweep.last_completed_ms);
  u64("eta_seconds", SweepEtaSeconds(s.sweep, s.now_ms));
  w.EndObject();
  u64("degraded_objects", s.degraded_objects);
  u64("records_copied_total", records_copied_->Value());
  u64("shards_repaired_total", shards_repaired_->Value());
  u64("shard_bytes_repaired_total", shard_bytes_->Value());
  u64("orphan_shards_deleted_total", orphan_shards_->Value());
  u64("orphan_bytes_deleted_total", orphan_bytes_->Value());
  u64("tombstones_dropped_total", tombstones_->Value());
  u64("errors_total", errors_->Value());
  str("last_error", last_error);
  w.EndObject();
  return sb.GetString();
}

}  // namespace shale::storage
