// The index's durability state: when the engine trusts the LMDB index it committed without
// flushing, and when it rebuilds it from the segments (storage/index_state.h).

#include "storage/index_state.h"

#include <gtest/gtest.h>

#include "common/fs/file_util.h"
#include "storage/engine.h"
#include "tests/storage/engine_test_util.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale::storage {
namespace {

using ::shale::testing::StatusIs;
using ::shale::testing::TempDir;
using testing::TestOptions;

fs::FileSystem& Fs() { return *fs::DefaultFileSystem(); }

TEST(IndexStateTest, StateFileRoundTripsAndRefusesGarbage) {
  TempDir tmp;
  ASSERT_OK_AND_ASSIGN(auto none, ReadIndexState(Fs(), tmp.path()));
  EXPECT_FALSE(none.has_value());
  ASSERT_OK(WriteIndexState(Fs(), tmp.path(), {"0a1b-2c", true}));
  ASSERT_OK_AND_ASSIGN(auto state, ReadIndexState(Fs(), tmp.path()));
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->boot_id, "0a1b-2c");
  EXPECT_TRUE(state->clean);
  for (const char* bad :
       {"", "shale-index-state 1\n", "shale-index-state 1\nboot_id=x y\nclean=1\n",
        "shale-index-state 1\nboot_id=ab\nclean=2\n", "shale-index-state 2\nboot_id=ab\nclean=1\n",
        "shale-index-state 1\nboot_id=ab\nclean=1\nmore\n"}) {
    ASSERT_OK(fs::WriteFileAtomically(Fs(), tmp.path() + "/" + kIndexStateFile, bad));
    EXPECT_THAT(ReadIndexState(Fs(), tmp.path()), StatusIs(StatusCode::kCorruption)) << bad;
  }
}

TEST(IndexStateTest, OnlyAnUncleanCloseOnAnotherBootIsTorn) {
  EXPECT_FALSE(IndexMayBeTorn(std::nullopt, "b"));
  EXPECT_FALSE(IndexMayBeTorn(IndexState{"a", true}, "b"));
  EXPECT_FALSE(IndexMayBeTorn(IndexState{"b", false}, "b"));
  EXPECT_TRUE(IndexMayBeTorn(IndexState{"a", false}, "b"));
}

TEST(IndexStateTest, TheRunningKernelHasABootId) {
  // Linux always has one; the engine falls back to flushing every commit without it.
  std::optional<std::string> id = CurrentBootId(Fs());
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->size(), 36u);
}

TEST(IndexStateTest, EngineTrustsItsIndexAfterACleanCloseOrACrashInTheSameBoot) {
  TempDir tmp;
  EngineOptions o = TestOptions(tmp.path());
  o.boot_id = "boot-a";
  {
    ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(o));
    EXPECT_FALSE(engine->status().index_flushed_per_commit);
    ASSERT_OK(engine->PutShard("s1", "one"));
    ASSERT_OK_AND_ASSIGN(auto open_state, ReadIndexState(Fs(), tmp.path()));
    ASSERT_TRUE(open_state.has_value());
    EXPECT_FALSE(open_state->clean);  // Marked before the first unflushed commit.
    EXPECT_EQ(open_state->boot_id, "boot-a");
  }
  ASSERT_OK_AND_ASSIGN(auto closed, ReadIndexState(Fs(), tmp.path()));
  ASSERT_TRUE(closed.has_value());
  EXPECT_TRUE(closed->clean);
  o.boot_id = "boot-b";  // A reboot after a clean close: trusted.
  {
    ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(o));
    EXPECT_FALSE(engine->status().index_rebuilt_at_open);
    ASSERT_OK_AND_ASSIGN(std::string got, engine->GetShard("s1"));
    EXPECT_EQ(got, "one");
  }
  // An unclean close in this very boot (a process crash): trusted too.
  ASSERT_OK(WriteIndexState(Fs(), tmp.path(), {"boot-b", false}));
  {
    ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(o));
    EXPECT_FALSE(engine->status().index_rebuilt_at_open);
  }
}

TEST(IndexStateTest, EngineRebuildsAnIndexLeftOpenInAnEarlierBoot) {
  TempDir tmp;
  EngineOptions o = TestOptions(tmp.path());
  o.boot_id = "boot-a";
  {
    ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(o));
    ASSERT_OK(engine->PutShard("s1", "one"));
    ASSERT_OK(engine->PutShard("s2", "two"));
    ASSERT_OK(engine->DeleteShard("s1"));
  }
  // As a power loss would leave it: opened in boot-a and never closed; the index file lost
  // everything (here: replaced by an empty environment's worth of garbage).
  ASSERT_OK(WriteIndexState(Fs(), tmp.path(), {"boot-a", false}));
  ASSERT_OK(fs::WriteFileAtomically(Fs(), tmp.path() + "/index/data.mdb", std::string(8192, 'x')));
  o.boot_id = "boot-b";
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(o));
  EXPECT_TRUE(engine->status().index_rebuilt_at_open);
  EXPECT_THAT(engine->GetShard("s1"), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(std::string got, engine->GetShard("s2"));
  EXPECT_EQ(got, "two");
}

TEST(IndexStateTest, FlushingEveryCommitNeedsNoStateFile) {
  TempDir tmp;
  EngineOptions o = TestOptions(tmp.path());
  o.sync_index_commits = true;
  ASSERT_OK(WriteIndexState(Fs(), tmp.path(), {"boot-a", true}));
  {
    ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(o));
    EXPECT_TRUE(engine->status().index_flushed_per_commit);
    ASSERT_OK(engine->PutShard("s1", "one"));
  }
  ASSERT_OK_AND_ASSIGN(auto state, ReadIndexState(Fs(), tmp.path()));
  EXPECT_FALSE(state.has_value());
}

}  // namespace
}  // namespace shale::storage
