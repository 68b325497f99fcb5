#pragma once

// TestCluster: N real shale-node processes on 127.0.0.1 for integration tests. Each node gets
// a temp data dir and a log file; ports are chosen by the OS on first start (parsed from the
// node's `msg=ready addr=` line), then kept across restarts, and the cluster config is
// rewritten with the real addresses. Nodes can be stopped (SIGTERM), killed (SIGKILL),
// restarted and wiped. When the running test has failed, the destructor prints every log.
// Thread-safety: driven by one test thread; Client() objects are thread-safe.

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/http_node_client.h"
#include "common/status.h"
#include "tests/support/temp_dir.h"

namespace shale::testing {

inline constexpr char kTestClusterSecret[] = "test-cluster-secret-0123456789abcdef";

struct TestClusterOptions {
  std::string node_binary;  // Path of shale-node (tests get it from a compile definition).
  int nodes = 1;
  // Erasure code written into the config; nodes must be a multiple of k + m.
  // 0 means k = nodes, m = 0.
  uint32_t k = 0;
  uint32_t m = 0;
  // Applied to the config before every write (e.g. users, short repair periods).
  std::function<void(ClusterConfig&)> edit_config = nullptr;
};

class TestCluster {
 public:
  explicit TestCluster(TestClusterOptions options);
  ~TestCluster();  // Kills every node still running.
  TestCluster(const TestCluster&) = delete;
  TestCluster& operator=(const TestCluster&) = delete;

  // Starts every node and waits until each is ready.
  Status Start();
  // Starts node i (again) and waits for its ready line. FailedPrecondition if it exited first
  // (ExitCode(i) and Log(i) say why).
  Status StartNode(int i);
  // Sends `signal` to node i and waits for it; returns its exit code (-1 when it died of the
  // signal).
  int StopNode(int i, int signal = 15 /* SIGTERM */);
  int KillNode(int i) { return StopNode(i, 9 /* SIGKILL */); }
  Status RestartNode(int i);
  // Removes node i's data dir (the node must be stopped).
  Status WipeNode(int i);

  bool Running(int i) const;
  pid_t Pid(int i) const { return nodes_[i].pid; }  // -1 when not running.
  int ExitCode(int i) const;
  const std::string& address(int i) const;  // "127.0.0.1:PORT" once started.
  std::string DataDir(int i) const;
  std::string NodeId(int i) const;
  const std::string& config_path() const { return config_path_; }
  std::string Log(int i) const;
  std::string AllLogs() const;
  // A client for node i (signed with the cluster secret).
  std::unique_ptr<HttpNodeClient> Client(int i, int max_attempts = 3) const;

 private:
  struct Node {
    pid_t pid = -1;
    std::optional<int> wait_status;
    std::string address;
    uint16_t port = 0;
  };
  Status WriteConfig();

  const TestClusterOptions options_;
  TempDir dir_;
  std::string config_path_;
  std::vector<Node> nodes_;
};

}  // namespace shale::testing
