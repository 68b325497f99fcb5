// The engine under injected file-system faults: every failure is reported to the caller, no
// failed write becomes visible, and no acknowledged write is lost — across reopen and crashes.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/fs/posix_file_system.h"
#include "storage/engine.h"
#include "tests/storage/engine_test_util.h"
#include "tests/support/fault_injection_fs.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale::storage {
namespace {

using ::shale::testing::CrashMode;
using ::shale::testing::FailAlways;
using ::shale::testing::FailNth;
using ::shale::testing::FaultInjectionFileSystem;
using ::shale::testing::FaultOp;
using ::shale::testing::FaultRule;
using ::shale::testing::StatusIs;
using ::shale::testing::TempDir;
using ::testing::HasSubstr;
using namespace ::shale::storage::testing;

class EngineFaultTest : public ::testing::Test {
 protected:
  EngineFaultTest() : faulty_(fs::DefaultFileSystem()) {}

  std::unique_ptr<Engine> Open() {
    auto e = Engine::Open(TestOptions(dir_.path(), &faulty_));
    EXPECT_OK(e);
    return e.ok() ? std::move(e).value() : nullptr;
  }
  std::string Segment(int id) const {
    char name[32];
    std::snprintf(name, sizeof(name), "/segments/%08d.seg", id);
    return dir_.path() + name;
  }
  void ExpectShard(Engine& e, const std::string& id, uint64_t gen, size_t size) {
    auto got = e.GetShard(id);
    ASSERT_OK(got) << id;
    EXPECT_EQ(*got, ShardBytes(id, gen, size)) << id;
  }

  TempDir dir_;
  FaultInjectionFileSystem faulty_;
};

TEST_F(EngineFaultTest, FailedSyncFailsTheBatchCutsTheTailAndKeepsTheIndexClean) {
  auto engine = Open();
  ASSERT_TRUE(engine);
  ASSERT_OK(engine->PutShard("a", ShardBytes("a", 1, 5000)));
  ASSERT_OK_AND_ASSIGN(uint64_t size_after_a, faulty_.FileSize(Segment(1)));

  faulty_.AddFault(FailNth(FaultOp::kSync, 1));
  EXPECT_THAT(engine->PutShard("b", ShardBytes("b", 1, 5000)), StatusIs(StatusCode::kIOError));
  EXPECT_THAT(engine->GetShard("b"), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(uint64_t size_after_b, faulty_.FileSize(Segment(1)));
  EXPECT_EQ(size_after_b, size_after_a) << "the failed batch's bytes must be cut off";
  EXPECT_FALSE(engine->status().read_only);

  // Writing continues, in a new segment.
  ASSERT_OK(engine->PutShard("c", ShardBytes("c", 1, 5000)));
  EXPECT_EQ(engine->status().active_segment_id, 2u);
  ExpectShard(*engine, "a", 1, 5000);

  engine.reset();
  engine = Open();
  ASSERT_TRUE(engine);
  ExpectShard(*engine, "a", 1, 5000);
  ExpectShard(*engine, "c", 1, 5000);
  EXPECT_THAT(engine->GetShard("b"), StatusIs(StatusCode::kNotFound));
}

TEST_F(EngineFaultTest, FailedAndShortAppendsAreReportedAndLeaveNoPartialRecord) {
  auto engine = Open();
  ASSERT_TRUE(engine);
  ASSERT_OK(engine->PutShard("a", ShardBytes("a", 1, 3000)));
  faulty_.AddFault(FailNth(FaultOp::kAppend, 1));
  EXPECT_THAT(engine->PutShard("b", ShardBytes("b", 1, 3000)), StatusIs(StatusCode::kIOError));
  FaultRule shorty = FailNth(FaultOp::kAppend, 1);
  shorty.short_write_bytes = FaultRule::kRandomPrefix;
  faulty_.AddFault(shorty);
  EXPECT_THAT(engine->PutShard("c", ShardBytes("c", 1, 3000)), StatusIs(StatusCode::kIOError));
  ASSERT_OK(engine->PutShard("d", ShardBytes("d", 1, 3000)));

  engine.reset();
  engine = Open();
  ASSERT_TRUE(engine);
  ExpectShard(*engine, "a", 1, 3000);
  ExpectShard(*engine, "d", 1, 3000);
  EXPECT_THAT(engine->GetShard("b"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(engine->GetShard("c"), StatusIs(StatusCode::kNotFound));
  ASSERT_OK(engine->PutShard("e", "after"));
}

TEST_F(EngineFaultTest, NoSpaceFailsPutsWhileReadsAndDeletesWork) {
  auto engine = Open();
  ASSERT_TRUE(engine);
  ASSERT_OK(engine->PutShard("a", ShardBytes("a", 1, 3000)));
  ASSERT_OK(engine->PutShard("b", ShardBytes("b", 1, 3000)));
  faulty_.AddFault(FailNth(FaultOp::kAppend, 1, StatusCode::kNoSpace));
  EXPECT_THAT(engine->PutShard("c", "x"), StatusIs(StatusCode::kNoSpace));
  ExpectShard(*engine, "a", 1, 3000);
  ASSERT_OK(engine->DeleteShard("b"));
  ASSERT_OK(engine->PutShard("c", "x"));  // The disk has room again.
  EXPECT_FALSE(engine->status().read_only);
}

TEST_F(EngineFaultTest, TheReserveRefusesPutsButKeepsDeletesAndReadsWorking) {
  auto o = TestOptions(dir_.path(), &faulty_);
  o.space_reserve_bytes = 1 << 20;
  auto engine_or = Engine::Open(o);
  ASSERT_OK(engine_or);
  auto engine = std::move(engine_or).value();
  ASSERT_OK(engine->PutShard("a", ShardBytes("a", 1, 3000)));
  ASSERT_OK(engine->PutShard("b", ShardBytes("b", 1, 3000)));

  faulty_.SetAvailableBytes(512 * 1024);  // Under the reserve.
  auto refused = engine->PutShard("c", "x");
  EXPECT_THAT(refused, StatusIs(StatusCode::kNoSpace));
  EXPECT_THAT(refused.message(), HasSubstr("full"));
  ExpectShard(*engine, "a", 1, 3000);
  ASSERT_OK(engine->DeleteShard("b"));
  ASSERT_OK_AND_ASSIGN(SpaceStats stats, engine->GetSpaceStats());
  EXPECT_EQ(stats.reserve_bytes, uint64_t{1} << 20);
  EXPECT_EQ(stats.disk_available_bytes, 512u * 1024);

  faulty_.SetAvailableBytes(std::nullopt);
  ASSERT_OK(engine->PutShard("c", "x"));
}

// On a full disk, compaction (which may use the reserve) still reclaims space.
TEST_F(EngineFaultTest, CompactionRunsOnAFullDisk) {
  auto o = TestOptions(dir_.path(), &faulty_);
  o.space_reserve_bytes = 1 << 20;
  o.segment_size = 32 * 1024;
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(o));
  for (int i = 0; i < 40; ++i) {
    std::string id = "f" + std::to_string(i);
    ASSERT_OK(engine->PutShard(id, ShardBytes(id, 1, 3000)));
  }
  faulty_.SetAvailableBytes(1000);  // Far under the reserve: the disk is "full".
  EXPECT_THAT(engine->PutShard("more", "x"), StatusIs(StatusCode::kNoSpace));
  for (int i = 0; i < 40; ++i) {
    if (i % 4 != 0) {
      ASSERT_OK(engine->DeleteShard("f" + std::to_string(i)));
    }
  }
  ASSERT_OK_AND_ASSIGN(SpaceStats before, engine->GetSpaceStats());
  int steps = 0;
  for (;;) {
    ASSERT_OK_AND_ASSIGN(StepOutcome step, engine->CompactOnce());
    if (!step.did_work) break;
    ++steps;
  }
  EXPECT_GT(steps, 0);
  ASSERT_OK_AND_ASSIGN(SpaceStats after, engine->GetSpaceStats());
  EXPECT_LT(after.dead_bytes, before.dead_bytes / 2);
  for (int i = 0; i < 40; i += 4) ExpectShard(*engine, "f" + std::to_string(i), 1, 3000);
}

TEST_F(EngineFaultTest, WhenNoNewSegmentCanBeOpenedTheEngineTurnsReadOnly) {
  auto engine = Open();
  ASSERT_TRUE(engine);
  ASSERT_OK(engine->PutShard("a", ShardBytes("a", 1, 3000)));
  faulty_.AddFault(FailNth(FaultOp::kSync, 1));
  faulty_.AddFault(FailAlways(FaultOp::kNewAppendableFile));
  EXPECT_THAT(engine->PutShard("b", "x"), StatusIs(StatusCode::kIOError));
  EngineStatus st = engine->status();
  EXPECT_TRUE(st.read_only);
  EXPECT_THAT(st.read_only_reason, HasSubstr("cannot open a new segment"));
  EXPECT_THAT(engine->PutShard("c", "x"), StatusIs(StatusCode::kReadOnly));
  EXPECT_THAT(engine->DeleteShard("a"), StatusIs(StatusCode::kReadOnly));
  ExpectShard(*engine, "a", 1, 3000);

  faulty_.ClearFaults();
  engine.reset();
  engine = Open();  // A restart with a healthy disk writes again.
  ASSERT_TRUE(engine);
  EXPECT_FALSE(engine->status().read_only);
  ASSERT_OK(engine->PutShard("c", "x"));
  ExpectShard(*engine, "a", 1, 3000);
}

class EngineCrashTest : public EngineFaultTest, public ::testing::WithParamInterface<CrashMode> {};

TEST_P(EngineCrashTest, ACrashLosesNoAcknowledgedWriteAndRecoveryCutsTheTail) {
  auto engine = Open();
  ASSERT_TRUE(engine);
  for (int i = 0; i < 30; ++i) {
    std::string id = "s" + std::to_string(i);
    ASSERT_OK(engine->PutShard(id, ShardBytes(id, 1, 2000 + 97 * i)));
  }
  ASSERT_OK(engine->DeleteShard("s3"));
  ASSERT_OK(engine->PutVersion("bkt", "key", MakeVersion(7), "v7"));
  // What an unacknowledged batch leaves behind: bytes appended to the active segment that
  // were never synced. Written through the fault FS so the crash model applies to them.
  {
    ASSERT_OK_AND_ASSIGN(auto f,
                         faulty_.NewAppendableFile(Segment(1), fs::OpenMode::kCreateOrAppend));
    ASSERT_OK(f->Append(std::string(700, '\x5a') + ShardBytes("junk", 1, 5000)));
  }
  ASSERT_OK(faulty_.SimulateCrash(GetParam()));
  engine.reset();  // The "process" is gone; its handles are dead.

  engine = Open();
  ASSERT_TRUE(engine);
  for (int i = 0; i < 30; ++i) {
    std::string id = "s" + std::to_string(i);
    if (i == 3) {
      EXPECT_THAT(engine->GetShard(id), StatusIs(StatusCode::kNotFound));
    } else {
      ExpectShard(*engine, id, 1, 2000 + 97 * i);
    }
  }
  ASSERT_OK_AND_ASSIGN(StoredVersion v, engine->GetLatestVersion("bkt", "key"));
  EXPECT_EQ(v.payload, "v7");
  // The tail was cut: new writes land on a record boundary and survive another reopen.
  ASSERT_OK(engine->PutShard("after", ShardBytes("after", 1, 4000)));
  engine.reset();
  engine = Open();
  ASSERT_TRUE(engine);
  ExpectShard(*engine, "after", 1, 4000);
  ExpectShard(*engine, "s29", 1, 2000 + 97 * 29);
}

INSTANTIATE_TEST_SUITE_P(Modes, EngineCrashTest,
                         ::testing::Values(CrashMode::kDropUnsynced, CrashMode::kTornTail,
                                           CrashMode::kGarbageTail));

}  // namespace
}  // namespace shale::storage
