#pragma once

// RepairStats: the repair service's counters and gauges, kept in the node's metrics registry
// (shale_repair_*, labeled by node) and rendered as the "repair" member of the node's status
// (RepairHooks::status_json). The JSON names are a contract with `shale status`:
//   {"coordinator":bool,"set":N,"queue_depth":N,
//    "sweep":{"running":bool,"bucket":"","prefix":"","scanned":N,"total_estimate":N,
//             "progress":0..1,"started_ms":N,"last_completed_ms":N,"eta_seconds":N},
//    "degraded_objects":N,"records_copied_total":N,"shards_repaired_total":N,
//    "shard_bytes_repaired_total":N,"orphan_shards_deleted_total":N,
//    "orphan_bytes_deleted_total":N,"tombstones_dropped_total":N,"errors_total":N,
//    "last_error":""}
// Thread-safety: counters are atomic; the snapshot fields are guarded by an internal mutex.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/metrics.h"
#include "storage/repair_sweep_state.h"
#include "storage/repair_version.h"

namespace shale::storage {

// What status_json shows besides the counters.
struct RepairSnapshot {
  bool coordinator = false;
  uint32_t set = 0;
  uint64_t queue_depth = 0;
  SweepState sweep;
  uint64_t degraded_objects = 0;  // Found by the current (or last) sweep and not yet repaired.
  uint64_t now_ms = 0;            // For the ETA.
};

class RepairStats {
 public:
  // `registry` may be nullptr (the stats then keep private counters); borrowed otherwise.
  RepairStats(MetricsRegistry* registry, const std::string& node_id);

  void Add(const RepairOutcome& outcome);
  void AddOrphans(uint64_t shards, uint64_t bytes);
  void AddTombstonesDropped(uint64_t n);
  void AddError(const std::string& error);
  void SetSnapshot(RepairSnapshot snapshot);

  std::string StatusJson() const;

  uint64_t records_copied() const { return records_copied_->Value(); }
  uint64_t shards_repaired() const { return shards_repaired_->Value(); }
  uint64_t orphan_shards_deleted() const { return orphan_shards_->Value(); }
  uint64_t tombstones_dropped() const { return tombstones_->Value(); }
  uint64_t errors() const { return errors_->Value(); }
  RepairSnapshot snapshot() const;

 private:
  std::unique_ptr<MetricsRegistry> own_registry_;  // When none was given.
  Counter* records_copied_;
  Counter* shards_repaired_;
  Counter* shard_bytes_;
  Counter* orphan_shards_;
  Counter* orphan_bytes_;
  Counter* tombstones_;
  Counter* errors_;
  Gauge* queue_depth_;
  Gauge* degraded_;
  Gauge* progress_;
  Gauge* eta_;
  Gauge* coordinator_;
  mutable std::mutex mu_;
  RepairSnapshot snapshot_;  // GUARDED_BY(mu_)
  std::string last_error_;   // GUARDED_BY(mu_)
};

// Sweep progress (0..1; 0 while the total is unknown) and the estimated seconds left.
double SweepProgress(const SweepState& s);
uint64_t SweepEtaSeconds(const SweepState& s, uint64_t now_ms);

}  // namespace shale::storage
