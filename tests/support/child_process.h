#pragma once

// Child processes for tests that drive built binaries: run a command to completion and collect
// its exit code and output, or keep a shale-gateway running beside a TestCluster.
// Thread-safety: driven by one test thread.

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace shale::testing {

struct CommandResult {
  int exit_code = -1;  // -1 when it died of a signal.
  std::string out;
  std::string err;
};

// Runs argv[0] (a path) with `env` added to the environment; output goes through files in
// `scratch_dir`, so any amount of it is fine.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::pair<std::string, std::string>>& env,
                         const std::string& scratch_dir);

// A shale-gateway child process; killed on destruction.
class GatewayProcess {
 public:
  GatewayProcess() = default;
  ~GatewayProcess() { Stop(9); }
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;

  // Starts `binary --config config --listen 127.0.0.1:<port>` (port 0 the first time, then the
  // one it got, so clients keep their endpoint across restarts) and waits for its ready line.
  Status Start(const std::string& binary, const std::string& config, const std::string& log);
  // Signals it and waits for it to exit.
  void Stop(int signal = 15);
  const std::string& endpoint() const { return endpoint_; }
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string log_;
  std::string endpoint_;
};

}  // namespace shale::testing
