#pragma once

// The cluster's health as the admin API reports it (GET /_shale/admin/v1/status, docs/
// OPERATIONS.md): what each node answered (Health and its /v1/status JSON, whose "scrub" and
// "repair" members are passed through as the node wrote them) and the cluster-wide sums and
// verdict computed from those answers. Summarize and RenderClusterStatus are pure functions over
// node answers (untrusted JSON: missing or mistyped fields count as absent), so they are
// table-tested without a cluster; CollectNodeReports does the I/O.
// Thread-safety: pure functions over values; CollectNodeReports calls the clients concurrently
// (NodeClient implementations are thread-safe).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/node_client.h"

namespace shale::gateway {

// What one node answered.
struct NodeReport {
  std::string id;
  std::string address;
  bool up = false;          // Health() was OK.
  std::string error;        // Why it is not up (Health's or StatusJson's status), else empty.
  std::string status_json;  // Its /v1/status body; empty when it could not be read.
};

enum class ClusterVerdict {
  kHealthy,      // Every node up and writable, nothing queued for repair, nothing degraded.
  kDegraded,     // Every set readable, but some node is down or read-only, or repair has work.
  kUnavailable,  // Some erasure set has fewer than k nodes up: part of the data is unreadable.
};
std::string_view VerdictName(ClusterVerdict verdict);

struct ClusterSummary {
  uint32_t nodes_total = 0;
  uint32_t nodes_up = 0;
  uint32_t nodes_read_only = 0;
  uint64_t capacity_bytes = 0;   // Sum of the up nodes' disk capacity.
  uint64_t available_bytes = 0;  // Sum of the up nodes' free disk space.
  uint64_t live_bytes = 0;       // Sum of the up nodes' live record bytes.
  // Scrub, summed over the up nodes.
  uint32_t nodes_scrubbing = 0;
  uint64_t bytes_scrubbed_total = 0;
  uint64_t corruptions_found_total = 0;
  std::optional<double> scrub_eta_seconds;  // The slowest running pass; none when none runs.
  // Repair, summed over the up nodes.
  uint32_t sweeps_running = 0;  // Coordinators sweeping now ("repairing").
  uint64_t queue_depth = 0;     // Repair hints and bad records queued on the nodes.
  uint64_t degraded_objects = 0;
  uint64_t shards_repaired_total = 0;
  uint64_t shard_bytes_repaired_total = 0;
  uint64_t records_copied_total = 0;
  uint64_t orphan_bytes_deleted_total = 0;
  uint64_t repair_errors_total = 0;
  ClusterVerdict verdict = ClusterVerdict::kHealthy;
  // Seconds until healthy: 0 when healthy; the slowest running sweep's estimate when repair is
  // working on it; none when unknown (a node is down, or work is queued but no sweep runs yet).
  std::optional<double> eta_healthy_seconds;
  std::vector<std::string> reasons;  // Why the verdict is not healthy, one phrase each.
};

// `reports` are in config order; every `set_size` consecutive nodes form an erasure set whose
// data needs `k` of them.
ClusterSummary Summarize(std::span<const NodeReport> reports, uint32_t set_size, uint32_t k);

// {"verdict", "healthy": bool, "eta_healthy_seconds", "reasons": [...], "generated_ms",
//  "cluster": {sums}, "nodes": [{"id", "address", "set", "up", "error", "read_only",
//  "capacity_bytes", "available_bytes", "live_bytes", "repair_queue_depth", "scrub": {...},
//  "repair": {...}}]} — the layout documented in docs/OPERATIONS.md.
std::string RenderClusterStatus(std::span<const NodeReport> reports, const ClusterSummary& summary,
                                uint32_t set_size, int64_t generated_ms);

// Asks every node (Health, then StatusJson when healthy or read-only) at once.
// `ids`/`addresses` name the nodes in the same order as `nodes`.
std::vector<NodeReport> CollectNodeReports(std::span<NodeClient* const> nodes,
                                           std::span<const std::string> ids,
                                           std::span<const std::string> addresses);

}  // namespace shale::gateway
