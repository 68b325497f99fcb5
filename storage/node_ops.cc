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

Result<node_wire::WireScanPage> ScanVersionsPage(Engine& engine, const NodeScanRequest& request) {
  if (request.limit == 0 || request.limit > node_wire::kMaxListEntries) {
    return Status::InvalidArgument("limit must be 1..10000");
  }
  VersionScanOptions options;
  if (request.start_after) {
    options.start_after = VersionKey{request.start_after->bucket, request.start_after->key,
                                     request.start_after->version};
  }
  options.limit = request.limit;
  options.max_bytes = request.max_bytes;
  SHALE_ASSIGN_OR_RETURN(VersionPage page, engine.ScanVersions(options));
  node_wire::WireScanPage wire;
  wire.truncated = page.truncated;
  wire.entries.reserve(page.versions.size());
  for (auto& v : page.versions) {
    std::string bucket = std::move(v.bucket);
    wire.entries.push_back({std::move(bucket), ToWireVersion(std::move(v))});
  }
  return wire;
}

Result<node_wire::WireShardPage> ListShardsPage(Engine& engine, std::string_view start_after,
                                                uint32_t limit) {
  if (limit == 0 || limit > node_wire::kMaxListEntries) {
    return Status::InvalidArgument("limit must be 1..10000");
  }
  if (start_after.size() > node_wire::kMaxShardIdSize) {
    return Status::InvalidArgument("shard id must be 1..255 bytes");
  }
  SHALE_ASSIGN_OR_RETURN(ShardListing listing, engine.ListShards(start_after, limit));
  node_wire::WireShardPage page;
  page.truncated = listing.truncated;
  page.shards.reserve(listing.shards.size());
  for (auto& [id, info] : listing.shards) {
    page.shards.push_back({std::move(id), true, !info.bad, info.length, info.crc32c});
  }
  return page;
}

Result<std::vector<node_wire::WireRepairItem>> PeekRepairItems(Engine& engine, uint32_t limit) {
  if (limit == 0 || limit > node_wire::kMaxListEntries) {
    return Status::InvalidArgument("limit must be 1..10000");
  }
  SHALE_ASSIGN_OR_RETURN(std::vector<RepairItem> items, engine.PeekRepairs(limit));
  std::vector<node_wire::WireRepairItem> out;
  out.reserve(items.size());
  for (auto& item : items) {
    node_wire::WireRepairItem w;
    w.seq = item.seq;
    w.kind = static_cast<node_wire::WireRepairKind>(item.kind);
    w.reason = std::move(item.reason);
    w.enqueue_time_ms = item.enqueue_time_ms;
    Status bad;
    switch (item.kind) {
      case RecordKind::kShard:
        if (item.id.empty() || item.id.size() > node_wire::kMaxShardIdSize) {
          bad = Status::Corruption("shard id length");
        } else {
          w.shard_id = std::move(item.id);
        }
        break;
      case RecordKind::kBucket:
        bad = ValidateBucketName(item.id);
        if (bad.ok()) w.bucket = std::move(item.id);
        break;
      case RecordKind::kVersion:
      case RecordKind::kObjectHint: {
        auto key = DecodeVersionKey(item.id);
        if (key.ok()) {
          w.bucket = std::move(key->bucket);
          w.key = std::move(key->key);
          w.version = key->version;
        } else {
          bad = key.status();
        }
        break;
      }
    }
    if (!bad.ok()) w.reason = "undecodable repair item id (" + bad.ToString() + "); " + w.reason;
    out.push_back(std::move(w));
  }
  return out;
}

Status RemoveRepairItems(Engine& engine, const std::vector<uint64_t>& seqs) {
  if (seqs.size() > node_wire::kMaxListEntries) {
    return Status::InvalidArgument("at most 10000 repair seqs per call");
  }
  return engine.RemoveRepairs(seqs);
}

Status StartRepairSweep(const RepairHooks& hooks, const node_wire::RepairSweep& sweep) {
  if (sweep.bucket.empty() && !sweep.prefix.empty()) {
    return Status::InvalidArgument("a sweep prefix needs a bucket");
  }
  if (!hooks.start_sweep) return Status::Unavailable("no repair service");
  return hooks.start_sweep(sweep);
}

double ScrubProgress(const ScrubStatus& scrub) {
  if (!scrub.running) return scrub.last_pass_completed_ms > 0 ? 1.0 : 0.0;
  if (scrub.pass_bytes_total == 0) return 0.0;
  return std::min(1.0, static_cast<double>(scrub.pass_bytes_done) /
                           static_cast<double>(scrub.pass_bytes_total));
}

uint64_t ScrubEtaSeconds(const ScrubStatus& scrub) {
  if (!scrub.running || scrub.rate_bytes_per_sec == 0) return 0;
  const uint64_t left =
      scrub.pass_bytes_total - std::min(scrub.pass_bytes_total, scrub.pass_bytes_done);
  return (left + scrub.rate_bytes_per_sec - 1) / scrub.rate_bytes_per_sec;
}

Status EngineHealth(Engine& engine) {
  EngineStatus st = engine.status();
  if (st.read_only) return Status::Unavailable("read-only: " + st.read_only_reason);
  return Status::OK();
}

std::string NodeStatusJson(Engine& engine, const std::string& node_id,
                           const std::string& cluster_id, const RepairHooks& hooks) {
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
  const ScrubStatus& scrub = st.scrub;
  w.Key("scrub");
  w.StartObject();
  w.Key("running");
  w.Bool(scrub.running);
  u64("pass_started_ms", scrub.pass_started_ms);
  u64("last_pass_completed_ms", scrub.last_pass_completed_ms);
  u64("pass_bytes_done", scrub.pass_bytes_done);
  u64("pass_bytes_total", scrub.pass_bytes_total);
  w.Key("progress");
  w.Double(ScrubProgress(scrub));
  u64("bytes_scrubbed_total", scrub.bytes_scrubbed_total);
  u64("corruptions_found_total", scrub.corruptions_found_total);
  u64("rate_bytes_per_sec", scrub.rate_bytes_per_sec);
  u64("eta_seconds", ScrubEtaSeconds(scrub));
  u64("period_seconds", scrub.period_seconds);
  w.EndObject();
  if (hooks.status_json) {
    std::string repair = hooks.status_json();
    w.Key("repair");
    w.RawValue(repair.data(), repair.size(), rapidjson::kObjectType);
  }
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace shale::storage
