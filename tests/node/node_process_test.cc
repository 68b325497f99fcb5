// shale-node as a real child process, driven through HttpNodeClient and raw requests.

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <filesystem>
#include <random>
#include <thread>

#include "common/crc.h"
#include "common/http_node_client.h"
#include "common/internal_auth.h"
#include "tests/node/node_test_util.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_cluster.h"

namespace shale {
namespace {

using ::shale::testing::StatusIs;
using ::testing::HasSubstr;

using ::shale::testing::RandomBytes;
using ::shale::testing::Version;

// A plain TCP connection to "127.0.0.1:PORT", for bytes no client would send; -1 on failure.
int ConnectTo(const std::string& address) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1))));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Everything the peer sends until it closes the connection.
std::string ReadToEnd(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

class NodeProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(cluster_.Start());
    client_ = cluster_.Client(0);
  }
  void StartNode() {
    ASSERT_OK(cluster_.StartNode(0));
    client_ = cluster_.Client(0);
  }

  // A request the client signs normally, for tampering.
  RawNodeRequest Signed(std::string method, std::string target, std::string body = {}) {
    RawNodeRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    return r;
  }

  testing::TestCluster cluster_{{SHALE_NODE_BINARY, 2}};
  std::unique_ptr<HttpNodeClient> client_;
};

TEST_F(NodeProcessTest, AuthRejectionsStoreNothing) {
  const std::string target = "/v1/shards/6869";  // "hi"
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", Crc32c("data"));
  auto put = [&](std::string body) {
    RawNodeRequest r = Signed("PUT", target, std::move(body));
    r.headers.emplace_back("x-shale-crc32c", buf);
    return r;
  };

  RawNodeRequest unsigned_req = put("data");
  unsigned_req.sign = false;
  RawNodeRequest bad_sig = put("data");
  bad_sig.sign = false;
  bad_sig.headers.emplace_back("x-shale-date", std::to_string(std::time(nullptr)));
  bad_sig.headers.emplace_back("x-shale-content-sha256", internal_auth::BodySha256Hex("data"));
  bad_sig.headers.emplace_back("authorization", "SHALE-HMAC-SHA256 " + std::string(64, 'a'));
  RawNodeRequest stale = put("data");
  stale.date = std::time(nullptr) - 600;
  RawNodeRequest future = put("data");
  future.date = std::time(nullptr) + 600;
  RawNodeRequest swapped = put("evil");  // Signed over the digest of "data", body "evil".
  swapped.content_sha256 = internal_auth::BodySha256Hex("data");
  for (const RawNodeRequest* r : {&unsigned_req, &bad_sig, &stale, &future, &swapped}) {
    ASSERT_OK_AND_ASSIGN(RawNodeResponse resp, client_->Send(*r));
    EXPECT_EQ(resp.status, 403) << resp.body;
    EXPECT_THAT(client_->GetShard("hi", 0, UINT64_MAX), StatusIs(StatusCode::kNotFound));
  }
  // Reads are refused too, with the secret nowhere in the answer or the log.
  RawNodeRequest get = Signed("GET", "/v1/buckets");
  get.sign = false;
  ASSERT_OK_AND_ASSIGN(RawNodeResponse resp, client_->Send(get));
  EXPECT_EQ(resp.status, 403);
  EXPECT_THAT(cluster_.Log(0), HasSubstr("request refused"));
  EXPECT_THAT(cluster_.Log(0), ::testing::Not(HasSubstr(testing::kTestClusterSecret)));

  // A signed request whose bytes do not match their CRC: 400, nothing stored.
  ASSERT_OK_AND_ASSIGN(resp, client_->Send(put("dat4")));
  EXPECT_EQ(resp.status, 400) << resp.body;
  EXPECT_THAT(resp.body, HasSubstr("InvalidArgument"));
  EXPECT_THAT(client_->GetShard("hi", 0, UINT64_MAX), StatusIs(StatusCode::kNotFound));
  // And the genuine request works.
  ASSERT_OK_AND_ASSIGN(resp, client_->Send(put("data")));
  EXPECT_EQ(resp.status, 200) << resp.body;
}

TEST_F(NodeProcessTest, HealthMetricsStatus) {
  EXPECT_OK(client_->Health());
  ASSERT_OK(client_->PutShard("a", "x"));
  ASSERT_OK(client_->PutShard("b", "y"));
  ASSERT_OK_AND_ASSIGN(std::string metrics, client_->MetricsText());
  const std::string counter = "shale_node_requests_total{route=\"shard_put\",status=\"200\"} ";
  size_t at = metrics.find(counter);
  ASSERT_NE(at, std::string::npos) << metrics;
  EXPECT_EQ(std::stoull(metrics.substr(at + counter.size())), 2u);
  EXPECT_THAT(metrics, HasSubstr("shale_node_request_duration_seconds_bucket"));
  EXPECT_THAT(metrics, HasSubstr("shale_node_space_bytes{kind=\"live\"}"));
  EXPECT_THAT(metrics, HasSubstr("shale_node_repair_queue_depth 0"));
  ASSERT_OK_AND_ASSIGN(std::string status, client_->StatusJson());
  EXPECT_THAT(status, HasSubstr("\"node_id\":\"n0\""));
  EXPECT_THAT(status, HasSubstr("\"read_only\":false"));
  EXPECT_THAT(status, HasSubstr("\"live_bytes\":"));
}

TEST_F(NodeProcessTest, SigtermThenRestartKeepsAcknowledgedWrites) {
  std::vector<std::string> data;
  for (int i = 0; i < 50; ++i) {
    data.push_back(RandomBytes(1000 + i * 37, 100 + i));
    ASSERT_OK(client_->PutShard("s" + std::to_string(i), data.back()));
  }
  ASSERT_OK(client_->PutVersion("bkt", "k", Version(1), "v", node_wire::WireKind::kObject));
  EXPECT_EQ(cluster_.StopNode(0, SIGTERM), 0) << cluster_.Log(0);
  EXPECT_THAT(cluster_.Log(0), HasSubstr("msg=stopped"));
  StartNode();
  for (int i = 0; i < 50; ++i) {
    ASSERT_OK_AND_ASSIGN(std::string back,
                         client_->GetShard("s" + std::to_string(i), 0, UINT64_MAX));
    EXPECT_TRUE(back == data[i]) << i;
  }
  ASSERT_OK_AND_ASSIGN(auto v, client_->GetVersion("bkt", "k", Version(1)));
  EXPECT_EQ(v.payload, "v");
}

TEST_F(NodeProcessTest, SigtermDuringLoadLosesNoAcknowledgedWrite) {
  constexpr int kThreads = 4;
  std::vector<std::vector<std::string>> acked(kThreads);
  std::atomic<int> total{0};
  std::vector<std::thread> threads;
  std::unique_ptr<HttpNodeClient> load_client = cluster_.Client(0, /*max_attempts=*/1);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0;; ++i) {
        std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (!load_client->PutShard(id, RandomBytes(8192, t * 100000 + i)).ok()) return;
        acked[t].push_back(id);
        total.fetch_add(1);
      }
    });
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (total.load() < 200 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(cluster_.StopNode(0, SIGTERM), 0) << cluster_.Log(0);
  for (auto& th : threads) th.join();
  ASSERT_GE(total.load(), 200);
  StartNode();
  for (int t = 0; t < kThreads; ++t) {
    for (const std::string& id : acked[t]) {
      int i = std::stoi(id.substr(id.find('-') + 1));
      ASSERT_OK_AND_ASSIGN(std::string back, client_->GetShard(id, 0, UINT64_MAX));
      ASSERT_TRUE(back == RandomBytes(8192, t * 100000 + i)) << id;
    }
  }
}

TEST_F(NodeProcessTest, RefusesAnotherNodesDirectory) {
  EXPECT_EQ(cluster_.StopNode(0), 0);
  EXPECT_EQ(cluster_.StopNode(1), 0);
  // n1's directory now claims to be n0's.
  std::filesystem::copy_file(cluster_.DataDir(0) + "/node.json", cluster_.DataDir(1) + "/node.json",
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_THAT(cluster_.StartNode(1), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_EQ(cluster_.ExitCode(1), 1);
  EXPECT_THAT(cluster_.Log(1), HasSubstr("belongs to cluster \"test-cluster\" node \"n0\""));
}

TEST_F(NodeProcessTest, OversizedBodyOrHeaderIsRefused) {
  // Bodies read whole are limited to 64 MiB; streamed shard bodies to 1 GiB.
  for (const auto& [path, limit] : {std::pair<std::string, uint64_t>{"/v1/buckets/b", 64 << 20},
                                    {"/v1/shards/00", uint64_t{1} << 30}}) {
    int fd = ConnectTo(cluster_.address(0));
    ASSERT_GE(fd, 0);
    std::string head = "PUT " + path +
                       " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(limit + 1) +
                       "\r\n\r\n";
    ASSERT_EQ(send(fd, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
    std::string answer = ReadToEnd(fd);
    close(fd);
    EXPECT_THAT(answer, ::testing::StartsWith("HTTP/1.1 400")) << path;
    EXPECT_THAT(answer, HasSubstr("body too large")) << path;
  }

  int fd = ConnectTo(cluster_.address(0));
  ASSERT_GE(fd, 0);
  std::string head =
      "GET /health HTTP/1.1\r\nHost: x\r\nx-big: " + std::string(20000, 'a') + "\r\n\r\n";
  ASSERT_EQ(send(fd, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
  std::string answer = ReadToEnd(fd);
  close(fd);
  EXPECT_THAT(answer, ::testing::StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(answer, HasSubstr("header too large"));
  EXPECT_OK(client_->Health());
}

TEST_F(NodeProcessTest, SigkillMidUploadLeavesNoPartialShard) {
  // A raw connection sends the headers of a signed 1 MiB PUT and half its body, then the node
  // is killed; after a restart the shard does not exist.
  std::string body(1 << 20, 'z');
  std::string target = "/v1/shards/706172";  // "par"
  int64_t date = std::time(nullptr);
  std::string sha = internal_auth::BodySha256Hex(body);
  ASSERT_OK_AND_ASSIGN(std::string auth,
                       internal_auth::AuthorizationValue(testing::kTestClusterSecret,
                                                         {"PUT", target, "", date, sha}));
  char crc[9];
  std::snprintf(crc, sizeof(crc), "%08x", Crc32c(body));
  std::string head =
      "PUT " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nx-shale-date: " + std::to_string(date) + "\r\nx-shale-content-sha256: " + sha +
      "\r\nauthorization: " + auth + "\r\nx-shale-crc32c: " + crc + "\r\n\r\n";
  int fd = ConnectTo(cluster_.address(0));
  ASSERT_GE(fd, 0);
  std::string partial = head + body.substr(0, body.size() / 2);
  ASSERT_EQ(send(fd, partial.data(), partial.size(), 0), static_cast<ssize_t>(partial.size()));
  EXPECT_EQ(cluster_.KillNode(0), -1);
  close(fd);
  StartNode();
  EXPECT_THAT(client_->GetShard("par", 0, UINT64_MAX), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(auto checks, client_->CheckShards({"par"}));
  EXPECT_FALSE(checks.at(0).present);
}

}  // namespace
}  // namespace shale
