#include "common/hlc.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "tests/support/status_matchers.h"

namespace shale {
namespace {

using ::shale::testing::StatusIs;

uint64_t TestSeed() {
  const char* env = std::getenv("SHALE_TEST_SEED");
  uint64_t seed = env != nullptr ? std::strtoull(env, nullptr, 10) : std::random_device{}();
  std::printf("SHALE_TEST_SEED=%llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

TEST(ManualClockTest, AdvanceAndStep) {
  ManualClock clock(1000, 5);
  clock.Advance(10);
  EXPECT_EQ(clock.NowMicros(), 1010u);
  EXPECT_EQ(clock.MonotonicMicros(), 15u);
  clock.SetWallMicros(3);
  EXPECT_EQ(clock.NowMicros(), 3u);
  EXPECT_EQ(clock.MonotonicMicros(), 15u);
}

TEST(SystemClockTest, WallIsAfter2020AndMonotonicDoesNotDecrease) {
  SystemClock& clock = SystemClock::Default();
  EXPECT_GT(clock.NowMicros(), 1'577'836'800'000'000ull);  // 2020-01-01.
  uint64_t a = clock.MonotonicMicros();
  uint64_t b = clock.MonotonicMicros();
  EXPECT_LE(a, b);
}

TEST(HlcTest, FollowsWallClockWhenItAdvances) {
  ManualClock clock(5'000'000);
  HybridLogicalClock hlc(clock, 7);
  VersionId a = hlc.Now();
  EXPECT_EQ(a, (VersionId{5'000'000, 0, 7}));
  clock.Advance(3);
  EXPECT_EQ(hlc.Now(), (VersionId{5'000'003, 0, 7}));
}

TEST(HlcTest, StrictlyIncreasingWhenClockStallsOrStepsBack) {
  ManualClock clock(10'000'000);
  HybridLogicalClock hlc(clock, 1);
  VersionId prev = hlc.Now();
  for (int i = 0; i < 1000; ++i) {
    if (i % 3 == 0) clock.SetWallMicros(clock.NowMicros() - 7);  // Steps backwards.
    if (i % 5 == 0) clock.Advance(2);
    VersionId next = hlc.Now();
    ASSERT_LT(prev, next) << i;
    prev = next;
  }
  // A big backward step: the id keeps the old wall time and counts up.
  clock.SetWallMicros(1);
  VersionId after = hlc.Now();
  EXPECT_EQ(after.wall_micros, prev.wall_micros);
  EXPECT_EQ(after.logical, prev.logical + 1);
}

TEST(HlcTest, ObserveMakesLaterIdsGreater) {
  ManualClock clock(1'000'000);
  HybridLogicalClock hlc(clock, 1);
  VersionId remote{1'000'500, 9, 0xffffffffu};  // A peer slightly ahead, highest origin.
  ASSERT_OK(hlc.Observe(remote));
  VersionId next = hlc.Now();
  EXPECT_GT(next, remote);
  EXPECT_EQ(next.wall_micros, remote.wall_micros);
  EXPECT_EQ(next.logical, 10u);
  // Observing something older changes nothing.
  ASSERT_OK(hlc.Observe(VersionId{5, 5, 5}));
  EXPECT_GT(hlc.Now(), next);
}

TEST(HlcTest, ObserveRejectsIdsFarInTheFuture) {
  ManualClock clock(1'000'000);
  HybridLogicalClock hlc(clock, 1, HybridLogicalClockOptions{.max_observed_lead_micros = 100});
  EXPECT_THAT(hlc.Observe(VersionId{1'000'101, 0, 2}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(hlc.Now().wall_micros, 1'000'000u);  // Unchanged by the refused id.
  EXPECT_OK(hlc.Observe(VersionId{1'000'100, 0, 2}));
  EXPECT_EQ(hlc.Now().wall_micros, 1'000'100u);
}

TEST(HlcTest, LogicalCounterOverflowBorrowsNextMicrosecond) {
  ManualClock clock(50);
  HybridLogicalClock hlc(clock, 1);
  ASSERT_OK(hlc.Observe(VersionId{50, 0xffffffffu, 0}));
  EXPECT_EQ(hlc.Now(), (VersionId{51, 0, 1}));
}

TEST(HlcTest, ConcurrentNowYieldsUniqueIncreasingIds) {
  ManualClock clock(1'000'000);  // Frozen: every id comes from the logical counter.
  HybridLogicalClock hlc(clock, 3);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::vector<std::vector<VersionId>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        ids[t].push_back(hlc.Now());
        if (i % 1000 == 0) clock.Advance(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<VersionId> all;
  for (const auto& v : ids) {
    // Each thread sees its own ids strictly increasing.
    for (size_t i = 1; i < v.size(); ++i) ASSERT_LT(v[i - 1], v[i]);
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(VersionIdTest, KnownEncodings) {
  VersionId id{0x0102030405060708ull, 0x090a0b0c, 0x0d0e0f10};
  VersionId::Binary bin = id.ToBinary();
  const uint8_t expected[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  EXPECT_EQ(std::memcmp(bin.data(), expected, 16), 0);
  EXPECT_EQ(id.ToText(), "0102030405060708090a0b0c0d0e0f10");
  VersionId::Binary inv = id.ToInverted();
  EXPECT_EQ(inv[0], 0xfe);
  EXPECT_EQ(inv[15], 0xef);
}

TEST(VersionIdTest, RoundTrips) {
  VersionId id{1'700'000'000'123'456ull, 42, 65535};
  ASSERT_OK_AND_ASSIGN(VersionId a, VersionId::FromBinary(id.ToBinary()));
  EXPECT_EQ(a, id);
  ASSERT_OK_AND_ASSIGN(VersionId b, VersionId::FromInverted(id.ToInverted()));
  EXPECT_EQ(b, id);
  ASSERT_OK_AND_ASSIGN(VersionId c, VersionId::FromText(id.ToText()));
  EXPECT_EQ(c, id);
  VersionId max{~0ull, ~0u, ~0u};
  EXPECT_EQ(max.ToText(), std::string(32, 'f'));
  ASSERT_OK_AND_ASSIGN(VersionId d, VersionId::FromText(max.ToText()));
  EXPECT_EQ(d, max);
}

TEST(VersionIdTest, ParseRejectsBadInput) {
  const std::string good = "0102030405060708090a0b0c0d0e0f10";
  ASSERT_OK(VersionId::FromText(good));
  const std::vector<std::string> bads = {
      "",
      good.substr(1),
      good + "0",
      "0102030405060708090A0B0C0D0E0F10",  // Uppercase: one id has one text form.
      "0102030405060708090a0b0c0d0e0f1g",
      " 102030405060708090a0b0c0d0e0f10",
      "0102030405060708090a0b0c0d0e0f1-",
      std::string("0102030405060708\0"
                  "90a0b0c0d0e0f10",
                  32),
      "null",
  };
  for (const std::string& bad : bads) {
    EXPECT_THAT(VersionId::FromText(bad), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
  std::vector<uint8_t> short_bin(15), long_bin(17);
  EXPECT_THAT(VersionId::FromBinary(short_bin), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(VersionId::FromBinary(long_bin), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(VersionId::FromInverted(short_bin), StatusIs(StatusCode::kInvalidArgument));
}

TEST(VersionIdTest, EncodingOrderMatchesOperatorLess) {
  std::mt19937_64 rng(TestSeed());
  std::vector<VersionId> ids;
  for (int i = 0; i < 2000; ++i) {
    // Small ranges make equal walls and logicals common, so every field decides some pairs.
    VersionId id{1'700'000'000'000'000ull + rng() % 8, static_cast<uint32_t>(rng() % 4),
                 static_cast<uint32_t>(rng() % 3)};
    if (i % 4 == 0)
      id = VersionId{rng(), static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng())};
    ids.push_back(id);
  }
  for (size_t i = 0; i + 1 < ids.size(); ++i) {
    const VersionId& a = ids[i];
    const VersionId& b = ids[i + 1];
    auto sign = [](int v) { return (v > 0) - (v < 0); };
    int expected = a < b ? -1 : (b < a ? 1 : 0);
    VersionId::Binary ab = a.ToBinary(), bb = b.ToBinary();
    ASSERT_EQ(sign(std::memcmp(ab.data(), bb.data(), 16)), expected)
        << a.ToText() << " " << b.ToText();
    VersionId::Binary ai = a.ToInverted(), bi = b.ToInverted();
    ASSERT_EQ(sign(std::memcmp(ai.data(), bi.data(), 16)), -expected);
    ASSERT_EQ(sign(a.ToText().compare(b.ToText())), expected);
  }
  // Sorting by each encoding gives the same order as sorting the ids.
  std::vector<VersionId> by_id = ids;
  std::sort(by_id.begin(), by_id.end());
  std::vector<std::string> texts;
  for (const auto& id : ids) texts.push_back(id.ToText());
  std::sort(texts.begin(), texts.end());
  for (size_t i = 0; i < ids.size(); ++i) ASSERT_EQ(texts[i], by_id[i].ToText());
}

}  // namespace
}  // namespace shale
