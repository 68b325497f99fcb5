#include "storage/lmdb.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale::storage::lmdb {
namespace {

using ::shale::testing::StatusIs;
using ::testing::HasSubstr;

// (Not "k" + to_string: GCC 12 warns falsely on it, -Werror=restrict.)
std::string Key(int i) { return std::string("k").append(std::to_string(i)); }

class LmdbTest : public ::testing::Test {
 protected:
  void OpenEnv(uint64_t map_size) {
    EnvOptions options;
    options.map_size = map_size;
    options.data_dir = "/data/d1";
    ASSERT_OK_AND_ASSIGN(env_, Env::Open(dir_.path(), options));
    ASSERT_OK_AND_ASSIGN(auto txn, WriteTxn::Begin(*env_));
    ASSERT_OK_AND_ASSIGN(dbi_, txn.OpenDbi("t"));
    ASSERT_OK(txn.Commit());
  }

  ::shale::testing::TempDir dir_;
  std::unique_ptr<Env> env_;
  Dbi dbi_;
};

TEST_F(LmdbTest, StatusMapping) {
  EXPECT_THAT(MdbStatus(MDB_NOTFOUND, "get"), StatusIs(StatusCode::kNotFound));
  Status full = MdbStatus(MDB_MAP_FULL, "put");
  EXPECT_TRUE(IsMapFull(full));
  EXPECT_FALSE(IsMapFull(Status::NoSpace("disk full")));
  for (int rc : {MDB_CORRUPTED, MDB_INVALID, MDB_VERSION_MISMATCH, MDB_PAGE_NOTFOUND}) {
    Status s = MdbStatus(rc, "open", "/data/d1");
    EXPECT_THAT(s, StatusIs(StatusCode::kCorruption));
    EXPECT_THAT(s.message(), HasSubstr("shale rebuild-index --data /data/d1"));
  }
  EXPECT_THAT(MdbStatus(MDB_READERS_FULL, "begin"), StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(MdbStatus(ENOENT, "open"), StatusIs(StatusCode::kNotFound));
  EXPECT_OK(MdbStatus(MDB_SUCCESS, "x"));
}

TEST_F(LmdbTest, CommitAbortAndSnapshots) {
  OpenEnv(1 << 20);
  EXPECT_EQ(env_->MaxKeySize(), 511u);
  {
    ASSERT_OK_AND_ASSIGN(auto txn, WriteTxn::Begin(*env_));
    ASSERT_OK(txn.Put(dbi_, "a", "1"));
    ASSERT_OK(txn.Commit());
  }
  {
    ASSERT_OK_AND_ASSIGN(auto txn, WriteTxn::Begin(*env_));
    ASSERT_OK(txn.Put(dbi_, "b", "2"));
    // Destroyed without Commit: aborted.
  }
  ASSERT_OK_AND_ASSIGN(auto before, ReadTxn::Begin(*env_));
  {
    ASSERT_OK_AND_ASSIGN(auto txn, WriteTxn::Begin(*env_));
    ASSERT_OK(txn.Put(dbi_, "c", "3"));
    EXPECT_THAT(txn.Delete(dbi_, "zz"), StatusIs(StatusCode::kNotFound));
    ASSERT_OK(txn.Commit());
  }
  EXPECT_THAT(before.Get(dbi_, "b"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(before.Get(dbi_, "c"), StatusIs(StatusCode::kNotFound));  // Its own snapshot.
  ASSERT_OK_AND_ASSIGN(auto a, before.Get(dbi_, "a"));
  EXPECT_EQ(a, "1");
  // MDB_NOTLS: a read txn begun here may be used and ended on another thread.
  std::thread([&] {
    ASSERT_OK_AND_ASSIGN(auto v, before.Get(dbi_, "a"));
    EXPECT_EQ(v, "1");
    before.Abort();
  }).join();

  ASSERT_OK_AND_ASSIGN(auto now, ReadTxn::Begin(*env_));
  ASSERT_OK_AND_ASSIGN(auto c, Cursor::Open(now, dbi_));
  std::string keys;
  ASSERT_OK(c.SeekFirst());
  while (c.Valid()) {
    keys += c.key();
    ASSERT_OK(c.Next());
  }
  EXPECT_EQ(keys, "ac");
  ASSERT_OK(c.Seek("b"));
  ASSERT_TRUE(c.Valid());
  EXPECT_EQ(c.key(), "c");
  ASSERT_OK(c.Seek("d"));
  EXPECT_FALSE(c.Valid());
}

TEST_F(LmdbTest, MapFullIsRecognizableAndGrowingFixesIt) {
  OpenEnv(64 << 10);
  std::string value(1000, 'v');
  Status s;
  int i = 0;
  {
    ASSERT_OK_AND_ASSIGN(auto txn, WriteTxn::Begin(*env_));
    for (; i < 10000 && s.ok(); ++i) s = txn.Put(dbi_, Key(i), value);
  }
  ASSERT_TRUE(IsMapFull(s)) << s.ToString();
  uint64_t before = env_->MapSize();
  ASSERT_OK(env_->SetMapSize(before * 64));  // No txn is active here.
  EXPECT_GE(env_->MapSize(), before * 64);
  ASSERT_OK_AND_ASSIGN(auto txn, WriteTxn::Begin(*env_));
  for (int j = 0; j < i; ++j) ASSERT_OK(txn.Put(dbi_, Key(j), value));
  ASSERT_OK(txn.Commit());
}

TEST_F(LmdbTest, TooLongKeyIsInvalidArgument) {
  OpenEnv(1 << 20);
  ASSERT_OK_AND_ASSIGN(auto txn, WriteTxn::Begin(*env_));
  EXPECT_THAT(txn.Put(dbi_, std::string(512, 'k'), "v"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_OK(txn.Put(dbi_, std::string(511, 'k'), "v"));
}

TEST_F(LmdbTest, OpenMissingDirectoryFails) {
  EnvOptions options;
  EXPECT_THAT(Env::Open(dir_.Sub("missing"), options), StatusIs(StatusCode::kNotFound));
}

}  // namespace
}  // namespace shale::storage::lmdb
