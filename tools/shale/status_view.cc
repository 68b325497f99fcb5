#include "tools/shale/status_view.h"

#include <cstdio>
#include <string>

#include "tools/shale/admin_client.h"
#include "tools/shale/cli.h"

namespace shale::cli {
namespace {

std::string Percent(double fraction) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%.0f%%", fraction * 100);
  return buf;
}

std::string Pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string ScrubCell(const rapidjson::Value* scrub) {
  if (scrub == nullptr || !scrub->IsObject()) return "-";
  if (JsonBool(scrub, "running")) {
    return "running " + Percent(JsonNumber(scrub, "progress")) + " eta " +
           FormatDuration(JsonOptionalNumber(scrub, "eta_seconds"));
  }
  std::string cell = "idle";
  if (double c = JsonNumber(scrub, "corruptions_found_total"); c > 0) {
    cell += ", " + std::to_string(static_cast<uint64_t>(c)) + " corrupt found";
  }
  return cell;
}

std::string RepairCell(const rapidjson::Value* repair) {
  if (repair == nullptr || !repair->IsObject()) return "-";
  std::string cell = JsonBool(repair, "coordinator") ? "coordinator" : "member";
  const rapidjson::Value* sweep = JsonMember(repair, "sweep");
  if (JsonBool(sweep, "running")) {
    cell += ", sweeping " + Percent(JsonNumber(sweep, "progress")) + " eta " +
            FormatDuration(JsonOptionalNumber(sweep, "eta_seconds"));
  }
  if (double d = JsonNumber(repair, "degraded_objects"); d > 0) {
    cell += ", " + std::to_string(static_cast<uint64_t>(d)) + " degraded";
  }
  if (std::string e = JsonString(repair, "last_error"); !e.empty()) cell += ", last error: " + e;
  return cell;
}

}  // namespace

int VerdictExitCode(const rapidjson::Value& status) {
  return JsonString(&status, "verdict") == "healthy" ? kExitOk : kExitDegraded;
}

void PrintClusterStatus(const rapidjson::Value& status, std::ostream& out) {
  const rapidjson::Value* c = JsonMember(&status, "cluster");
  auto n = [c](const char* name) { return static_cast<uint64_t>(JsonNumber(c, name)); };
  const std::string verdict = JsonString(&status, "verdict");
  out << "cluster: " << verdict;
  if (verdict != "healthy") {
    out << " (estimated time to healthy: "
        << FormatDuration(JsonOptionalNumber(&status, "eta_healthy_seconds")) << ")";
  }
  out << "\n";
  if (const rapidjson::Value* reasons = JsonMember(&status, "reasons");
      reasons != nullptr && reasons->IsArray()) {
    for (const auto& r : reasons->GetArray()) {
      if (r.IsString()) out << "  - " << r.GetString() << "\n";
    }
  }
  out << "nodes:  " << n("nodes_up") << "/" << n("nodes_total") << " up, " << n("nodes_read_only")
      << " read-only; capacity " << FormatBytes(n("capacity_bytes")) << ", free "
      << FormatBytes(n("available_bytes")) << ", live " << FormatBytes(n("live_bytes")) << "\n";
  out << "scrub:  " << n("nodes_scrubbing") << " node(s) scrubbing";
  if (n("nodes_scrubbing") > 0) {
    out << " (eta " << FormatDuration(JsonOptionalNumber(c, "scrub_eta_seconds")) << ")";
  }
  out << "; " << FormatBytes(n("bytes_scrubbed_total")) << " scrubbed, "
      << n("corruptions_found_total") << " corruption(s) found\n";
  out << "repair: " << n("sweeps_running") << " sweep(s) running; queue " << n("queue_depth")
      << ", degraded objects " << n("degraded_objects") << "; " << n("shards_repaired_total")
      << " shards (" << FormatBytes(n("shard_bytes_repaired_total")) << ") repaired, "
      << n("records_copied_total") << " records copied, "
      << FormatBytes(n("orphan_bytes_deleted_total")) << " of orphans reclaimed, "
      << n("repair_errors_total") << " error(s)\n\n";
  out << Pad("NODE", 14) << Pad("SET", 5) << Pad("STATE", 11) << Pad("FREE/CAPACITY", 22)
      << Pad("QUEUE", 7) << Pad("SCRUB", 30) << "REPAIR\n";
  const rapidjson::Value* nodes = JsonMember(&status, "nodes");
  if (nodes == nullptr || !nodes->IsArray()) return;
  for (const auto& node : nodes->GetArray()) {
    std::string state = !JsonBool(&node, "up")         ? "DOWN"
                        : JsonBool(&node, "read_only") ? "read-only"
                                                       : "up";
    out << Pad(JsonString(&node, "id"), 14)
        << Pad(std::to_string(static_cast<uint64_t>(JsonNumber(&node, "set"))), 5) << Pad(state, 11)
        << Pad(JsonBool(&node, "up") ? FormatBytes(JsonNumber(&node, "available_bytes")) + "/" +
                                           FormatBytes(JsonNumber(&node, "capacity_bytes"))
                                     : "-",
               22)
        << Pad(std::to_string(static_cast<uint64_t>(JsonNumber(&node, "repair_queue_depth"))), 7)
        << Pad(ScrubCell(JsonMember(&node, "scrub")), 30)
        << RepairCell(JsonMember(&node, "repair"));
    if (!JsonBool(&node, "up")) out << "  " << JsonString(&node, "error");
    out << "\n";
  }
}

}  // namespace shale::cli
