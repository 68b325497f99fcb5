#include "storage/repair_service.h"

namespace shale::storage {

SetMembership MembershipOf(const ClusterConfig& config, uint32_t self) {
  const uint32_t n = config.erasure.set_size();
  return SetMembership{self / n, self % n, (self / n) * n};
}

RepairCoordinatorOptions CoordinatorOptionsFor(const ClusterConfig& config, uint32_t self,
                                               const std::vector<NodeClient*>& clients,
                                               fs::FileSystem* fs, MetricsRegistry* metrics) {
  const SetMembership m = MembershipOf(config, self);
  RepairCoordinatorOptions o;
  o.set.set = m.set;
  o.set.k = config.erasure.k;
  o.set.m = config.erasure.m;
  for (uint32_t j = 0; j < config.erasure.set_size(); ++j) {
    o.set.nodes.push_back(clients[m.first_node + j]);
  }
  o.self = m.index;
  o.node_id = config.nodes[self].id;
  o.config = config.repair;
  o.fs = fs;
  o.state_dir = config.nodes[self].data_dir;
  o.metrics = metrics;
  return o;
}

RepairService::RepairService(Options options)
    : coordinator_(std::make_unique<RepairCoordinator>(options.coordinator)) {
  BackgroundWorker::Options wo;
  wo.name = "repair";
  wo.idle_interval = options.idle_interval;
  wo.rate_bytes_per_sec = options.coordinator.config.rate_bytes_per_sec;
  RepairCoordinator* c = coordinator_.get();
  worker_ = std::make_unique<BackgroundWorker>(wo, [c] { return c->Step(); });
}

RepairService::~RepairService() { Stop(); }

void RepairService::Start() { worker_->Start(); }
void RepairService::Stop() { worker_->Stop(); }

Status RepairService::StartSweep(const node_wire::RepairSweep& sweep) {
  SHALE_RETURN_IF_ERROR(coordinator_->RequestSweep(sweep));
  worker_->Wake();
  return Status::OK();
}

RepairHooks RepairService::hooks() {
  RepairHooks h;
  h.status_json = [this] { return coordinator_->StatusJson(); };
  h.start_sweep = [this](const node_wire::RepairSweep& s) { return StartSweep(s); };
  return h;
}

}  // namespace shale::storage
