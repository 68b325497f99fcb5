// RepairCoordinator over real engines: the sweep converges a damaged set, the null-version rule,
// orphan shards and tombstones collected only after the grace and only with the whole set
// answering, the repair queue, coordinator choice, and a sweep resumed from its saved state.

#include "storage/repair_coordinator.h"

#include <gtest/gtest.h>

#include "tests/repair/repair_test_util.h"

namespace shale::storage::testing {
namespace {

using gateway::testing::RandomBody;
using gateway::testing::ReadAll;
using gateway::testing::StringSource;
using node_wire::WireKind;

constexpr uint64_t kGraceSeconds = 60;

class RepairCoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = cluster_.NewStore(2, &clock_);
    ASSERT_OK(MakeBucket(cluster_, "b"));
  }
  NodeClient& local(size_t i) { return cluster_.local(i); }

  std::unique_ptr<RepairCoordinator> Coordinator(uint32_t self = 0, uint32_t batch = 64) {
    RepairCoordinatorOptions o;
    o.set = set_;
    o.self = self;
    o.node_id = "n" + std::to_string(self);
    o.config.coordinator_check_seconds = 0;  // Re-check at every step.
    o.config.orphan_grace_seconds = kGraceSeconds;
    o.fs = fs::DefaultFileSystem();
    o.state_dir = state_.Sub("");
    o.clock = &clock_;
    o.sweep_batch = batch;
    return std::make_unique<RepairCoordinator>(std::move(o));
  }

  // Runs steps until one finds nothing to do (bounded).
  void RunToIdle(RepairCoordinator& c) {
    for (int i = 0; i < 10000; ++i) {
      Result<StepOutcome> r = c.Step();
      ASSERT_OK(r.status());
      if (!r->did_work) return;
    }
    FAIL() << "never idle";
  }

  void Sweep(RepairCoordinator& c) {
    ASSERT_OK(c.RequestSweep({}));
    RunToIdle(c);
    EXPECT_FALSE(c.sweep_state().running);
  }

  Result<ObjectInfo> Put(const std::string& key, const std::string& body) {
    return store_->Put(gateway::testing::Request("b", key, body.size()), StringSource(body));
  }

  // Puts a bare version record on every node (as a gateway would).
  void PutRecordEverywhere(const std::string& key, shale::VersionId v, bool null_version) {
    ObjectInfo info;
    info.null_version = null_version;
    info.etag = std::string(32, '0');
    info.layout = EncodeLayout(ObjectLayout{});
    const std::string payload = EncodeObjectRecord(info, v);
    for (size_t i = 0; i < cluster_.size(); ++i) {
      ASSERT_OK(cluster_.local(i).PutVersion("b", key, v.ToBinary(), payload, WireKind::kObject));
    }
  }

  size_t ShardsOn(size_t node) {
    auto page = local(node).ListShards("", 10000);
    EXPECT_OK(page.status());
    return page.ok() ? page->shards.size() : 0;
  }

  ManualClock clock_{1'800'000'000'000'000ull};
  InProcessCluster cluster_;
  shale::testing::TempDir state_;
  std::unique_ptr<gateway::ClusterStore> store_;
  RepairNodes nodes_{cluster_};
  RepairSet set_ = nodes_.set();
};

TEST_F(RepairCoordinatorTest, SweepRebuildsAWipedNodeBitExact) {
  std::vector<std::pair<std::string, std::string>> objects;
  for (int i = 0; i < 12; ++i) {
    objects.emplace_back("k" + std::to_string(i), RandomBody(i % 3 == 0 ? 100 : 90000, i));
    ASSERT_OK(Put(objects.back().first, objects.back().second).status());
  }
  const size_t shards_before = ShardsOn(4);
  ASSERT_GT(shards_before, 0u);
  // Node 4 loses everything it held.
  auto page = local(4).ScanVersions({});
  ASSERT_OK(page.status());
  for (const auto& e : page->entries) {
    ASSERT_OK(cluster_.local(4).DeleteVersion(e.bucket, e.version.key, e.version.version));
  }
  auto shards = local(4).ListShards("", 10000);
  ASSERT_OK(shards.status());
  for (const auto& s : shards->shards) ASSERT_OK(cluster_.local(4).DeleteShard(s.id));

  auto c = Coordinator();
  Sweep(*c);
  EXPECT_EQ(c->stats().records_copied(), objects.size());
  EXPECT_EQ(c->stats().shards_repaired(), shards_before);
  EXPECT_EQ(ShardsOn(4), shards_before);
  // Reads succeed with two other nodes down: node 4's copies are whole again.
  cluster_.node(0).set_down(true);
  cluster_.node(1).set_down(true);
  for (const auto& [key, body] : objects) {
    EXPECT_TRUE(ReadAll(cluster_.store(), "b", key).value_or("") == body) << key;
  }
  const std::string json = c->StatusJson();
  EXPECT_NE(json.find("\"coordinator\":true"), std::string::npos) << json;
  EXPECT_NE(json.find("\"scanned\":12"), std::string::npos) << json;
}

TEST_F(RepairCoordinatorTest, OlderNullVersionIsPurgedNewestKept) {
  const shale::VersionId old_v{1'700'000'000'000'000ull, 0, 1},
      new_v{1'700'000'000'000'001ull, 0, 1};
  PutRecordEverywhere("k", old_v, /*null_version=*/true);
  PutRecordEverywhere("k", new_v, /*null_version=*/true);
  PutRecordEverywhere("v", old_v, /*null_version=*/false);  // A real version: kept.
  PutRecordEverywhere("v", new_v, /*null_version=*/true);
  auto c = Coordinator();
  Sweep(*c);
  for (size_t i = 0; i < cluster_.size(); ++i) {
    EXPECT_EQ(cluster_.local(i).GetVersion("b", "k", old_v.ToBinary())->kind, WireKind::kPurged);
    EXPECT_EQ(cluster_.local(i).GetVersion("b", "k", new_v.ToBinary())->kind, WireKind::kObject);
    EXPECT_EQ(cluster_.local(i).GetVersion("b", "v", old_v.ToBinary())->kind, WireKind::kObject);
  }
}

TEST_F(RepairCoordinatorTest, OrphanShardsOfAFailedUploadGoAfterTheGraceOnly) {
  const std::string live_body = RandomBody(90000, 1);
  ASSERT_OK(Put("live", live_body).status());
  const size_t live_shards = ShardsOn(0);
  auto failed = gateway::testing::Request("b", "failed", 90000);
  failed.before_commit = [](const auto&) { return Status::FailedPrecondition("client gave up"); };
  const std::string body = RandomBody(90000, 2);
  EXPECT_FALSE(store_->Put(failed, StringSource(body)).ok());
  ASSERT_GT(ShardsOn(0), live_shards);

  auto c = Coordinator();
  Sweep(*c);
  EXPECT_EQ(c->stats().orphan_shards_deleted(), 0u);  // Within the grace.
  clock_.Advance((kGraceSeconds + 1) * 1'000'000);
  Sweep(*c);
  EXPECT_GT(c->stats().orphan_shards_deleted(), 0u);
  for (size_t i = 0; i < cluster_.size(); ++i) EXPECT_EQ(ShardsOn(i), live_shards) << i;
  EXPECT_TRUE(ReadAll(cluster_.store(), "b", "live").value_or("") == live_body);
}

TEST_F(RepairCoordinatorTest, NoOrphanCollectionWhileANodeIsDown) {
  auto failed = gateway::testing::Request("b", "failed", 90000);
  failed.before_commit = [](const auto&) { return Status::FailedPrecondition("no"); };
  const std::string body = RandomBody(90000, 3);
  EXPECT_FALSE(store_->Put(failed, StringSource(body)).ok());
  clock_.Advance((kGraceSeconds + 1) * 1'000'000);
  nodes_.node(5).set_down(true);
  auto c = Coordinator();
  Sweep(*c);
  EXPECT_EQ(c->stats().orphan_shards_deleted(), 0u);
  EXPECT_GT(ShardsOn(0), 0u);
}

TEST_F(RepairCoordinatorTest, TombstonesDropOnlyWhenTheWholeSetHoldsThemPastTheGrace) {
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, Put("k", RandomBody(90000, 4)));
  const NodeVersionId v = info.version.ToBinary();
  const uint64_t now_ms = clock_.NowMicros() / 1000;
  for (size_t i = 0; i < 5; ++i) {  // Node 5 missed the versioned delete.
    ASSERT_OK(
        cluster_.local(i).PutVersion("b", "k", v, EncodePurgePayload(now_ms), WireKind::kPurged));
  }
  auto c = Coordinator();
  nodes_.node(5).set_down(true);
  Sweep(*c);
  nodes_.node(5).set_down(false);
  EXPECT_EQ(cluster_.local(5).GetVersion("b", "k", v)->kind, WireKind::kObject);
  clock_.Advance((kGraceSeconds + 1) * 1'000'000);
  Sweep(*c);  // Node 5 gets the tombstone; not dropped in the same pass.
  EXPECT_EQ(c->stats().tombstones_dropped(), 0u);
  EXPECT_EQ(cluster_.local(5).GetVersion("b", "k", v)->kind, WireKind::kPurged);
  Sweep(*c);
  EXPECT_EQ(c->stats().tombstones_dropped(), 1u);
  for (size_t i = 0; i < cluster_.size(); ++i) {
    EXPECT_FALSE(cluster_.local(i).GetVersion("b", "k", v).ok()) << i;
  }
  Sweep(*c);  // Its shards were orphans once the tombstone went.
  EXPECT_EQ(ShardsOn(0), 0u);
}

TEST_F(RepairCoordinatorTest, PartRecordsKeepTheirShardsLive) {
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, Put("k", RandomBody(90000, 6)));
  const NodeVersionId v = info.version.ToBinary();
  const shale::VersionId part_version{clock_.NowMicros(), 7, 2};
  const std::string part_key = PartKey(shale::VersionId{clock_.NowMicros(), 8, 2}, 1);
  const uint64_t now_ms = clock_.NowMicros() / 1000;
  for (size_t i = 0; i < cluster_.size(); ++i) {
    // The same extent now referenced by an open upload's part record only.
    ASSERT_OK_AND_ASSIGN(auto record, local(i).GetVersion("b", "k", v));
    ASSERT_OK(local(i).PutVersion(PartsBucket("b"), part_key, part_version.ToBinary(),
                                  record.payload, WireKind::kObject));
    ASSERT_OK(local(i).PutVersion("b", "k", v, EncodePurgePayload(now_ms), WireKind::kPurged));
  }
  const size_t shards = ShardsOn(0);
  ASSERT_GT(shards, 0u);
  clock_.Advance((kGraceSeconds + 1) * 1'000'000);
  auto c = Coordinator();
  Sweep(*c);
  EXPECT_EQ(ShardsOn(0), shards);  // Live through the part record.
  for (size_t i = 0; i < cluster_.size(); ++i) {
    ASSERT_OK(local(i).PutVersion(PartsBucket("b"), part_key, part_version.ToBinary(),
                                  EncodePurgePayload(now_ms), WireKind::kPurged));
  }
  Sweep(*c);  // The aborted upload's part is garbage now.
  EXPECT_EQ(ShardsOn(0), 0u);
  EXPECT_GT(c->stats().orphan_shards_deleted(), 0u);
}

TEST_F(RepairCoordinatorTest, QueuedHintIsRepairedAndRemoved) {
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, Put("k", RandomBody(90000, 5)));
  const NodeVersionId v = info.version.ToBinary();
  auto c = Coordinator();
  Sweep(*c);  // Nothing to do; the period sweep will not run again.
  ASSERT_OK(cluster_.local(2).DeleteVersion("b", "k", v));
  ASSERT_OK(cluster_.local(0).EnqueueRepair({"b", "k", v, "test"}));
  RunToIdle(*c);
  EXPECT_OK(cluster_.local(2).GetVersion("b", "k", v).status());
  EXPECT_TRUE(cluster_.local(0).PeekRepairs(10)->empty());
}

TEST_F(RepairCoordinatorTest, OnlyTheFirstAnsweringNodeWorks) {
  auto second = Coordinator(/*self=*/1);
  ASSERT_OK(second->RequestSweep({}));
  RunToIdle(*second);
  EXPECT_FALSE(second->coordinator());
  EXPECT_EQ(second->sweep_state().last_completed_ms, 0u);
  nodes_.node(0).set_down(true);
  RunToIdle(*second);
  EXPECT_TRUE(second->coordinator());
  EXPECT_NE(second->sweep_state().last_completed_ms, 0u);
}

TEST_F(RepairCoordinatorTest, SweepResumesFromItsSavedPosition) {
  for (int i = 0; i < 10; ++i) ASSERT_OK(Put("k" + std::to_string(i), "x").status());
  uint64_t started = 0;
  {
    auto first = Coordinator(0, /*batch=*/3);
    ASSERT_OK(first->RequestSweep({}));
    ASSERT_OK(first->Step().status());
    ASSERT_OK(first->Step().status());
    ASSERT_TRUE(first->sweep_state().running);
    EXPECT_EQ(first->sweep_state().scanned, 6u);
    started = first->sweep_state().started_ms;
  }  // "Killed": only the state file survives.
  clock_.Advance(1000);
  auto second = Coordinator(0, 3);
  ASSERT_OK(second->Step().status());
  EXPECT_EQ(second->sweep_state().started_ms, started);
  EXPECT_EQ(second->sweep_state().scanned, 9u);
  RunToIdle(*second);
  EXPECT_EQ(second->sweep_state().scanned, 10u);
  EXPECT_FALSE(second->sweep_state().running);
}

TEST_F(RepairCoordinatorTest, ScopedSweepCoversOnlyItsPrefix) {
  ASSERT_OK_AND_ASSIGN(ObjectInfo a, Put("logs/a", RandomBody(100, 1)));
  ASSERT_OK_AND_ASSIGN(ObjectInfo z, Put("zeta", RandomBody(100, 2)));
  auto c = Coordinator();
  Sweep(*c);
  ASSERT_OK(cluster_.local(3).DeleteVersion("b", "logs/a", a.version.ToBinary()));
  ASSERT_OK(cluster_.local(3).DeleteVersion("b", "zeta", z.version.ToBinary()));
  ASSERT_OK(c->RequestSweep({"b", "logs/"}));
  RunToIdle(*c);
  EXPECT_OK(cluster_.local(3).GetVersion("b", "logs/a", a.version.ToBinary()).status());
  EXPECT_FALSE(cluster_.local(3).GetVersion("b", "zeta", z.version.ToBinary()).ok());
  EXPECT_EQ(c->sweep_state().scanned, 1u);
}

}  // namespace
}  // namespace shale::storage::testing
