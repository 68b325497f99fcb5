#include "storage/engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "common/fs/posix_file_system.h"
#include "storage/segment_format.h"
#include "tests/storage/engine_test_util.h"
#include "tests/support/fault_injection_fs.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale::storage {
namespace {

using ::shale::testing::StatusIs;
using ::shale::testing::TempDir;
using ::testing::HasSubstr;
using namespace ::shale::storage::testing;

class EngineTest : public ::testing::Test {
 protected:
  std::unique_ptr<Engine> OpenEngine(EngineOptions o) {
    auto e = Engine::Open(o);
    EXPECT_OK(e);
    return e.ok() ? std::move(e).value() : nullptr;
  }
  std::unique_ptr<Engine> OpenEngine() { return OpenEngine(TestOptions(dir_.path())); }

  TempDir dir_;
};

TEST_F(EngineTest, ShardRoundTripRangesOverwriteAndDelete) {
  auto engine = OpenEngine();
  ASSERT_TRUE(engine);
  std::string data = ShardBytes("s1", 1, 100000);
  ASSERT_OK(engine->PutShard("s1", data));
  ASSERT_OK_AND_ASSIGN(std::string got, engine->GetShard("s1"));
  EXPECT_EQ(got, data);
  ASSERT_OK_AND_ASSIGN(got, engine->GetShard("s1", 10, 20));
  EXPECT_EQ(got, data.substr(10, 20));
  ASSERT_OK_AND_ASSIGN(got, engine->GetShard("s1", 99990, 1000));  // Clamped at the end.
  EXPECT_EQ(got, data.substr(99990));
  ASSERT_OK_AND_ASSIGN(got, engine->GetShard("s1", 200000, 10));  // Past the end: empty.
  EXPECT_EQ(got, "");
  ASSERT_OK_AND_ASSIGN(ShardInfo info, engine->StatShard("s1"));
  EXPECT_EQ(info.length, data.size());
  EXPECT_FALSE(info.bad);

  std::string data2 = ShardBytes("s1", 2, 5);
  ASSERT_OK(engine->PutShard("s1", data2));
  ASSERT_OK_AND_ASSIGN(got, engine->GetShard("s1"));
  EXPECT_EQ(got, data2);
  ASSERT_OK_AND_ASSIGN(ShardInfo info2, engine->StatShard("s1"));
  EXPECT_GT(info2.sequence, info.sequence);

  ASSERT_OK(engine->PutShard("empty", ""));
  ASSERT_OK_AND_ASSIGN(got, engine->GetShard("empty"));
  EXPECT_EQ(got, "");

  ASSERT_OK(engine->DeleteShard("s1"));
  EXPECT_THAT(engine->GetShard("s1"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(engine->DeleteShard("s1"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(engine->DeleteShard("never"), StatusIs(StatusCode::kNotFound));
}

TEST_F(EngineTest, RejectsInvalidIds) {
  auto engine = OpenEngine();
  ASSERT_TRUE(engine);
  EXPECT_THAT(engine->PutShard("", "x"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(engine->PutShard(std::string(256, 'a'), "x"), StatusIs(StatusCode::kInvalidArgument));
  ASSERT_OK(engine->PutShard(std::string(255, 'a'), "x"));
  EXPECT_THAT(engine->PutVersion("", "k", MakeVersion(1), "p"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(engine->PutVersion("b", std::string(1025, 'k'), MakeVersion(1), "p"),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(EngineTest, VersionsListNewestFirstAndRetriesAreIdempotent) {
  auto engine = OpenEngine();
  ASSERT_TRUE(engine);
  ASSERT_OK(engine->PutVersion("b", "a/1", MakeVersion(1), "v1"));
  ASSERT_OK(engine->PutVersion("b", "a/1", MakeVersion(3), "v3"));
  ASSERT_OK(engine->PutVersion("b", "a/1", MakeVersion(2), "v2"));
  ASSERT_OK(engine->PutVersion("b", "a/2", MakeVersion(5), "", VersionKind::kDeleteMarker));
  ASSERT_OK(engine->PutVersion("b", "c", MakeVersion(1), "c1"));
  ASSERT_OK(engine->PutVersion("other", "a/1", MakeVersion(9), "o"));

  ASSERT_OK_AND_ASSIGN(StoredVersion latest, engine->GetLatestVersion("b", "a/1"));
  EXPECT_EQ(latest.payload, "v3");
  EXPECT_EQ(latest.version, MakeVersion(3));
  ASSERT_OK_AND_ASSIGN(StoredVersion marker, engine->GetLatestVersion("b", "a/2"));
  EXPECT_EQ(marker.kind, VersionKind::kDeleteMarker);
  ASSERT_OK_AND_ASSIGN(StoredVersion v2, engine->GetVersion("b", "a/1", MakeVersion(2)));
  EXPECT_EQ(v2.payload, "v2");

  // A retried put of the same record changes nothing, not even its sequence.
  ASSERT_OK(engine->PutVersion("b", "a/1", MakeVersion(2), "v2"));
  ASSERT_OK_AND_ASSIGN(StoredVersion again, engine->GetVersion("b", "a/1", MakeVersion(2)));
  EXPECT_EQ(again.sequence, v2.sequence);

  ListVersionsOptions all;
  all.bucket = "b";
  ASSERT_OK_AND_ASSIGN(VersionPage page, engine->ListVersions(all));
  std::vector<std::string> seen;
  for (auto& v : page.versions) {
    std::string entry = v.key;  // Appends, not operator+ chains: GCC 12 warns wrongly on those.
    entry += '=';
    entry += v.payload.empty() ? std::string("<dm>") : v.payload;
    seen.push_back(entry);
  }
  EXPECT_THAT(seen, ::testing::ElementsAre("a/1=v3", "a/1=v2", "a/1=v1", "a/2=<dm>", "c=c1"));

  ListVersionsOptions latest_only = all;
  latest_only.latest_only = true;
  latest_only.prefix = "a/";
  ASSERT_OK_AND_ASSIGN(page, engine->ListVersions(latest_only));
  ASSERT_EQ(page.versions.size(), 2u);
  EXPECT_EQ(page.versions[0].payload, "v3");
  EXPECT_EQ(page.versions[1].kind, VersionKind::kDeleteMarker);

  ASSERT_OK(engine->DeleteVersion("b", "a/1", MakeVersion(3)));
  ASSERT_OK_AND_ASSIGN(latest, engine->GetLatestVersion("b", "a/1"));
  EXPECT_EQ(latest.payload, "v2");
  EXPECT_THAT(engine->DeleteVersion("b", "a/1", MakeVersion(3)), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(engine->GetLatestVersion("b", "zzz"), StatusIs(StatusCode::kNotFound));
}

TEST_F(EngineTest, BucketsPutListDelete) {
  auto engine = OpenEngine();
  ASSERT_TRUE(engine);
  ASSERT_OK(engine->PutBucket("beta", "B"));
  ASSERT_OK(engine->PutBucket("alpha", "A"));
  ASSERT_OK(engine->PutBucket("alpha", "A2"));
  ASSERT_OK_AND_ASSIGN(StoredBucket b, engine->GetBucket("alpha"));
  EXPECT_EQ(b.payload, "A2");
  ASSERT_OK_AND_ASSIGN(auto list, engine->ListBuckets());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "alpha");
  EXPECT_EQ(list[1].name, "beta");
  ASSERT_OK(engine->DeleteBucket("alpha"));
  EXPECT_THAT(engine->GetBucket("alpha"), StatusIs(StatusCode::kNotFound));
}

TEST_F(EngineTest, StateSurvivesReopenAndSegmentRotation) {
  std::vector<std::string> ids;
  EngineState before;
  {
    auto o = TestOptions(dir_.path());
    o.segment_size = 256 * 1024;  // Rotates every few shards.
    auto engine = OpenEngine(o);
    ASSERT_TRUE(engine);
    for (int i = 0; i < 60; ++i) {
      std::string id = "shard-" + std::to_string(i);
      ids.push_back(id);
      ASSERT_OK(engine->PutShard(id, ShardBytes(id, 1, 30000 + i)));
      ASSERT_OK(engine->PutVersion("bkt", "k" + std::to_string(i % 7), MakeVersion(i), id));
    }
    for (int i = 0; i < 60; i += 3) ASSERT_OK(engine->DeleteShard(ids[i]));
    ASSERT_OK(engine->PutBucket("bkt", "owner=alice"));
    before = DumpState(*engine, ids, {"bkt"});
    EXPECT_EQ(before.shards.size(), 40u);
    EXPECT_EQ(before.versions.size(), 60u);
    EXPECT_GT(engine->status().active_segment_id, 5u);
  }
  auto engine = OpenEngine();
  ASSERT_TRUE(engine);
  EXPECT_EQ(DumpState(*engine, ids, {"bkt"}), before);
  // Writing goes on after reopen, with sequences above every earlier one.
  ASSERT_OK(engine->PutShard("after", "x"));
  ASSERT_OK_AND_ASSIGN(ShardInfo info, engine->StatShard("after"));
  ASSERT_OK_AND_ASSIGN(ShardInfo old, engine->StatShard("shard-1"));
  EXPECT_GT(info.sequence, old.sequence);
}

TEST_F(EngineTest, RebuildIndexReproducesTheSameState) {
  std::vector<std::string> ids;
  EngineState before;
  {
    auto o = TestOptions(dir_.path());
    o.segment_size = 128 * 1024;
    auto engine = OpenEngine(o);
    ASSERT_TRUE(engine);
    for (int i = 0; i < 40; ++i) {
      std::string id = "r" + std::to_string(i);
      ids.push_back(id);
      ASSERT_OK(engine->PutShard(id, ShardBytes(id, 1, 9000)));
      std::string key = std::string(600, 'p') + std::to_string(i % 5);  // Long shared prefixes.
      ASSERT_OK(engine->PutVersion("bkt", key, MakeVersion(i), "payload" + std::to_string(i),
                                   i % 4 == 0 ? VersionKind::kDeleteMarker : VersionKind::kObject));
    }
    for (int i = 0; i < 40; i += 2) ASSERT_OK(engine->PutShard(ids[i], ShardBytes(ids[i], 2, 777)));
    for (int i = 1; i < 40; i += 5) ASSERT_OK(engine->DeleteShard(ids[i]));
    ASSERT_OK(engine->DeleteVersion("bkt", std::string(600, 'p') + "1", MakeVersion(1)));
    ASSERT_OK(engine->PutBucket("bkt", "meta"));
    ASSERT_OK(engine->PutBucket("gone", "meta"));
    ASSERT_OK(engine->DeleteBucket("gone"));
    before = DumpState(*engine, ids, {"bkt"});
  }
  std::filesystem::remove_all(dir_.Sub("index"));
  auto missing = Engine::Open(TestOptions(dir_.path()));
  EXPECT_THAT(missing, StatusIs(StatusCode::kCorruption));
  EXPECT_THAT(missing.status().message(), HasSubstr("shale rebuild-index --data " + dir_.path()));

  EngineOptions rebuild = TestOptions(dir_.path());
  rebuild.node_id.clear();  // Taken from the segments.
  rebuild.cluster_id.clear();
  ASSERT_OK(Engine::RebuildIndex(rebuild));
  auto engine = OpenEngine();
  ASSERT_TRUE(engine);
  EXPECT_EQ(DumpState(*engine, ids, {"bkt"}), before);
}

TEST_F(EngineTest, RefusesADirectoryOfAnotherNodeOrCluster) {
  { ASSERT_TRUE(OpenEngine()); }
  auto o = TestOptions(dir_.path());
  o.node_id = "node-2";
  EXPECT_THAT(Engine::Open(o), StatusIs(StatusCode::kFailedPrecondition));
  o = TestOptions(dir_.path());
  o.cluster_id = "other";
  auto r = Engine::Open(o);
  EXPECT_THAT(r, StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(r.status().message(), HasSubstr("belongs to node 'node-1'"));
}

TEST_F(EngineTest, OneProcessPerDirectory) {
  auto engine = OpenEngine();
  ASSERT_TRUE(engine);
  EXPECT_THAT(Engine::Open(TestOptions(dir_.path())), StatusIs(StatusCode::kUnavailable));
}

TEST_F(EngineTest, ConcurrentPutsShareFdatasyncs) {
  ::shale::testing::FaultInjectionFileSystem faulty(fs::DefaultFileSystem());
  auto engine = OpenEngine(TestOptions(dir_.path(), &faulty));
  ASSERT_TRUE(engine);
  faulty.ResetCounters();
  constexpr int kThreads = 16;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = "t" + std::to_string(t);
        id += "-" + std::to_string(i);
        if (!engine->PutShard(id, ShardBytes(id, 1, 4096)).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto counters = faulty.counters();
  // Every put is durable, yet batching must have shared syncs among them.
  EXPECT_GE(counters.syncs, 1u);
  EXPECT_LT(counters.syncs, static_cast<uint64_t>(kThreads * kPerThread));
  for (int t = 0; t < kThreads; ++t) {
    std::string id = "t" + std::to_string(t);
    id += "-" + std::to_string(kPerThread - 1);
    ASSERT_OK_AND_ASSIGN(std::string got, engine->GetShard(id));
    EXPECT_EQ(got, ShardBytes(id, 1, 4096));
  }
}

TEST_F(EngineTest, BitFlipOnDiskIsDetectedMarkedBadAndQueuedForRepair) {
  ::shale::testing::FaultInjectionFileSystem faulty(fs::DefaultFileSystem());
  auto engine = OpenEngine(TestOptions(dir_.path(), &faulty));
  ASSERT_TRUE(engine);
  std::string data = ShardBytes("victim", 1, 10000);
  ASSERT_OK(engine->PutShard("victim", data));
  ASSERT_OK(engine->PutShard("bystander", "fine"));
  // The victim is the first record of segment 1: its payload starts shortly after the header.
  std::string seg = dir_.path() + "/segments/00000001.seg";
  ASSERT_OK(faulty.FlipBit(seg, kSegmentHeaderSize + 200, 3));
  auto r = engine->GetShard("victim", 0, 10);  // Even a small range verifies the whole shard.
  EXPECT_THAT(r, StatusIs(StatusCode::kCorruption));
  ASSERT_OK_AND_ASSIGN(ShardInfo info, engine->StatShard("victim"));
  EXPECT_TRUE(info.bad);
  ASSERT_OK_AND_ASSIGN(auto repairs, engine->PeekRepairs(10));
  ASSERT_EQ(repairs.size(), 1u);
  EXPECT_EQ(repairs[0].id, "victim");
  EXPECT_EQ(engine->status().repair_queue_depth, 1u);
  EXPECT_THAT(engine->GetShard("victim"), StatusIs(StatusCode::kCorruption));
  ASSERT_OK_AND_ASSIGN(std::string ok, engine->GetShard("bystander"));
  EXPECT_EQ(ok, "fine");
  // A rewrite (what repair does) heals it.
  ASSERT_OK(engine->PutShard("victim", data));
  ASSERT_OK_AND_ASSIGN(std::string healed, engine->GetShard("victim"));
  EXPECT_EQ(healed, data);
}

TEST_F(EngineTest, SpaceStatsAccountLiveAndDeadBytes) {
  auto engine = OpenEngine();
  ASSERT_TRUE(engine);
  for (int i = 0; i < 10; ++i)
    ASSERT_OK(engine->PutShard("x" + std::to_string(i), std::string(10000, 'z')));
  ASSERT_OK_AND_ASSIGN(SpaceStats s1, engine->GetSpaceStats());
  EXPECT_GE(s1.live_bytes, 100000u);
  EXPECT_LT(s1.dead_bytes, 1000u);
  for (int i = 0; i < 5; ++i) ASSERT_OK(engine->DeleteShard("x" + std::to_string(i)));
  ASSERT_OK_AND_ASSIGN(SpaceStats s2, engine->GetSpaceStats());
  EXPECT_LT(s2.live_bytes, s1.live_bytes - 49000);
  EXPECT_GE(s2.dead_bytes, 50000u);
  EXPECT_GT(s2.disk_capacity_bytes, 0u);
}

}  // namespace
}  // namespace shale::storage
