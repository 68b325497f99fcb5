// Compaction: reclaims the space of dead records, keeps exactly the live set (across reopen and
// rebuild-index), keeps the tombstones older segments still need, and never fails a read.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "storage/engine.h"
#include "tests/storage/engine_test_util.h"
#include "tests/support/random_seed.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale::storage {
namespace {

using ::shale::testing::StatusIs;
using ::shale::testing::TempDir;
using ::shale::testing::TestSeed;
using namespace ::shale::storage::testing;

struct DiskUsage {
  uint64_t files = 0;
  uint64_t bytes = 0;
};

DiskUsage SegmentUsage(const std::string& dir) {
  DiskUsage u;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/segments")) {
    ++u.files;
    u.bytes += e.file_size();
  }
  return u;
}

int CompactAll(Engine& engine) {
  int steps = 0;
  for (;;) {
    auto step = engine.CompactOnce();
    EXPECT_OK(step);
    if (!step.ok() || !step->did_work) return steps;
    ++steps;
  }
}

TEST(EngineCompactionTest, ReclaimsDeadSpaceAndKeepsExactlyTheLiveSet) {
  TempDir dir;
  EngineOptions o = TestOptions(dir.path());
  o.segment_size = 64 * 1024;
  std::vector<std::string> ids;
  EngineState live;
  {
    ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(o));
    for (int i = 0; i < 300; ++i) {
      std::string id = "c" + std::to_string(i);
      ids.push_back(id);
      ASSERT_OK(engine->PutShard(id, ShardBytes(id, 1, 2048)));
      ASSERT_OK(engine->PutVersion("bkt", "k" + std::to_string(i), MakeVersion(1), id));
    }
    for (int i = 0; i < 300; ++i) {
      if (i % 10 < 7) {
        ASSERT_OK(engine->DeleteShard(ids[i]));
      }
      if (i % 10 == 7) {
        ASSERT_OK(engine->PutShard(ids[i], ShardBytes(ids[i], 2, 1024)));
      }
      if (i % 2 == 0) {
        ASSERT_OK(engine->DeleteVersion("bkt", "k" + std::to_string(i), MakeVersion(1)));
      }
    }
    live = DumpState(*engine, ids, {"bkt"});
    ASSERT_EQ(live.shards.size(), 90u);
    DiskUsage before = SegmentUsage(dir.path());
    ASSERT_OK_AND_ASSIGN(SpaceStats s_before, engine->GetSpaceStats());

    int steps = CompactAll(*engine);
    EXPECT_GT(steps, 3);
    DiskUsage after = SegmentUsage(dir.path());
    ASSERT_OK_AND_ASSIGN(SpaceStats s_after, engine->GetSpaceStats());
    EXPECT_LT(after.bytes, before.bytes / 2) << "files " << before.files << " -> " << after.files;
    EXPECT_LT(s_after.dead_bytes, s_before.dead_bytes / 2);
    EXPECT_EQ(engine->status().segments_compacted, static_cast<uint64_t>(steps));
    // Only live records are copied: ~30% of the data here, far from the bytes compacted.
    EXPECT_LT(engine->status().compaction_bytes_copied, before.bytes / 2);
    EXPECT_GT(engine->status().compaction_bytes_copied, 0u);
    EXPECT_EQ(DumpState(*engine, ids, {"bkt"}), live);
  }
  {
    ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(o));
    EXPECT_EQ(DumpState(*engine, ids, {"bkt"}), live);
  }
  std::filesystem::remove_all(dir.Sub("index"));
  ASSERT_OK(Engine::RebuildIndex(o));
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(o));
  EXPECT_EQ(DumpState(*engine, ids, {"bkt"}), live);
}

// A tombstone in a compacted segment must move along while the segment holding the record it
// deleted still exists; otherwise a rebuild from segments would bring the record back.
TEST(EngineCompactionTest, TombstonesOutliveCompactionWhileTheirTargetSegmentExists) {
  TempDir dir;
  EngineOptions o = TestOptions(dir.path());
  o.segment_size = 32 * 1024;
  std::vector<std::string> ids = {"doomed"};
  {
    ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(o));
    ASSERT_OK(engine->PutShard("doomed", ShardBytes("doomed", 1, 1000)));
    // Fill segment 1 with records that stay live, so segment 1 is never worth compacting; the
    // last one no longer fits and opens segment 2.
    for (int i = 0; i < 16; ++i) {
      std::string id = "keep" + std::to_string(i);
      ids.push_back(id);
      ASSERT_OK(engine->PutShard(id, ShardBytes(id, 1, 2000)));
    }
    ASSERT_GE(engine->status().active_segment_id, 2u);
    ASSERT_OK(engine->DeleteShard("doomed"));  // Tombstone lands in a later segment...
    for (int i = 0; i < 14; ++i) {             // ...beside records that then all die.
      ASSERT_OK(engine->PutShard("churn", ShardBytes("churn", i, 2000)));
    }
    ASSERT_OK(engine->DeleteShard("churn"));
    for (int i = 0; i < 14; ++i) ASSERT_OK(engine->PutShard("filler", ShardBytes("f", i, 2000)));
    EXPECT_GT(CompactAll(*engine), 0);
    ASSERT_TRUE(std::filesystem::exists(dir.path() + "/segments/00000001.seg"))
        << "segment 1 must survive for this test to mean anything";
    EXPECT_THAT(engine->GetShard("doomed"), StatusIs(StatusCode::kNotFound));
  }
  std::filesystem::remove_all(dir.Sub("index"));
  ASSERT_OK(Engine::RebuildIndex(o));
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(o));
  EXPECT_THAT(engine->GetShard("doomed"), StatusIs(StatusCode::kNotFound));
  for (size_t i = 1; i < ids.size(); ++i) {
    ASSERT_OK_AND_ASSIGN(std::string got, engine->GetShard(ids[i]));
    EXPECT_EQ(got, ShardBytes(ids[i], 1, 2000));
  }
}

// Puts, overwrites, deletes and reads from several threads while compaction runs flat out.
// Reads of acknowledged records never fail; the end state equals the model exactly.
TEST(EngineCompactionTest, RandomizedLoadDuringCompactionKeepsExactlyTheModel) {
  const uint64_t seed = TestSeed();
  TempDir dir;
  EngineOptions o = TestOptions(dir.path());
  o.segment_size = 48 * 1024;
  o.compaction_threshold = 0.6;
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(o));

  constexpr int kThreads = 4;
  constexpr int kOpsPerThread = 1500;
  constexpr int kIdsPerThread = 60;
  std::vector<std::map<std::string, uint64_t>> models(kThreads);  // id -> generation
  std::atomic<bool> writers_done{false};
  std::atomic<int> read_failures{0};
  std::atomic<int> compaction_steps{0};
  std::atomic<uint64_t> bytes_put{0};
  std::thread compactor([&] {
    while (!writers_done) {
      auto step = engine->CompactOnce();
      if (!step.ok()) {
        ADD_FAILURE() << "compaction failed: " << step.status().ToString();
        return;
      }
      if (step->did_work) {
        ++compaction_steps;
      } else {
        std::this_thread::yield();
      }
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      std::mt19937_64 rng(seed + t);
      auto& model = models[t];
      uint64_t gen = 0;
      for (int op = 0; op < kOpsPerThread; ++op) {
        std::string id = "w" + std::to_string(t);
        id += "/" + std::to_string(rng() % kIdsPerThread);
        size_t size = 200 + (std::hash<std::string>{}(id) % 1800);
        int dice = static_cast<int>(rng() % 10);
        if (dice < 5) {
          ++gen;
          if (!engine->PutShard(id, ShardBytes(id, gen, size)).ok()) ++read_failures;
          bytes_put += size;
          model[id] = gen;
        } else if (dice < 7) {
          Status s = engine->DeleteShard(id);
          if (model.erase(id) == 1 ? !s.ok() : !s.IsNotFound()) ++read_failures;
        } else {
          auto got = engine->GetShard(id);
          auto it = model.find(id);
          if (it == model.end()) {
            if (!got.status().IsNotFound()) ++read_failures;
          } else if (!got.ok() || *got != ShardBytes(id, it->second, size)) {
            ++read_failures;
          }
        }
      }
    });
  }
  for (auto& w : writers) w.join();
  writers_done = true;
  compactor.join();
  EXPECT_EQ(read_failures.load(), 0) << "seed " << seed;
  EXPECT_GT(compaction_steps.load(), 0) << "compaction never ran during the load";

  DiskUsage before = SegmentUsage(dir.path());
  CompactAll(*engine);
  DiskUsage after = SegmentUsage(dir.path());
  EXPECT_LE(after.bytes, before.bytes);
  // At most kThreads * kIdsPerThread shards of < 2 KiB stay live out of ~3000 puts: without
  // compaction the segments would hold every byte ever put.
  EXPECT_LT(after.bytes, bytes_put.load() / 3)
      << "segments hold " << after.bytes << " bytes after " << bytes_put.load() << " put";

  auto check = [&](Engine& e) {
    for (int t = 0; t < kThreads; ++t) {
      for (int i = 0; i < kIdsPerThread; ++i) {
        std::string id = "w" + std::to_string(t);
        id += "/" + std::to_string(i);
        size_t size = 200 + (std::hash<std::string>{}(id) % 1800);
        auto got = e.GetShard(id);
        auto it = models[t].find(id);
        if (it == models[t].end()) {
          EXPECT_THAT(got, StatusIs(StatusCode::kNotFound)) << id << " seed " << seed;
        } else {
          ASSERT_OK(got) << id << " seed " << seed;
          EXPECT_EQ(*got, ShardBytes(id, it->second, size)) << id << " seed " << seed;
        }
      }
    }
  };
  check(*engine);
  engine.reset();
  std::filesystem::remove_all(dir.Sub("index"));
  ASSERT_OK(Engine::RebuildIndex(o));
  ASSERT_OK_AND_ASSIGN(engine, Engine::Open(o));
  check(*engine);
}

}  // namespace
}  // namespace shale::storage
