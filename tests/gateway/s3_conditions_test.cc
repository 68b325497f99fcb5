#include "gateway/s3_conditions.h"

#include <gtest/gtest.h>

#include "gateway/s3_dates.h"

namespace shale::gateway {
namespace {

constexpr auto kGo = ConditionOutcome::kProceed;
constexpr auto k304 = ConditionOutcome::kNotModified;
constexpr auto k412 = ConditionOutcome::kPreconditionFailed;

// Last-Modified of the object under test: Sun, 06 Nov 1994 08:49:37.250 GMT.
constexpr int64_t kModifiedMs = 784111777250;
constexpr const char* kBefore = "Sun, 06 Nov 1994 08:49:36 GMT";
constexpr const char* kSame = "Sun, 06 Nov 1994 08:49:37 GMT";
constexpr const char* kAfter = "Sun, 06 Nov 1994 08:49:38 GMT";

struct Case {
  const char* if_match;
  const char* if_none_match;
  const char* if_modified_since;
  const char* if_unmodified_since;
  ConditionOutcome expected;
};

std::optional<std::string_view> Opt(const char* s) {
  return s ? std::optional<std::string_view>(s) : std::nullopt;
}

TEST(S3ConditionsTest, Table) {
  const Case cases[] = {
      {nullptr, nullptr, nullptr, nullptr, kGo},
      // If-Match.
      {"\"abc\"", nullptr, nullptr, nullptr, kGo},
      {"abc", nullptr, nullptr, nullptr, kGo},
      {"\"x\", \"abc\"", nullptr, nullptr, nullptr, kGo},
      {"*", nullptr, nullptr, nullptr, kGo},
      {"\"x\"", nullptr, nullptr, nullptr, k412},
      {"W/\"abc\"", nullptr, nullptr, nullptr, kGo},
      // If-Unmodified-Since (seconds granularity; unparsable dates are ignored).
      {nullptr, nullptr, nullptr, kSame, kGo},
      {nullptr, nullptr, nullptr, kAfter, kGo},
      {nullptr, nullptr, nullptr, kBefore, k412},
      {nullptr, nullptr, nullptr, "yesterday", kGo},
      // If-Match true wins over a failing If-Unmodified-Since.
      {"\"abc\"", nullptr, nullptr, kBefore, kGo},
      {"\"x\"", nullptr, nullptr, kAfter, k412},
      // If-None-Match.
      {nullptr, "\"abc\"", nullptr, nullptr, k304},
      {nullptr, "*", nullptr, nullptr, k304},
      {nullptr, "\"x\"", nullptr, nullptr, kGo},
      // If-Modified-Since.
      {nullptr, nullptr, kSame, nullptr, k304},
      {nullptr, nullptr, kAfter, nullptr, k304},
      {nullptr, nullptr, kBefore, nullptr, kGo},
      {nullptr, nullptr, "garbage", nullptr, kGo},
      // If-None-Match false makes If-Modified-Since irrelevant; true gives 304 regardless.
      {nullptr, "\"x\"", kAfter, nullptr, kGo},
      {nullptr, "\"abc\"", kBefore, nullptr, k304},
      // 412 conditions are evaluated before 304 ones.
      {"\"x\"", "\"abc\"", nullptr, nullptr, k412},
      {nullptr, "\"abc\"", nullptr, kBefore, k412},
      {"\"abc\"", "\"abc\"", nullptr, nullptr, k304},
  };
  for (const Case& c : cases) {
    ConditionHeaders h{Opt(c.if_match), Opt(c.if_none_match), Opt(c.if_modified_since),
                       Opt(c.if_unmodified_since)};
    EXPECT_EQ(EvaluateConditions(h, "abc", kModifiedMs), c.expected)
        << (c.if_match ? c.if_match : "-") << " | " << (c.if_none_match ? c.if_none_match : "-")
        << " | " << (c.if_modified_since ? c.if_modified_since : "-") << " | "
        << (c.if_unmodified_since ? c.if_unmodified_since : "-");
  }
}

TEST(S3ConditionsTest, EtagLists) {
  EXPECT_TRUE(EtagListMatches("\"a\",\"b\"", "b"));
  EXPECT_TRUE(EtagListMatches(" \"b\" ", "\"b\""));
  EXPECT_FALSE(EtagListMatches("", "b"));
  EXPECT_FALSE(EtagListMatches("\"\"", ""));
  EXPECT_FALSE(EtagListMatches("\"bb\"", "b"));
}

TEST(S3DatesTest, FormatAndParse) {
  EXPECT_EQ(FormatHttpDate(kModifiedMs), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(FormatIso8601(kModifiedMs), "1994-11-06T08:49:37.250Z");
  EXPECT_EQ(FormatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(FormatIso8601(951782400000), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
  EXPECT_EQ(ParseHttpDate("Sun Nov  6 08:49:37 1994"), 784111777);
  EXPECT_EQ(ParseHttpDate("Tue, 29 Feb 2000 00:00:00 GMT"), 951782400);
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 UTC"), std::nullopt);
  EXPECT_EQ(ParseHttpDate("Sun, 06 Foo 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 24:49:37 GMT"), std::nullopt);
  EXPECT_EQ(ParseHttpDate(""), std::nullopt);
  EXPECT_EQ(ParseHttpDate("1994-11-06T08:49:37Z"), std::nullopt);
  // Every formatted date parses back to its second.
  for (int64_t ms : {int64_t{0}, kModifiedMs, int64_t{4102444799000}, int64_t{1700000000123}}) {
    EXPECT_EQ(ParseHttpDate(FormatHttpDate(ms)), ms / 1000) << ms;
  }
}

}  // namespace
}  // namespace shale::gateway
