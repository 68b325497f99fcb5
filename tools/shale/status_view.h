#pragma once

// The text `shale status` prints for the admin API's status JSON (layout: docs/OPERATIONS.md),
// and the exit code its verdict maps to. `shale scrub --wait` and `shale repair --wait` end with
// the same summary. Thread-safety: pure functions over values (writing to the given stream).

#include <rapidjson/document.h>

#include <ostream>

namespace shale::cli {

// kExitOk for "healthy", kExitDegraded otherwise (degraded, unavailable or unknown).
int VerdictExitCode(const rapidjson::Value& status);

// The verdict with its reasons and ETA, the cluster-wide sums, then one line per node.
void PrintClusterStatus(const rapidjson::Value& status, std::ostream& out);

}  // namespace shale::cli
