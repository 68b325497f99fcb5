#pragma once

// The rig of the operations tests: six real shale-node processes (TestCluster) with a
// shale-gateway in front, a config with an admin user, a plain user and short scrub/repair
// periods, and the real `shale` binary run as a child process against it.
// Thread-safety: driven by one test thread.

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/config.h"
#include "common/http_node_client.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_cluster.h"
#include "tools/shale/s3_client.h"

namespace shale::testing {

inline constexpr char kAdminAccess[] = "OPSADMIN000000000001";
inline constexpr char kAdminSecret[] = "ops-admin-secret-0123456789abcdefghij";
inline constexpr char kUserAccess[] = "OPSUSER0000000000001";
inline constexpr char kUserSecret[] = "ops-user-secret-0123456789abcdefghijk";

struct OpsClusterOptions {
  uint64_t repair_rate_bytes_per_sec = 200'000'000;
  uint64_t orphan_grace_seconds = 3;
  uint64_t chunk_size = 256 * kKiB;
  uint64_t inline_limit = 16 * kKiB;
};

class OpsCluster {
 public:
  static constexpr int kNodes = 6;
  explicit OpsCluster(OpsClusterOptions options = {})
      : options_(options),
        nodes_({SHALE_NODE_BINARY, kNodes, 4, 2, [options](ClusterConfig& c) {
                  c.chunk_size = options.chunk_size;
                  c.inline_limit = options.inline_limit;
                  c.users = {{"admin", kAdminAccess, kAdminSecret, "admin", "admin", true},
                             {"alice", kUserAccess, kUserSecret, "alice", "alice", false}};
                  // Scrubs only when asked (a pass a day); repair sweeps and collects quickly.
                  c.storage.scrub_period_seconds = 86400;
                  c.repair.rate_bytes_per_sec = options.repair_rate_bytes_per_sec;
                  c.repair.sweep_period_seconds = 3600;
                  c.repair.orphan_grace_seconds = options.orphan_grace_seconds;
                  c.repair.coordinator_check_seconds = 1;
                }}) {}
  ~OpsCluster() {
    if (::testing::Test::HasFailure()) {
      std::fprintf(stderr, "--- gateway log ---\n%s", gateway_.Log().c_str());
    }
  }

  // Starts the nodes, then restarts them: on the first start the config held placeholder
  // addresses, and each node's repair service must know its peers' real ones.
  Status Start() {
    SHALE_RETURN_IF_ERROR(nodes_.Start());
    for (int i = 0; i < kNodes; ++i) SHALE_RETURN_IF_ERROR(nodes_.RestartNode(i));
    return StartGateway();
  }
  Status StartGateway() {
    return gateway_.Start(SHALE_GATEWAY_BINARY, nodes_.config_path(), scratch_.Sub("gateway.log"));
  }

  TestCluster& nodes() { return nodes_; }
  GatewayProcess& gateway() { return gateway_; }

  // `shale <args>` against the gateway with the admin's (or alice's) keys in the environment.
  CommandResult Shale(std::vector<std::string> args, bool admin = true) {
    args.insert(args.begin(), SHALE_CLI);
    return RunCommand(args,
                      {{"SHALE_ENDPOINT", gateway_.endpoint()},
                       {"SHALE_ACCESS_KEY", admin ? kAdminAccess : kUserAccess},
                       {"SHALE_SECRET_KEY", admin ? kAdminSecret : kUserSecret}},
                      scratch_.path());
  }
  // `shale <args> --json`, parsed (a null document when stdout is not JSON).
  rapidjson::Document ShaleJson(std::vector<std::string> args, int* exit_code = nullptr) {
    args.push_back("--json");
    CommandResult r = Shale(std::move(args));
    if (exit_code != nullptr) *exit_code = r.exit_code;
    rapidjson::Document doc;
    if (doc.Parse(r.out.c_str()).HasParseError()) {
      ADD_FAILURE() << "not JSON: " << r.out << r.err;
      doc.SetNull();
    }
    return doc;
  }

  std::unique_ptr<cli::S3Client> S3(bool admin = true) {
    cli::S3ClientOptions o;
    o.endpoint = gateway_.endpoint();
    o.access_key = admin ? kAdminAccess : kUserAccess;
    o.secret_key = admin ? kAdminSecret : kUserSecret;
    auto c = cli::S3Client::Create(o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  // Whether node 0 reports the member ("scrub" or "repair") the nodeside and repair branches add
  // and answers the whole-node scan repair is built on.
  bool NodesReport(const char* member) {
    NodeScanRequest scan;
    scan.limit = 1;
    if (nodes_.Client(0)->ScanVersions(scan).status().code() == StatusCode::kNotSupported) {
      return false;
    }
    auto json = nodes_.Client(0)->StatusJson();
    if (!json.ok()) return false;
    rapidjson::Document doc;
    doc.Parse(json->c_str());
    return doc.IsObject() && doc.HasMember(member) && doc[member].IsObject();
  }

 private:
  OpsClusterOptions options_;
  TempDir scratch_;
  TestCluster nodes_;
  GatewayProcess gateway_;
};

// Pseudo-random bytes of one object (a function of its index), so reads can be compared.
inline std::string ObjectBytes(uint64_t index, size_t size) {
  std::string s(size, '\0');
  uint64_t x = index * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    s[i] = static_cast<char>(x);
  }
  return s;
}

}  // namespace shale::testing
