// `shale scrub [--node ID] [--wait]`: starts a scrub pass on one node or all (admin API). With
// --wait, follows the passes to their end and reports the corruptions they found; exit 3 when
// they found any (repair has work), 0 when none, 1 on error.

#include <map>

#include "tools/shale/admin_client.h"
#include "tools/shale/commands.h"
#include "tools/shale/wait_options.h"

namespace shale::cli {
namespace {

// corruptions_found_total per node id.
std::map<std::string, double> Corruptions(const rapidjson::Value& status) {
  std::map<std::string, double> out;
  for (const rapidjson::Value* n : StatusNodes(status)) {
    out[JsonString(n, "id")] = JsonNumber(JsonMember(n, "scrub"), "corruptions_found_total");
  }
  return out;
}

// The ids the trigger reached; an error naming those it did not.
Result<std::vector<std::string>> Triggered(const rapidjson::Value& answer) {
  std::vector<std::string> ok;
  std::string failed;
  const rapidjson::Value* nodes = JsonMember(&answer, "nodes");
  if (nodes != nullptr && nodes->IsArray()) {
    for (const auto& n : nodes->GetArray()) {
      if (JsonBool(&n, "ok")) {
        ok.push_back(JsonString(&n, "id"));
      } else {
        failed +=
            (failed.empty() ? "" : "; ") + JsonString(&n, "id") + ": " + JsonString(&n, "error");
      }
    }
  }
  if (ok.empty()) return Status::Unavailable("no node accepted the request: " + failed);
  return ok;
}

Status RunScrub(const Args& args, Io& io) {
  SHALE_ASSIGN_OR_RETURN(std::unique_ptr<AdminClient> client, AdminClient::FromArgs(args));
  SHALE_ASSIGN_OR_RETURN(rapidjson::Document before, client->Get("status"));
  std::vector<std::pair<std::string, std::string>> params;
  if (args.Has("node")) params.emplace_back("node", args.Get("node"));
  SHALE_ASSIGN_OR_RETURN(rapidjson::Document answer, client->Post("scrub", params));
  Result<std::vector<std::string>> targets = Triggered(answer);
  if (!args.Has("wait") || !targets.ok()) {
    if (args.Has("json")) io.out << JsonText(answer) << "\n";
    if (!targets.ok()) return targets.status();
    if (!args.Has("json")) io.out << "scrub started on " << targets->size() << " node(s)\n";
    return Status::OK();
  }
  const double requested_ms = JsonNumber(&answer, "requested_ms");
  auto step = [&](const rapidjson::Document& status) {
    return ScrubStep(status, *targets, requested_ms);
  };
  SHALE_ASSIGN_OR_RETURN(rapidjson::Document after, WaitUntil(*client, args, io, step));
  std::map<std::string, double> was = Corruptions(before), now = Corruptions(after);
  uint64_t found = 0;
  for (const std::string& id : *targets) {
    if (now[id] > was[id]) found += static_cast<uint64_t>(now[id] - was[id]);
  }
  if (args.Has("json")) {
    io.out << "{\"nodes\":" << targets->size() << ",\"corruptions_found\":" << found << "}\n";
  } else {
    io.out << "scrub finished on " << targets->size() << " node(s): " << found
           << " corruption(s) found" << (found > 0 ? " (queued for repair)" : "") << "\n";
  }
  if (found > 0) io.exit_code = kExitDegraded;
  return Status::OK();
}

}  // namespace

CommandSpec ScrubCommand() {
  CommandSpec c;
  c.name = "scrub";
  c.summary = "start a scrub pass (re-read and check every record) now (admin API)";
  c.options =
      AdminOptions(WaitOptions({{"node", "ID", "scrub only this node (default: every node)"}}));
  c.run = RunScrub;
  return c;
}

}  // namespace shale::cli
