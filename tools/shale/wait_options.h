#pragma once

// The polling of `shale scrub --wait` and `shale repair --wait`: their shared options and the
// loop that asks the admin API for the cluster status until a condition holds.
// Thread-safety: runs on the caller's thread.

#include <rapidjson/document.h>

#include <functional>
#include <string>
#include <vector>

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

}  // namespace shale::cli
