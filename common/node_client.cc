#include "common/node_client.h"

namespace shale {
namespace {

Status Unsupported(std::string_view call) {
  return Status::NotSupported(std::string(call) + " is not supported by this node client");
}

}  // namespace

Result<node_wire::WireScanPage> NodeClient::ScanVersions(const NodeScanRequest&) {
  return Unsupported("ScanVersions");
}
Result<node_wire::WireShardPage> NodeClient::ListShards(std::string_view, uint32_t) {
  return Unsupported("ListShards");
}
Result<std::vector<node_wire::WireRepairItem>> NodeClient::PeekRepairs(uint32_t) {
  return Unsupported("PeekRepairs");
}
Status NodeClient::RemoveRepairs(const std::vector<uint64_t>&) {
  return Unsupported("RemoveRepairs");
}
Status NodeClient::StartScrub() { return Unsupported("StartScrub"); }
Status NodeClient::StartRepair(const node_wire::RepairSweep&) { return Unsupported("StartRepair"); }

}  // namespace shale
