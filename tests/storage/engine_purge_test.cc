// Purge tombstones (VersionKind::kPurged): skipped by "latest" reads, listed in full listings,
// final once stored, and durable across reopen and rebuild-index.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "storage/engine.h"
#include "tests/storage/engine_test_util.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale::storage {
namespace {

using ::shale::testing::StatusIs;
using ::shale::testing::TempDir;
using ::testing::HasSubstr;
using namespace ::shale::storage::testing;

// The u64 LE purge time in ms the data path writes as a tombstone's payload.
std::string PurgeTime(uint64_t ms) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(ms >> (8 * i));
  return out;
}

// "key@version-number:kind" for every entry of a listing, kind as o/d/p.
std::vector<std::string> Describe(const VersionPage& page) {
  std::vector<std::string> out;
  for (const auto& v : page.versions) {
    std::string s = v.key;
    s += '@';
    s += std::to_string(v.version[15]);
    s += ':';
    s += v.kind == VersionKind::kPurged ? 'p' : v.kind == VersionKind::kDeleteMarker ? 'd' : 'o';
    out.push_back(s);
  }
  return out;
}

class EnginePurgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = Engine::Open(TestOptions(dir_.path()));
    ASSERT_OK(e);
    engine_ = std::move(e).value();
  }
  Result<VersionPage> List(bool latest_only, std::string prefix = "") {
    ListVersionsOptions o;
    o.bucket = "b";
    o.prefix = std::move(prefix);
    o.latest_only = latest_only;
    return engine_->ListVersions(o);
  }

  TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EnginePurgeTest, LatestSkipsPurgedVersionsAndFullListingsShowThem) {
  ASSERT_OK(engine_->PutVersion("b", "a", MakeVersion(1), "a1"));
  ASSERT_OK(engine_->PutVersion("b", "a", MakeVersion(2), "a2"));
  ASSERT_OK(engine_->PutVersion("b", "a", MakeVersion(3), PurgeTime(7), VersionKind::kPurged));
  // "gone": every version purged. "marker": a newest delete marker over a purged object.
  ASSERT_OK(engine_->PutVersion("b", "gone", MakeVersion(1), PurgeTime(8), VersionKind::kPurged));
  ASSERT_OK(engine_->PutVersion("b", "marker", MakeVersion(1), PurgeTime(9), VersionKind::kPurged));
  ASSERT_OK(engine_->PutVersion("b", "marker", MakeVersion(2), "", VersionKind::kDeleteMarker));
  ASSERT_OK(engine_->PutVersion("b", "z", MakeVersion(1), "z1"));

  ASSERT_OK_AND_ASSIGN(StoredVersion latest, engine_->GetLatestVersion("b", "a"));
  EXPECT_EQ(latest.version, MakeVersion(2));
  EXPECT_EQ(latest.payload, "a2");
  EXPECT_THAT(engine_->GetLatestVersion("b", "gone"), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(StoredVersion marker, engine_->GetLatestVersion("b", "marker"));
  EXPECT_EQ(marker.kind, VersionKind::kDeleteMarker);

  // An explicit version returns the tombstone with its kind and the caller's payload.
  ASSERT_OK_AND_ASSIGN(StoredVersion tomb, engine_->GetVersion("b", "a", MakeVersion(3)));
  EXPECT_EQ(tomb.kind, VersionKind::kPurged);
  EXPECT_EQ(tomb.payload, PurgeTime(7));

  ASSERT_OK_AND_ASSIGN(VersionPage latest_page, List(true));
  EXPECT_THAT(Describe(latest_page), ::testing::ElementsAre("a@2:o", "marker@2:d", "z@1:o"));
  ASSERT_OK_AND_ASSIGN(VersionPage full, List(false));
  EXPECT_THAT(Describe(full), ::testing::ElementsAre("a@3:p", "a@2:o", "a@1:o", "gone@1:p",
                                                     "marker@2:d", "marker@1:p", "z@1:o"));
}

TEST_F(EnginePurgeTest, LatestOnlyPagesStepOverPurgedRunsAndLimits) {
  // Many purged versions above the live one, and a page limit landing among them.
  for (uint64_t v = 2; v <= 12; ++v) {
    ASSERT_OK(engine_->PutVersion("b", "k1", MakeVersion(v), PurgeTime(v), VersionKind::kPurged));
  }
  ASSERT_OK(engine_->PutVersion("b", "k1", MakeVersion(1), "live"));
  ASSERT_OK(engine_->PutVersion("b", "k2", MakeVersion(1), "two"));
  ListVersionsOptions o;
  o.bucket = "b";
  o.latest_only = true;
  o.limit = 1;
  ASSERT_OK_AND_ASSIGN(VersionPage first, engine_->ListVersions(o));
  EXPECT_THAT(Describe(first), ::testing::ElementsAre("k1@1:o"));
  EXPECT_TRUE(first.truncated);
  o.start_after_key = "k1";
  ASSERT_OK_AND_ASSIGN(VersionPage second, engine_->ListVersions(o));
  EXPECT_THAT(Describe(second), ::testing::ElementsAre("k2@1:o"));
  EXPECT_FALSE(second.truncated);
}

TEST_F(EnginePurgeTest, APurgeReplacesAnyVersionAndIsFinal) {
  ASSERT_OK(engine_->PutVersion("b", "k", MakeVersion(1), "obj"));
  ASSERT_OK(engine_->PutVersion("b", "k", MakeVersion(1), PurgeTime(1), VersionKind::kPurged));
  // Retried and re-timed purges are accepted; the last one is kept.
  ASSERT_OK(engine_->PutVersion("b", "k", MakeVersion(1), PurgeTime(1), VersionKind::kPurged));
  ASSERT_OK(engine_->PutVersion("b", "k", MakeVersion(1), PurgeTime(2), VersionKind::kPurged));
  Status refused = engine_->PutVersion("b", "k", MakeVersion(1), "obj");
  EXPECT_THAT(refused, StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(refused.message(), HasSubstr("a purge is final"));
  EXPECT_THAT(engine_->PutVersion("b", "k", MakeVersion(1), "", VersionKind::kDeleteMarker),
              StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(StoredVersion v, engine_->GetVersion("b", "k", MakeVersion(1)));
  EXPECT_EQ(v.kind, VersionKind::kPurged);
  EXPECT_EQ(v.payload, PurgeTime(2));
  // A delete marker is purged like an object; other versions of the key are untouched.
  ASSERT_OK(engine_->PutVersion("b", "k", MakeVersion(2), "", VersionKind::kDeleteMarker));
  ASSERT_OK(engine_->PutVersion("b", "k", MakeVersion(2), PurgeTime(3), VersionKind::kPurged));
  ASSERT_OK(engine_->PutVersion("b", "k", MakeVersion(3), "newer"));
  ASSERT_OK_AND_ASSIGN(StoredVersion latest, engine_->GetLatestVersion("b", "k"));
  EXPECT_EQ(latest.payload, "newer");
  // Orphan collection may drop a tombstone; the version id is then free again.
  ASSERT_OK(engine_->DeleteVersion("b", "k", MakeVersion(1)));
  ASSERT_OK(engine_->PutVersion("b", "k", MakeVersion(1), "again"));
  EXPECT_THAT(engine_->PutVersion("b", "k", MakeVersion(9), "x", static_cast<VersionKind>(3)),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(EnginePurgeTest, APurgeAndAPutInOneBatchStillRespectFinality) {
  // Concurrent puts of the same id land in one group commit often enough: whatever the
  // batching, a non-purged put acknowledged after the purge must not win.
  for (int round = 0; round < 20; ++round) {
    VersionId v = MakeVersion(100 + round);
    std::thread purge([&] {
      EXPECT_OK(engine_->PutVersion("b", "race", v, PurgeTime(1), VersionKind::kPurged));
    });
    Status put = engine_->PutVersion("b", "race", v, "obj");
    purge.join();
    ASSERT_OK_AND_ASSIGN(StoredVersion got, engine_->GetVersion("b", "race", v));
    // Either the put came first and the purge replaced it, or the put was refused.
    EXPECT_EQ(got.kind, VersionKind::kPurged) << "round " << round << " put: " << put.ToString();
    if (!put.ok()) {
      EXPECT_THAT(put, StatusIs(StatusCode::kFailedPrecondition));
    }
  }
}

TEST_F(EnginePurgeTest, PurgesSurviveCompaction) {
  engine_.reset();
  EngineOptions o = TestOptions(dir_.path());
  o.segment_size = 64 * 1024;
  ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(o));
  ASSERT_OK(engine_->PutVersion("b", "k", MakeVersion(1), "live"));
  ASSERT_OK(engine_->PutVersion("b", "k", MakeVersion(2), PurgeTime(4), VersionKind::kPurged));
  // Fill and free the first segments, so compaction moves the records above out of them.
  for (int i = 0; i < 8; ++i) {
    ASSERT_OK(engine_->PutShard("fill" + std::to_string(i), ShardBytes("f", i, 30 * 1024)));
  }
  for (int i = 0; i < 8; ++i) ASSERT_OK(engine_->DeleteShard("fill" + std::to_string(i)));
  int compacted = 0;
  for (; compacted < 100; ++compacted) {
    ASSERT_OK_AND_ASSIGN(StepOutcome step, engine_->CompactOnce());
    if (!step.did_work) break;
  }
  EXPECT_GT(compacted, 0);
  ASSERT_OK_AND_ASSIGN(StoredVersion tomb, engine_->GetVersion("b", "k", MakeVersion(2)));
  EXPECT_EQ(tomb.kind, VersionKind::kPurged);
  ASSERT_OK_AND_ASSIGN(StoredVersion latest, engine_->GetLatestVersion("b", "k"));
  EXPECT_EQ(latest.version, MakeVersion(1));
  EXPECT_THAT(engine_->PutVersion("b", "k", MakeVersion(2), "back"),
              StatusIs(StatusCode::kFailedPrecondition));
}

TEST_F(EnginePurgeTest, PurgesSurviveReopenAndRebuildIndex) {
  ASSERT_OK(engine_->PutVersion("b", "a", MakeVersion(1), "a1"));
  ASSERT_OK(engine_->PutVersion("b", "a", MakeVersion(2), PurgeTime(5), VersionKind::kPurged));
  ASSERT_OK(engine_->PutVersion("b", "gone", MakeVersion(1), PurgeTime(6), VersionKind::kPurged));
  ASSERT_OK_AND_ASSIGN(VersionPage before, List(false));
  engine_.reset();
  for (bool rebuild : {false, true}) {
    SCOPED_TRACE(rebuild ? "rebuild-index" : "reopen");
    if (rebuild) {
      ASSERT_OK(Engine::RebuildIndex(TestOptions(dir_.path())));
    }
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(TestOptions(dir_.path())));
    ASSERT_OK_AND_ASSIGN(VersionPage after, List(false));
    EXPECT_EQ(Describe(after), Describe(before));
    ASSERT_OK_AND_ASSIGN(StoredVersion latest, engine_->GetLatestVersion("b", "a"));
    EXPECT_EQ(latest.version, MakeVersion(1));
    EXPECT_THAT(engine_->GetLatestVersion("b", "gone"), StatusIs(StatusCode::kNotFound));
    EXPECT_THAT(engine_->PutVersion("b", "a", MakeVersion(2), "back"),
                StatusIs(StatusCode::kFailedPrecondition));
    ASSERT_OK_AND_ASSIGN(VersionPage latest_page, List(true));
    EXPECT_THAT(Describe(latest_page), ::testing::ElementsAre("a@1:o"));
    engine_.reset();
  }
}

}  // namespace
}  // namespace shale::storage
