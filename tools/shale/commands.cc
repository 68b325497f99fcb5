#include "tools/shale/commands.h"

namespace shale::cli {

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec> commands = {
      ServerCommand(), StatusCommand(),       ScrubCommand(), RepairCommand(),
      VerifyCommand(), RebuildIndexCommand(), BenchCommand(),
  };
  return commands;
}

}  // namespace shale::cli
