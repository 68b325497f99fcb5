// The `shale` operator CLI (see tools/shale/cli.h). The program edge: the only place where an
// exception is caught and turned into an exit code.

#include <exception>
#include <iostream>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "tools/shale/cli.h"
#include "tools/shale/commands.h"

int main(int argc, char** argv) {
  try {
    if (shale::Status s = shale::log::InitFromEnvironment(); !s.ok()) {
      std::cerr << "shale: " << s.message() << "\n";
      return shale::cli::kExitUsage;
    }
    std::vector<std::string_view> args(argv, argv + argc);
    shale::cli::Io io{std::cout, std::cerr};
    return shale::cli::Run(args, shale::cli::Commands(), io);
  } catch (const std::exception& e) {
    std::cerr << "shale: unexpected error: " << e.what() << "\n";
    return shale::cli::kExitError;
  }
}
