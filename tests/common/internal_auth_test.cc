#include "common/internal_auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace shale::internal_auth {
namespace {

using ::shale::testing::StatusIs;

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef";
constexpr std::string_view kBodySha =
    "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";  // SHA-256("hello")
constexpr std::string_view kTarget =
    "/v1/versions/b/a%2Fb?version=00112233445566778899aabbccddeeff&limit=10&a";
// Computed independently (Python hmac/hashlib) from the canonical string below.
constexpr std::string_view kExpected =
    "SHALE-HMAC-SHA256 e9be42393d9dec050fc7ff9265c000a4d5558741736e814f06fc5b315d3dd8a1";

SignedFields Fixed() {
  return {"PUT", "/v1/versions/b/a%2Fb", "version=00112233445566778899aabbccddeeff&limit=10&a",
          1700000000, kBodySha};
}

TEST(InternalAuthTest, FixedVector) {
  EXPECT_EQ(BodySha256Hex("hello"), kBodySha);
  ASSERT_OK_AND_ASSIGN(std::string canonical, CanonicalString(Fixed()));
  EXPECT_EQ(canonical,
            "SHALE-HMAC-SHA256\nPUT\n/v1/versions/b/a%2Fb\n"
            "a=&limit=10&version=00112233445566778899aabbccddeeff\n1700000000\n" +
                std::string(kBodySha));
  ASSERT_OK_AND_ASSIGN(std::string auth, AuthorizationValue(kSecret, Fixed()));
  EXPECT_EQ(auth, kExpected);
  EXPECT_OK(
      VerifyRequest(kSecret, "PUT", kTarget, {"1700000000", kBodySha, kExpected}, 1700000000));
}

TEST(InternalAuthTest, EveryFieldChangesTheSignature) {
  std::string other_sha(kBodySha);
  other_sha[0] = '3';
  std::vector<SignedFields> variants(5, Fixed());
  variants[0].method = "GET";
  variants[1].path = "/v1/versions/b/a%2Fc";
  variants[2].raw_query = "version=00112233445566778899aabbccddeeff&limit=11&a";
  variants[3].date = 1700000001;
  variants[4].content_sha256 = other_sha;
  for (const auto& v : variants) {
    ASSERT_OK_AND_ASSIGN(std::string auth, AuthorizationValue(kSecret, v));
    EXPECT_NE(auth, kExpected);
  }
  ASSERT_OK_AND_ASSIGN(std::string auth, AuthorizationValue("another secret", Fixed()));
  EXPECT_NE(auth, kExpected);
}

TEST(InternalAuthTest, QueryOrderAndEncodingDoNotMatter) {
  ASSERT_OK_AND_ASSIGN(std::string a, CanonicalQuery("b=2&a=%41x"));
  ASSERT_OK_AND_ASSIGN(std::string b, CanonicalQuery("a=Ax&b=2"));
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, "a=Ax&b=2");
}

TEST(InternalAuthTest, Rejections) {
  auto verify = [](std::string_view date, std::string_view sha, std::string_view auth,
                   int64_t now = 1700000000, std::string_view target = kTarget) {
    return VerifyRequest(kSecret, "PUT", target, {date, sha, auth}, now);
  };
  EXPECT_THAT(verify("1700000000", kBodySha, ""), StatusIs(StatusCode::kUnauthenticated));
  std::string bad(kExpected);
  bad.back() = bad.back() == '0' ? '1' : '0';
  EXPECT_THAT(verify("1700000000", kBodySha, bad), StatusIs(StatusCode::kUnauthenticated));
  EXPECT_THAT(verify("1700000000", kBodySha, kExpected, 1700000000 + 301),
              StatusIs(StatusCode::kUnauthenticated));
  EXPECT_THAT(verify("1700000000", kBodySha, kExpected, 1700000000 - 301),
              StatusIs(StatusCode::kUnauthenticated));
  EXPECT_OK(verify("1700000000", kBodySha, kExpected, 1700000000 + 300));
  EXPECT_THAT(verify("17e8", kBodySha, kExpected), StatusIs(StatusCode::kUnauthenticated));
  EXPECT_THAT(verify("", kBodySha, kExpected), StatusIs(StatusCode::kUnauthenticated));
  EXPECT_THAT(verify("1700000000", "UNSIGNED", kExpected), StatusIs(StatusCode::kUnauthenticated));
  EXPECT_THAT(verify("1700000000", kBodySha, kExpected, 1700000000, "/v1/versions/b/a%2Fb"),
              StatusIs(StatusCode::kUnauthenticated));
  // The reason never carries the secret or a signature.
  Status s = verify("1700000000", kBodySha, bad);
  EXPECT_EQ(s.message().find(kSecret), std::string::npos);
  EXPECT_EQ(s.message().find(bad.substr(18)), std::string::npos);
}

TEST(InternalAuthTest, UriCoding) {
  EXPECT_EQ(UriEncode("a/b c~-._%"), "a%2Fb%20c~-._%25");
  ASSERT_OK_AND_ASSIGN(std::string d, UriDecode("a%2fb%20c+"));
  EXPECT_EQ(d, "a/b c+");
  EXPECT_THAT(UriDecode("%"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(UriDecode("%4"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(UriDecode("%zz"), StatusIs(StatusCode::kInvalidArgument));
  std::string many;
  for (int i = 0; i < 65; ++i) many += "a=1&";
  EXPECT_THAT(ParseQuery(many), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace shale::internal_auth
