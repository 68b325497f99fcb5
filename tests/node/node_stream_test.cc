// Streamed shard bodies against a real shale-node process: a 256 MiB shard PUT and GET with the
// node's peak RSS bounded, a body swapped under its signed digest refused with nothing stored,
// and a SIGKILL mid-upload leaving no partial shard after restart.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "common/chunk_signing.h"
#include "common/encoding.h"
#include "common/hash.h"
#include "common/http_node_client.h"
#include "common/internal_auth.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_cluster.h"

namespace shale {
namespace {

using ::shale::testing::StatusIs;

// A value from /proc/<pid>/status in KiB ("VmHWM", "VmRSS"); -1 if absent.
int64_t ProcStatusKiB(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  }
  return -1;
}

// Deterministic bytes generated on the fly: byte i is a function of (seed, i), so a body of any
// size costs nothing to hold and can be regenerated or checked piece by piece.
class GeneratedBody {
 public:
  GeneratedBody(uint64_t seed, uint64_t length) : seed_(seed), length_(length) {}

  NodeBodySource Source(std::function<Status(uint64_t)> hook = nullptr) const {
    auto pos = std::make_shared<uint64_t>(0);
    return [this, pos, hook](std::span<char> buf) -> Result<size_t> {
      if (hook) SHALE_RETURN_IF_ERROR(hook(*pos));
      size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), length_ - *pos));
      Fill(*pos, buf.first(n));
      *pos += n;
      return n;
    };
  }
  std::string Sha256Hex() const {
    Sha256Stream sha;
    std::string buf(1 << 20, '\0');
    for (uint64_t pos = 0; pos < length_; pos += buf.size()) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), length_ - pos));
      Fill(pos, std::span<char>(buf.data(), n));
      sha.Update(std::string_view(buf.data(), n));
    }
    return HexEncode(sha.Finish());
  }
  uint64_t length() const { return length_; }

 private:
  void Fill(uint64_t pos, std::span<char> out) const {
    for (size_t i = 0; i < out.size(); ++i) {
      uint64_t x = (pos + i) / 8 * 0x9E3779B97F4A7C15ULL + seed_;
      x ^= x >> 31;
      x *= 0xBF58476D1CE4E5B9ULL;
      x ^= x >> 29;
      out[i] = static_cast<char>(x >> (((pos + i) % 8) * 8));
    }
  }
  uint64_t seed_;
  uint64_t length_;
};

class NodeStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(cluster_.Start());
    client_ = cluster_.Client(0, /*max_attempts=*/1);
  }

  testing::TestCluster cluster_{{SHALE_NODE_BINARY, 1}};
  std::unique_ptr<HttpNodeClient> client_;
};

TEST_F(NodeStreamTest, A256MiBShardStreamsBothWaysWithBoundedNodeMemory) {
  const GeneratedBody body(7, uint64_t{256} << 20);
  const pid_t pid = cluster_.Pid(0);
  ASSERT_OK(client_->Health());
  const int64_t idle_hwm = ProcStatusKiB(pid, "VmHWM");
  ASSERT_GT(idle_hwm, 0);

  ASSERT_OK(client_->PutShardStream("big", body.length(), body.Source()));
  const int64_t put_hwm = ProcStatusKiB(pid, "VmHWM");

  Sha256Stream got;
  uint64_t received = 0;
  ASSERT_OK(client_->GetShardStream("big", 0, UINT64_MAX, [&](std::string_view piece) {
    got.Update(piece);
    received += piece.size();
    return Status::OK();
  }));
  const int64_t get_hwm = ProcStatusKiB(pid, "VmHWM");
  EXPECT_EQ(received, body.length());
  EXPECT_EQ(HexEncode(got.Finish()), body.Sha256Hex());

  // A range in the middle, streamed too.
  Sha256Stream range;
  uint64_t range_bytes = 0;
  ASSERT_OK(client_->GetShardStream("big", 3, 5u << 20, [&](std::string_view piece) {
    range.Update(piece);
    range_bytes += piece.size();
    return Status::OK();
  }));
  EXPECT_EQ(range_bytes, 5u << 20);

  std::printf("node VmHWM: idle %lld KiB, after 256 MiB PUT %lld KiB, after GET %lld KiB\n",
              static_cast<long long>(idle_hwm), static_cast<long long>(put_hwm),
              static_cast<long long>(get_hwm));
  EXPECT_LT(put_hwm - idle_hwm, 64 * 1024) << "the PUT was buffered";
  EXPECT_LT(get_hwm - idle_hwm, 64 * 1024) << "the GET was buffered";

  // The shard survives a restart of the node.
  ASSERT_EQ(cluster_.StopNode(0), 0);
  ASSERT_OK(cluster_.StartNode(0));
  client_ = cluster_.Client(0, 1);
  ASSERT_OK_AND_ASSIGN(std::string head, client_->GetShard("big", 0, 1000));
  std::string expected(1000, '\0');
  auto src = body.Source();
  ASSERT_OK(src(std::span<char>(expected.data(), expected.size())));
  EXPECT_EQ(head, expected);
}

// A chunk-signed PUT as HttpNodeClient::PutShardStream sends it, with framed byte
// `flip_at` (if any) changed after signing.
Result<RawNodeResponse> SendChunked(HttpNodeClient& client, const std::string& target,
                                    const GeneratedBody& body, std::optional<uint64_t> flip_at) {
  constexpr size_t kChunk = 64 * 1024;
  RawNodeRequest req{"PUT", target};
  req.date = static_cast<int64_t>(std::time(nullptr));
  req.content_sha256 = std::string(internal_auth::kStreamingSha256);
  internal_auth::SignedFields fields{"PUT", target, {}, *req.date, *req.content_sha256};
  SHALE_ASSIGN_OR_RETURN(std::string auth,
                         internal_auth::AuthorizationValue(testing::kTestClusterSecret, fields));
  SHALE_ASSIGN_OR_RETURN(std::string seed, internal_auth::SeedSignature(auth));
  auto framer = std::make_shared<internal_auth::ChunkFramer>(
      testing::kTestClusterSecret, *req.date, seed, body.length(), kChunk, body.Source());
  auto pos = std::make_shared<uint64_t>(0);
  req.body_source = [framer, pos, flip_at](std::span<char> buf) -> Result<size_t> {
    SHALE_ASSIGN_OR_RETURN(size_t n, framer->Read(buf));
    if (flip_at && *pos <= *flip_at && *flip_at < *pos + n) buf[*flip_at - *pos] ^= 0x01;
    *pos += n;
    return n;
  };
  req.body_length = internal_auth::FramedSize(body.length(), kChunk);
  req.headers.emplace_back(std::string(internal_auth::kDecodedLengthHeader),
                           std::to_string(body.length()));
  return client.Send(req);
}

TEST_F(NodeStreamTest, ATamperedChunkIsRefusedAndNothingIsStored) {
  const GeneratedBody body(8, uint64_t{8} << 20);
  // A data byte of the middle chunk: past the framed first half (its final chunk excluded),
  // then past the next chunk's 88-byte size line.
  const uint64_t final_chunk = internal_auth::FramedSize(0, 64 * 1024);
  const uint64_t flip = internal_auth::FramedSize(body.length() / 2, 64 * 1024) - final_chunk + 200;
  ASSERT_OK_AND_ASSIGN(
      RawNodeResponse r,
      SendChunked(*client_, "/v1/shards/" + HexEncode(std::string_view("t")), body, flip));
  EXPECT_EQ(r.status, 403);
  EXPECT_THAT(client_->GetShard("t", 0, 10), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(auto checks, client_->CheckShards({"t"}));
  EXPECT_FALSE(checks[0].present);

  // The same request untampered is stored.
  ASSERT_OK_AND_ASSIGN(r, SendChunked(*client_, "/v1/shards/" + HexEncode(std::string_view("t")),
                                      body, std::nullopt));
  EXPECT_EQ(r.status, 200) << r.body;
  ASSERT_OK_AND_ASSIGN(checks, client_->CheckShards({"t"}));
  EXPECT_TRUE(checks[0].present);
  EXPECT_EQ(checks[0].length, body.length());
}

TEST_F(NodeStreamTest, AWholeBodySignedShardOverTheThresholdIsStreamedAndChecked) {
  // Bodies over 1 MiB signed whole (PutShard) stream too: the digest is checked at the end.
  const std::string data(3u << 20, 'q');
  ASSERT_OK(client_->PutShard("whole", data));
  ASSERT_OK_AND_ASSIGN(std::string got, client_->GetShard("whole", 0, UINT64_MAX));
  EXPECT_TRUE(got == data);

  // The body swapped under a valid header (the signed digest is the genuine body's).
  RawNodeRequest req{"PUT", "/v1/shards/" + HexEncode(std::string_view("swapped"))};
  req.body = data;
  req.content_sha256 = HexEncode(Sha256(data));
  req.body[req.body.size() / 2] ^= 1;
  ASSERT_OK_AND_ASSIGN(RawNodeResponse r, client_->Send(req));
  EXPECT_EQ(r.status, 403);
  EXPECT_THAT(client_->GetShard("swapped", 0, 10), StatusIs(StatusCode::kNotFound));
}

TEST_F(NodeStreamTest, ACorruptShardAbortsAStreamedGetAndIsMarkedBad) {
  const GeneratedBody body(10, uint64_t{4} << 20);
  ASSERT_OK(client_->PutShardStream("bad", body.length(), body.Source()));
  ASSERT_EQ(cluster_.StopNode(0), 0);
  // The streamed shard is the last record of the newest segment: damage a byte near its end.
  std::filesystem::path newest;
  for (const auto& e : std::filesystem::directory_iterator(cluster_.DataDir(0) + "/segments")) {
    if (newest.empty() || e.path() > newest) newest = e.path();
  }
  {
    std::fstream f(newest, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.is_open()) << newest;
    const auto size = std::filesystem::file_size(newest);
    f.seekg(static_cast<std::streamoff>(size - 1000));
    char c = 0;
    f.read(&c, 1);
    c ^= 0x10;
    f.seekp(static_cast<std::streamoff>(size - 1000));
    f.write(&c, 1);
  }
  ASSERT_OK(cluster_.StartNode(0));
  client_ = cluster_.Client(0, 1);
  uint64_t received = 0;
  Status s = client_->GetShardStream("bad", 0, UINT64_MAX, [&](std::string_view piece) {
    received += piece.size();
    return Status::OK();
  });
  EXPECT_FALSE(s.ok()) << "a corrupt shard must not arrive whole";
  EXPECT_LT(received, body.length());
  ASSERT_OK_AND_ASSIGN(auto checks, client_->CheckShards({"bad"}));
  EXPECT_TRUE(checks[0].present);
  EXPECT_FALSE(checks[0].healthy);
}

TEST_F(NodeStreamTest, SigkillMidUploadLeavesNoPartialShardAfterRestart) {
  const GeneratedBody body(9, uint64_t{64} << 20);
  ASSERT_OK(client_->PutShard("small", "kept"));
  bool killed = false;
  Status s =
      client_->PutShardStream("partial", body.length(), body.Source([&](uint64_t pos) -> Status {
        if (!killed && pos >= body.length() / 2) {
          killed = true;
          cluster_.KillNode(0);
        }
        return Status::OK();
      }));
  EXPECT_FALSE(s.ok());
  ASSERT_TRUE(killed);
  ASSERT_OK(cluster_.StartNode(0));
  client_ = cluster_.Client(0, 1);
  EXPECT_THAT(client_->GetShard("partial", 0, 10), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(std::string small, client_->GetShard("small", 0, UINT64_MAX));
  EXPECT_EQ(small, "kept");
  ASSERT_OK(client_->PutShardStream("partial", body.length(), body.Source()));
}

}  // namespace
}  // namespace shale
