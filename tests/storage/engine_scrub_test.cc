// Scrub: bytes damaged on disk are found by a pass, marked bad and queued for repair (dead
// records are not); the position survives a restart; passes follow the period, StartScrub and
// the rate (0 pauses).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "storage/engine.h"
#include "storage/scrub_state.h"
#include "tests/storage/engine_test_util.h"
#include "tests/support/shard_files.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale::storage {
namespace {

using ::shale::testing::TempDir;
using namespace ::shale::storage::testing;

constexpr size_t kShardSize = 256 * 1024;

// XORs one byte of a file in place (a record header byte, which FlipShardPayloadByte cannot
// reach).
void FlipFileByte(const std::string& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.good()) << path;
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5a);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
  ASSERT_TRUE(f.good());
}

// Runs steps until the engine has nothing to do; returns the steps that did work.
int RunScrub(Engine& engine) {
  int steps = 0;
  for (; steps < 10000; ++steps) {
    auto step = engine.ScrubOnce();
    EXPECT_OK(step);
    if (!step.ok() || !step->did_work) break;
  }
  return steps;
}

TEST(ScrubStateTest, RoundTripAndStrictDecode) {
  ScrubState state{true, 7, 123456, 1700000000000, 1690000000000, 5 << 20, 9 << 20};
  std::string bytes = EncodeScrubState(state);
  ASSERT_EQ(bytes.size(), kScrubStateSize);
  ASSERT_OK_AND_ASSIGN(ScrubState back, DecodeScrubState(bytes));
  EXPECT_EQ(back, state);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THAT(DecodeScrubState(bytes.substr(0, n)),
                ::shale::testing::StatusIs(StatusCode::kCorruption));
  }
  EXPECT_FALSE(DecodeScrubState(bytes + "x").ok());
  std::string bad = bytes;
  bad[0] = 2;  // Unknown version.
  EXPECT_FALSE(DecodeScrubState(bad).ok());
  bad = bytes;
  bad[1] = 2;  // running is 0 or 1.
  EXPECT_FALSE(DecodeScrubState(bad).ok());
}

class EngineScrubTest : public ::testing::Test {
 protected:
  EngineOptions Options() {
    EngineOptions o = TestOptions(dir_.path());
    o.clock = &clock_;
    o.scrub_period_seconds = 100;
    return o;
  }
  std::unique_ptr<Engine> Open(EngineOptions o) {
    auto e = Engine::Open(o);
    EXPECT_OK(e);
    return e.ok() ? std::move(e).value() : nullptr;
  }
  // `n` shards of kShardSize: several segments at the test segment size (4 MiB).
  void WriteShards(Engine& engine, int n) {
    for (int i = 0; i < n; ++i) {
      std::string id = "s" + std::to_string(i);
      ASSERT_OK(engine.PutShard(id, ShardBytes(id, 1, kShardSize)));
    }
  }
  std::set<std::string> QueuedShards(Engine& engine) {
    std::set<std::string> out;
    auto items = engine.PeekRepairs(1000);
    EXPECT_OK(items);
    if (!items.ok()) return out;
    for (const auto& item : *items) {
      EXPECT_EQ(item.kind, RecordKind::kShard);
      EXPECT_THAT(item.reason, ::testing::StartsWith("scrub: "));
      out.insert(item.id);
    }
    return out;
  }

  TempDir dir_;
  ManualClock clock_;
};

TEST_F(EngineScrubTest, APassFindsDamagedRecordsAndQueuesThem) {
  auto engine = Open(Options());
  ASSERT_TRUE(engine);
  WriteShards(*engine, 40);
  // A replaced shard leaves a dead record behind: damage there is nobody's problem.
  ASSERT_OK(engine->PutShard("s3", ShardBytes("s3", 2, kShardSize)));
  ASSERT_OK(engine->PutShard("tail", ShardBytes("tail", 1, kShardSize)));
  engine.reset();

  ASSERT_OK_AND_ASSIGN(auto records, ::shale::testing::FindShardRecords(dir_.path()));
  ASSERT_EQ(records.size(), 42u);
  ASSERT_NE(records.front().segment_path, records.back().segment_path);
  // s0 (first sealed segment), s17's header (a middle segment), the last record (in the
  // active segment after reopen), and s3's dead first copy.
  ASSERT_EQ(records[3].id, "s3");
  ASSERT_EQ(records.back().id, "tail");
  ASSERT_EQ(records[17].id, "s17");
  ASSERT_OK(::shale::testing::FlipShardPayloadByte(records[0], 1000));
  FlipFileByte(records[17].segment_path, records[17].record_offset + 12);  // In the sequence.
  ASSERT_OK(::shale::testing::FlipShardPayloadByte(records.back(), kShardSize - 1));
  ASSERT_OK(::shale::testing::FlipShardPayloadByte(records[3], 7));

  engine = Open(Options());
  ASSERT_TRUE(engine);
  EXPECT_EQ(QueuedShards(*engine).size(), 0u);  // Recovery does not re-read indexed records.
  EXPECT_GT(RunScrub(*engine), 2);
  EXPECT_EQ(QueuedShards(*engine), (std::set<std::string>{"s0", "s17", "tail"}));
  for (const char* id : {"s0", "s17", "tail"}) {
    ASSERT_OK_AND_ASSIGN(ShardInfo info, engine->StatShard(id));
    EXPECT_TRUE(info.bad) << id;
  }
  for (const char* id : {"s3", "s4"}) {
    ASSERT_OK_AND_ASSIGN(ShardInfo healthy, engine->StatShard(id));
    EXPECT_FALSE(healthy.bad) << id;
  }
  ScrubStatus st = engine->status().scrub;
  EXPECT_FALSE(st.running);
  EXPECT_EQ(st.corruptions_found_total, 3u);
  EXPECT_EQ(st.pass_bytes_done, st.pass_bytes_total);
  EXPECT_EQ(st.bytes_scrubbed_total, st.pass_bytes_done);
  EXPECT_GE(st.pass_bytes_total, 40 * kShardSize);
  EXPECT_EQ(st.last_pass_completed_ms, clock_.NowMicros() / 1000);

  // A second pass finds the same records again without queuing them twice.
  ASSERT_OK(engine->StartScrub());
  RunScrub(*engine);
  EXPECT_EQ(engine->status().scrub.corruptions_found_total, 6u);
  EXPECT_EQ(engine->status().repair_queue_depth, 3u);
}

TEST_F(EngineScrubTest, ARestartContinuesThePassFromItsPersistedPosition) {
  auto engine = Open(Options());
  ASSERT_TRUE(engine);
  WriteShards(*engine, 40);  // ~10 MiB: several 4 MiB steps.
  ASSERT_OK_AND_ASSIGN(StepOutcome start, engine->ScrubOnce());
  EXPECT_TRUE(start.did_work);  // A fresh node starts its first pass at once.
  ASSERT_OK_AND_ASSIGN(StepOutcome first, engine->ScrubOnce());
  EXPECT_GT(first.bytes, 0u);
  ScrubStatus before = engine->status().scrub;
  ASSERT_TRUE(before.running);
  ASSERT_LT(before.pass_bytes_done, before.pass_bytes_total);
  engine.reset();

  engine = Open(Options());
  ASSERT_TRUE(engine);
  ScrubStatus reopened = engine->status().scrub;
  EXPECT_TRUE(reopened.running);
  EXPECT_EQ(reopened.pass_bytes_done, before.pass_bytes_done);
  EXPECT_EQ(reopened.pass_started_ms, before.pass_started_ms);
  EXPECT_EQ(reopened.bytes_scrubbed_total, 0u);
  RunScrub(*engine);
  ScrubStatus after = engine->status().scrub;
  EXPECT_FALSE(after.running);
  // Only what was left was read again: not the whole pass.
  EXPECT_EQ(after.bytes_scrubbed_total, before.pass_bytes_total - before.pass_bytes_done);
  EXPECT_EQ(after.pass_bytes_done, before.pass_bytes_total);
}

TEST_F(EngineScrubTest, PassesFollowThePeriodAndStartScrub) {
  auto engine = Open(Options());
  ASSERT_TRUE(engine);
  WriteShards(*engine, 4);
  RunScrub(*engine);
  const uint64_t first_start = engine->status().scrub.pass_started_ms;
  EXPECT_GT(first_start, 0u);
  ASSERT_OK_AND_ASSIGN(StepOutcome idle, engine->ScrubOnce());
  EXPECT_FALSE(idle.did_work);

  clock_.Advance(uint64_t{60} * 1000 * 1000);  // 60 s of a 100 s period.
  ASSERT_OK_AND_ASSIGN(idle, engine->ScrubOnce());
  EXPECT_FALSE(idle.did_work);
  // The period counts from the start of a pass and survives a restart.
  engine.reset();
  engine = Open(Options());
  ASSERT_TRUE(engine);
  ASSERT_OK_AND_ASSIGN(idle, engine->ScrubOnce());
  EXPECT_FALSE(idle.did_work);
  clock_.Advance(uint64_t{40} * 1000 * 1000);
  ASSERT_OK_AND_ASSIGN(StepOutcome due, engine->ScrubOnce());
  EXPECT_TRUE(due.did_work);
  EXPECT_TRUE(engine->status().scrub.running);
  const uint64_t second_start = engine->status().scrub.pass_started_ms;
  EXPECT_EQ(second_start, first_start + 100 * 1000);
  RunScrub(*engine);

  // StartScrub starts a pass now, and asking while one runs changes nothing.
  ASSERT_OK(engine->StartScrub());
  ASSERT_OK_AND_ASSIGN(due, engine->ScrubOnce());
  EXPECT_TRUE(due.did_work);
  ASSERT_TRUE(engine->status().scrub.running);
  ASSERT_OK(engine->StartScrub());
  RunScrub(*engine);
  EXPECT_FALSE(engine->status().scrub.running);
  ASSERT_OK_AND_ASSIGN(idle, engine->ScrubOnce());
  EXPECT_FALSE(idle.did_work);
}

TEST_F(EngineScrubTest, RateZeroPauses) {
  EngineOptions o = Options();
  o.scrub_rate_bytes_per_sec = 0;
  auto engine = Open(o);
  ASSERT_TRUE(engine);
  WriteShards(*engine, 4);
  ASSERT_OK(engine->StartScrub());
  ASSERT_OK_AND_ASSIGN(StepOutcome paused, engine->ScrubOnce());
  EXPECT_FALSE(paused.did_work);
  EXPECT_FALSE(engine->status().scrub.running);
  EXPECT_EQ(engine->status().scrub.rate_bytes_per_sec, 0u);
  engine->SetScrubRate(1 << 30);
  EXPECT_GT(RunScrub(*engine), 1);
  ScrubStatus st = engine->status().scrub;
  EXPECT_FALSE(st.running);
  EXPECT_GT(st.last_pass_completed_ms, 0u);
  EXPECT_GE(st.bytes_scrubbed_total, 4 * kShardSize);
  engine->SetScrubRate(0);  // Paused mid-way too: a started pass waits.
  ASSERT_OK(engine->StartScrub());
  ASSERT_OK_AND_ASSIGN(paused, engine->ScrubOnce());
  EXPECT_FALSE(paused.did_work);
}

TEST_F(EngineScrubTest, TheBackgroundWorkerFindsDamage) {
  auto engine = Open(Options());
  ASSERT_TRUE(engine);
  WriteShards(*engine, 3);
  engine.reset();
  ASSERT_OK_AND_ASSIGN(auto records, ::shale::testing::FindShardRecords(dir_.path()));
  ASSERT_OK(::shale::testing::FlipShardPayloadByte(records[1], 5));
  EngineOptions o = Options();
  o.background_scrub = true;  // A fresh data directory's first pass is due at once.
  engine = Open(o);
  ASSERT_TRUE(engine);
  // Polls for the outcome (not a timing assertion: the deadline only bounds a hang).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (engine->status().scrub.corruptions_found_total == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(engine->status().scrub.corruptions_found_total, 1u);
  EXPECT_EQ(QueuedShards(*engine), (std::set<std::string>{"s1"}));
}

}  // namespace
}  // namespace shale::storage
