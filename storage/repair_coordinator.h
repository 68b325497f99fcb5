#pragma once

// RepairCoordinator: the repair work of one erasure set as seen from one of its nodes. Every
// node of the set runs one; only the coordinator — the first node of the set (config order)
// that answers Health() — works, re-checked every coordinator_check_seconds. One Step() does a
// bounded unit: a batch of repair-queue items, or a batch of the anti-entropy sweep, or (after
// a complete sweep of the whole set) orphan collection. The sweep's position is persisted in
// the node's data directory (storage/repair_sweep_state.h), so a restart resumes it.
// Thread-safety: Step() runs on one thread (the service's worker); RequestSweep() and
// StatusJson() may be called from any thread.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "common/fs/file_system.h"
#include "common/metrics.h"
#include "storage/background_worker.h"
#include "storage/repair_orphans.h"
#include "storage/repair_queue.h"
#include "storage/repair_scan.h"
#include "storage/repair_stats.h"
#include "storage/repair_sweep_state.h"
#include "storage/repair_version.h"

namespace shale::storage {

struct RepairCoordinatorOptions {
  RepairSet set;        // The set's nodes, this node's own client included.
  uint32_t self = 0;    // This node's index in the set.
  std::string node_id;  // Metrics label.
  RepairConfig config;
  fs::FileSystem* fs = nullptr;        // Borrowed; the sweep state file lives in `state_dir`.
  std::string state_dir;               // The node's data directory.
  const Clock* clock = nullptr;        // Borrowed; nullptr: the system clock.
  MetricsRegistry* metrics = nullptr;  // Borrowed; nullptr: private counters.
  uint32_t sweep_batch = 64;           // Versions per sweep step.
};

class RepairCoordinator {
 public:
  explicit RepairCoordinator(RepairCoordinatorOptions options);

  // One unit of work (or none when this node does not coordinate).
  Result<StepOutcome> Step();
  // Asks for a sweep (whole set, or one bucket and key prefix); it starts at the next step, or
  // once the running one ends. Ignored (OK) by a node that knows it does not coordinate.
  Status RequestSweep(const node_wire::RepairSweep& sweep);
  std::string StatusJson() const { return stats_.StatusJson(); }
  const RepairStats& stats() const { return stats_; }
  bool coordinator() const;
  SweepState sweep_state() const;

 private:
  uint64_t NowMs() const { return clock_->NowMicros() / 1000; }
  void CheckCoordinator();
  bool DetectEmptyNode();
  bool NodeReturned(const std::vector<bool>& healthy);
  void MaybeStartSweep();
  void StartSweep(const node_wire::RepairSweep& scope, bool from_start);
  Result<StepOutcome> SweepBatch();
  RepairOutcome HandleGroup(const VersionGroup& g);
  bool NextRange();
  void FinishSweep();
  Result<StepOutcome> CollectOrphanShards();
  void Publish();

  const RepairCoordinatorOptions options_;
  const Clock* const clock_;
  VersionRepairer repairer_;
  RepairStats stats_;
  RepairQueueDrainer queue_;

  mutable std::mutex mu_;
  std::optional<node_wire::RepairSweep> requested_;  // GUARDED_BY(mu_)
  bool is_coordinator_ = false;                      // GUARDED_BY(mu_)
  bool checked_ = false;                             // GUARDED_BY(mu_)
  SweepState sweep_;                                 // GUARDED_BY(mu_) for writes from Step.

  // Worker-thread state.
  std::optional<uint64_t> last_check_mono_;
  std::vector<bool> was_healthy_;  // Per set node, at the last check while coordinating.
  uint64_t queue_depth_ = 0;
  uint64_t degraded_ = 0;
  std::unique_ptr<MergedScan> scan_;
  // The live data ids of a whole-set sweep that ran from its start in this process with every
  // node answering (nullopt otherwise: no orphan collection after it).
  std::optional<LiveDataIds> live_;
  bool collect_orphans_ = false;
  // Null-version rule: the key whose newest null version the sweep has seen.
  std::string null_seen_bucket_, null_seen_key_;
  bool null_seen_ = false;
  bool state_loaded_ = false;
};

}  // namespace shale::storage
