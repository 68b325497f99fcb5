#pragma once

// Engine operations shared by the node's two front doors: the HTTP handlers (NodeService) and
// the in-process client (LocalNodeClient), so both answer identically.
// Thread-safety: free functions over a thread-safe Engine.

#include <string>
#include <vector>

#include "common/node_client.h"
#include "common/node_wire.h"
#include "common/result.h"
#include "storage/engine.h"
#include "storage/repair_hooks.h"

namespace shale::storage {

// One answer per id, in order; absent ids are {present=false}. Other errors fail the call.
Result<std::vector<node_wire::ShardCheck>> CheckShards(Engine& engine,
                                                       std::vector<std::string> ids);

node_wire::WireKind ToWireKind(VersionKind kind);
VersionKind FromWireKind(node_wire::WireKind kind);
node_wire::WireVersion ToWireVersion(StoredVersion&& v);
node_wire::WireVersionPage ToWirePage(VersionPage&& page);
std::vector<node_wire::WireBucket> ToWireBuckets(std::vector<StoredBucket>&& buckets);

// Validates and queues a gateway's repair hint (Engine::EnqueueObjectRepair).
Status EnqueueRepairHint(Engine& engine, const node_wire::RepairHint& hint);

// Repair and scrub calls (NodeClient::ScanVersions ... StartRepair). Limits are checked here,
// so both front doors refuse the same requests (InvalidArgument).
Result<node_wire::WireScanPage> ScanVersionsPage(Engine& engine, const NodeScanRequest& request);
Result<node_wire::WireShardPage> ListShardsPage(Engine& engine, std::string_view start_after,
                                                uint32_t limit);
// Items whose id does not decode are still listed (kind kept, names empty, the reason says
// so), so the repair service can remove them.
Result<std::vector<node_wire::WireRepairItem>> PeekRepairItems(Engine& engine, uint32_t limit);
Status RemoveRepairItems(Engine& engine, const std::vector<uint64_t>& seqs);
// Unavailable("no repair service") when hooks.start_sweep is unset.
Status StartRepairSweep(const RepairHooks& hooks, const node_wire::RepairSweep& sweep);

// A scrub pass's progress in 0..1 (1 when idle after a completed pass), and the seconds left
// at the configured rate (0 when idle or paused).
double ScrubProgress(const ScrubStatus& scrub);
uint64_t ScrubEtaSeconds(const ScrubStatus& scrub);

// OK when the engine accepts writes; Unavailable("read-only: <reason>") otherwise.
Status EngineHealth(Engine& engine);
// The /v1/status document (docs/FORMAT.md, "Internal API"); "repair" is hooks.status_json()
// when set.
std::string NodeStatusJson(Engine& engine, const std::string& node_id,
                           const std::string& cluster_id, const RepairHooks& hooks = {});

}  // namespace shale::storage
