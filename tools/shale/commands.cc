#include "tools/shale/commands.h"

namespace shale::cli {

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec> commands = {
      RebuildIndexCommand(),
      BenchCommand(),
  };
  return commands;
}

}  // namespace shale::cli
