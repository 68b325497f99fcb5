#include "tests/support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace shale::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::pair<std::string, std::string>>& env,
                         const std::string& scratch_dir) {
  CommandResult result;
  const std::string out_path = scratch_dir + "/cmd.out";
  const std::string err_path = scratch_dir + "/cmd.err";
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0) _exit(126);
    dup2(out, 1);
    dup2(err, 2);
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    execv(args[0], args.data());
    _exit(127);
  }
  if (pid < 0) return result;
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = Slurp(out_path);
  result.err = Slurp(err_path);
  return result;
}

Status GatewayProcess::Start(const std::string& binary, const std::string& config,
                             const std::string& log) {
  if (pid_ > 0) return Status::FailedPrecondition("the gateway already runs");
  log_ = log;
  int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) return Status::FromErrno(errno, "open " + log);
  const off_t start = lseek(fd, 0, SEEK_END);
  const std::string listen = "127.0.0.1:" + std::to_string(port_);
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // Never outlives a test that died without cleaning up.
    dup2(fd, 1);
    dup2(fd, 2);
    execl(binary.c_str(), binary.c_str(), "--config", config.c_str(), "--listen", listen.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fd);
  if (pid_ < 0) return Status::FromErrno(errno, "fork");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = Slurp(log).substr(static_cast<size_t>(start));
    size_t at = text.find("endpoint=");
    if (text.find("msg=ready") != std::string::npos && at != std::string::npos) {
      at += 9;
      endpoint_ = text.substr(at, text.find_first_of(" \n", at) - at);
      if (!endpoint_.empty() && endpoint_.front() == '"') {
        endpoint_ = endpoint_.substr(1, endpoint_.size() - 2);
      }
      port_ = static_cast<uint16_t>(std::stoi(endpoint_.substr(endpoint_.rfind(':') + 1)));
      return Status::OK();
    }
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return Status::FailedPrecondition("shale-gateway exited:\n" + text);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::Timeout("shale-gateway did not log ready:\n" + Slurp(log));
}

void GatewayProcess::Stop(int signal) {
  if (pid_ <= 0) return;
  kill(pid_, signal);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string GatewayProcess::Log() const { return Slurp(log_); }

}  // namespace shale::testing
