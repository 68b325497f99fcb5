// Object repair hints (Engine::EnqueueObjectRepair): queued durably, deduplicated, and kept
// apart from the records marked bad.

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "tests/storage/engine_test_util.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale::storage {
namespace {

using ::shale::testing::StatusIs;
using ::shale::testing::TempDir;
using namespace ::shale::storage::testing;

std::string HintId(std::string_view bucket, std::string_view key, uint64_t version) {
  auto id = EncodeVersionKey(bucket, key, MakeVersion(version));
  EXPECT_TRUE(id.ok());
  return id.ok() ? *id : std::string();
}

TEST(EngineRepairHintTest, HintsAreQueuedDurablyAndDeduplicated) {
  TempDir dir;
  {
    ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(TestOptions(dir.path())));
    // The version need not be stored here: the node that missed the write is the usual case.
    ASSERT_OK(engine->EnqueueObjectRepair("bkt", "a/b", MakeVersion(7), "shard 2 missed"));
    ASSERT_OK(engine->EnqueueObjectRepair("bkt", "a/b", MakeVersion(7), "again"));  // Kept once.
    ASSERT_OK(engine->EnqueueObjectRepair("bkt", std::string("k\0\xff", 3), MakeVersion(1), ""));
    ASSERT_OK(engine->PutVersion("bkt", "a/b", MakeVersion(7), "payload"));
    EXPECT_EQ(engine->status().repair_queue_depth, 2u);
  }
  // Acknowledged means durable: the queue survives a reopen, in FIFO order.
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(TestOptions(dir.path())));
  ASSERT_OK_AND_ASSIGN(auto items, engine->PeekRepairs(10));
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].kind, RecordKind::kObjectHint);
  EXPECT_EQ(items[0].id, HintId("bkt", "a/b", 7));
  EXPECT_EQ(items[0].reason, "shard 2 missed");
  EXPECT_GT(items[0].enqueue_time_ms, 0u);
  EXPECT_EQ(items[1].id, HintId("bkt", std::string("k\0\xff", 3), 1));
  EXPECT_LT(items[0].seq, items[1].seq);
  ASSERT_OK_AND_ASSIGN(VersionKey decoded, DecodeVersionKey(items[0].id));
  EXPECT_EQ(decoded.key, "a/b");
  EXPECT_EQ(decoded.version, MakeVersion(7));
  ASSERT_OK_AND_ASSIGN(auto v, engine->GetVersion("bkt", "a/b", MakeVersion(7)));
  EXPECT_EQ(v.payload, "payload");
}

TEST(EngineRepairHintTest, InvalidNamesAreRefusedAndNothingIsQueued) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(TestOptions(dir.path())));
  EXPECT_THAT(engine->EnqueueObjectRepair("", "k", MakeVersion(1), "r"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(engine->EnqueueObjectRepair(std::string("b\0c", 3), "k", MakeVersion(1), "r"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(engine->EnqueueObjectRepair("b", std::string(kMaxObjectKeySize + 1, 'k'),
                                          MakeVersion(1), "r"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(engine->status().repair_queue_depth, 0u);
}

}  // namespace
}  // namespace shale::storage
