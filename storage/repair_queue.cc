#include "storage/repair_queue.h"

#include <algorithm>
#include <vector>

namespace shale::storage {
namespace {

constexpr uint32_t kBatch = 32;
constexpr uint32_t kMaxPeek = 1000;

}  // namespace

RepairQueueDrainer::RepairQueueDrainer(const RepairSet* set, const VersionRepairer* repairer,
                                       RepairStats* stats, const Clock* clock,
                                       uint64_t retry_after_micros)
    : set_(set),
      repairer_(repairer),
      stats_(stats),
      clock_(clock),
      retry_after_micros_(retry_after_micros) {}

RepairOutcome RepairQueueDrainer::Handle(const node_wire::WireRepairItem& item) const {
  switch (item.kind) {
    case node_wire::WireRepairKind::kShard:
      return repairer_->RepairShardId(item.shard_id);
    case node_wire::WireRepairKind::kVersion:
    case node_wire::WireRepairKind::kObjectHint:
      return repairer_->RepairVersion(item.bucket, item.key, item.version);
    case node_wire::WireRepairKind::kBucket:
      return repairer_->RepairBucket(item.bucket);
  }
  return RepairOutcome{};
}

StepOutcome RepairQueueDrainer::DrainOnce() {
  StepOutcome out;
  const uint64_t now = clock_->MonotonicMicros();
  for (uint32_t j = 0; j < set_->size(); ++j) {
    // Deferred items sit at the head of the queue: look past them.
    const auto first = deferred_.lower_bound({j, 0});
    const auto last = deferred_.lower_bound({j + 1, 0});
    const uint32_t skipped = static_cast<uint32_t>(std::distance(first, last));
    Result<std::vector<node_wire::WireRepairItem>> items =
        set_->nodes[j]->PeekRepairs(std::min(kMaxPeek, kBatch + skipped));
    if (!items.ok() || items->empty()) continue;
    std::vector<uint64_t> done;
    uint32_t handled = 0;
    for (const node_wire::WireRepairItem& item : *items) {
      auto d = deferred_.find({j, item.seq});
      if (d != deferred_.end() && d->second > now) continue;
      if (++handled > kBatch) break;
      RepairOutcome r = Handle(item);
      stats_->Add(r);
      out.bytes += r.bytes_moved;
      if (r.incomplete) {
        deferred_[{j, item.seq}] = now + retry_after_micros_;
      } else {
        done.push_back(item.seq);
        if (d != deferred_.end()) deferred_.erase(d);
      }
    }
    if (done.empty()) continue;
    out.did_work = true;
    Status s = set_->nodes[j]->RemoveRepairs(done);
    if (!s.ok()) stats_->AddError("removing handled repair items: " + s.ToString());
  }
  return out;
}

uint64_t RepairQueueDrainer::Depth() const {
  uint64_t depth = 0;
  for (NodeClient* node : set_->nodes) {
    Result<std::vector<node_wire::WireRepairItem>> items = node->PeekRepairs(kMaxPeek);
    if (items.ok()) depth += items->size();
  }
  return depth;
}

}  // namespace shale::storage
