#pragma once

// The subcommands of `shale`, one factory per command (each defined in its own file), and the
// table that lists them. Thread-safety: the table is built once, on first use.

#include <vector>

#include "tools/shale/cli.h"

namespace shale::cli {

CommandSpec RebuildIndexCommand();  // rebuild_index.cc
CommandSpec ServerCommand();        // server.cc
CommandSpec BenchCommand();         // bench.cc
CommandSpec StatusCommand();        // status.cc
CommandSpec ScrubCommand();         // scrub.cc
CommandSpec RepairCommand();        // repair.cc
CommandSpec VerifyCommand();        // verify.cc

// Every command, in the order `shale --help` lists them.
const std::vector<CommandSpec>& Commands();

}  // namespace shale::cli
