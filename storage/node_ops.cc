#include "storage/node_ops.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace shale::storage {

Result<std::vector<node_wire::ShardCheck>> CheckShards(Engine& engine,
                                                       std::vector<std::string> ids) {
  std::vector<node_wire::ShardCheck> checks;
  checks.reserve(ids.size());
  for (auto& id : ids) {
    node_wire::ShardCheck c;
    auto info = engine.StatShard(id);
    if (info.ok()) {
      c.present = true;
      c.healthy = !info->bad;
      c.length = info->length;
      c.crc32c = info->crc32c;
    } else if (!info.status().IsNotFound()) {
      return info.status();
    }
    c.id = std::move(id);
    checks.push_back(std::move(c));
  }
  return checks;
}

node_wire::WireKind ToWireKind(VersionKind kind) {
  // The two enums share their values (docs/FORMAT.md): 0 object, 1 delete marker, 2 purged.
  return static_cast<node_wire::WireKind>(kind);
}

VersionKind FromWireKind(node_wire::WireKind kind) { return static_cast<VersionKind>(kind); }

node_wire::WireVersion ToWireVersion(StoredVersion&& v) {
  return {std::move(v.key), v.version, ToWireKind(v.kind), v.sequence, std::move(v.payload)};
}

node_wire::WireVersionPage ToWirePage(VersionPage&& page) {
  node_wire::WireVersionPage wire;
  wire.truncated = page.truncated;
  wire.versions.reserve(page.versions.size());
  for (auto& v : page.versions) wire.versions.push_back(ToWireVersion(std::move(v)));
  return wire;
}

std::vector<node_wire::WireBucket> ToWireBuckets(std::vector<StoredBucket>&& buckets) {
  std::vector<node_wire::WireBucket> wire;
  wire.reserve(buckets.size());
  for (auto& b : buckets) wire.push_back({std::move(b.name), std::move(b.payload)});
  return wire;
}

Status EnqueueRepairHint(Engine& engine, const node_wire::RepairHint& hint) {
  // Cut like the wire encoder does, so both clients answer the same.
  std::string_view reason = hint.reason;
  reason = reason.substr(0, std::min(reason.size(), node_wire::kMaxHintReasonSize));
  return engine.EnqueueObjectRepair(hint.bucket, hint.key, hint.version, reason);
}

Status EngineHealth(Engine& engine) {
  EngineStatus st = engine.status();
  if (st.read_only) return Status::Unavailable("read-only: " + st.read_only_reason);
  return Status::OK();
}

std::string NodeStatusJson(Engine& engine, const std::string& node_id,
                           const std::string& cluster_id) {
  EngineStatus st = engine.status();
  auto space = engine.GetSpaceStats();
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  auto u64 = [&w](const char* key, uint64_t v) {
    w.Key(key);
    w.Uint64(v);
  };
  w.StartObject();
  w.Key("node_id");
  w.String(node_id.c_str());
  w.Key("cluster_id");
  w.String(cluster_id.c_str());
  w.Key("read_only");
  w.Bool(st.read_only);
  w.Key("read_only_reason");
  w.String(st.read_only_reason.c_str());
  u64("repair_queue_depth", st.repair_queue_depth);
  u64("next_sequence", st.next_sequence);
  if (space.ok()) {
    w.Key("space");
    w.StartObject();
    u64("live_bytes", space->live_bytes);
    u64("dead_bytes", space->dead_bytes);
    u64("segment_count", space->segment_count);
    u64("disk_capacity_bytes", space->disk_capacity_bytes);
    u64("disk_available_bytes", space->disk_available_bytes);
    u64("reserve_bytes", space->reserve_bytes);
    w.EndObject();
  }
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace shale::storage
