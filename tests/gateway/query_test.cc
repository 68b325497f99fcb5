#include "gateway/query.h"

#include <gtest/gtest.h>

#include <string>

#include "gateway/s3_error.h"
#include "tests/support/status_matchers.h"

namespace shale::gateway {
namespace {

S3ErrorCode CodeOf(const Status& s) { return S3ErrorFromStatus(s).code; }

TEST(QueryTest, SplitsInOrderWithAndWithoutValues) {
  ASSERT_OK_AND_ASSIGN(auto p, ParseQuery("a=1&b&c=&a=2"));
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].name, "a");
  EXPECT_EQ(p[0].value, "1");
  EXPECT_TRUE(p[0].has_value);
  EXPECT_EQ(p[1].name, "b");
  EXPECT_FALSE(p[1].has_value);
  EXPECT_EQ(p[2].name, "c");
  EXPECT_EQ(p[2].value, "");
  EXPECT_TRUE(p[2].has_value);
  EXPECT_EQ(p[3].value, "2");
}

TEST(QueryTest, DecodesPercentAndPlus) {
  ASSERT_OK_AND_ASSIGN(auto p, ParseQuery("prefix=a%2Fb+c%20d&k%3D=v%3d%26&e=%E1%88%B4=x"));
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].value, "a/b c d");
  EXPECT_EQ(p[1].name, "k=");
  EXPECT_EQ(p[1].value, "v=&");
  EXPECT_EQ(p[2].value, "\xE1\x88\xB4=x");  // Only the first '=' splits.
}

TEST(QueryTest, SkipsEmptySegments) {
  ASSERT_OK_AND_ASSIGN(auto p, ParseQuery("&&a=1&&"));
  ASSERT_EQ(p.size(), 1u);
  ASSERT_OK_AND_ASSIGN(auto none, ParseQuery(""));
  EXPECT_TRUE(none.empty());
}

TEST(QueryTest, RejectsBadEscapesAndLimits) {
  for (std::string_view bad : {"a=%", "a=%4", "a=%zz", "a=%4g", "%=1", "a=1&b=%%41"}) {
    EXPECT_EQ(CodeOf(ParseQuery(bad).status()), S3ErrorCode::kInvalidURI) << bad;
  }
  QueryLimits limits;
  limits.max_params = 2;
  EXPECT_OK(ParseQuery("a&b", limits));
  EXPECT_EQ(CodeOf(ParseQuery("a&b&c", limits).status()), S3ErrorCode::kInvalidURI);
  limits.max_length = 4;
  EXPECT_EQ(CodeOf(ParseQuery("a=123", limits).status()), S3ErrorCode::kInvalidURI);
}

TEST(QueryTest, PercentDecodeModes) {
  EXPECT_EQ(*PercentDecode("a+b%2B", PercentDecodeMode::kPath), "a+b+");
  EXPECT_EQ(*PercentDecode("a+b%2B", PercentDecodeMode::kQuery), "a b+");
  EXPECT_EQ(*PercentDecode("%00%ff%FF", PercentDecodeMode::kPath), std::string("\0\xff\xff", 3));
  EXPECT_FALSE(PercentDecode("abcd", PercentDecodeMode::kPath, 3).ok());
}

TEST(QueryTest, UriEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(UriEncode("-_.~AZaz09", UriEncodeMode::kComponent), "-_.~AZaz09");
  EXPECT_EQ(UriEncode("a b/c", UriEncodeMode::kComponent), "a%20b%2Fc");
  EXPECT_EQ(UriEncode("a b/c", UriEncodeMode::kPath), "a%20b/c");
  EXPECT_EQ(UriEncode("!'()*+$&=,;:@?#[]%", UriEncodeMode::kPath),
            "%21%27%28%29%2A%2B%24%26%3D%2C%3B%3A%40%3F%23%5B%5D%25");
  EXPECT_EQ(UriEncode("\xE1\x88\xB4", UriEncodeMode::kComponent), "%E1%88%B4");
  EXPECT_EQ(UriEncode(std::string("\0\xff", 2), UriEncodeMode::kComponent), "%00%FF");
}

TEST(QueryTest, EncodeDecodeRoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (auto mode : {UriEncodeMode::kComponent, UriEncodeMode::kPath}) {
    ASSERT_OK_AND_ASSIGN(std::string back,
                         PercentDecode(UriEncode(all, mode), PercentDecodeMode::kQuery));
    EXPECT_EQ(back, all);
  }
}

}  // namespace
}  // namespace shale::gateway
