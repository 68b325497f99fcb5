// `shale repair [--bucket B [--prefix P]] [--wait]`: asks every set's repair coordinator for an
// anti-entropy sweep now (admin API). With --wait, follows the sweeps until every set's
// coordinator has completed one started after the request and the repair queues are empty (or
// a node is down, which repair cannot fix), then prints the status: exit 0 healthy, 3 not.

#include "tools/shale/admin_client.h"
#include "tools/shale/commands.h"
#include "tools/shale/status_view.h"
#include "tools/shale/wait_options.h"

namespace shale::cli {
namespace {

Status RunRepair(const Args& args, Io& io) {
  SHALE_ASSIGN_OR_RETURN(std::unique_ptr<AdminClient> client, AdminClient::FromArgs(args));
  std::vector<std::pair<std::string, std::string>> params;
  if (args.Has("bucket")) params.emplace_back("bucket", args.Get("bucket"));
  if (args.Has("prefix")) params.emplace_back("prefix", args.Get("prefix"));
  SHALE_ASSIGN_OR_RETURN(rapidjson::Document answer, client->Post("repair", params));
  size_t accepted = 0;
  std::string failed;
  for (const rapidjson::Value* n : StatusNodes(answer)) {
    if (JsonBool(n, "ok")) {
      ++accepted;
    } else {
      failed += (failed.empty() ? "" : "; ") + JsonString(n, "id") + ": " + JsonString(n, "error");
    }
  }
  if (accepted == 0) return Status::Unavailable("no node accepted the request: " + failed);
  if (!args.Has("wait")) {
    if (args.Has("json")) {
      io.out << JsonText(answer) << "\n";
    } else {
      io.out << "repair sweep requested (" << accepted << " node(s) reached)\n";
    }
    return Status::OK();
  }
  const double requested_ms = JsonNumber(&answer, "requested_ms");
  auto step = [&](const rapidjson::Document& status) { return RepairStep(status, requested_ms); };
  SHALE_ASSIGN_OR_RETURN(rapidjson::Document status, WaitUntil(*client, args, io, step));
  // The verdict once repair is done: a fresh look, since queues drain after the sweep.
  if (args.Has("json")) {
    io.out << JsonText(status) << "\n";
  } else {
    io.out << "repair sweep finished\n";
    PrintClusterStatus(status, io.out);
  }
  io.exit_code = VerdictExitCode(status);
  return Status::OK();
}

}  // namespace

CommandSpec RepairCommand() {
  CommandSpec c;
  c.name = "repair";
  c.summary = "start an anti-entropy repair sweep now (admin API)";
  c.options = AdminOptions(WaitOptions({{"bucket", "BUCKET", "sweep only this bucket"},
                                        {"prefix", "PREFIX", "with --bucket: only these keys"}}));
  c.check = [](const Args& args) {
    if (args.Has("prefix") && !args.Has("bucket")) {
      return Status::InvalidArgument("--prefix needs --bucket");
    }
    return Status::OK();
  };
  c.run = RunRepair;
  return c;
}

}  // namespace shale::cli
