// NodeService's repair and scrub routes over a real engine, without sockets: request
// validation, the repair hooks (status member, sweeps), scrub status and metrics. The wire
// answers themselves are covered for both clients by tests/node/node_client_conformance_test.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "common/node_wire.h"
#include "storage/local_node_client.h"
#include "storage/node_service.h"
#include "tests/storage/engine_test_util.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale::storage {
namespace {

using ::shale::testing::StatusIs;
using ::testing::HasSubstr;

class NodeServiceRepairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = Engine::Open(testing::TestOptions(dir_.path()));
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    service_ = std::make_unique<NodeService>(engine_.get(), &metrics_,
                                             NodeServiceOptions{"node-1", "test-cluster"});
  }

  NodeResponse Call(std::string_view method, std::string_view target, std::string_view body = {}) {
    return service_->Handle({method, target, {}, {}, body});
  }

  // Hooks that record the sweeps they are asked for.
  RepairHooks RecordingHooks() {
    RepairHooks hooks;
    hooks.status_json = [] { return std::string(R"({"coordinator":true,"queue":3})"); };
    hooks.start_sweep = [this](const node_wire::RepairSweep& sweep) {
      std::lock_guard<std::mutex> lock(mu_);
      sweeps_.push_back(sweep);
      return Status::OK();
    };
    return hooks;
  }

  shale::testing::TempDir dir_;
  MetricsRegistry metrics_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<NodeService> service_;
  std::mutex mu_;
  std::vector<node_wire::RepairSweep> sweeps_;
};

TEST_F(NodeServiceRepairTest, RejectsMalformedRequests) {
  struct Case {
    const char* method;
    std::string target;
    std::string body;
    int status;
  } cases[] = {
      {"GET", "/v1/scan?limit=0", "", 400},
      {"GET", "/v1/scan?limit=10001", "", 400},
      {"GET", "/v1/scan?max_bytes=x", "", 400},
      {"GET", "/v1/scan?after_bucket=b&after_key=k", "", 400},  // Incomplete position.
      {"GET", "/v1/scan?after_bucket=b&after_key=k&after_version=zz", "", 400},
      {"GET", "/v1/scan?after_bucket=&after_key=k&after_version=" + std::string(32, '0'), "", 400},
      {"GET", "/v1/shards?after=xyz", "", 400},
      {"GET", "/v1/shards?after=" + std::string(512, 'a'), "", 400},
      {"GET", "/v1/shards?limit=-1", "", 400},
      {"GET", "/v1/repair?limit=0", "", 400},
      {"POST", "/v1/repair/remove", "\x01", 400},
      {"POST", "/v1/repair/remove", node_wire::EncodeRepairSeqs({1, 2}) + "x", 400},
      {"POST", "/v1/repair/sweep?prefix=p", "", 400},
      {"GET", "/v1/scrub", "", 501},
      {"DELETE", "/v1/repair", "", 501},
      {"GET", "/v1/repair/sweep", "", 501},
      {"GET", "/v1/repair/nope", "", 404},
  };
  for (const auto& c : cases) {
    NodeResponse r = Call(c.method, c.target, c.body);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.target << ": " << r.body;
  }
  // A valid scan and shard list of an empty node: empty pages.
  NodeResponse scan =
      Call("GET", "/v1/scan?after_bucket=b&after_key=k&after_version=" + std::string(32, 'f'));
  EXPECT_EQ(scan.status, 200) << scan.body;
  EXPECT_EQ(scan.route, "scan");
  ASSERT_OK_AND_ASSIGN(auto page, node_wire::DecodeScanPage(scan.body));
  EXPECT_TRUE(page.entries.empty());
  NodeResponse shards = Call("GET", "/v1/shards");
  EXPECT_EQ(shards.status, 200);
  EXPECT_EQ(shards.route, "shard_list");
}

TEST_F(NodeServiceRepairTest, HooksFeedStatusAndSweeps) {
  NodeResponse r = Call("POST", "/v1/repair/sweep");
  EXPECT_EQ(r.status, 503);
  EXPECT_THAT(r.body, HasSubstr("no repair service"));
  EXPECT_THAT(Call("GET", "/v1/status").body, ::testing::Not(HasSubstr("\"repair\"")));

  service_->SetRepairHooks(RecordingHooks());
  EXPECT_EQ(Call("POST", "/v1/repair/sweep").status, 200);
  EXPECT_EQ(Call("POST", "/v1/repair/sweep?bucket=b%20x&prefix=p%2F").status, 200);
  std::string status = Call("GET", "/v1/status").body;
  EXPECT_THAT(status, HasSubstr(R"("repair":{"coordinator":true,"queue":3})"));

  LocalNodeClient local(engine_.get(), LocalNodeClientOptions{"node-1", "test-cluster", nullptr});
  EXPECT_THAT(local.StartRepair({}), StatusIs(StatusCode::kUnavailable));
  local.SetRepairHooks(RecordingHooks());
  ASSERT_OK(local.StartRepair({"bkt", ""}));
  ASSERT_OK_AND_ASSIGN(std::string local_status, local.StatusJson());
  EXPECT_THAT(local_status, HasSubstr(R"("repair":{"coordinator":true,"queue":3})"));

  std::lock_guard<std::mutex> lock(mu_);
  ASSERT_EQ(sweeps_.size(), 3u);
  EXPECT_EQ(sweeps_[0], (node_wire::RepairSweep{"", ""}));
  EXPECT_EQ(sweeps_[1], (node_wire::RepairSweep{"b x", "p/"}));
  EXPECT_EQ(sweeps_[2], (node_wire::RepairSweep{"bkt", ""}));
}

TEST_F(NodeServiceRepairTest, ScrubStatusAndMetrics) {
  ASSERT_OK(engine_->PutShard("s1", std::string(1000, 'x')));
  EXPECT_EQ(Call("POST", "/v1/scrub").status, 200);
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK_AND_ASSIGN(StepOutcome step, engine_->ScrubOnce());
    if (!step.did_work) break;
  }
  std::string status = Call("GET", "/v1/status").body;
  for (const char* field :
       {"\"scrub\":{\"running\":false,", "\"pass_started_ms\":", "\"last_pass_completed_ms\":",
        "\"pass_bytes_done\":", "\"pass_bytes_total\":", "\"progress\":1.0,",
        "\"bytes_scrubbed_total\":", "\"corruptions_found_total\":0,",
        "\"rate_bytes_per_sec\":50000000,", "\"eta_seconds\":0,", "\"period_seconds\":604800}"}) {
    EXPECT_THAT(status, HasSubstr(field));
  }
  std::string metrics = Call("GET", "/metrics").body;
  EXPECT_THAT(metrics, HasSubstr("shale_node_scrub_bytes_total "));
  EXPECT_THAT(metrics, HasSubstr("shale_node_scrub_corruptions_total 0"));
  EXPECT_THAT(metrics, HasSubstr("shale_node_scrub_progress 1"));
}

}  // namespace
}  // namespace shale::storage
