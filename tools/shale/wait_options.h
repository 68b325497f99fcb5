#pragma once

// The polling of `shale scrub --wait` and `shale repair --wait`: their shared options and the
// loop that asks the admin API for the cluster status until a condition holds.
// Thread-safety: runs on the caller's thread.

#include <rapidjson/document.h>

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "tools/shale/admin_client.h"
#include "tools/shale/cli.h"

namespace shale::cli {

// --wait, --timeout SECONDS, --interval SECONDS (added to `own`).
std::vector<OptionSpec> WaitOptions(std::vector<OptionSpec> own);

// What one look at the status says: done, or how far along and what to show after the bar.
struct WaitStep {
  bool done = false;
  double fraction = 0;
  std::string detail;
};

// Polls GET status every --interval seconds, drawing progress on stderr, until `step` says done
// (returns the last status) or --timeout passes (Timeout).
Result<rapidjson::Document> WaitUntil(
    AdminClient& client, const Args& args, Io& io,
    const std::function<Result<WaitStep>(const rapidjson::Document& status)>& step);

// One look at the status while waiting for a scrub requested at `requested_ms` on `targets`
// (node ids): done once each has completed a pass after the request. NotSupported when an up
// target reports no scrubber.
Result<WaitStep> ScrubStep(const rapidjson::Value& status, const std::vector<std::string>& targets,
                           double requested_ms);
// The same for a repair sweep: done once every erasure set's coordinator has completed a sweep
// after the request and the repair queues are empty (or a node is down: repair cannot make the
// cluster healthy then). NotSupported when no node reports a repair service.
Result<WaitStep> RepairStep(const rapidjson::Value& status, double requested_ms);

}  // namespace shale::cli
