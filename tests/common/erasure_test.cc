#include "common/erasure.h"

#include <gtest/gtest.h>
#include <isa-l/erasure_code.h>

#include <algorithm>
#include <array>
#include <bit>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/crc.h"
#include "tests/support/random_seed.h"
#include "tests/support/status_matchers.h"

namespace shale {
namespace {

using ::shale::testing::StatusIs;

constexpr size_t kShardLengths[] = {1, 63, 64, 4097};

// One encoded stripe: k data shards (random) and m parity shards, plus a pristine copy.
struct Stripe {
  int k = 0;
  int m = 0;
  size_t shard_len = 0;
  std::vector<std::vector<uint8_t>> shards;
  std::vector<std::vector<uint8_t>> pristine;

  std::vector<uint8_t*> Pointers() {
    std::vector<uint8_t*> p;
    for (auto& s : shards) p.push_back(s.data());
    return p;
  }
};

Stripe MakeStripe(const ErasureCoder& coder, size_t shard_len, std::mt19937_64& rng) {
  Stripe s;
  s.k = coder.data_shards();
  s.m = coder.parity_shards();
  s.shard_len = shard_len;
  s.shards.assign(s.k + s.m, std::vector<uint8_t>(shard_len));
  for (int i = 0; i < s.k; ++i) {
    for (auto& b : s.shards[i]) b = static_cast<uint8_t>(rng());
  }
  std::vector<const uint8_t*> data;
  std::vector<uint8_t*> parity;
  for (int i = 0; i < s.k; ++i) data.push_back(s.shards[i].data());
  for (int i = s.k; i < s.k + s.m; ++i) parity.push_back(s.shards[i].data());
  EXPECT_OK(coder.Encode(data, parity, shard_len));
  s.pristine = s.shards;
  return s;
}

// Erases the shards in `lost` (scribbling over them), reconstructs, and checks every shard is
// bit-exact again.
void ExpectRebuilds(const ErasureCoder& coder, Stripe& stripe, const std::vector<int>& lost) {
  const size_t n = stripe.k + stripe.m;
  std::array<bool, 20> present;  // std::vector<bool> cannot be viewed as a span.
  present.fill(true);
  for (int i : lost) {
    present[i] = false;
    std::fill(stripe.shards[i].begin(), stripe.shards[i].end(), 0xa5);
  }
  std::vector<uint8_t*> ptrs = stripe.Pointers();
  ASSERT_OK(coder.Reconstruct(ptrs, std::span<const bool>(present.data(), n), stripe.shard_len));
  for (int i = 0; i < stripe.k + stripe.m; ++i) {
    ASSERT_EQ(stripe.shards[i], stripe.pristine[i])
        << "k=" << stripe.k << " m=" << stripe.m << " len=" << stripe.shard_len << " shard " << i
        << " lost=" << ::testing::PrintToString(lost);
  }
}

// Calls `visit` with every subset of {0..n-1} of size 1..max_size.
template <typename Visit>
void ForEachLossPattern(int n, int max_size, Visit visit) {
  for (uint32_t mask = 1; mask < (1u << n); ++mask) {
    if (std::popcount(mask) > max_size) continue;
    std::vector<int> lost;
    for (int i = 0; i < n; ++i) {
      if (mask & (1u << i)) lost.push_back(i);
    }
    visit(lost);
  }
}

// Parity straight from the Cauchy matrix with GF(2^8) multiplication, independent of ISA-L's
// table expansion and vector code.
std::vector<std::vector<uint8_t>> ReferenceParity(const Stripe& s) {
  std::vector<uint8_t> matrix((s.k + s.m) * s.k);
  gf_gen_cauchy1_matrix(matrix.data(), s.k + s.m, s.k);
  std::vector<std::vector<uint8_t>> parity(s.m, std::vector<uint8_t>(s.shard_len));
  for (int p = 0; p < s.m; ++p) {
    for (size_t b = 0; b < s.shard_len; ++b) {
      uint8_t acc = 0;
      for (int j = 0; j < s.k; ++j) acc ^= gf_mul(matrix[(s.k + p) * s.k + j], s.pristine[j][b]);
      parity[p][b] = acc;
    }
  }
  return parity;
}

class ErasureExhaustiveTest : public ::testing::TestWithParam<std::pair<int, int>> {};

TEST_P(ErasureExhaustiveTest, EveryLossPatternUpToMRebuildsBitExact) {
  const auto [k, m] = GetParam();
  ASSERT_OK_AND_ASSIGN(ErasureCoder coder, ErasureCoder::Create(k, m));
  std::mt19937_64 rng(testing::TestSeed());
  std::vector<Stripe> stripes;
  for (size_t len : kShardLengths) stripes.push_back(MakeStripe(coder, len, rng));
  int patterns = 0;
  ForEachLossPattern(k + m, m, [&](const std::vector<int>& lost) {
    ++patterns;
    for (Stripe& stripe : stripes) ExpectRebuilds(coder, stripe, lost);
  });
  EXPECT_GT(patterns, 0);
}

std::string LayoutName(const ::testing::TestParamInfo<std::pair<int, int>>& param) {
  std::string name = "k";
  name += std::to_string(param.param.first);
  name += "m";
  name += std::to_string(param.param.second);
  return name;
}

INSTANTIATE_TEST_SUITE_P(Layouts, ErasureExhaustiveTest,
                         ::testing::Values(std::pair{4, 2}, std::pair{8, 3}, std::pair{10, 4},
                                           std::pair{12, 4}, std::pair{1, 1}, std::pair{1, 4},
                                           std::pair{2, 1}),
                         LayoutName);

TEST(ErasureTest, SixteenPlusFourRandomLossPatterns) {
  ASSERT_OK_AND_ASSIGN(ErasureCoder coder, ErasureCoder::Create(16, 4));
  std::mt19937_64 rng(testing::TestSeed());
  Stripe stripe = MakeStripe(coder, 4097, rng);
  Stripe small = MakeStripe(coder, 63, rng);
  for (int round = 0; round < 400; ++round) {
    std::vector<int> all(20);
    for (int i = 0; i < 20; ++i) all[i] = i;
    std::shuffle(all.begin(), all.end(), rng);
    const int count = 1 + static_cast<int>(rng() % 4);
    std::vector<int> lost(all.begin(), all.begin() + count);
    ExpectRebuilds(coder, round % 2 == 0 ? stripe : small, lost);
  }
}

TEST(ErasureTest, ParityMatchesGaloisFieldReference) {
  std::mt19937_64 rng(testing::TestSeed());
  for (auto [k, m] : {std::pair{4, 2}, std::pair{8, 3}, std::pair{16, 4}, std::pair{1, 2}}) {
    ASSERT_OK_AND_ASSIGN(ErasureCoder coder, ErasureCoder::Create(k, m));
    for (size_t len : kShardLengths) {
      const Stripe s = MakeStripe(coder, len, rng);
      const auto parity = ReferenceParity(s);
      for (int p = 0; p < m; ++p) {
        ASSERT_EQ(s.pristine[k + p], parity[p]) << "k=" << k << " m=" << m << " len=" << len;
      }
    }
  }
}

// Parity is stored on disk: this pins the exact bytes for one input, so a change of matrix,
// library or layout cannot go unnoticed.
TEST(ErasureTest, ParityBytesArePinned) {
  ASSERT_OK_AND_ASSIGN(ErasureCoder coder, ErasureCoder::Create(4, 2));
  std::vector<std::vector<uint8_t>> shards(6, std::vector<uint8_t>(256));
  for (int i = 0; i < 4; ++i) {
    for (size_t b = 0; b < 256; ++b) shards[i][b] = static_cast<uint8_t>(i * 64 + b * 7);
  }
  const uint8_t* data[] = {shards[0].data(), shards[1].data(), shards[2].data(), shards[3].data()};
  uint8_t* parity[] = {shards[4].data(), shards[5].data()};
  ASSERT_OK(coder.Encode(data, parity, 256));
  EXPECT_EQ(Crc32c(std::span<const uint8_t>(shards[4])), 0xb9274e5eu);
  EXPECT_EQ(Crc32c(std::span<const uint8_t>(shards[5])), 0xbd9dfd14u);
}

TEST(ErasureTest, NoParityEncodesNothingAndRebuildsNothing) {
  ASSERT_OK_AND_ASSIGN(ErasureCoder coder, ErasureCoder::Create(5, 0));
  EXPECT_EQ(coder.total_shards(), 5);
  std::mt19937_64 rng(testing::TestSeed());
  Stripe s = MakeStripe(coder, 64, rng);
  EXPECT_EQ(s.shards, s.pristine);
  std::vector<uint8_t*> ptrs = s.Pointers();
  const bool all_present[5] = {true, true, true, true, true};
  EXPECT_OK(coder.Reconstruct(ptrs, all_present, 64));
  const bool one_missing[5] = {true, false, true, true, true};
  EXPECT_THAT(coder.Reconstruct(ptrs, one_missing, 64), StatusIs(StatusCode::kFailedPrecondition));
}

TEST(ErasureTest, MoreThanMLossesFailCleanly) {
  ASSERT_OK_AND_ASSIGN(ErasureCoder coder, ErasureCoder::Create(4, 2));
  std::mt19937_64 rng(testing::TestSeed());
  Stripe s = MakeStripe(coder, 64, rng);
  std::vector<uint8_t*> ptrs = s.Pointers();
  const bool present[6] = {false, true, false, true, true, false};
  EXPECT_THAT(coder.Reconstruct(ptrs, present, 64), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_EQ(s.shards, s.pristine);  // Nothing written.
  const bool none[6] = {};
  EXPECT_THAT(coder.Reconstruct(ptrs, none, 64), StatusIs(StatusCode::kFailedPrecondition));
}

TEST(ErasureTest, CreateRejectsInvalidLayouts) {
  for (auto [k, m] : {std::pair{0, 2}, std::pair{-1, 0}, std::pair{17, 2}, std::pair{4, 5},
                      std::pair{4, -1}, std::pair{16, 5}}) {
    EXPECT_THAT(ErasureCoder::Create(k, m), StatusIs(StatusCode::kInvalidArgument))
        << k << "+" << m;
  }
  EXPECT_OK(ErasureCoder::Create(16, 4));
  EXPECT_OK(ErasureCoder::Create(1, 0));
}

TEST(ErasureTest, RejectsWrongBufferCounts) {
  ASSERT_OK_AND_ASSIGN(ErasureCoder coder, ErasureCoder::Create(4, 2));
  std::vector<uint8_t> buf(6 * 64);
  const uint8_t* data[3] = {buf.data(), buf.data() + 64, buf.data() + 128};
  uint8_t* parity[2] = {buf.data() + 256, buf.data() + 320};
  EXPECT_THAT(coder.Encode(data, parity, 64), StatusIs(StatusCode::kInvalidArgument));
  uint8_t* shards[5] = {buf.data(), buf.data() + 64, buf.data() + 128, buf.data() + 192,
                        buf.data() + 256};
  const bool present[5] = {true, true, true, true, true};
  EXPECT_THAT(coder.Reconstruct(shards, present, 64), StatusIs(StatusCode::kInvalidArgument));
}

// More loss patterns than the plan cache holds (128), visited twice: cached plans and plans
// computed per call must both decode correctly.
TEST(ErasureTest, MoreLossPatternsThanThePlanCacheHolds) {
  ASSERT_OK_AND_ASSIGN(ErasureCoder coder, ErasureCoder::Create(10, 4));
  std::mt19937_64 rng(testing::TestSeed());
  Stripe s = MakeStripe(coder, 128, rng);
  std::vector<std::vector<int>> patterns;
  ForEachLossPattern(14, 3, [&](const std::vector<int>& lost) { patterns.push_back(lost); });
  ASSERT_GT(patterns.size(), 128u);
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& lost : patterns) ExpectRebuilds(coder, s, lost);
  }
}

// One coder shared by several threads, each rebuilding its own stripes with overlapping loss
// patterns (run under TSan/ASan to catch races on the plan cache).
TEST(ErasureTest, ConcurrentEncodeAndReconstructOnSharedCoder) {
  ASSERT_OK_AND_ASSIGN(ErasureCoder coder, ErasureCoder::Create(8, 3));
  const uint64_t seed = testing::TestSeed();
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(seed + t);
      for (int round = 0; round < 100; ++round) {
        Stripe s = MakeStripe(coder, 256, rng);
        std::vector<int> lost = {static_cast<int>(rng() % 11)};
        if (rng() % 2) lost.push_back((lost[0] + 1 + rng() % 10) % 11);
        ExpectRebuilds(coder, s, lost);
        if (::testing::Test::HasFailure()) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

TEST(ShardLengthTest, RoundsUpToAlignment) {
  EXPECT_EQ(ShardLength(0, 4), 0u);
  EXPECT_EQ(ShardLength(1, 4), 64u);
  EXPECT_EQ(ShardLength(256, 4), 64u);
  EXPECT_EQ(ShardLength(257, 4), 128u);
  EXPECT_EQ(ShardLength(4 << 20, 4), 1u << 20);
  EXPECT_EQ(ShardLength(4 << 20, 10), 419456u);  // ceil(419430.4) rounded up to 64.
  EXPECT_EQ(ShardLength(100, 1), 128u);
  for (size_t len : {1ul, 1000ul, 65537ul, 4194304ul, 4194305ul}) {
    for (int k = 1; k <= 16; ++k) {
      const size_t shard = ShardLength(len, k);
      EXPECT_EQ(shard % kShardAlignment, 0u);
      EXPECT_GE(shard * k, len);
      EXPECT_LT(shard * k, len + k * kShardAlignment);  // Never a whole spare row.
    }
  }
}

TEST(ShardLengthTest, SplitChunkLaysOutShardsWithZeroPadding) {
  std::string chunk(300, '\0');
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>(i % 251 + 1);
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(chunk.data()),
                                       chunk.size());
  const size_t shard_len = ShardLength(chunk.size(), 4);
  ASSERT_EQ(shard_len, 128u);
  std::vector<uint8_t> out(4 * shard_len, 0xee);
  ASSERT_OK(SplitChunk(bytes, 4, out));
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), out.begin()));
  EXPECT_TRUE(std::all_of(out.begin() + chunk.size(), out.end(), [](uint8_t b) { return b == 0; }));
  std::vector<uint8_t> wrong(4 * shard_len - 1);
  EXPECT_THAT(SplitChunk(bytes, 4, wrong), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(SplitChunk(bytes, 0, out), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace shale
