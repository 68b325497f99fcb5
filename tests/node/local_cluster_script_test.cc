// tools/local-cluster.sh end to end: `start 6` gives six nodes that answer /health and refuse
// unsigned requests; kill-node, start-node, wipe-node and stop do what they say.

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "common/config.h"
#include "common/http_node_client.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale {
namespace {

bool PortFree(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

class LocalClusterScriptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    for (int attempt = 0; attempt < 50 && base_port_ == 0; ++attempt) {
      int base = 20000 + static_cast<int>(rd() % 20000);
      bool free = true;
      for (int i = 0; i < 6; ++i) free = free && PortFree(base + i);
      if (free) base_port_ = base;
    }
    ASSERT_NE(base_port_, 0);
  }
  void TearDown() override { (void)Run("stop"); }  // Whatever still runs.

  // The script's exit code; its output goes to out.log in the temp dir.
  int Run(const std::string& args) {
    std::string build = std::filesystem::path(SHALE_NODE_BINARY).parent_path().parent_path();
    std::string cmd = "SHALE_LOCAL_DIR=" + dir_.Sub("cluster") + " SHALE_BUILD_DIR=" + build +
                      " SHALE_BASE_PORT=" + std::to_string(base_port_) + " bash " +
                      SHALE_SOURCE_DIR + "/tools/local-cluster.sh " + args + " >> " +
                      dir_.Sub("out.log") + " 2>&1";
    int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }
  std::string Output() {
    std::ifstream in(dir_.Sub("out.log"));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::unique_ptr<HttpNodeClient> Client(int i, const std::string& secret) {
    HttpNodeClientOptions o;
    o.address = "127.0.0.1:" + std::to_string(base_port_ + i);
    o.secret = secret;
    o.max_attempts = 1;
    return std::make_unique<HttpNodeClient>(o);
  }

  testing::TempDir dir_;
  int base_port_ = 0;
};

TEST_F(LocalClusterScriptTest, StartSixKillRestartWipeStop) {
  ASSERT_EQ(Run("start 6"), 0) << Output();
  EXPECT_THAT(Output(), ::testing::HasSubstr("k=4 m=2"));
  ASSERT_OK_AND_ASSIGN(ClusterConfig config, LoadClusterConfig(dir_.Sub("cluster/cluster.json")));
  for (int i = 0; i < 6; ++i) {
    auto client = Client(i, config.cluster_secret);
    EXPECT_OK(client->Health()) << i;
    RawNodeRequest unsigned_req{"GET", "/v1/buckets"};
    unsigned_req.sign = false;
    ASSERT_OK_AND_ASSIGN(RawNodeResponse r, client->Send(unsigned_req));
    EXPECT_EQ(r.status, 403) << i;
    EXPECT_OK(client->PutShard("s", "node data"));
  }

  ASSERT_EQ(Run("kill-node 2"), 0) << Output();
  EXPECT_FALSE(Client(2, config.cluster_secret)->Health().ok());
  EXPECT_NE(Run("wipe-node 3"), 0);  // Still running: refused.
  ASSERT_EQ(Run("wipe-node 2"), 0) << Output();
  ASSERT_EQ(Run("start-node 2"), 0) << Output();
  EXPECT_THAT(Client(2, config.cluster_secret)->GetShard("s", 0, UINT64_MAX),
              testing::StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(std::string kept,
                       Client(3, config.cluster_secret)->GetShard("s", 0, UINT64_MAX));
  EXPECT_EQ(kept, "node data");

  ASSERT_EQ(Run("stop"), 0) << Output();
  for (int i = 0; i < 6; ++i) EXPECT_FALSE(Client(i, config.cluster_secret)->Health().ok());
}

}  // namespace
}  // namespace shale
