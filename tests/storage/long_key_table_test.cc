#include "storage/long_key_table.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>
#include <string>

#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale::storage {
namespace {

using ::shale::testing::StatusIs;
constexpr size_t L = LongKeyTable::kChunk;

class LongKeyTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lmdb::EnvOptions options;
    options.map_size = 256 << 20;
    ASSERT_OK_AND_ASSIGN(env_, lmdb::Env::Open(dir_.path(), options));
    ASSERT_OK_AND_ASSIGN(auto txn, lmdb::WriteTxn::Begin(*env_));
    ASSERT_OK_AND_ASSIGN(auto table, LongKeyTable::Open(txn, "t"));
    table_.emplace(table);
    ASSERT_OK(txn.Commit());
  }

  // Checks the whole table and seeks at every model key (and its neighbours) against `model`.
  void ExpectMatches(const std::map<std::string, std::string>& model) {
    ASSERT_OK_AND_ASSIGN(auto txn, lmdb::ReadTxn::Begin(*env_));
    auto it = table_->NewIterator(txn);
    ASSERT_OK(it.SeekToFirst());
    for (const auto& [k, v] : model) {
      ASSERT_TRUE(it.Valid()) << "missing key of size " << k.size();
      ASSERT_EQ(it.key(), k);
      ASSERT_EQ(it.value(), v);
      ASSERT_OK(it.Next());
    }
    EXPECT_FALSE(it.Valid());
  }

  ::shale::testing::TempDir dir_;
  std::unique_ptr<lmdb::Env> env_;
  std::optional<LongKeyTable> table_;
};

TEST_F(LongKeyTableTest, BoundaryLengthsRoundTripInOrder) {
  std::map<std::string, std::string> model;
  ASSERT_OK_AND_ASSIGN(auto txn, lmdb::WriteTxn::Begin(*env_));
  for (size_t len : {size_t{0}, size_t{1}, L - 1, L, L + 1, 2 * L - 1, 2 * L, 2 * L + 1, 3 * L,
                     size_t{1500}, LongKeyTable::kMaxKeySize}) {
    for (char last : {'a', '\0', '\xff'}) {
      std::string k(len, 'k');
      if (len > 0) k.back() = last;
      std::string v = std::to_string(len);
      v.push_back(last);
      ASSERT_OK(table_->Put(txn, k, v));
      model[k] = v;
    }
  }
  for (const auto& [k, v] : model) {
    ASSERT_OK_AND_ASSIGN(auto got, table_->Get(txn, k));
    EXPECT_EQ(got, v);
  }
  EXPECT_THAT(table_->Get(txn, std::string(L + 2, 'k')), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(table_->Put(txn, std::string(LongKeyTable::kMaxKeySize + 1, 'k'), "x"),
              StatusIs(StatusCode::kInvalidArgument));
  ASSERT_OK(txn.Commit());
  ExpectMatches(model);
}

TEST_F(LongKeyTableTest, SeekAcrossChunkBoundaries) {
  ASSERT_OK_AND_ASSIGN(auto txn, lmdb::WriteTxn::Begin(*env_));
  std::string base(L, 'p');
  ASSERT_OK(table_->Put(txn, base, "exact"));          // Terminal on a full chunk.
  ASSERT_OK(table_->Put(txn, base + "b", "child-b"));  // Below it.
  ASSERT_OK(table_->Put(txn, base + "d" + std::string(L, 'x'), "deep"));
  ASSERT_OK(txn.Commit());
  ASSERT_OK_AND_ASSIGN(auto rtxn, lmdb::ReadTxn::Begin(*env_));
  auto it = table_->NewIterator(rtxn);
  ASSERT_OK(it.Seek(base));
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.value(), "exact");
  ASSERT_OK(it.Seek(base + "a"));
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.value(), "child-b");
  ASSERT_OK(it.Seek(base + "c"));
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.value(), "deep");
  ASSERT_OK(it.Seek(base + "d" + std::string(L, 'x') + std::string(1, '\0')));
  EXPECT_FALSE(it.Valid());
  ASSERT_OK(it.Seek(std::string(L - 1, 'p')));
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.value(), "exact");
}

TEST_F(LongKeyTableTest, DeletePrunesEmptyNodes) {
  ASSERT_OK_AND_ASSIGN(auto txn, lmdb::WriteTxn::Begin(*env_));
  std::string k(3 * L + 5, 'z');
  ASSERT_OK(table_->Put(txn, k, "v"));
  MDB_stat before;
  ASSERT_EQ(mdb_stat(txn.raw(), 2, &before), 0);  // The table is the first named db (dbi 2).
  EXPECT_EQ(before.ms_entries, 5u);               // 4 chunks + the node counter.
  ASSERT_OK(table_->Delete(txn, k));
  EXPECT_THAT(table_->Delete(txn, k), StatusIs(StatusCode::kNotFound));
  MDB_stat after;
  ASSERT_EQ(mdb_stat(txn.raw(), 2, &after), 0);
  EXPECT_EQ(after.ms_entries, 1u);  // Only the counter.
  ASSERT_OK(txn.Commit());
  ExpectMatches({});
}

std::string RandomKey(std::mt19937_64& rng, const std::vector<std::string>& prefixes) {
  std::string k = prefixes[rng() % prefixes.size()];
  size_t extra = rng() % 4 == 0 ? rng() % 600 : rng() % 4;
  for (size_t i = 0; i < extra; ++i) k.push_back("ab\0\xff"[rng() % 4]);
  if (k.size() > 1500) k.resize(1500);
  if (rng() % 8 == 0) k.resize(rng() % (k.size() + 1));
  return k;
}

TEST_F(LongKeyTableTest, RandomizedAgainstStdMap) {
  uint64_t seed = std::random_device{}();
  if (const char* s = std::getenv("SHALE_TEST_SEED")) seed = std::strtoull(s, nullptr, 10);
  std::printf("SHALE_TEST_SEED=%llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  std::vector<std::string> prefixes;
  for (size_t len : {size_t{0}, size_t{5}, size_t{500}, L, size_t{800}, 2 * L, size_t{1200}}) {
    prefixes.push_back(std::string(len, 'q'));
    std::string p(len, 'q');
    if (len > 0) p[len / 2] = 'r';
    prefixes.push_back(p);
  }
  std::map<std::string, std::string> model;
  for (int round = 0; round < 100; ++round) {
    ASSERT_OK_AND_ASSIGN(auto txn, lmdb::WriteTxn::Begin(*env_));
    for (int op = 0; op < 60; ++op) {
      std::string k = RandomKey(rng, prefixes);
      if (rng() % 3 == 0 && !model.empty()) {
        auto it = model.lower_bound(k);
        if (it == model.end()) it = model.begin();
        ASSERT_OK(table_->Delete(txn, it->first));
        model.erase(it);
      } else {
        std::string v = std::to_string(rng());
        ASSERT_OK(table_->Put(txn, k, v));
        model[k] = v;
      }
    }
    ASSERT_OK(txn.Commit());
    ASSERT_OK_AND_ASSIGN(auto rtxn, lmdb::ReadTxn::Begin(*env_));
    auto it = table_->NewIterator(rtxn);
    for (int s = 0; s < 40; ++s) {
      std::string target = RandomKey(rng, prefixes);
      ASSERT_OK(it.Seek(target));
      auto want = model.lower_bound(target);
      for (int steps = 0; steps < 5; ++steps, ++want) {
        if (want == model.end()) {
          ASSERT_FALSE(it.Valid());
          break;
        }
        ASSERT_TRUE(it.Valid()) << "seed " << seed;
        ASSERT_EQ(it.key(), want->first) << "seed " << seed;
        ASSERT_EQ(it.value(), want->second);
        ASSERT_OK(it.Next());
      }
    }
  }
  ExpectMatches(model);
}

}  // namespace
}  // namespace shale::storage
