// `shale bench` end to end: the real binary (SHALE_CLI) against a real `shale server`, and
// against a tools/local-cluster.sh cluster with its shale-gateway; the output must be
// well formed and the objects it wrote must really be there with the right bytes, read back
// with an independent client. Each server test is skipped while its server is not built (the
// pieces land on other branches).

#include <fcntl.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tools/shale/bench_load.h"
#include "tools/shale/s3_client.h"

extern char** environ;

namespace shale::cli {
namespace {

using ::testing::HasSubstr;

constexpr char kAccessKey[] = "BENCHTESTACCESSKEY";
constexpr char kSecretKey[] = "bench-test-secret-key-0123456789";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The build directory (SHALE_CLI is <build>/tools/shale).
std::filesystem::path BuildDir() {
  return std::filesystem::path(SHALE_CLI).parent_path().parent_path();
}

// A child process with stdout and stderr in files; `extra_env` is added to the environment.
pid_t Spawn(const std::vector<std::string>& args, const std::string& out_path,
            const std::string& err_path, const std::map<std::string, std::string>& extra_env) {
  std::vector<std::string> args_copy = args;
  std::vector<char*> argv;
  for (auto& a : args_copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_store;
  for (char** e = environ; *e != nullptr; ++e) env_store.emplace_back(*e);
  for (const auto& [k, v] : extra_env) env_store.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    ADD_FAILURE() << "posix_spawn " << args[0] << ": " << strerror(rc);
    return -1;
  }
  return pid;
}

int Wait(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

RunResult RunShale(const testing::TempDir& dir, const std::vector<std::string>& args,
                   const std::map<std::string, std::string>& env = {}) {
  std::vector<std::string> argv = {SHALE_CLI};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult r;
  pid_t pid = Spawn(argv, dir.Sub("run.out"), dir.Sub("run.err"), env);
  if (pid < 0) return r;
  r.exit_code = Wait(pid);
  r.out = ReadFile(dir.Sub("run.out"));
  r.err = ReadFile(dir.Sub("run.err"));
  return r;
}

int FreePort() {
  std::random_device rd;
  return 20000 + static_cast<int>(rd() % 20000);
}

// The JSON document of a `--json` run, checked for the fields every load run has.
rapidjson::Document ParseLoadJson(const RunResult& run) {
  rapidjson::Document d;
  d.Parse(run.out.c_str());
  EXPECT_FALSE(d.HasParseError()) << run.out;
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("load")) {
    ADD_FAILURE() << "no load section: " << run.out;
    return d;
  }
  const auto& l = d["load"];
  for (const char* f : {"ops", "ops_per_s", "mb_per_s", "errors", "seconds", "latency_us"}) {
    EXPECT_TRUE(l.HasMember(f)) << f;
  }
  for (const char* f : {"p50", "p99", "p999", "max"}) EXPECT_TRUE(l["latency_us"].HasMember(f));
  EXPECT_EQ(l["errors"].GetUint64(), 0u) << run.out;
  EXPECT_GT(l["ops"].GetUint64(), 0u) << run.out;
  EXPECT_LE(l["latency_us"]["p50"].GetDouble(), l["latency_us"]["p99"].GetDouble());
  EXPECT_LE(l["latency_us"]["p99"].GetDouble(), l["latency_us"]["p999"].GetDouble());
  return d;
}

// Reads every key a bench run wrote with a separate client and compares the bytes, then checks
// the listing holds exactly those keys.
void ExpectStored(S3Client& client, const std::string& bucket, const std::string& prefix,
                  uint64_t size, uint64_t seed, uint64_t keys) {
  BodyPool pool(size, seed, keys);
  for (uint64_t i = 0; i < keys; ++i) {
    ASSERT_OK_AND_ASSIGN(S3Response r, client.GetObject(bucket, BenchKeyName(prefix, i)));
    ASSERT_EQ(r.status, 200) << BenchKeyName(prefix, i) << " " << r.body;
    auto want = pool.ForKey(i);
    ASSERT_EQ(r.body.size(), want.size());
    EXPECT_EQ(0, std::memcmp(r.body.data(), want.data(), want.size())) << i;
    EXPECT_EQ(r.etag, pool.EtagForKey(i));
  }
  ASSERT_OK_AND_ASSIGN(S3Response list, client.ListObjectsV2(bucket, prefix, 1000));
  ASSERT_EQ(list.status, 200) << list.body;
  std::vector<std::string> listed;
  std::regex key_re("<Key>([^<]*)</Key>");
  for (std::sregex_iterator it(list.body.begin(), list.body.end(), key_re), end; it != end; ++it) {
    listed.push_back((*it)[1]);
  }
  std::vector<std::string> want;
  for (uint64_t i = 0; i < keys; ++i) want.push_back(BenchKeyName(prefix, i));
  EXPECT_EQ(listed, want);
}

// Runs put (verified afterwards), get, mixed, list and delete loads against `endpoint`.
void ExerciseEndpoint(const testing::TempDir& dir, const std::string& endpoint,
                      const std::string& access, const std::string& secret) {
  const std::vector<std::string> common = {
      "--endpoint", endpoint,     "--access-key", access, "--secret-key", secret, "--json",
      "--bucket",   "bench-test", "--duration",   "1s"};
  auto args = [&](std::vector<std::string> more) {
    more.insert(more.begin(), "bench");
    more.insert(more.end(), common.begin(), common.end());
    return more;
  };
  RunResult put = RunShale(dir, args({"--op", "put", "--size", "70KiB", "--concurrency", "4",
                                      "--keys", "12", "--seed", "5", "--prefix", "p/"}));
  ASSERT_EQ(put.exit_code, 0) << put.out << put.err;
  auto d = ParseLoadJson(put);
  ASSERT_TRUE(d.IsObject() && d.HasMember("load"));
  EXPECT_STREQ(d["load"]["op"].GetString(), "put");
  EXPECT_GT(d["load"]["by_op"]["put"]["mb_per_s"].GetDouble(), 0);

  S3ClientOptions o;
  o.endpoint = endpoint;
  o.access_key = access;
  o.secret_key = secret;
  ASSERT_OK_AND_ASSIGN(auto client, S3Client::Create(o));
  ExpectStored(*client, "bench-test", "p/", 70 * 1024, 5, 12);

  for (std::vector<std::string> more :
       {std::vector<std::string>{"--op", "get", "--size", "1MiB", "--concurrency", "2", "--keys",
                                 "4", "--prefix", "g/"},
        std::vector<std::string>{"--op", "mixed", "--mix", "get=5,put=3,delete=2,list=1",
                                 "--concurrency", "3", "--keys", "9", "--prefix", "m/"},
        std::vector<std::string>{"--op", "list", "--keys", "5", "--prefix", "l/"},
        std::vector<std::string>{"--op", "delete", "--keys", "6", "--concurrency", "2", "--prefix",
                                 "d/"}}) {
    RunResult r = RunShale(dir, args(more));
    ASSERT_EQ(r.exit_code, 0) << more[1] << ": " << r.out << r.err;
    ParseLoadJson(r);
  }
  // Every deleted key is gone.
  ASSERT_OK_AND_ASSIGN(S3Response listed, client->ListObjectsV2("bench-test", "d/", 1000));
  EXPECT_THAT(listed.body, ::testing::Not(HasSubstr("<Key>")));

  // The text form, as an operator sees it.
  RunResult text =
      RunShale(dir, {"bench", "--op", "get", "--endpoint", endpoint, "--access-key", access,
                     "--secret-key", secret, "--bucket", "bench-test", "--duration", "300ms",
                     "--prefix", "g/", "--keys", "4", "--size", "1MiB"});
  ASSERT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_THAT(text.out, HasSubstr("p99 ms"));
  EXPECT_THAT(text.out, HasSubstr("get of 1 MiB objects"));
}

TEST(ShaleBenchTest, RawLimitsAsJson) {
  testing::TempDir dir;
  RunResult r = RunShale(dir, {"bench", "--raw", "--raw-seconds", "50ms", "--raw-dir", dir.path(),
                               "--json", "--ec", "4+2"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  rapidjson::Document d;
  d.Parse(r.out.c_str());
  ASSERT_FALSE(d.HasParseError()) << r.out;
  EXPECT_FALSE(d.HasMember("load"));
  ASSERT_TRUE(d["raw"].IsArray());
  std::vector<std::string> names;
  for (const auto& l : d["raw"].GetArray()) {
    names.push_back(l["name"].GetString());
    EXPECT_GT(l["mb_per_s"].GetDouble(), 0) << names.back();
  }
  EXPECT_THAT(
      names, ::testing::ElementsAre("md5_1core", "sha256_1core", "crc32c_1core", "rs_encode_1core",
                                    "md5_all_cores", "disk_1mib_fdatasync", "disk_4kib_fdatasync"));
  // The scratch files are gone.
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()) ||
              !std::filesystem::exists(dir.Sub("shale-bench-raw." + std::to_string(getpid()))));
}

TEST(ShaleBenchTest, UsageErrorsExitTwo) {
  testing::TempDir dir;
  EXPECT_EQ(RunShale(dir, {"bench"}).exit_code, 2);
  EXPECT_EQ(RunShale(dir, {"bench", "--op", "put", "--size", "0"},
                     {{"SHALE_ACCESS_KEY", "a"}, {"SHALE_SECRET_KEY", "b"}})
                .exit_code,
            2);
}

TEST(ShaleBenchTest, UnreachableEndpointFails) {
  testing::TempDir dir;
  RunResult r = RunShale(dir, {"bench", "--op", "put", "--endpoint", "http://127.0.0.1:1",
                               "--access-key", "a", "--secret-key", "b", "--duration", "100ms"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
}

// Any S3 endpoint given in SHALE_BENCH_TEST_ENDPOINT (with SHALE_BENCH_TEST_ACCESS_KEY and
// SHALE_BENCH_TEST_SECRET_KEY), e.g. to compare with another implementation.
TEST(ShaleBenchTest, AgainstEndpointFromEnvironment) {
  const char* endpoint = std::getenv("SHALE_BENCH_TEST_ENDPOINT");
  const char* access = std::getenv("SHALE_BENCH_TEST_ACCESS_KEY");
  const char* secret = std::getenv("SHALE_BENCH_TEST_SECRET_KEY");
  if (endpoint == nullptr || access == nullptr || secret == nullptr) {
    GTEST_SKIP() << "SHALE_BENCH_TEST_ENDPOINT/_ACCESS_KEY/_SECRET_KEY not set";
  }
  testing::TempDir dir;
  ExerciseEndpoint(dir, endpoint, access, secret);
}

TEST(ShaleBenchTest, AgainstShaleServer) {
  testing::TempDir dir;
  if (RunShale(dir, {"server", "--help"}).exit_code != 0) {
    GTEST_SKIP() << "`shale server` is not built into this shale yet";
  }
  const int port = FreePort();
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(port);
  pid_t server = Spawn({SHALE_CLI, "server", "--data", dir.Sub("data"), "--listen",
                        "127.0.0.1:" + std::to_string(port)},
                       dir.Sub("server.out"), dir.Sub("server.err"),
                       {{"SHALE_ACCESS_KEY", kAccessKey}, {"SHALE_SECRET_KEY", kSecretKey}});
  ASSERT_GT(server, 0);
  S3ClientOptions o{endpoint, kAccessKey, kSecretKey};
  ASSERT_OK_AND_ASSIGN(auto probe, S3Client::Create(o));
  bool up = false;
  for (int i = 0; i < 300 && !up; ++i) {
    up = probe->HeadBucket("probe").ok();
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (up) ExerciseEndpoint(dir, endpoint, kAccessKey, kSecretKey);
  kill(server, SIGTERM);
  Wait(server);
  ASSERT_TRUE(up) << ReadFile(dir.Sub("server.err"));
}

TEST(ShaleBenchTest, AgainstLocalClusterGateway) {
  const auto build = BuildDir();
  if (!std::filesystem::exists(build / "gateway/shale-gateway") ||
      !std::filesystem::exists(build / "storage/shale-node")) {
    GTEST_SKIP() << "shale-gateway or shale-node is not built";
  }
  testing::TempDir dir;
  const int base = FreePort();
  const std::string env = "SHALE_LOCAL_DIR=" + dir.Sub("cluster") +
                          " SHALE_BUILD_DIR=" + build.string() +
                          " SHALE_BASE_PORT=" + std::to_string(base) +
                          " SHALE_GATEWAY_PORT=" + std::to_string(base + 50) + " bash " +
                          SHALE_SOURCE_DIR + "/tools/local-cluster.sh ";
  const std::string log = " >> " + dir.Sub("cluster.log") + " 2>&1";
  int rc = std::system((env + "start 6" + log).c_str());
  const std::string out = ReadFile(dir.Sub("cluster.log"));
  std::smatch creds, endpoint;
  const bool started =
      rc == 0 &&
      std::regex_search(out, creds, std::regex("access key (\\S+), secret key (\\S+)")) &&
      std::regex_search(out, endpoint, std::regex("S3 endpoint: (http\\S+)"));
  if (started) ExerciseEndpoint(dir, endpoint[1], creds[1], creds[2]);
  (void)std::system((env + "stop" + log).c_str());  // Whatever happened above.
  ASSERT_TRUE(started) << out;
}

}  // namespace
}  // namespace shale::cli
