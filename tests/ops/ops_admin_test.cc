// The gateway admin API and `shale status|verify` on a real cluster (six shale-node processes,
// k=4 m=2, behind shale-gateway): who may call it, what status says as nodes go down and come
// back, and what verify finds when a shard is damaged on disk or missing.

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "common/encoding.h"
#include "tests/ops/ops_harness.h"
#include "tests/support/shard_files.h"
#include "tests/support/status_matchers.h"

namespace shale::testing {
namespace {

using rapidjson::Value;

std::string Str(const Value& v, const char* name) {
  return v.HasMember(name) && v[name].IsString() ? v[name].GetString() : "";
}

TEST(OpsAdminTest, OnlyAdminsReachTheAdminApiAndS3IsUnaffected) {
  OpsCluster c;
  ASSERT_OK(c.Start());
  auto admin = c.S3(true);
  auto alice = c.S3(false);
  ASSERT_OK(alice->EnsureBucket("alice-bucket"));

  ASSERT_OK_AND_ASSIGN(cli::S3Response ok, admin->Call("GET", "/_shale/admin/v1/status"));
  EXPECT_EQ(ok.status, 200) << ok.body;
  ASSERT_OK_AND_ASSIGN(cli::S3Response denied, alice->Call("GET", "/_shale/admin/v1/status"));
  EXPECT_EQ(denied.status, 403);
  EXPECT_NE(denied.body.find("<Code>AccessDenied</Code>"), std::string::npos) << denied.body;
  for (const char* op : {"scrub", "repair"}) {
    ASSERT_OK_AND_ASSIGN(cli::S3Response r,
                         alice->Call("POST", std::string("/_shale/admin/v1/") + op));
    EXPECT_EQ(r.status, 403) << op;
  }
  TempDir dir;
  CommandResult anonymous = RunCommand({"/usr/bin/curl", "-s", "-w", "\n%{http_code}",
                                        c.gateway().endpoint() + "/_shale/admin/v1/status"},
                                       {}, dir.path());
  EXPECT_NE(anonymous.out.find("AccessDenied"), std::string::npos) << anonymous.out;
  EXPECT_EQ(anonymous.out.substr(anonymous.out.size() - 3), "403");

  CommandResult as_alice = c.Shale({"status"}, /*admin=*/false);
  EXPECT_EQ(as_alice.exit_code, 1);
  EXPECT_NE(as_alice.err.find("AccessDenied"), std::string::npos) << as_alice.err;

  // Unknown admin paths and wrong methods are refused; S3 still lists alice's bucket.
  ASSERT_OK_AND_ASSIGN(cli::S3Response unknown, admin->Call("GET", "/_shale/admin/v1/nope"));
  EXPECT_EQ(unknown.status, 400);
  ASSERT_OK_AND_ASSIGN(cli::S3Response wrong, admin->Call("POST", "/_shale/admin/v1/status"));
  EXPECT_EQ(wrong.status, 405);
  ASSERT_OK_AND_ASSIGN(cli::S3Response list, alice->Call("GET", "/"));
  EXPECT_NE(list.body.find("alice-bucket"), std::string::npos);

  // The cluster-wide gauges are on the gateway's /metrics.
  CommandResult scraped =
      RunCommand({"/usr/bin/curl", "-s", c.gateway().endpoint() + "/metrics"}, {}, dir.path());
  EXPECT_NE(scraped.out.find("shale_cluster_nodes_up 6"), std::string::npos) << scraped.out;
  EXPECT_NE(scraped.out.find("shale_cluster_verdict{verdict=\"healthy\"} 1"), std::string::npos);
}

TEST(OpsAdminTest, StatusFollowsNodesGoingDownAndComingBack) {
  OpsCluster c;
  ASSERT_OK(c.Start());
  CommandResult healthy = c.Shale({"status"});
  EXPECT_EQ(healthy.exit_code, 0) << healthy.out << healthy.err;
  EXPECT_NE(healthy.out.find("cluster: healthy"), std::string::npos) << healthy.out;
  EXPECT_NE(healthy.out.find("6/6 up"), std::string::npos) << healthy.out;

  c.nodes().StopNode(3);
  int code = 0;
  rapidjson::Document degraded = c.ShaleJson({"status"}, &code);
  EXPECT_EQ(code, 3);
  EXPECT_EQ(Str(degraded, "verdict"), "degraded");
  EXPECT_EQ(degraded["cluster"]["nodes_up"].GetUint64(), 5u);
  EXPECT_FALSE(degraded["nodes"][3]["up"].GetBool());
  EXPECT_TRUE(degraded["eta_healthy_seconds"].IsNull());  // Unknown while a node is down.

  c.nodes().StopNode(4);
  c.nodes().StopNode(5);
  rapidjson::Document unavailable = c.ShaleJson({"status"}, &code);
  EXPECT_EQ(code, 3);
  EXPECT_EQ(Str(unavailable, "verdict"), "unavailable");

  for (int i : {3, 4, 5}) ASSERT_OK(c.nodes().StartNode(i));
  CommandResult back = c.Shale({"status"});
  EXPECT_EQ(back.exit_code, 0) << back.out << back.err;
}

// The shard ids (hex) verify reports as not ok, with their node.
std::set<std::pair<std::string, std::string>> BadShards(const rapidjson::Document& report) {
  std::set<std::pair<std::string, std::string>> bad;
  for (const auto& s : report["shards"].GetArray()) {
    if (!s["ok"].GetBool()) bad.insert({Str(s, "node"), Str(s, "id")});
  }
  return bad;
}

TEST(OpsAdminTest, VerifyListsEveryShardAndFindsDamagedAndMissingOnes) {
  OpsCluster c;
  ASSERT_OK(c.Start());
  auto s3 = c.S3();
  ASSERT_OK(s3->EnsureBucket("photos"));
  const std::string big = ObjectBytes(1, 600 * 1024);  // 3 chunks of 256 KiB: 18 shards.
  const std::string small = ObjectBytes(2, 1000);      // Inline, replicated.
  ASSERT_OK_AND_ASSIGN(
      auto put,
      s3->PutObject("photos", "big", {reinterpret_cast<const uint8_t*>(big.data()), big.size()}));
  ASSERT_EQ(put.status, 200);
  ASSERT_OK_AND_ASSIGN(
      put, s3->PutObject("photos", "small",
                         {reinterpret_cast<const uint8_t*>(small.data()), small.size()}));
  ASSERT_EQ(put.status, 200);

  int code = -1;
  rapidjson::Document report = c.ShaleJson({"verify", "s3://photos/big", "--deep"}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(Str(report, "layout"), "erasure");
  ASSERT_EQ(report["shards"].Size(), 18u);
  std::set<std::string> nodes_with_shards;
  for (const auto& s : report["shards"].GetArray()) {
    EXPECT_TRUE(s["ok"].GetBool());
    EXPECT_TRUE(s["crc_ok"].GetBool());
    nodes_with_shards.insert(Str(s, "node"));
  }
  EXPECT_EQ(nodes_with_shards.size(), 6u);  // Each node holds one shard of every chunk.
  for (const auto& r : report["records"].GetArray()) EXPECT_TRUE(r["present"].GetBool());

  rapidjson::Document inline_report = c.ShaleJson({"verify", "s3://photos/small"}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(Str(inline_report, "layout"), "replicated");
  int replicas = 0;  // Records that must carry the bytes; each of them does.
  for (const auto& r : inline_report["records"].GetArray()) {
    if (!r.HasMember("has_data")) continue;
    ++replicas;
    EXPECT_TRUE(r["has_data"].GetBool());
  }
  EXPECT_GE(replicas, 2);

  // Damage one shard of "big" on node 2's disk (while it is stopped).
  std::set<std::string> ids;
  for (const auto& s : report["shards"].GetArray()) {
    if (Str(s, "node") == "n2") ids.insert(Str(s, "id"));
  }
  c.nodes().StopNode(2);
  ASSERT_OK_AND_ASSIGN(auto records, FindShardRecords(c.nodes().DataDir(2)));
  std::string flipped;
  for (const auto& rec : records) {
    if (ids.count(HexEncode(rec.id)) != 0) {
      ASSERT_OK(FlipShardPayloadByte(rec, rec.payload_length / 2));
      flipped = HexEncode(rec.id);
      break;
    }
  }
  ASSERT_FALSE(flipped.empty());
  ASSERT_OK(c.nodes().StartNode(2));
  rapidjson::Document damaged = c.ShaleJson({"verify", "s3://photos/big", "--deep"}, &code);
  EXPECT_EQ(code, 3);
  EXPECT_EQ(BadShards(damaged), (std::set<std::pair<std::string, std::string>>{{"n2", flipped}}));
  CommandResult text = c.Shale({"verify", "s3://photos/big", "--deep"});
  EXPECT_EQ(text.exit_code, 3);
  EXPECT_NE(text.out.find("NOT HEALTHY: 1 problem(s)"), std::string::npos) << text.out;

  // A shard deleted from node 4: missing, found without --deep — as is n2's damaged shard now:
  // the deep read made n2 mark it bad.
  std::string gone;
  for (const auto& s : report["shards"].GetArray()) {
    if (Str(s, "node") == "n4") gone = Str(s, "id");
  }
  ASSERT_OK_AND_ASSIGN(std::string raw, HexDecode(gone));
  ASSERT_OK(c.nodes().Client(4)->DeleteShard(raw));
  rapidjson::Document missing = c.ShaleJson({"verify", "s3://photos/big"}, &code);
  EXPECT_EQ(code, 3);
  EXPECT_EQ(BadShards(missing),
            (std::set<std::pair<std::string, std::string>>{{"n2", flipped}, {"n4", gone}}));

  // The object still reads back whole from the remaining shards.
  ASSERT_OK_AND_ASSIGN(auto got, s3->GetObject("photos", "big"));
  EXPECT_EQ(got.status, 200);
  EXPECT_TRUE(got.body == big);

  CommandResult absent = c.Shale({"verify", "s3://photos/none"});
  EXPECT_EQ(absent.exit_code, 1);
  EXPECT_NE(absent.err.find("NoSuchKey"), std::string::npos) << absent.err;
}

}  // namespace
}  // namespace shale::testing
