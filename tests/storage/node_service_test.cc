// NodeService's handlers over a real engine, without sockets.

#include "storage/node_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/crc.h"
#include "common/node_wire.h"
#include "tests/storage/engine_test_util.h"
#include "tests/support/fault_injection_fs.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale::storage {
namespace {

using ::testing::HasSubstr;

std::string CrcHex(std::string_view data) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", Crc32c(data));
  return buf;
}

class NodeServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = Engine::Open(testing::TestOptions(dir_.path(), &faulty_));
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    service_ = std::make_unique<NodeService>(engine_.get(), &metrics_,
                                             NodeServiceOptions{"node-1", "test-cluster"});
  }

  NodeResponse Call(std::string_view method, std::string_view target, std::string_view body = {},
                    std::string_view crc = {}, std::string_view kind = {}) {
    return service_->Handle({method, target, crc, kind, body});
  }

  shale::testing::TempDir dir_;
  shale::testing::FaultInjectionFileSystem faulty_{fs::DefaultFileSystem()};
  MetricsRegistry metrics_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<NodeService> service_;
};

TEST_F(NodeServiceTest, ShardPutChecksCrcAndStoresNothingOnMismatch) {
  NodeResponse r = Call("PUT", "/v1/shards/6869", "data", CrcHex("datA"));
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("\"code\":\"InvalidArgument\""));
  EXPECT_THAT(engine_->StatShard("hi"), shale::testing::StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(Call("PUT", "/v1/shards/6869", "data", "").status, 400);
  EXPECT_EQ(Call("PUT", "/v1/shards/6869", "data", "xyz").status, 400);

  r = Call("PUT", "/v1/shards/6869", "data", CrcHex("data"));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.route, "shard_put");
  r = Call("GET", "/v1/shards/6869?offset=1&length=2");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "at");
  EXPECT_EQ(Call("GET", "/v1/shards/6869?offset=-1").status, 400);
  EXPECT_EQ(Call("GET", "/v1/shards/6869?length=1x").status, 400);
}

TEST_F(NodeServiceTest, ErrorsMapToStatusAndJson) {
  NodeResponse r = Call("GET", "/v1/shards/00");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_THAT(node_wire::DecodeError(r.status, r.body),
              shale::testing::StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(Call("GET", "/v1/shards/zz").status, 400);          // Not hex.
  EXPECT_EQ(Call("GET", "/v1/shards/").status, 400);            // Empty id.
  EXPECT_EQ(Call("GET", "/nope").status, 404);                  // No route.
  EXPECT_EQ(Call("PATCH", "/v1/shards/00").status, 501);        // No such method.
  EXPECT_EQ(Call("PUT", "/v1/versions/b/k", "p").status, 400);  // version= required.
  EXPECT_EQ(Call("PUT", "/v1/versions/b/k?version=12", "p").status, 400);
  EXPECT_EQ(Call("GET", "/v1/versions/b").status, 400);      // No key.
  EXPECT_EQ(Call("GET", "/v1/versions/b/%zz").status, 400);  // Bad escape.
  EXPECT_EQ(Call("GET", "/v1/list/b?limit=0").status, 400);
  EXPECT_EQ(Call("GET", "/v1/list/b?limit=10001").status, 400);
  EXPECT_EQ(Call("GET", "/v1/list/b?latest_only=maybe").status, 400);
  EXPECT_EQ(Call("GET", "/v1/list/b?max_bytes=-1").status, 400);
  EXPECT_EQ(Call("POST", "/v1/shards/check", std::string(1, '\0')).status, 400);
}

TEST_F(NodeServiceTest, RepairHintRoute) {
  node_wire::RepairHint hint{"bkt", "a/b", {}, "shard 1 missed"};
  hint.version[15] = 3;
  NodeResponse r = Call("POST", "/v1/repair", node_wire::EncodeRepairHint(hint));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.route, "repair_hint");
  ASSERT_OK_AND_ASSIGN(auto items, engine_->PeekRepairs(10));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].kind, RecordKind::kObjectHint);
  EXPECT_EQ(items[0].reason, "shard 1 missed");
  EXPECT_EQ(Call("POST", "/v1/repair", "garbage").status, 400);
  EXPECT_EQ(Call("PUT", "/v1/repair").status, 501);
  NodeResponse peek = Call("GET", "/v1/repair?limit=5");  // The queue, for the repair service.
  EXPECT_EQ(peek.status, 200);
  EXPECT_EQ(peek.route, "repair_peek");
  ASSERT_OK_AND_ASSIGN(auto wire, node_wire::DecodeRepairItems(peek.body));
  ASSERT_EQ(wire.size(), 1u);
  EXPECT_EQ(wire[0].key, "a/b");
  ASSERT_OK_AND_ASSIGN(items, engine_->PeekRepairs(10));
  EXPECT_EQ(items.size(), 1u);
}

TEST_F(NodeServiceTest, VersionKindsAndHeaders) {
  const std::string v1 = "01000000000000000000000000000001";
  EXPECT_EQ(Call("PUT", "/v1/versions/b/a%2Fb?version=" + v1, "", {}, "bogus").status, 400);
  ASSERT_EQ(Call("PUT", "/v1/versions/b/a%2Fb?version=" + v1, "", {}, "delete-marker").status, 200);
  NodeResponse r = Call("GET", "/v1/versions/b/a%2Fb");
  ASSERT_EQ(r.status, 200) << r.body;
  std::map<std::string, std::string> headers(r.headers.begin(), r.headers.end());
  EXPECT_EQ(headers["x-shale-kind"], "delete-marker");
  EXPECT_EQ(headers["x-shale-version"], v1);
  ASSERT_OK_AND_ASSIGN(auto stored, engine_->GetLatestVersion("b", "a/b"));
  EXPECT_EQ(stored.kind, VersionKind::kDeleteMarker);
}

TEST_F(NodeServiceTest, HealthStatusMetrics) {
  NodeResponse r = Call("GET", "/health");
  EXPECT_EQ(r.status, 200);
  r = Call("GET", "/v1/status");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("\"node_id\":\"node-1\""));
  EXPECT_THAT(r.body, HasSubstr("\"cluster_id\":\"test-cluster\""));
  r = Call("GET", "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("shale_node_segments "));
  EXPECT_THAT(r.body, HasSubstr("shale_node_read_only 0"));
}

TEST_F(NodeServiceTest, ReadOnlyEngineFailsHealthAndWrites) {
  ASSERT_EQ(Call("PUT", "/v1/shards/61", "x", CrcHex("x")).status, 200);
  // A failed fdatasync with no new segment possible turns the engine read-only.
  faulty_.AddFault(shale::testing::FailNth(shale::testing::FaultOp::kSync, 1));
  faulty_.AddFault(shale::testing::FailAlways(shale::testing::FaultOp::kNewAppendableFile));
  EXPECT_EQ(Call("PUT", "/v1/shards/62", "y", CrcHex("y")).status, 500);  // The IOError.
  NodeResponse r = Call("GET", "/health");
  EXPECT_EQ(r.status, 503);
  EXPECT_THAT(r.body, HasSubstr("read-only: "));
  r = Call("PUT", "/v1/shards/63", "z", CrcHex("z"));
  EXPECT_EQ(r.status, 503);
  EXPECT_THAT(r.body, HasSubstr("\"code\":\"ReadOnly\""));
  r = Call("GET", "/v1/shards/61");  // Reads still work.
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "x");
  EXPECT_THAT(Call("GET", "/metrics").body, HasSubstr("shale_node_read_only 1"));
  faulty_.ClearFaults();
}

}  // namespace
}  // namespace shale::storage
