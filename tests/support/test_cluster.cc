#include "tests/support/test_cluster.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/config.h"
#include "common/fs/file_system.h"
#include "common/fs/file_util.h"

namespace shale::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TestCluster::TestCluster(TestClusterOptions options)
    : options_(std::move(options)), nodes_(options_.nodes) {
  config_path_ = dir_.Sub("cluster.json");
}

TestCluster::~TestCluster() {
  if (::testing::Test::HasFailure()) std::fprintf(stderr, "%s", AllLogs().c_str());
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].pid > 0) KillNode(static_cast<int>(i));
  }
}

Status TestCluster::WriteConfig() {
  ClusterConfig c;
  c.cluster_id = "test-cluster";
  c.cluster_secret = kTestClusterSecret;
  c.erasure.k = options_.k == 0 ? static_cast<uint32_t>(options_.nodes) : options_.k;
  c.erasure.m = options_.k == 0 ? 0 : options_.m;
  c.write_quorum = std::min(c.erasure.k + 1, c.erasure.set_size());
  c.read_quorum = c.erasure.k;
  c.storage.segment_size = 8ull << 20;
  c.storage.lmdb_map_size = 64ull << 20;
  for (int i = 0; i < options_.nodes; ++i) {
    // Before the first start the port is unknown: any valid placeholder, as --listen wins.
    uint16_t port = nodes_[i].port != 0 ? nodes_[i].port : static_cast<uint16_t>(1 + i);
    c.nodes.push_back({NodeId(i), "127.0.0.1:" + std::to_string(port), DataDir(i)});
  }
  if (options_.edit_config) options_.edit_config(c);
  return fs::WriteFileAtomically(*fs::DefaultFileSystem(), config_path_, ClusterConfigToJson(c));
}

Status TestCluster::Start() {
  SHALE_RETURN_IF_ERROR(WriteConfig());
  for (int i = 0; i < options_.nodes; ++i) SHALE_RETURN_IF_ERROR(StartNode(i));
  return WriteConfig();  // Now with the real addresses.
}

Status TestCluster::StartNode(int i) {
  Node& n = nodes_[i];
  if (n.pid > 0) return Status::FailedPrecondition("node already running");
  std::string log_path = dir_.Sub(NodeId(i) + ".log");
  int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) return Status::FromErrno(errno, "open " + log_path);
  off_t log_start = lseek(fd, 0, SEEK_END);
  std::string listen = "127.0.0.1:" + std::to_string(n.port);
  std::string id = NodeId(i);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    execl(options_.node_binary.c_str(), options_.node_binary.c_str(), "--config",
          config_path_.c_str(), "--node-id", id.c_str(), "--listen", listen.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fd);
  if (pid < 0) return Status::FromErrno(errno, "fork");
  n.pid = pid;
  n.wait_status.reset();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string log = ReadFile(log_path).substr(static_cast<size_t>(log_start));
    size_t ready = log.find("msg=ready addr=");
    if (ready != std::string::npos) {
      size_t begin = ready + 15;
      n.address = log.substr(begin, log.find_first_of(" \n", begin) - begin);
      n.port = static_cast<uint16_t>(std::stoi(n.address.substr(n.address.rfind(':') + 1)));
      return Status::OK();
    }
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      n.pid = -1;
      n.wait_status = status;
      return Status::FailedPrecondition(id + " exited before it was ready");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::Timeout(id + " did not log ready within 60 s");
}

int TestCluster::StopNode(int i, int signal) {
  Node& n = nodes_[i];
  if (n.pid > 0) {
    kill(n.pid, signal);
    int status;
    waitpid(n.pid, &status, 0);
    n.pid = -1;
    n.wait_status = status;
  }
  return ExitCode(i);
}

Status TestCluster::RestartNode(int i) {
  StopNode(i);
  return StartNode(i);
}

Status TestCluster::WipeNode(int i) {
  if (Running(i)) return Status::FailedPrecondition("stop the node before wiping it");
  std::error_code ec;
  std::filesystem::remove_all(DataDir(i), ec);
  if (ec) return Status::IOError("wipe " + DataDir(i) + ": " + ec.message());
  return Status::OK();
}

bool TestCluster::Running(int i) const { return nodes_[i].pid > 0; }

int TestCluster::ExitCode(int i) const {
  const auto& s = nodes_[i].wait_status;
  if (!s) return -2;
  return WIFEXITED(*s) ? WEXITSTATUS(*s) : -1;
}

const std::string& TestCluster::address(int i) const { return nodes_[i].address; }
std::string TestCluster::DataDir(int i) const { return dir_.Sub("data-" + NodeId(i)); }
std::string TestCluster::NodeId(int i) const { return "n" + std::to_string(i); }
std::string TestCluster::Log(int i) const { return ReadFile(dir_.Sub(NodeId(i) + ".log")); }

std::string TestCluster::AllLogs() const {
  std::string out;
  for (int i = 0; i < options_.nodes; ++i) {
    out += "--- log of " + NodeId(i) + " ---\n" + Log(i);
  }
  return out;
}

std::unique_ptr<HttpNodeClient> TestCluster::Client(int i, int max_attempts) const {
  HttpNodeClientOptions o;
  o.address = nodes_[i].address;
  o.secret = kTestClusterSecret;
  o.max_attempts = max_attempts;
  return std::make_unique<HttpNodeClient>(o);
}

}  // namespace shale::testing
