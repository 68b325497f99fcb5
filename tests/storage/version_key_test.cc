#include "storage/version_key.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/support/status_matchers.h"

namespace shale::storage {
namespace {

using ::shale::testing::StatusIs;
using namespace std::string_literals;

VersionId Vid(uint8_t last, uint8_t first = 0) {
  VersionId v{};
  v[0] = first;
  v[15] = last;
  return v;
}

std::string Enc(std::string_view bucket, std::string_view key, const VersionId& v) {
  Result<std::string> r = EncodeVersionKey(bucket, key, v);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::string();
}

TEST(VersionKeyTest, OrderIsBucketThenKeyThenNewestVersion) {
  // Each element must sort strictly before the next.
  std::vector<std::string> ordered = {
      Enc("a", "", Vid(0)),          Enc("a", "a", Vid(9)),     Enc("a", "a", Vid(1)),
      Enc("a", "a"s + '\0', Vid(5)), Enc("a", "a\0b"s, Vid(5)), Enc("a", "a\x01", Vid(5)),
      Enc("a", "ab", Vid(0, 200)),   Enc("a", "ab", Vid(0)),    Enc("a", "b", Vid(5)),
      Enc("a", "\xff\xff", Vid(5)),  Enc("a\x01", "", Vid(0)),  Enc("ab", "", Vid(0)),
  };
  for (size_t i = 0; i + 1 < ordered.size(); ++i) {
    EXPECT_LT(ordered[i], ordered[i + 1]) << "at " << i;
  }
}

TEST(VersionKeyTest, RoundTrip) {
  for (std::string key : {""s, "a"s, "a\0"s, "\0\0\xff"s, std::string(1024, '\0'), "x/y\xff"s}) {
    VersionId v = Vid(0x42, 0xA0);
    std::string enc = Enc("bucket", key, v);
    ASSERT_OK_AND_ASSIGN(VersionKey d, DecodeVersionKey(enc));
    EXPECT_EQ(d.bucket, "bucket");
    EXPECT_EQ(d.key, key);
    EXPECT_EQ(d.version, v);
  }
}

TEST(VersionKeyTest, PrefixAndSuccessorBounds) {
  ASSERT_OK_AND_ASSIGN(std::string p, EncodeKeyPrefix("b", "a\0"s));
  EXPECT_TRUE(Enc("b", "a\0"s, Vid(1)).starts_with(p));
  EXPECT_TRUE(Enc("b", "a\0z"s, Vid(1)).starts_with(p));
  EXPECT_FALSE(Enc("b", "a", Vid(1)).starts_with(p));
  EXPECT_FALSE(Enc("b", "ab", Vid(1)).starts_with(p));
  ASSERT_OK_AND_ASSIGN(std::string succ, EncodeObjectSuccessor("b", "a"));
  EXPECT_GT(succ, Enc("b", "a", Vid(0)));
  EXPECT_LT(succ, Enc("b", "a"s + '\0', VersionId{}));
  ASSERT_OK_AND_ASSIGN(std::string start, EncodeObjectStart("b", "a"));
  EXPECT_TRUE(Enc("b", "a", Vid(7)).starts_with(start));
  EXPECT_FALSE(Enc("b", "a"s + '\0', Vid(7)).starts_with(start));
}

TEST(VersionKeyTest, RejectsBadInputs) {
  EXPECT_THAT(EncodeVersionKey("", "k", VersionId{}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(EncodeVersionKey("a\0b"s, "k", VersionId{}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(EncodeVersionKey(std::string(256, 'b'), "k", VersionId{}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(EncodeVersionKey("b", std::string(1025, 'k'), VersionId{}),
              StatusIs(StatusCode::kInvalidArgument));
  std::string good = Enc("b", "k\0"s, Vid(3));
  std::vector<std::string> bad = {
      "",
      "nobucketsep",
      "\0k\0\0"s + std::string(16, 'v'),     // Empty bucket.
      "b\0k"s,                               // No terminator.
      "b\0k\0"s,                             // Truncated escape.
      "b\0k\0\x01"s + std::string(16, 'v'),  // Invalid escape.
      good.substr(0, good.size() - 1),       // Short version.
      good + "x",                            // Long version.
  };
  for (const std::string& b : bad) {
    EXPECT_THAT(DecodeVersionKey(b), StatusIs(StatusCode::kCorruption)) << b;
  }
}

}  // namespace
}  // namespace shale::storage
