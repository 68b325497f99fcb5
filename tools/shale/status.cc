// `shale status [--json]`: the cluster's health from the gateway admin API — nodes up or down,
// capacity, scrub and repair progress with ETAs, and the verdict. Exit 0 when healthy, 3 when
// degraded or unavailable, 1 when the gateway could not be asked.

#include "tools/shale/admin_client.h"
#include "tools/shale/commands.h"
#include "tools/shale/status_view.h"

namespace shale::cli {

CommandSpec StatusCommand() {
  CommandSpec c;
  c.name = "status";
  c.summary = "show the cluster's health, scrub and repair progress (admin API)";
  c.options = AdminOptions({});
  c.run = [](const Args& args, Io& io) -> Status {
    SHALE_ASSIGN_OR_RETURN(std::unique_ptr<AdminClient> client, AdminClient::FromArgs(args));
    SHALE_ASSIGN_OR_RETURN(rapidjson::Document status, client->Get("status"));
    if (args.Has("json")) {
      io.out << JsonText(status) << "\n";
    } else {
      PrintClusterStatus(status, io.out);
    }
    io.exit_code = VerdictExitCode(status);
    return Status::OK();
  };
  return c;
}

}  // namespace shale::cli
