// Object tagging, bucket CORS (configuration, preflight, headers on actual requests), and a
// large erasure-coded object streamed through GetObject.

#include <random>

#include "tests/datapath/s3_handlers_fixture.h"

namespace shale::gateway::testing {
namespace {

class S3HandlersTaggingCorsTest : public S3HandlersTest {
 protected:
  void SetUp() override {
    CreateBucket("bkt");
    PutObject("bkt", "k", "hello");
  }
};

constexpr const char* kTagging =
    "<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet>"
    "<Tag><Key>project</Key><Value>shale</Value></Tag><Tag><Key>tier</Key><Value></Value></Tag>"
    "</TagSet></Tagging>";

constexpr const char* kCors =
    "<CORSConfiguration><CORSRule><AllowedOrigin>https://*.example.com</AllowedOrigin>"
    "<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>"
    "<AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader>"
    "<MaxAgeSeconds>600</MaxAgeSeconds></CORSRule></CORSConfiguration>";

TEST_F(S3HandlersTaggingCorsTest, ObjectTagging) {
  Reply empty = Get("bkt", "k", "tagging");
  EXPECT_EQ(empty.operation, "GetObjectTagging");
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body,
            std::string(kXmlDecl) + "<Tagging" + std::string(kNs) + "><TagSet></TagSet></Tagging>");
  Reply put = Put("bkt", "k", kTagging, {}, "tagging");
  EXPECT_EQ(put.operation, "PutObjectTagging");
  EXPECT_EQ(put.status, 200);
  EXPECT_EQ(Get("bkt", "k", "tagging").body, std::string(kXmlDecl) + kTagging);
  // Tags change in place: same bytes, same ETag.
  Reply get = Get("bkt", "k");
  EXPECT_EQ(get.body, "hello");
  EXPECT_EQ(get.Header("x-amz-tagging-count"), "2");
  Reply del = Call({.method = "DELETE", .bucket = "bkt", .key = "k", .query = "tagging"});
  EXPECT_EQ(del.operation, "DeleteObjectTagging");
  EXPECT_EQ(del.status, 204);
  EXPECT_EQ(Get("bkt", "k", "tagging").body, empty.body);
  EXPECT_EQ(Get("bkt", "k").Header("x-amz-tagging-count"), "<absent>");
}

TEST_F(S3HandlersTaggingCorsTest, ObjectTaggingErrors) {
  Reply missing = Get("bkt", "nope", "tagging");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, ErrorXml(S3ErrorCode::kNoSuchKey, "/bkt/nope"));
  Reply put_missing = Put("bkt", "nope", kTagging, {}, "tagging");
  EXPECT_EQ(put_missing.status, 404);
  EXPECT_EQ(Call({.method = "DELETE", .bucket = "bkt", .key = "nope", .query = "tagging"}).status,
            404);
  Reply malformed = Put("bkt", "k", "<Tagging>", {}, "tagging");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.body, ErrorXml(S3ErrorCode::kMalformedXML, "/bkt/k"));
  std::string eleven = "<Tagging><TagSet>";
  for (int i = 0; i < 11; ++i) {
    eleven += "<Tag><Key>k" + std::to_string(i) + "</Key><Value>v</Value></Tag>";
  }
  eleven += "</TagSet></Tagging>";
  Reply too_many = Put("bkt", "k", eleven, {}, "tagging");
  EXPECT_EQ(too_many.status, 400);
  EXPECT_EQ(too_many.body,
            ErrorXml(S3ErrorCode::kInvalidTag, "/bkt/k", "Object tags cannot be greater than 10"));
  Reply long_key = Put("bkt", "k",
                       "<Tagging><TagSet><Tag><Key>" + std::string(129, 'k') +
                           "</Key><Value>v</Value></Tag></TagSet></Tagging>",
                       {}, "tagging");
  EXPECT_EQ(long_key.status, 400);
  EXPECT_NE(long_key.body.find("<Code>InvalidTag</Code>"), std::string::npos);
  EXPECT_EQ(Get("bkt", "k").Header("x-amz-tagging-count"), "<absent>");
}

TEST_F(S3HandlersTaggingCorsTest, BucketCorsConfiguration) {
  Reply none = Get("bkt", "", "cors");
  EXPECT_EQ(none.operation, "GetBucketCors");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.body, ErrorXml(S3ErrorCode::kNoSuchCORSConfiguration, "/bkt"));
  Reply put = Call({.method = "PUT", .bucket = "bkt", .query = "cors", .body = kCors});
  EXPECT_EQ(put.operation, "PutBucketCors");
  EXPECT_EQ(put.status, 200);
  Reply get = Get("bkt", "", "cors");
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body,
            std::string(kXmlDecl) + "<CORSConfiguration" + std::string(kNs) +
                "><CORSRule><AllowedHeader>*</AllowedHeader><AllowedMethod>GET</AllowedMethod>"
                "<AllowedMethod>PUT</AllowedMethod><AllowedOrigin>https://*.example.com"
                "</AllowedOrigin><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>600"
                "</MaxAgeSeconds></CORSRule></CORSConfiguration>");
  Reply bad = Call({.method = "PUT",
                    .bucket = "bkt",
                    .query = "cors",
                    .body = "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
                            "<AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>"});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, ErrorXml(S3ErrorCode::kInvalidRequest, "/bkt",
                               "Found unsupported HTTP method in CORS config. Unsupported method "
                               "is PATCH"));
  Reply malformed = Call({.method = "PUT", .bucket = "bkt", .query = "cors", .body = "<x"});
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.body, ErrorXml(S3ErrorCode::kMalformedXML, "/bkt"));
  EXPECT_EQ(Get("bkt", "", "cors").body, get.body);  // Unchanged by the failed puts.
  Reply del = Call({.method = "DELETE", .bucket = "bkt", .query = "cors"});
  EXPECT_EQ(del.operation, "DeleteBucketCors");
  EXPECT_EQ(del.status, 204);
  EXPECT_EQ(Get("bkt", "", "cors").status, 404);
}

TEST_F(S3HandlersTaggingCorsTest, Preflight) {
  RequestSpec preflight{.method = "OPTIONS",
                        .bucket = "bkt",
                        .key = "k",
                        .headers = {{"origin", "https://app.example.com"},
                                    {"access-control-request-method", "PUT"},
                                    {"access-control-request-headers", "Content-Type"}},
                        .anonymous = true};
  Reply no_config = Call(preflight);
  EXPECT_EQ(no_config.operation, "CorsPreflight");
  EXPECT_EQ(no_config.status, 403);
  EXPECT_EQ(no_config.body, ErrorXml(S3ErrorCode::kAccessForbidden, "/bkt/k"));
  ASSERT_EQ(Call({.method = "PUT", .bucket = "bkt", .query = "cors", .body = kCors}).status, 200);
  Reply ok = Call(preflight);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "");
  EXPECT_EQ(ok.Header("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(ok.Header("Access-Control-Allow-Methods"), "GET, PUT");
  EXPECT_EQ(ok.Header("Access-Control-Allow-Headers"), "content-type");
  EXPECT_EQ(ok.Header("Access-Control-Max-Age"), "600");
  EXPECT_EQ(ok.Header("Access-Control-Expose-Headers"), "ETag");

  RequestSpec wrong_origin = preflight;
  wrong_origin.headers[0].value = "https://evil.test";
  EXPECT_EQ(Call(wrong_origin).status, 403);
  RequestSpec wrong_method = preflight;
  wrong_method.headers[1].value = "DELETE";
  EXPECT_EQ(Call(wrong_method).status, 403);
  RequestSpec no_origin = preflight;
  no_origin.headers.erase(no_origin.headers.begin());
  Reply r = Call(no_origin);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, ErrorXml(S3ErrorCode::kInvalidRequest, "/bkt/k",
                             "Insufficient information. Origin request header needed."));
  RequestSpec no_bucket = preflight;
  no_bucket.bucket = "nobucket";
  EXPECT_EQ(Call(no_bucket).status, 404);
}

TEST_F(S3HandlersTaggingCorsTest, CorsHeadersOnActualRequests) {
  ASSERT_EQ(Call({.method = "PUT", .bucket = "bkt", .query = "cors", .body = kCors}).status, 200);
  Reply get = Get("bkt", "k", "", {{"origin", "https://app.example.com"}});
  EXPECT_EQ(get.body, "hello");
  EXPECT_EQ(get.Header("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(get.Header("Access-Control-Expose-Headers"), "ETag");
  EXPECT_EQ(get.Header("Access-Control-Allow-Methods"), "<absent>");
  Reply put = Put("bkt", "k2", "x", {{"origin", "https://app.example.com"}});
  EXPECT_EQ(put.Header("Access-Control-Allow-Origin"), "https://app.example.com");
  // Not allowed: no CORS headers, the request itself is served.
  Reply other = Get("bkt", "k", "", {{"origin", "https://evil.test"}});
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.Header("Access-Control-Allow-Origin"), "<absent>");
  Reply del = Call({.method = "DELETE",
                    .bucket = "bkt",
                    .key = "k2",
                    .headers = {{"origin", "https://app.example.com"}}});
  EXPECT_EQ(del.status, 204);
  EXPECT_EQ(del.Header("Access-Control-Allow-Origin"), "<absent>");
}

TEST_F(S3HandlersTaggingCorsTest, LargeErasureCodedObjectStreamsInPieces) {
  std::string body(300 * 1024 + 17, '\0');
  std::mt19937_64 rng(42);
  for (char& c : body) c = static_cast<char>(rng());
  PutObject("bkt", "big", body);
  Reply get = Get("bkt", "big");
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.declared_length, body.size());
  EXPECT_TRUE(get.body == body);
  EXPECT_GT(get.writes, 1000);
  Reply range = Get("bkt", "big", "", {{"range", "bytes=65530-131080"}});
  EXPECT_EQ(range.status, 206);
  EXPECT_EQ(range.Header("Content-Range"), "bytes 65530-131080/" + std::to_string(body.size()));
  EXPECT_TRUE(range.body == body.substr(65530, 131080 - 65530 + 1));
  Reply copy = Call({.method = "PUT",
                     .bucket = "bkt",
                     .key = "big-copy",
                     .headers = {{"x-amz-copy-source", "bkt/big"}}});
  EXPECT_EQ(copy.status, 200);
  EXPECT_TRUE(Get("bkt", "big-copy").body == body);
}

}  // namespace
}  // namespace shale::gateway::testing
