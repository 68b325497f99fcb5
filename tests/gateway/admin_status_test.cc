// Summarize and RenderClusterStatus over node answers: the verdict table, the sums, the ETA, and
// tolerance of node JSON that is missing, malformed or mistyped.

#include "gateway/admin_status.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace shale::gateway {
namespace {

// A node's /v1/status with the given scrub/repair members (raw JSON; empty: absent).
std::string NodeJson(uint64_t queue, const std::string& scrub = "", const std::string& repair = "",
                     bool read_only = false) {
  std::string s = "{\"node_id\":\"x\",\"read_only\":" + std::string(read_only ? "true" : "false") +
                  ",\"repair_queue_depth\":" + std::to_string(queue) +
                  ",\"space\":{\"live_bytes\":10,\"disk_capacity_bytes\":1000,"
                  "\"disk_available_bytes\":600}";
  if (!scrub.empty()) s += ",\"scrub\":" + scrub;
  if (!repair.empty()) s += ",\"repair\":" + repair;
  return s + "}";
}

std::vector<NodeReport> Healthy(int n) {
  std::vector<NodeReport> r;
  for (int i = 0; i < n; ++i) r.push_back({"n" + std::to_string(i), "a", true, "", NodeJson(0)});
  return r;
}

TEST(AdminStatusTest, AllUpAndIdleIsHealthyWithSums) {
  auto reports = Healthy(6);
  ClusterSummary s = Summarize(reports, 6, 4);
  EXPECT_EQ(s.verdict, ClusterVerdict::kHealthy);
  EXPECT_EQ(s.nodes_up, 6u);
  EXPECT_EQ(s.capacity_bytes, 6000u);
  EXPECT_EQ(s.available_bytes, 3600u);
  EXPECT_EQ(s.live_bytes, 60u);
  ASSERT_TRUE(s.eta_healthy_seconds.has_value());
  EXPECT_EQ(*s.eta_healthy_seconds, 0);
  EXPECT_TRUE(s.reasons.empty());
}

TEST(AdminStatusTest, VerdictTable) {
  struct Case {
    const char* name;
    std::vector<int> down;  // Node indexes.
    uint64_t queue_on_0 = 0;
    bool read_only_1 = false;
    ClusterVerdict want;
  };
  const Case cases[] = {
      {"one down", {2}, 0, false, ClusterVerdict::kDegraded},
      {"m down", {1, 5}, 0, false, ClusterVerdict::kDegraded},
      {"m+1 down", {0, 1, 5}, 0, false, ClusterVerdict::kUnavailable},
      {"queued repair", {}, 7, false, ClusterVerdict::kDegraded},
      {"read-only", {}, 0, true, ClusterVerdict::kDegraded},
      {"second set short", {6, 7, 8}, 0, false, ClusterVerdict::kUnavailable},
  };
  for (const Case& c : cases) {
    auto reports = Healthy(12);
    for (int i : c.down) {
      reports[i].up = false;
      reports[i].status_json.clear();
      reports[i].error = "Unavailable: refused";
    }
    reports[0].status_json = NodeJson(c.queue_on_0);
    reports[1].status_json = NodeJson(0, "", "", c.read_only_1);
    ClusterSummary s = Summarize(reports, 6, 4);
    EXPECT_EQ(s.verdict, c.want) << c.name;
    EXPECT_FALSE(s.reasons.empty()) << c.name;
    EXPECT_EQ(s.nodes_up, 12u - c.down.size()) << c.name;
  }
}

TEST(AdminStatusTest, ScrubAndRepairMembersAreSummedAndGiveTheEta) {
  auto reports = Healthy(6);
  reports[0].status_json =
      NodeJson(3, R"({"running":true,"progress":0.5,"eta_seconds":40,"bytes_scrubbed_total":100,
             "corruptions_found_total":2})",
               R"({"coordinator":true,"set":0,"queue_depth":3,"degraded_objects":5,
          "shards_repaired_total":7,"shard_bytes_repaired_total":700,"records_copied_total":1,
          "orphan_bytes_deleted_total":9,"errors_total":1,
          "sweep":{"running":true,"progress":0.25,"eta_seconds":120}})");
  reports[1].status_json =
      NodeJson(0, R"({"running":false,"bytes_scrubbed_total":50,"corruptions_found_total":1})",
               R"({"coordinator":false,"shards_repaired_total":2,"sweep":{"running":false}})");
  ClusterSummary s = Summarize(reports, 6, 4);
  EXPECT_EQ(s.verdict, ClusterVerdict::kDegraded);
  EXPECT_EQ(s.bytes_scrubbed_total, 150u);
  EXPECT_EQ(s.corruptions_found_total, 3u);
  EXPECT_EQ(s.nodes_scrubbing, 1u);
  EXPECT_EQ(s.scrub_eta_seconds, 40);
  EXPECT_EQ(s.queue_depth, 3u);
  EXPECT_EQ(s.degraded_objects, 5u);
  EXPECT_EQ(s.shards_repaired_total, 9u);
  EXPECT_EQ(s.shard_bytes_repaired_total, 700u);
  EXPECT_EQ(s.orphan_bytes_deleted_total, 9u);
  EXPECT_EQ(s.repair_errors_total, 1u);
  EXPECT_EQ(s.sweeps_running, 1u);
  EXPECT_EQ(s.eta_healthy_seconds, 120);  // All up: only repair's sweep is left.
  reports[3].up = false;
  EXPECT_FALSE(Summarize(reports, 6, 4).eta_healthy_seconds.has_value());  // Unknown.
}

TEST(AdminStatusTest, MalformedNodeAnswersCountAsAbsent) {
  auto reports = Healthy(6);
  reports[0].status_json = "not json";
  reports[1].status_json = "[1,2]";
  reports[2].status_json = R"({"repair_queue_depth":"many","space":7,"scrub":[],"repair":{"sweep":5,
                               "degraded_objects":-4}})";
  reports[3].status_json = R"({"repair_queue_depth":1e300})";
  ClusterSummary s = Summarize(reports, 6, 4);
  EXPECT_EQ(s.nodes_up, 6u);
  EXPECT_EQ(s.queue_depth, 0u);
  EXPECT_EQ(s.degraded_objects, 0u);
  EXPECT_EQ(s.verdict, ClusterVerdict::kHealthy);
  std::string json = RenderClusterStatus(reports, s, 6, 1);
  rapidjson::Document doc;
  ASSERT_FALSE(doc.Parse(json.c_str()).HasParseError()) << json;
  EXPECT_TRUE(doc["nodes"][2]["scrub"].IsNull());
}

TEST(AdminStatusTest, RenderPassesNodeMembersThroughAndNamesTheVerdict) {
  auto reports = Healthy(6);
  reports[4].status_json = NodeJson(0, R"({"running":false,"period_seconds":604800})");
  reports[5].up = false;
  reports[5].status_json.clear();
  reports[5].error = "Unavailable: refused";
  ClusterSummary s = Summarize(reports, 6, 4);
  std::string json = RenderClusterStatus(reports, s, 3, 42);
  rapidjson::Document doc;
  ASSERT_FALSE(doc.Parse(json.c_str()).HasParseError()) << json;
  EXPECT_STREQ(doc["verdict"].GetString(), "degraded");
  EXPECT_FALSE(doc["healthy"].GetBool());
  EXPECT_TRUE(doc["eta_healthy_seconds"].IsNull());
  EXPECT_EQ(doc["generated_ms"].GetInt64(), 42);
  EXPECT_EQ(doc["cluster"]["nodes_up"].GetUint64(), 5u);
  EXPECT_EQ(doc["nodes"][4]["scrub"]["period_seconds"].GetUint64(), 604800u);
  EXPECT_EQ(doc["nodes"][4]["set"].GetUint64(), 1u);  // set_size 3 here.
  EXPECT_FALSE(doc["nodes"][5]["up"].GetBool());
  EXPECT_STREQ(doc["nodes"][5]["error"].GetString(), "Unavailable: refused");
  EXPECT_EQ(VerdictName(ClusterVerdict::kUnavailable), "unavailable");
}

}  // namespace
}  // namespace shale::gateway
