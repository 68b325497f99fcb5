#include <gtest/gtest.h>

#include "gateway/cors.h"
#include "gateway/s3_error.h"
#include "tests/support/status_matchers.h"

namespace shale::gateway {
namespace {

S3ErrorCode CodeOf(const Status& s) { return S3ErrorFromStatus(s).code; }

constexpr const char* kConfig =
    "<CORSConfiguration>"
    "<CORSRule><AllowedOrigin>https://*.example.com</AllowedOrigin>"
    "<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>"
    "<AllowedHeader>x-amz-*</AllowedHeader><AllowedHeader>Content-Type</AllowedHeader>"
    "<ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>300</MaxAgeSeconds><ID>r1</ID></CORSRule>"
    "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>HEAD</AllowedMethod></CORSRule>"
    "</CORSConfiguration>";

TEST(S3CorsTest, ParseAndRender) {
  ASSERT_OK_AND_ASSIGN(CorsConfiguration config, ParseCorsXml(kConfig));
  ASSERT_EQ(config.rules.size(), 2u);
  EXPECT_EQ(config.rules[0].id, "r1");
  EXPECT_EQ(config.rules[0].max_age_seconds, 300);
  const std::string canonical = RenderCorsXml(config);
  EXPECT_EQ(canonical,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<CORSConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><CORSRule>"
            "<ID>r1</ID><AllowedHeader>x-amz-*</AllowedHeader>"
            "<AllowedHeader>Content-Type</AllowedHeader><AllowedMethod>GET</AllowedMethod>"
            "<AllowedMethod>PUT</AllowedMethod><AllowedOrigin>https://*.example.com"
            "</AllowedOrigin><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>300</MaxAgeSeconds>"
            "</CORSRule><CORSRule><AllowedMethod>HEAD</AllowedMethod><AllowedOrigin>*"
            "</AllowedOrigin></CORSRule></CORSConfiguration>");
  ASSERT_OK_AND_ASSIGN(CorsConfiguration again, ParseCorsXml(canonical));
  EXPECT_EQ(RenderCorsXml(again), canonical);
}

TEST(S3CorsTest, ParseErrors) {
  struct Case {
    std::string body;
    S3ErrorCode code;
  };
  const std::string rule_end = "</CORSRule></CORSConfiguration>";
  const Case cases[] = {
      {"<CORSConfiguration></CORSConfiguration>", S3ErrorCode::kMalformedXML},
      {"<Other/>", S3ErrorCode::kMalformedXML},
      {"<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod>" + rule_end,
       S3ErrorCode::kMalformedXML},
      {"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>" + rule_end,
       S3ErrorCode::kMalformedXML},
      {"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
       "<AllowedMethod>PATCH</AllowedMethod>" +
           rule_end,
       S3ErrorCode::kInvalidRequest},
      {"<CORSConfiguration><CORSRule><AllowedOrigin>*.*</AllowedOrigin>"
       "<AllowedMethod>GET</AllowedMethod>" +
           rule_end,
       S3ErrorCode::kInvalidRequest},
      {"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
       "<AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>-1</MaxAgeSeconds>" +
           rule_end,
       S3ErrorCode::kMalformedXML},
      {"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
       "<AllowedMethod>GET</AllowedMethod><Bogus/>" +
           rule_end,
       S3ErrorCode::kMalformedXML},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(CodeOf(ParseCorsXml(c.body).status()), c.code) << c.body;
  }
  std::string many = "<CORSConfiguration>";
  for (int i = 0; i < 101; ++i) {
    many +=
        "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
        "</CORSRule>";
  }
  many += "</CORSConfiguration>";
  EXPECT_EQ(CodeOf(ParseCorsXml(many).status()), S3ErrorCode::kMalformedXML);
}

TEST(S3CorsTest, Wildcards) {
  EXPECT_TRUE(WildcardMatch("*", "", false));
  EXPECT_TRUE(WildcardMatch("https://*.example.com", "https://a.example.com", false));
  EXPECT_FALSE(WildcardMatch("https://*.example.com", "https://example.com", false));
  EXPECT_FALSE(WildcardMatch("https://a.example.com", "https://A.example.com", false));
  EXPECT_TRUE(WildcardMatch("x-amz-*", "X-Amz-Date", true));
  EXPECT_FALSE(WildcardMatch("ab*ba", "aba", false));
}

TEST(S3CorsTest, Matching) {
  ASSERT_OK_AND_ASSIGN(CorsConfiguration config, ParseCorsXml(kConfig));
  const CorsRule* first = &config.rules[0];
  const CorsRule* second = &config.rules[1];
  EXPECT_EQ(MatchCorsRule(config, "https://a.example.com", "GET", ""), first);
  EXPECT_EQ(MatchCorsRule(config, "https://a.example.com", "PUT", "content-type, X-Amz-Date"),
            first);
  EXPECT_EQ(MatchCorsRule(config, "https://a.example.com", "PUT", "authorization"), nullptr);
  EXPECT_EQ(MatchCorsRule(config, "https://a.example.com", "DELETE", ""), nullptr);
  EXPECT_EQ(MatchCorsRule(config, "http://other", "HEAD", ""), second);
  EXPECT_EQ(MatchCorsRule(config, "http://other", "GET", ""), nullptr);

  std::vector<S3Header> h =
      CorsResponseHeaders(*first, "https://a.example.com", true, "Content-Type, x-amz-date");
  std::vector<std::pair<std::string, std::string>> got;
  for (const S3Header& x : h) got.emplace_back(x.name, x.value);
  EXPECT_EQ(got, (std::vector<std::pair<std::string, std::string>>{
                     {"Access-Control-Allow-Origin", "https://a.example.com"},
                     {"Access-Control-Allow-Credentials", "true"},
                     {"Vary",
                      "Origin, Access-Control-Request-Headers, "
                      "Access-Control-Request-Method"},
                     {"Access-Control-Expose-Headers", "ETag"},
                     {"Access-Control-Allow-Methods", "GET, PUT"},
                     {"Access-Control-Allow-Headers", "content-type, x-amz-date"},
                     {"Access-Control-Max-Age", "300"}}));
  std::vector<S3Header> any = CorsResponseHeaders(*second, "http://other", false, "");
  ASSERT_EQ(any.size(), 2u);
  EXPECT_EQ(any[0].value, "*");
}

}  // namespace
}  // namespace shale::gateway
