#include "gateway/range.h"

#include <gtest/gtest.h>

#include <string>

namespace shale::gateway {
namespace {

struct Case {
  const char* header;
  uint64_t size;
  RangeOutcome outcome;
  uint64_t first = 0;
  uint64_t last = 0;
};

constexpr auto kPartial = RangeOutcome::kPartial;
constexpr auto kIgnore = RangeOutcome::kIgnore;
constexpr auto k416 = RangeOutcome::kNotSatisfiable;

TEST(RangeTest, Table) {
  const Case cases[] = {
      // bytes=a-b
      {"bytes=0-9", 100, kPartial, 0, 9},
      {"bytes=0-0", 100, kPartial, 0, 0},
      {"bytes=99-99", 100, kPartial, 99, 99},
      {"bytes=10-1000", 100, kPartial, 10, 99},
      {"bytes=100-200", 100, k416},
      {"bytes=5-3", 100, kIgnore},
      // bytes=a-
      {"bytes=0-", 100, kPartial, 0, 99},
      {"bytes=42-", 100, kPartial, 42, 99},
      {"bytes=100-", 100, k416},
      // bytes=-n
      {"bytes=-1", 100, kPartial, 99, 99},
      {"bytes=-10", 100, kPartial, 90, 99},
      {"bytes=-100", 100, kPartial, 0, 99},
      {"bytes=-1000", 100, kPartial, 0, 99},
      {"bytes=-0", 100, k416},
      // 0-byte objects: nothing is satisfiable.
      {"bytes=0-", 0, k416},
      {"bytes=0-0", 0, k416},
      {"bytes=-5", 0, k416},
      {"bytes=5-3", 0, kIgnore},
      // Huge numbers saturate instead of overflowing.
      {"bytes=0-99999999999999999999999999", 100, kPartial, 0, 99},
      {"bytes=99999999999999999999999999-", 100, k416},
      {"bytes=18446744073709551615-18446744073709551615", 100, k416},
      {"bytes=-99999999999999999999999999", 100, kPartial, 0, 99},
      {"bytes=0-18446744073709551615", UINT64_MAX, kPartial, 0, UINT64_MAX - 1},
      {"bytes=-18446744073709551615", UINT64_MAX, kPartial, 0, UINT64_MAX - 1},
      // The unit is case-insensitive.
      {"Bytes=1-2", 100, kPartial, 1, 2},
      {"BYTES=1-2", 100, kPartial, 1, 2},
      // Ignored: malformed, other units, several ranges.
      {"", 100, kIgnore},
      {"bytes", 100, kIgnore},
      {"bytes=", 100, kIgnore},
      {"bytes=-", 100, kIgnore},
      {"bytes=a-b", 100, kIgnore},
      {"bytes=1-2-3", 100, kIgnore},
      {"bytes=+1-2", 100, kIgnore},
      {"bytes=--1", 100, kIgnore},
      {"bytes= 1-2", 100, kIgnore},
      {"bytes=1 -2", 100, kIgnore},
      {"bytes =1-2", 100, kIgnore},
      {"items=1-2", 100, kIgnore},
      {"bytes=0-1,5-6", 100, kIgnore},
      {"bytes=0-1,", 100, kIgnore},
      {"bytes=0x1-2", 100, kIgnore},
  };
  for (const auto& c : cases) {
    ResolvedRange r = ResolveRange(c.header, c.size);
    EXPECT_EQ(r.outcome, c.outcome) << c.header << " size " << c.size;
    if (c.outcome == kPartial) {
      EXPECT_EQ(r.first, c.first) << c.header;
      EXPECT_EQ(r.last, c.last) << c.header;
      EXPECT_EQ(r.length(), c.last - c.first + 1) << c.header;
    }
  }
}

TEST(RangeTest, OverlongHeaderIsIgnored) {
  std::string header = "bytes=0-" + std::string(kMaxRangeHeaderBytes, '9');
  EXPECT_EQ(ResolveRange(header, 100).outcome, kIgnore);
  header.resize(kMaxRangeHeaderBytes);
  EXPECT_EQ(ResolveRange(header, 100).outcome, kPartial);
}

}  // namespace
}  // namespace shale::gateway
