#pragma once

// A shale-node child process for integration tests: writes a cluster config into a temp dir,
// starts the binary on 127.0.0.1 port 0, waits for its `msg=ready` line and reads the port from
// it. Logs go to a file dumped by Log().
// Thread-safety: one test thread drives an instance.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace shale::testing {

inline constexpr char kTestSecret[] = "test-cluster-secret-0123456789abcdef";

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A config with six nodes n0..n5 whose data dirs are root/d0..d5.
inline std::string WriteClusterConfig(const std::string& root) {
  std::string nodes;
  for (int i = 0; i < 6; ++i) {
    if (i > 0) nodes += ",";
    nodes += "{\"id\":\"n" + std::to_string(i) +
             "\",\"address\":\"127.0.0.1:" + std::to_string(19000 + i) + "\",\"data_dir\":\"" +
             root + "/d" + std::to_string(i) + "\"}";
  }
  std::string json = "{\"cluster_id\":\"test-1\",\"nodes\":[" + nodes + "],\"cluster_secret\":\"" +
                     kTestSecret +
                     "\",\"storage\":{\"segment_size\":8388608,\"lmdb_map_size\":67108864}}";
  std::string path = root + "/cluster.json";
  std::ofstream(path) << json;
  return path;
}

class NodeProcess {
 public:
  NodeProcess(std::string config, std::string node_id, std::string log_path)
      : config_(std::move(config)), node_id_(std::move(node_id)), log_path_(std::move(log_path)) {}
  ~NodeProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status;
      waitpid(pid_, &status, 0);
    }
  }

  // Starts the process; true once it logged ready (address() is then set).
  bool Start() {
    int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return false;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      execl(SHALE_NODE_BINARY, SHALE_NODE_BINARY, "--config", config_.c_str(), "--node-id",
            node_id_.c_str(), "--listen", "127.0.0.1:0", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fd);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      std::string log = ReadAll(log_path_);
      size_t ready = log.find("msg=ready addr=");
      if (ready != std::string::npos) {
        size_t begin = ready + 15;
        address_ = log.substr(begin, log.find_first_of(" \n", begin) - begin);
        return true;
      }
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_status_ = status;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // Sends `sig` and waits; the exit code, or -1 if killed by a signal.
  int Stop(int sig = SIGTERM) {
    if (pid_ <= 0) return ExitCode();
    kill(pid_, sig);
    int status;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_status_ = status;
    return ExitCode();
  }

  int ExitCode() const {
    if (!exit_status_) return -2;
    return WIFEXITED(*exit_status_) ? WEXITSTATUS(*exit_status_) : -1;
  }
  const std::string& address() const { return address_; }
  std::string Log() const { return ReadAll(log_path_); }

 private:
  std::string config_;
  std::string node_id_;
  std::string log_path_;
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  std::string address_;
};

}  // namespace shale::testing
