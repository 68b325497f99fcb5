#include "gateway/admin_verify.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>

#include "common/crc.h"
#include "common/encoding.h"
#include "common/node_fanout.h"
#include "common/object_record.h"
#include "common/placement.h"

namespace shale::gateway {
namespace {

// Shards asked of one node per CheckShards call.
constexpr size_t kCheckBatch = 1000;

std::string_view LayoutName(LayoutKind kind) {
  switch (kind) {
    case LayoutKind::kNone:
      return "none";
    case LayoutKind::kReplicated:
      return "replicated";
    case LayoutKind::kErasure:
      return "erasure";
    case LayoutKind::kMultipart:
      return "multipart";
  }
  return "unknown";
}

// Checks the shards placed on one node (indexes into report->shards); sets their fields.
void CheckNodeShards(NodeClient& client, const std::vector<std::string>& ids,
                     const std::vector<size_t>& slots, bool deep, VerifyReport* report) {
  for (size_t first = 0; first < ids.size(); first += kCheckBatch) {
    std::vector<std::string> batch(ids.begin() + first,
                                   ids.begin() + std::min(ids.size(), first + kCheckBatch));
    Result<std::vector<node_wire::ShardCheck>> checks = client.CheckShards(batch);
    for (size_t j = 0; j < batch.size(); ++j) {
      ShardReport& s = report->shards[slots[first + j]];
      if (!checks.ok() || checks->size() != batch.size()) {
        s.error = checks.ok() ? "short CheckShards answer" : checks.status().ToString();
        continue;
      }
      const node_wire::ShardCheck& c = (*checks)[j];
      s.present = c.present;
      s.healthy = c.healthy;
      s.length = c.length;
      if (!deep || !c.present) continue;
      Result<std::string> bytes = client.GetShard(batch[j]);
      s.crc_ok = bytes.ok() && bytes->size() == c.length && Crc32c(*bytes) == c.crc32c;
    }
  }
}

}  // namespace

Result<VerifyReport> VerifyObject(std::span<NodeClient* const> nodes,
                                  std::span<const std::string> ids, uint32_t set_size,
                                  const VerifyRequest& request) {
  if (set_size == 0 || nodes.empty() || nodes.size() % set_size != 0 ||
      ids.size() != nodes.size()) {
    return Status::InvalidArgument("verify: the node list does not form erasure sets");
  }
  Placement placement(static_cast<uint32_t>(nodes.size()), set_size);
  const ObjectPlacement where = placement.Locate(request.bucket, request.key);
  std::span<NodeClient* const> set_nodes = nodes.subspan(where.set * set_size, set_size);

  // The version to check: the one asked for, else the newest any node of the set holds.
  auto read = [&](std::optional<NodeVersionId> version) {
    return FanOut(set_nodes, [&](NodeClient& c) {
      return c.GetVersion(request.bucket, request.key, version);
    });
  };
  std::optional<NodeVersionId> target = request.version;
  std::vector<Result<node_wire::WireVersion>> found = read(target);
  if (!target) {
    for (const auto& r : found) {
      if (r.ok() && (!target || r->version > *target)) target = r->version;
    }
    if (!target) return Status::NotFound("no node of the object's set holds a version of it");
    found = read(target);
  }
  const node_wire::WireVersion* wire = nullptr;
  for (const auto& r : found) {
    if (r.ok() && r->kind != node_wire::WireKind::kPurged) wire = &*r;
  }
  if (wire == nullptr) return Status::NotFound("no node of the object's set holds that version");
  SHALE_ASSIGN_OR_RETURN(ObjectRecord rec, RecordFromWire(request.bucket, *wire));

  VerifyReport report;
  report.bucket = request.bucket;
  report.key = request.key;
  report.version_id = node_wire::VersionIdToHex(*target);
  report.delete_marker = rec.info.delete_marker;
  report.size = rec.info.size;
  report.set = where.set;
  ObjectLayout layout;
  if (!report.delete_marker) {
    SHALE_ASSIGN_OR_RETURN(layout, DecodeLayout(rec.info.layout));
  }
  report.layout = std::string(LayoutName(layout.kind));
  report.k = layout.k;
  report.m = layout.m;

  for (uint32_t pos = 0; pos < set_size; ++pos) {
    RecordCheck rc;
    rc.node = ids[where.set * set_size + pos];
    rc.position = pos;
    const auto& r = found[pos];
    rc.present = r.ok() && r->kind == wire->kind;
    if (!r.ok() && r.status().code() != StatusCode::kNotFound) rc.error = r.status().ToString();
    if (layout.kind == LayoutKind::kReplicated) {
      // Replica i is the record at position (i + rotation) of the set.
      rc.needs_data = (pos + set_size - layout.rotation % set_size) % set_size < layout.replicas;
      if (rc.present) {
        Result<ObjectRecord> mine = RecordFromWire(request.bucket, *r);
        Result<ObjectLayout> l =
            mine.ok() ? DecodeLayout(mine->info.layout) : Result<ObjectLayout>(mine.status());
        rc.has_data = l.ok() && l->has_data && l->data.size() == rec.info.size;
      }
    }
    report.problems += !rc.present || (rc.needs_data && !rc.has_data);
    report.records.push_back(std::move(rc));
  }

  // Every shard of every extent, grouped by the node it lives on.
  const std::vector<ErasureExtent> extents = ErasureExtents(layout, rec.info.size);
  const uint32_t width = layout.k + layout.m;
  std::map<uint32_t, std::pair<std::vector<std::string>, std::vector<size_t>>> per_node;
  for (uint32_t e = 0; e < extents.size(); ++e) {
    const uint64_t chunks = ChunkCount(extents[e]);
    for (uint32_t c = 0; c < chunks; ++c) {
      for (uint32_t s = 0; s < width; ++s) {
        const uint32_t node = placement.NodeFor({layout.set, layout.rotation}, s);
        auto& [shard_ids, slots] = per_node[node];
        shard_ids.push_back(ShardId(extents[e].data_id, c, s));
        slots.push_back(report.shards.size());
        report.shards.push_back({shard_ids.back(), e, c, s, ids[node]});
      }
    }
  }
  std::vector<NodeClient*> targets;
  std::vector<uint32_t> target_nodes;
  for (const auto& [node, unused] : per_node) {
    targets.push_back(nodes[node]);
    target_nodes.push_back(node);
  }
  FanOut(std::span<NodeClient* const>(targets), [&](NodeClient& client, size_t i) {
    const auto& [shard_ids, slots] = per_node[target_nodes[i]];
    // Distinct nodes fill disjoint slots of report.shards.
    CheckNodeShards(client, shard_ids, slots, request.deep, &report);
    return 0;
  });
  for (const ShardReport& s : report.shards) report.problems += !s.ok();
  return report;
}

std::string RenderVerifyReport(const VerifyReport& r) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto str = [&w](const char* key, std::string_view v) {
    w.Key(key);
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  };
  auto u64 = [&w](const char* key, uint64_t v) {
    w.Key(key);
    w.Uint64(v);
  };
  auto flag = [&w](const char* key, bool v) {
    w.Key(key);
    w.Bool(v);
  };
  w.StartObject();
  str("bucket", r.bucket);
  str("key", r.key);
  str("version_id", r.version_id);
  flag("delete_marker", r.delete_marker);
  str("layout", r.layout);
  u64("size", r.size);
  u64("set", r.set);
  u64("k", r.k);
  u64("m", r.m);
  flag("healthy", r.problems == 0);
  u64("problems", r.problems);
  w.Key("records");
  w.StartArray();
  for (const RecordCheck& c : r.records) {
    w.StartObject();
    str("node", c.node);
    u64("position", c.position);
    flag("present", c.present);
    if (c.needs_data) flag("has_data", c.has_data);
    str("error", c.error);
    w.EndObject();
  }
  w.EndArray();
  w.Key("shards");
  w.StartArray();
  for (const ShardReport& s : r.shards) {
    w.StartObject();
    str("id", HexEncode(s.id));
    u64("extent", s.extent);
    u64("chunk", s.chunk);
    u64("shard", s.shard);
    str("node", s.node);
    flag("present", s.present);
    flag("healthy", s.healthy);
    w.Key("crc_ok");
    if (s.crc_ok) {
      w.Bool(*s.crc_ok);
    } else {
      w.Null();
    }
    u64("length", s.length);
    str("error", s.error);
    flag("ok", s.ok());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace shale::gateway
