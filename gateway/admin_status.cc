#include "gateway/admin_status.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "common/node_fanout.h"

namespace shale::gateway {
namespace {

using rapidjson::Value;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// The member `name` of `obj` when `obj` is an object that has it, else nullptr.
const Value* Member(const Value* obj, const char* name) {
  if (obj == nullptr || !obj->IsObject()) return nullptr;
  auto it = obj->FindMember(name);
  return it == obj->MemberEnd() ? nullptr : &it->value;
}

// A non-negative number (nodes write integers and doubles), or nullopt.
std::optional<double> Number(const Value* obj, const char* name) {
  const Value* v = Member(obj, name);
  if (v == nullptr || !v->IsNumber()) return std::nullopt;
  double d = v->GetDouble();
  if (!(d >= 0)) return std::nullopt;  // Also drops NaN.
  return d;
}

uint64_t Count(const Value* obj, const char* name) {
  std::optional<double> d = Number(obj, name);
  return d && *d < 1.8e19 ? static_cast<uint64_t>(*d) : 0;
}

bool Flag(const Value* obj, const char* name) {
  const Value* v = Member(obj, name);
  return v != nullptr && v->IsBool() && v->GetBool();
}

void MaxInto(std::optional<double>& into, std::optional<double> v) {
  if (v && (!into || *v > *into)) into = v;
}

// A node's parsed /v1/status, or a null document when absent or not JSON.
rapidjson::Document ParseStatus(const NodeReport& r) {
  rapidjson::Document doc;
  if (r.status_json.empty() ||
      doc.Parse(r.status_json.data(), r.status_json.size()).HasParseError() || !doc.IsObject()) {
    doc.SetNull();
  }
  return doc;
}

void WriteOptional(JsonWriter& w, const char* key, std::optional<double> v) {
  w.Key(key);
  if (v) {
    w.Double(*v);
  } else {
    w.Null();
  }
}

}  // namespace

std::string_view VerdictName(ClusterVerdict verdict) {
  switch (verdict) {
    case ClusterVerdict::kHealthy:
      return "healthy";
    case ClusterVerdict::kDegraded:
      return "degraded";
    case ClusterVerdict::kUnavailable:
      return "unavailable";
  }
  return "unavailable";
}

ClusterSummary Summarize(std::span<const NodeReport> reports, uint32_t set_size, uint32_t k) {
  ClusterSummary s;
  s.nodes_total = static_cast<uint32_t>(reports.size());
  std::optional<double> sweep_eta;
  bool unreadable_set = false;
  for (size_t first = 0; set_size > 0 && first < reports.size(); first += set_size) {
    uint32_t up = 0;
    for (size_t i = first; i < std::min(reports.size(), first + set_size); ++i) up += reports[i].up;
    if (up < k) {
      unreadable_set = true;
      s.reasons.push_back("erasure set " + std::to_string(first / set_size) + " has " +
                          std::to_string(up) + " of " + std::to_string(set_size) +
                          " nodes up (needs " + std::to_string(k) + ")");
    }
  }
  for (const NodeReport& r : reports) {
    if (!r.up) {
      s.reasons.push_back("node " + r.id + " is down" + (r.error.empty() ? "" : ": " + r.error));
      continue;
    }
    ++s.nodes_up;
    rapidjson::Document doc = ParseStatus(r);
    const Value* root = doc.IsObject() ? &doc : nullptr;
    if (Flag(root, "read_only")) {
      ++s.nodes_read_only;
      s.reasons.push_back("node " + r.id + " is read-only");
    }
    const Value* space = Member(root, "space");
    s.capacity_bytes += Count(space, "disk_capacity_bytes");
    s.available_bytes += Count(space, "disk_available_bytes");
    s.live_bytes += Count(space, "live_bytes");
    s.queue_depth += Count(root, "repair_queue_depth");

    const Value* scrub = Member(root, "scrub");
    if (Flag(scrub, "running")) {
      ++s.nodes_scrubbing;
      MaxInto(s.scrub_eta_seconds, Number(scrub, "eta_seconds"));
    }
    s.bytes_scrubbed_total += Count(scrub, "bytes_scrubbed_total");
    s.corruptions_found_total += Count(scrub, "corruptions_found_total");

    const Value* repair = Member(root, "repair");
    const Value* sweep = Member(repair, "sweep");
    if (Flag(sweep, "running")) {
      ++s.sweeps_running;
      MaxInto(sweep_eta, Number(sweep, "eta_seconds"));
    }
    s.degraded_objects += Count(repair, "degraded_objects");
    s.shards_repaired_total += Count(repair, "shards_repaired_total");
    s.shard_bytes_repaired_total += Count(repair, "shard_bytes_repaired_total");
    s.records_copied_total += Count(repair, "records_copied_total");
    s.orphan_bytes_deleted_total += Count(repair, "orphan_bytes_deleted_total");
    s.repair_errors_total += Count(repair, "errors_total");
  }
  if (s.queue_depth > 0) {
    s.reasons.push_back(std::to_string(s.queue_depth) + " repair items queued");
  }
  if (s.degraded_objects > 0) {
    s.reasons.push_back(std::to_string(s.degraded_objects) + " degraded objects");
  }
  if (unreadable_set) {
    s.verdict = ClusterVerdict::kUnavailable;
  } else if (!s.reasons.empty()) {
    s.verdict = ClusterVerdict::kDegraded;
  }
  if (s.verdict == ClusterVerdict::kHealthy) {
    s.eta_healthy_seconds = 0;
  } else if (s.nodes_up == s.nodes_total && s.nodes_read_only == 0) {
    s.eta_healthy_seconds = sweep_eta;  // Only repair's own work is left.
  }
  return s;
}

std::string RenderClusterStatus(std::span<const NodeReport> reports, const ClusterSummary& s,
                                uint32_t set_size, int64_t generated_ms) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("verdict");
  std::string_view verdict = VerdictName(s.verdict);
  w.String(verdict.data(), static_cast<rapidjson::SizeType>(verdict.size()));
  w.Key("healthy");
  w.Bool(s.verdict == ClusterVerdict::kHealthy);
  WriteOptional(w, "eta_healthy_seconds", s.eta_healthy_seconds);
  w.Key("reasons");
  w.StartArray();
  for (const std::string& reason : s.reasons) w.String(reason.c_str());
  w.EndArray();
  w.Key("generated_ms");
  w.Int64(generated_ms);

  w.Key("cluster");
  w.StartObject();
  auto u64 = [&w](const char* key, uint64_t v) {
    w.Key(key);
    w.Uint64(v);
  };
  u64("nodes_total", s.nodes_total);
  u64("nodes_up", s.nodes_up);
  u64("nodes_read_only", s.nodes_read_only);
  u64("capacity_bytes", s.capacity_bytes);
  u64("available_bytes", s.available_bytes);
  u64("live_bytes", s.live_bytes);
  u64("nodes_scrubbing", s.nodes_scrubbing);
  u64("bytes_scrubbed_total", s.bytes_scrubbed_total);
  u64("corruptions_found_total", s.corruptions_found_total);
  WriteOptional(w, "scrub_eta_seconds", s.scrub_eta_seconds);
  u64("sweeps_running", s.sweeps_running);
  u64("queue_depth", s.queue_depth);
  u64("degraded_objects", s.degraded_objects);
  u64("shards_repaired_total", s.shards_repaired_total);
  u64("shard_bytes_repaired_total", s.shard_bytes_repaired_total);
  u64("records_copied_total", s.records_copied_total);
  u64("orphan_bytes_deleted_total", s.orphan_bytes_deleted_total);
  u64("repair_errors_total", s.repair_errors_total);
  w.EndObject();

  w.Key("nodes");
  w.StartArray();
  for (size_t i = 0; i < reports.size(); ++i) {
    const NodeReport& r = reports[i];
    rapidjson::Document doc = ParseStatus(r);
    const Value* root = doc.IsObject() ? &doc : nullptr;
    const Value* space = Member(root, "space");
    w.StartObject();
    w.Key("id");
    w.String(r.id.c_str());
    w.Key("address");
    w.String(r.address.c_str());
    u64("set", set_size == 0 ? 0 : i / set_size);
    w.Key("up");
    w.Bool(r.up);
    w.Key("error");
    w.String(r.error.c_str());
    w.Key("read_only");
    w.Bool(Flag(root, "read_only"));
    u64("capacity_bytes", Count(space, "disk_capacity_bytes"));
    u64("available_bytes", Count(space, "disk_available_bytes"));
    u64("live_bytes", Count(space, "live_bytes"));
    u64("repair_queue_depth", Count(root, "repair_queue_depth"));
    // Passed through as the node wrote them (their fields: docs/FORMAT.md, GET /v1/status).
    for (const char* member : {"scrub", "repair"}) {
      const Value* v = Member(root, member);
      w.Key(member);
      if (v != nullptr && v->IsObject()) {
        v->Accept(w);
      } else {
        w.Null();
      }
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::vector<NodeReport> CollectNodeReports(std::span<NodeClient* const> nodes,
                                           std::span<const std::string> ids,
                                           std::span<const std::string> addresses) {
  return FanOut(nodes, [&](NodeClient& client, size_t i) {
    NodeReport r;
    r.id = i < ids.size() ? ids[i] : std::to_string(i);
    r.address = i < addresses.size() ? addresses[i] : "";
    Status health = client.Health();
    // A read-only node fails Health but still answers its status: it is up, not writable.
    Result<std::string> json = client.StatusJson();
    if (json.ok()) {
      r.up = true;
      r.status_json = std::move(*json);
    } else {
      r.error = (health.ok() ? json.status() : health).ToString();
    }
    return r;
  });
}

}  // namespace shale::gateway
