#pragma once

// RepairService: the repair coordinator of one storage node on its own throttled background
// thread (storage/background_worker.h), plus the RepairHooks that let the node's API show its
// status and start sweeps. shale-node runs one (its set's peers over HttpNodeClient, itself
// through a LocalNodeClient); `shale server` runs one per in-process node.
// Thread-safety: Start/Stop/hooks may be called from any thread; hooks() stay valid while the
// service lives, so the service must outlive the NodeService/LocalNodeClient given them.

#include <memory>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/node_client.h"
#include "storage/background_worker.h"
#include "storage/repair_coordinator.h"
#include "storage/repair_hooks.h"

namespace shale::storage {

// Which set node `self` (a config index) belongs to and its index in it.
struct SetMembership {
  uint32_t set = 0;
  uint32_t index = 0;  // 0..k+m-1.
  uint32_t first_node = 0;
};
SetMembership MembershipOf(const ClusterConfig& config, uint32_t self);

class RepairService {
 public:
  struct Options {
    RepairCoordinatorOptions coordinator;
    std::chrono::milliseconds idle_interval{1000};
  };

  explicit RepairService(Options options);
  ~RepairService();  // Stops.

  void Start();
  void Stop();
  RepairHooks hooks();
  // Starts a sweep now (what NodeClient::StartRepair reaches).
  Status StartSweep(const node_wire::RepairSweep& sweep);
  RepairCoordinator& coordinator() { return *coordinator_; }

 private:
  std::unique_ptr<RepairCoordinator> coordinator_;
  std::unique_ptr<BackgroundWorker> worker_;
};

// Coordinator options for node `self` (a config index) of `config`: `clients` are the clients
// of every node of the cluster in config order (borrowed; only the set's are used).
RepairCoordinatorOptions CoordinatorOptionsFor(const ClusterConfig& config, uint32_t self,
                                               const std::vector<NodeClient*>& clients,
                                               fs::FileSystem* fs, MetricsRegistry* metrics);

}  // namespace shale::storage
