#include "gateway/s3_headers.h"

#include <gtest/gtest.h>

#include "gateway/s3_error.h"
#include "tests/support/status_matchers.h"

namespace shale::gateway {
namespace {

TEST(S3HeadersTest, AttributesFromHeaders) {
  std::vector<S3Header> in = {
      {"content-type", "text/plain"},       {"content-encoding", "gzip"},
      {"content-disposition", "inline"},    {"content-language", "fr"},
      {"cache-control", "no-cache"},        {"expires", "Thu, 01 Dec 1994 16:00:00 GMT"},
      {"x-amz-meta-color", "Blue"},         {"x-amz-meta-a-b", "1"},
      {"x-amz-metadata-directive", "COPY"}, {"authorization", "x"},
  };
  ASSERT_OK_AND_ASSIGN(ObjectAttributes a, AttributesFromHeaders(in));
  EXPECT_EQ(a.content_type, "text/plain");
  EXPECT_EQ(a.content_encoding, "gzip");
  EXPECT_EQ(a.content_disposition, "inline");
  EXPECT_EQ(a.content_language, "fr");
  EXPECT_EQ(a.cache_control, "no-cache");
  EXPECT_EQ(a.expires, "Thu, 01 Dec 1994 16:00:00 GMT");
  using Meta = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(a.user_metadata, (Meta{{"color", "Blue"}, {"a-b", "1"}}));
  EXPECT_TRUE(a.tags.empty());

  std::vector<S3Header> out;
  AppendAttributeHeaders(a, &out);
  std::vector<std::pair<std::string, std::string>> got;
  for (const S3Header& h : out) got.emplace_back(h.name, h.value);
  EXPECT_EQ(got, (Meta{{"Content-Type", "text/plain"},
                       {"Content-Encoding", "gzip"},
                       {"Content-Disposition", "inline"},
                       {"Content-Language", "fr"},
                       {"Cache-Control", "no-cache"},
                       {"Expires", "Thu, 01 Dec 1994 16:00:00 GMT"},
                       {"x-amz-meta-color", "Blue"},
                       {"x-amz-meta-a-b", "1"}}));
}

TEST(S3HeadersTest, AwsChunkedIsNotStored) {
  const std::pair<const char*, const char*> cases[] = {
      {"aws-chunked", ""},
      {"aws-chunked,gzip", "gzip"},
      {"gzip, AWS-Chunked", "gzip"},
      {"gzip, br", "gzip, br"},
  };
  for (const auto& [in, want] : cases) {
    std::vector<S3Header> headers = {{"content-encoding", in}};
    ASSERT_OK_AND_ASSIGN(ObjectAttributes a, AttributesFromHeaders(headers));
    EXPECT_EQ(a.content_encoding, want) << in;
  }
}

TEST(S3HeadersTest, DefaultContentType) {
  std::vector<S3Header> out;
  AppendAttributeHeaders(ObjectAttributes{}, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].name, "Content-Type");
  EXPECT_EQ(out[0].value, "binary/octet-stream");
}

TEST(S3HeadersTest, MetadataLimitIsTwoKilobytes) {
  // Name "k" (1 byte) + value: exactly 2048 bytes pass, 2049 fail.
  std::vector<S3Header> at_limit = {{"x-amz-meta-k", std::string(2047, 'v')}};
  EXPECT_OK(AttributesFromHeaders(at_limit).status());
  std::vector<S3Header> over = {{"x-amz-meta-k", std::string(1000, 'v')},
                                {"x-amz-meta-j", std::string(1047, 'v')}};
  Result<ObjectAttributes> r = AttributesFromHeaders(over);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(S3ErrorFromStatus(r.status()).code, S3ErrorCode::kMetadataTooLarge);
}

TEST(S3HeadersTest, ResponseOverrides) {
  std::vector<S3Header> headers = {{"Content-Type", "text/plain"}, {"ETag", "\"e\""}};
  std::vector<QueryParam> query = {{"response-content-type", "image/png", true},
                                   {"response-content-disposition", "attachment", true},
                                   {"response-other", "x", true},
                                   {"prefix", "p", true}};
  ApplyResponseOverrides(query, &headers);
  ASSERT_EQ(headers.size(), 3u);
  EXPECT_EQ(headers[0].value, "image/png");
  EXPECT_EQ(headers[2].name, "Content-Disposition");
  EXPECT_EQ(headers[2].value, "attachment");
  EXPECT_EQ(QuoteEtag("abc"), "\"abc\"");
}

}  // namespace
}  // namespace shale::gateway
