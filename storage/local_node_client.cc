#include "storage/local_node_client.h"

#include "storage/node_ops.h"

namespace shale::storage {

LocalNodeClient::LocalNodeClient(Engine* engine, LocalNodeClientOptions options)
    : engine_(engine), options_(std::move(options)) {}

Status LocalNodeClient::PutShard(std::string_view id, std::string_view data) {
  return engine_->PutShard(id, data);
}

Result<std::string> LocalNodeClient::GetShard(std::string_view id, uint64_t offset,
                                              uint64_t length) {
  return engine_->GetShard(id, offset, length);
}

Status LocalNodeClient::DeleteShard(std::string_view id) { return engine_->DeleteShard(id); }

Result<std::vector<node_wire::ShardCheck>> LocalNodeClient::CheckShards(
    const std::vector<std::string>& ids) {
  return storage::CheckShards(*engine_, ids);
}

Status LocalNodeClient::PutVersion(std::string_view bucket, std::string_view key,
                                   const NodeVersionId& version, std::string_view payload,
                                   node_wire::WireKind kind) {
  return engine_->PutVersion(bucket, key, version, payload, FromWireKind(kind));
}

Result<node_wire::WireVersion> LocalNodeClient::GetVersion(std::string_view bucket,
                                                           std::string_view key,
                                                           std::optional<NodeVersionId> version) {
  SHALE_ASSIGN_OR_RETURN(StoredVersion v, version ? engine_->GetVersion(bucket, key, *version)
                                                  : engine_->GetLatestVersion(bucket, key));
  return ToWireVersion(std::move(v));
}

Status LocalNodeClient::DeleteVersion(std::string_view bucket, std::string_view key,
                                      const NodeVersionId& version) {
  return engine_->DeleteVersion(bucket, key, version);
}

Result<node_wire::WireVersionPage> LocalNodeClient::ListVersions(const NodeListRequest& request) {
  if (request.limit == 0 || request.limit > node_wire::kMaxListEntries) {
    return Status::InvalidArgument("limit must be 1..10000");
  }
  ListVersionsOptions o;
  o.bucket = request.bucket;
  o.prefix = request.prefix;
  o.start_after_key = request.start_after_key;
  o.start_after_version = request.start_after_version;
  o.limit = request.limit;
  o.max_bytes = request.max_bytes;
  o.latest_only = request.latest_only;
  SHALE_ASSIGN_OR_RETURN(VersionPage page, engine_->ListVersions(o));
  return ToWirePage(std::move(page));
}

Status LocalNodeClient::PutBucket(std::string_view name, std::string_view payload) {
  return engine_->PutBucket(name, payload);
}

Result<std::string> LocalNodeClient::GetBucket(std::string_view name) {
  SHALE_ASSIGN_OR_RETURN(StoredBucket b, engine_->GetBucket(name));
  return std::move(b.payload);
}

Status LocalNodeClient::DeleteBucket(std::string_view name) { return engine_->DeleteBucket(name); }

Result<std::vector<node_wire::WireBucket>> LocalNodeClient::ListBuckets() {
  SHALE_ASSIGN_OR_RETURN(std::vector<StoredBucket> buckets, engine_->ListBuckets());
  return ToWireBuckets(std::move(buckets));
}

Status LocalNodeClient::EnqueueRepair(const node_wire::RepairHint& hint) {
  return EnqueueRepairHint(*engine_, hint);
}

Result<node_wire::WireScanPage> LocalNodeClient::ScanVersions(const NodeScanRequest& request) {
  return ScanVersionsPage(*engine_, request);
}

Result<node_wire::WireShardPage> LocalNodeClient::ListShards(std::string_view start_after,
                                                             uint32_t limit) {
  return ListShardsPage(*engine_, start_after, limit);
}

Result<std::vector<node_wire::WireRepairItem>> LocalNodeClient::PeekRepairs(uint32_t limit) {
  return PeekRepairItems(*engine_, limit);
}

Status LocalNodeClient::RemoveRepairs(const std::vector<uint64_t>& seqs) {
  return RemoveRepairItems(*engine_, seqs);
}

Status LocalNodeClient::StartScrub() { return engine_->StartScrub(); }

Status LocalNodeClient::StartRepair(const node_wire::RepairSweep& sweep) {
  return StartRepairSweep(hooks_, sweep);
}

Status LocalNodeClient::Health() { return EngineHealth(*engine_); }

Result<std::string> LocalNodeClient::StatusJson() {
  return NodeStatusJson(*engine_, options_.node_id, options_.cluster_id, hooks_);
}

Result<std::string> LocalNodeClient::MetricsText() {
  if (options_.metrics == nullptr) return Status::NotSupported("no metrics registry");
  return options_.metrics->RenderPrometheusText();
}

}  // namespace shale::storage
