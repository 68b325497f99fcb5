#pragma once

// Engine operations shared by the node's two front doors: the HTTP handlers (NodeService) and
// the in-process client (LocalNodeClient), so both answer identically.
// Thread-safety: free functions over a thread-safe Engine.

#include <string>
#include <vector>

#include "common/node_wire.h"
#include "common/result.h"
#include "storage/engine.h"

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

// OK when the engine accepts writes; Unavailable("read-only: <reason>") otherwise.
Status EngineHealth(Engine& engine);
// The /v1/status document (docs/FORMAT.md, "Internal API").
std::string NodeStatusJson(Engine& engine, const std::string& node_id,
                           const std::string& cluster_id);

}  // namespace shale::storage
