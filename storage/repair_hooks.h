#pragma once

// RepairHooks: how a node's repair service (storage/repair_service.h, which talks to the other
// nodes of its set) plugs into the node's request handling without the engine or NodeService
// knowing it. NodeService (the HTTP API) and LocalNodeClient (in-process nodes of `shale
// server`) both take them: `/v1/status` gains a "repair" member and `POST /v1/repair/sweep`
// (NodeClient::StartRepair) reaches the service.
// Thread-safety: the functions are called concurrently from request threads; they must be
// safe for that and must outlive the NodeService / LocalNodeClient they are given to.

#include <functional>
#include <string>

#include "common/node_wire.h"
#include "common/status.h"

namespace shale::storage {

struct RepairHooks {
  // A JSON object, inserted as the value of "repair" in the node's status; unset: no member.
  std::function<std::string()> status_json;
  // Starts a sweep; unset: StartRepair answers Unavailable ("no repair service").
  std::function<Status(const node_wire::RepairSweep&)> start_sweep;
};

}  // namespace shale::storage
