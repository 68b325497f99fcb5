#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/query.h"
#include "gateway/s3_error.h"
#include "gateway/sigv4.h"
#include "tests/support/status_matchers.h"

namespace shale::gateway {
namespace {

using ::shale::testing::StatusIs;

S3ErrorCode CodeOf(const Status& s) { return S3ErrorFromStatus(s).code; }

constexpr std::string_view kEmpty =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

constexpr std::string_view kGoodSig =
    "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";

TEST(SigV4ParseTest, AuthorizationHeaderFields) {
  ASSERT_OK_AND_ASSIGN(
      SigV4Auth auth,
      ParseAuthorizationHeader("AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/s3/"
                               "aws4_request, SignedHeaders=host;x-amz-date, Signature=" +
                               std::string(kGoodSig)));
  EXPECT_EQ(auth.scope.access_key_id, "AK");
  EXPECT_EQ(auth.scope.date, "20260101");
  EXPECT_EQ(auth.scope.region, "us-east-1");
  EXPECT_EQ(auth.scope.ToString(), "20260101/us-east-1/s3/aws4_request");
  EXPECT_EQ(auth.signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
  EXPECT_EQ(auth.signature, kGoodSig);
}

TEST(SigV4ParseTest, MalformedAuthorizationHeaders) {
  const std::string sig(kGoodSig);
  const std::string cred = "Credential=AK/20260101/us-east-1/s3/aws4_request";
  const std::pair<std::string, S3ErrorCode> cases[] = {
      {"", S3ErrorCode::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256", S3ErrorCode::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA512 " + cred + ",SignedHeaders=host,Signature=" + sig,
       S3ErrorCode::kAuthorizationHeaderMalformed},
      {"AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", S3ErrorCode::kInvalidRequest},
      {"AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=host",
       S3ErrorCode::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=host,Signature=" + sig + ",Signature=" + sig,
       S3ErrorCode::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=host,Signature=" + sig + ",Extra=1",
       S3ErrorCode::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=AK/2026010/us-east-1/s3/aws4_request,SignedHeaders=host,"
       "Signature=" +
           sig,
       S3ErrorCode::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/ec2/aws4_request,SignedHeaders=host,"
       "Signature=" +
           sig,
       S3ErrorCode::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/s3/aws5_request,SignedHeaders=host,"
       "Signature=" +
           sig,
       S3ErrorCode::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/s3/aws4_request/x,SignedHeaders=host,"
       "Signature=" +
           sig,
       S3ErrorCode::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=x-amz-date,Signature=" + sig,
       S3ErrorCode::kAuthorizationHeaderMalformed},  // host not signed
      {"AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=Host,Signature=" + sig,
       S3ErrorCode::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=host;;x-amz-date,Signature=" + sig,
       S3ErrorCode::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=host;host,Signature=" + sig,
       S3ErrorCode::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=host,Signature=" + sig.substr(1),
       S3ErrorCode::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=host,Signature=" + std::string(64, 'A'),
       S3ErrorCode::kAuthorizationHeaderMalformed},
      {"AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=host,Signature=" + std::string(9000, 'a'),
       S3ErrorCode::kAuthorizationHeaderMalformed},
  };
  for (const auto& [header, code] : cases) {
    auto r = ParseAuthorizationHeader(header);
    ASSERT_FALSE(r.ok()) << header;
    EXPECT_EQ(CodeOf(r.status()), code) << header << " -> " << r.status().ToString();
  }
}

TEST(SigV4ParseTest, CredentialDateMustMatchAmzDate) {
  std::string authz =
      "AWS4-HMAC-SHA256 Credential=AK/20260102/us-east-1/s3/aws4_request,"
      "SignedHeaders=host;x-amz-date,Signature=" +
      std::string(kGoodSig);
  std::vector<HeaderField> headers = {
      {"host", "h"}, {"authorization", authz}, {"x-amz-date", "20260101T000000Z"}};
  auto r = ParseRequestAuth({"GET", "/", "", headers}, {});
  EXPECT_EQ(CodeOf(r.status()), S3ErrorCode::kAuthorizationHeaderMalformed);
  headers.pop_back();
  EXPECT_EQ(CodeOf(ParseRequestAuth({"GET", "/", "", headers}, {}).status()),
            S3ErrorCode::kAccessDenied);
}

TEST(SigV4ParseTest, AnonymousAndSigV2Queries) {
  ASSERT_OK_AND_ASSIGN(auto none, ParseRequestAuth({"GET", "/", "", {}}, {}));
  EXPECT_FALSE(none.has_value());
  ASSERT_OK_AND_ASSIGN(auto v2, ParseQuery("AWSAccessKeyId=AK&Expires=1&Signature=x"));
  EXPECT_EQ(CodeOf(ParseRequestAuth({"GET", "/", "", {}}, v2).status()),
            S3ErrorCode::kInvalidRequest);
}

TEST(SigV4ParseTest, HeaderAndPresignedTogetherIsRejected) {
  std::string authz =
      "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/s3/aws4_request,"
      "SignedHeaders=host,Signature=" +
      std::string(kGoodSig);
  std::vector<HeaderField> headers = {{"host", "h"}, {"authorization", authz}};
  ASSERT_OK_AND_ASSIGN(auto params, ParseQuery("X-Amz-Signature=" + std::string(kGoodSig)));
  EXPECT_EQ(CodeOf(ParseRequestAuth({"GET", "/", "", headers}, params).status()),
            S3ErrorCode::kInvalidArgument);
}

TEST(SigV4ParseTest, PresignedParameterErrors) {
  const std::string base =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20130524%2Fus-east-1%2Fs3%2F"
      "aws4_request&X-Amz-Date=20130524T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=" +
      std::string(kGoodSig);
  auto parse = [](const std::string& q) -> Result<SigV4Auth> {
    SHALE_ASSIGN_OR_RETURN(auto params, ParseQuery(q));
    return ParsePresignedAuth(params);
  };
  ASSERT_OK_AND_ASSIGN(SigV4Auth ok, parse(base + "&X-Amz-Expires=604800"));
  EXPECT_EQ(ok.expires_seconds, 604800);
  EXPECT_EQ(ok.request_time, 1369353600);
  for (const std::string& bad :
       {base, base + "&X-Amz-Expires=604801", base + "&X-Amz-Expires=0", base + "&X-Amz-Expires=-1",
        base + "&X-Amz-Expires=1e3", base + "&X-Amz-Expires=99999999999",
        base + "&X-Amz-Expires=1&X-Amz-Expires=1",
        "X-Amz-Algorithm=AWS4-HMAC-SHA1" + base.substr(base.find('&')) + "&X-Amz-Expires=1"}) {
    auto r = parse(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(CodeOf(r.status()), S3ErrorCode::kAuthorizationQueryParametersError) << bad;
  }
}

TEST(SigV4ParseTest, AmzDate) {
  EXPECT_EQ(*ParseAmzDate("19700101T000000Z"), 0);
  EXPECT_EQ(*ParseAmzDate("20130524T000000Z"), 1369353600);
  EXPECT_EQ(*ParseAmzDate("20240229T235959Z"), 1709251199);
  EXPECT_EQ(*ParseAmzDate("20260101T000000Z"), 1767225600);
  for (std::string_view bad :
       {"", "20130524T000000", "20130524T000000z", "2013-05-24T00:00:00Z", "20130524 000000Z",
        "20131324T000000Z", "20130532T000000Z", "20230229T000000Z", "19000229T000000Z",
        "20130524T240000Z", "20130524T006000Z", "20130524T000060Z", "2013052AT000000Z",
        "20130524T000000Z0"}) {
    EXPECT_FALSE(ParseAmzDate(bad).ok()) << bad;
  }
  EXPECT_TRUE(ParseAmzDate("20000229T000000Z").ok());
}

TEST(SigV4Test, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals(kGoodSig, kGoodSig));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
}

TEST(SigV4Test, MissingSignedHeaderIsAMismatch) {
  std::vector<HeaderField> headers = {{"Host", "h"}};
  SigV4Auth auth;
  auth.signed_headers = {"host", "x-amz-date"};
  auto r = BuildCanonicalRequest({"GET", "/", "", headers}, auth, kEmpty);
  EXPECT_EQ(CodeOf(r.status()), S3ErrorCode::kSignatureDoesNotMatch);
}

TEST(SigV4Test, CanonicalUriAndQueryFollowS3Rules) {
  std::vector<HeaderField> headers = {{"Host", "h"}};
  SigV4Auth auth;
  auth.signed_headers = {"host"};
  // No normalization, single encoding, '+' in a path is literal, in a query a space; valueless
  // parameters get '='; sorting is by encoded name then value.
  ASSERT_OK_AND_ASSIGN(std::string creq,
                       BuildCanonicalRequest({"GET", "/b/./a b/../%C3%BC+x//",
                                              "z=2&uploads&a=%2F&z=1&q=a+b", headers},
                                             auth, "UNSIGNED-PAYLOAD"));
  EXPECT_EQ(creq,
            "GET\n/b/./a%20b/../%C3%BC%2Bx//\na=%2F&q=a%20b&uploads=&z=1&z=2\nhost:h\n\nhost\n"
            "UNSIGNED-PAYLOAD");
  EXPECT_EQ(CodeOf(BuildCanonicalRequest({"GET", "/%zz", "", headers}, auth, kEmpty).status()),
            S3ErrorCode::kInvalidURI);
}

}  // namespace
}  // namespace shale::gateway
