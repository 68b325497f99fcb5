// A 5 GiB PUT and GET through a real shale-gateway process in front of six shale-node processes
// (4+2): the bytes come back exact and the gateway's resident memory stays within 100 MiB of
// its idle size, i.e. nothing on the data path grows with the object. The client streams with
// libcurl (SigV4, UNSIGNED-PAYLOAD) from a generator, so the test holds no object either.
// Label `slow` (tools/test.sh --slow).

#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "common/config.h"
#include "common/encoding.h"
#include "common/hash.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_cluster.h"

namespace shale::testing {
namespace {

constexpr char kAccessKey[] = "SHALESLOWTEST0001";
constexpr char kSecretKey[] = "shale-slow-test-secret-key-0123456789";
constexpr uint64_t kObjectSize = 5 * kGiB;
constexpr uint64_t kRssAllowance = 100 * kMiB;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Byte i of the body is byte i % 8 of Word(i / 8): cheap to produce and to check anywhere.
uint64_t Word(uint64_t index) {
  uint64_t z = index + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
char PatternByte(uint64_t i) { return static_cast<char>(Word(i / 8) >> (8 * (i % 8))); }
// Bytes [pos, pos + n) of the pattern (little-endian words, whole words where aligned).
void FillPattern(uint64_t pos, char* out, size_t n) {
  size_t i = 0;
  for (; i < n && (pos + i) % 8 != 0; ++i) out[i] = PatternByte(pos + i);
  for (; i + 8 <= n; i += 8) {
    uint64_t w = Word((pos + i) / 8);
    for (int b = 0; b < 8; ++b) out[i + b] = static_cast<char>(w >> (8 * b));
  }
  for (; i < n; ++i) out[i] = PatternByte(pos + i);
}

// The largest resident set size seen in /proc/<pid>/status while it runs.
class RssSampler {
 public:
  explicit RssSampler(pid_t pid) : pid_(pid), thread_([this] { Run(); }) {}
  ~RssSampler() {
    stop_ = true;
    thread_.join();
  }
  uint64_t max_bytes() const { return max_; }
  static uint64_t Read(pid_t pid) {
    std::string status = ReadFile("/proc/" + std::to_string(pid) + "/status");
    size_t at = status.find("VmRSS:");
    return at == std::string::npos ? 0 : std::stoull(status.substr(at + 6)) * 1024;
  }

 private:
  void Run() {
    while (!stop_) {
      max_ = std::max<uint64_t>(max_, Read(pid_));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  const pid_t pid_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> max_{0};
  std::thread thread_;
};

// A shale-gateway child process over the cluster's config; killed on destruction.
class GatewayProcess {
 public:
  ~GatewayProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Status Start(const std::string& config, const std::string& users, const std::string& log) {
    log_ = log;
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return Status::FromErrno(errno, "open " + log);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      execl(SHALE_GATEWAY_BINARY, SHALE_GATEWAY_BINARY, "--config", config.c_str(), "--users",
            users.c_str(), "--listen", "127.0.0.1:0", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fd);
    if (pid_ < 0) return Status::FromErrno(errno, "fork");
    for (int i = 0; i < 3000; ++i) {
      std::string text = ReadFile(log);
      size_t at = text.find("endpoint=");
      if (at != std::string::npos) {
        at += 9;
        endpoint_ = text.substr(at, text.find_first_of(" \n", at) - at);
        if (!endpoint_.empty() && endpoint_.front() == '"') {
          endpoint_ = endpoint_.substr(1, endpoint_.size() - 2);
        }
        return Status::OK();
      }
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return Status::FailedPrecondition("shale-gateway exited:\n" + text);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return Status::Timeout("shale-gateway did not log ready:\n" + ReadFile(log));
  }
  pid_t pid() const { return pid_; }
  const std::string& endpoint() const { return endpoint_; }
  std::string Log() const { return ReadFile(log_); }

 private:
  pid_t pid_ = -1;
  std::string log_;
  std::string endpoint_;
};

// One signed S3 request with libcurl: the body streamed from the pattern (PUT) and the
// response checked against it as it arrives (GET). Returns the HTTP status.
struct Transfer {
  uint64_t size = 0;  // Of the upload.
  uint64_t position = 0;
  uint64_t mismatch_at = UINT64_MAX;
  Md5Stream md5;
  std::string error_body;  // The start of a non-2xx answer.
};

size_t ReadPattern(char* buf, size_t size, size_t nitems, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = std::min<uint64_t>(size * nitems, t->size - t->position);
  FillPattern(t->position, buf, n);
  t->md5.Update(std::string_view(buf, n));
  t->position += n;
  return n;
}

size_t CheckPattern(char* buf, size_t size, size_t nitems, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * nitems;
  if (t->error_body.size() < 4096) t->error_body.append(buf, std::min<size_t>(n, 4096));
  if (t->mismatch_at == UINT64_MAX) {
    std::string want(n, '\0');
    FillPattern(t->position, want.data(), n);
    auto [got, expected] = std::mismatch(buf, buf + n, want.data());
    if (got != buf + n) t->mismatch_at = t->position + (got - buf);
  }
  t->md5.Update(std::string_view(buf, n));
  t->position += n;
  return n;
}

long Send(const std::string& method, const std::string& url, Transfer* t) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> handle(curl_easy_init(), curl_easy_cleanup);
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(
      curl_slist_append(nullptr, "x-amz-content-sha256: UNSIGNED-PAYLOAD"), curl_slist_free_all);
  CURL* curl = handle.get();
  curl_slist* headers = header_list.get();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, "aws:amz:us-east-1:s3");
  curl_easy_setopt(curl, CURLOPT_USERPWD, (std::string(kAccessKey) + ":" + kSecretKey).c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(t->size));
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadPattern);
    curl_easy_setopt(curl, CURLOPT_READDATA, t);
  }
  Transfer sink;
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, CheckPattern);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, method == "GET" ? t : &sink);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (method != "GET") t->error_body = sink.error_body;
  return rc == CURLE_OK ? status : -static_cast<long>(rc);
}

TEST(GatewayMemoryTest, FiveGiBPutAndGetKeepTheGatewayUnder100MiBAboveIdle) {
  TestCluster cluster({SHALE_NODE_BINARY, 6, 4, 2});
  ASSERT_OK(cluster.Start());
  TempDir dir;
  const std::string users = dir.Sub("users.json");
  std::ofstream(users) << R"({"users": [{"name": "slow", "access_key": ")" << kAccessKey
                       << R"(", "secret_key": ")" << kSecretKey << R"("}]})";
  GatewayProcess gateway;
  ASSERT_OK(gateway.Start(cluster.config_path(), users, dir.Sub("gateway.log")));
  const std::string bucket_url = gateway.endpoint() + "/big";
  Transfer create;
  ASSERT_EQ(Send("PUT", bucket_url, &create), 200) << create.error_body << gateway.Log();
  // Warm up the pools and threads a first request creates, then take the idle size.
  Transfer warm;
  ASSERT_EQ(Send("PUT", bucket_url + "/warm", &warm), 200) << warm.error_body;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const uint64_t idle = RssSampler::Read(gateway.pid());
  ASSERT_GT(idle, 0u);

  RssSampler sampler(gateway.pid());
  Transfer put;
  put.size = kObjectSize;
  ASSERT_EQ(Send("PUT", bucket_url + "/object", &put), 200) << put.error_body << gateway.Log();
  ASSERT_EQ(put.position, kObjectSize);
  const std::string md5 = HexEncode(put.md5.Finish());
  Transfer get;
  ASSERT_EQ(Send("GET", bucket_url + "/object", &get), 200) << gateway.Log();
  EXPECT_EQ(get.position, kObjectSize);
  EXPECT_EQ(get.mismatch_at, UINT64_MAX) << "first wrong byte at " << get.mismatch_at;
  EXPECT_EQ(HexEncode(get.md5.Finish()), md5);
  const uint64_t peak = sampler.max_bytes();
  std::printf("gateway RSS: idle %llu MiB, peak %llu MiB\n",
              static_cast<unsigned long long>(idle >> 20),
              static_cast<unsigned long long>(peak >> 20));
  EXPECT_LT(peak, idle + kRssAllowance);
}

}  // namespace
}  // namespace shale::testing
