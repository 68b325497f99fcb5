#pragma once

// RepairQueueDrainer: works through the repair queues of every node of a set (records marked
// bad by reads and scrub, shards marked bad, gateway hints): PeekRepairs, repair each item,
// RemoveRepairs for those fully repaired. An item that could not be repaired now (a node down,
// fewer than k good shards) stays queued and is skipped for `retry_after`, so it never blocks
// the items queued behind it.
// Thread-safety: not thread-safe; the coordinator's worker thread owns it.

#include <chrono>
#include <cstdint>
#include <map>
#include <utility>

#include "common/clock.h"
#include "storage/background_worker.h"
#include "storage/repair_stats.h"
#include "storage/repair_version.h"

namespace shale::storage {

class RepairQueueDrainer {
 public:
  // All borrowed; they must outlive the drainer.
  RepairQueueDrainer(const RepairSet* set, const VersionRepairer* repairer, RepairStats* stats,
                     const Clock* clock, uint64_t retry_after_micros = 60'000'000);

  // Handles up to a batch of items per node; did_work when some item was removed.
  StepOutcome DrainOnce();
  // Items queued on the set's nodes (counted up to 1000 per node).
  uint64_t Depth() const;

 private:
  RepairOutcome Handle(const node_wire::WireRepairItem& item) const;

  const RepairSet* const set_;
  const VersionRepairer* const repairer_;
  RepairStats* const stats_;
  const Clock* const clock_;
  const uint64_t retry_after_micros_;
  // (node, seq) -> monotonic micros before which the item is not tried again.
  std::map<std::pair<uint32_t, uint64_t>, uint64_t> deferred_;
};

}  // namespace shale::storage
