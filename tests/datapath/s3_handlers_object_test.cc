// PutObject, GetObject, HeadObject, DeleteObject: bodies, attributes, ranges, conditionals,
// checksums, metadata limits, conditional writes.

#include "common/encoding.h"
#include "common/hash.h"
#include "tests/datapath/s3_handlers_fixture.h"

namespace shale::gateway::testing {
namespace {

class S3HandlersObjectTest : public S3HandlersTest {
 protected:
  void SetUp() override { CreateBucket("bkt"); }
};

constexpr const char* kHelloMd5 = "5d41402abc4b2a76b9719d911017c592";
constexpr const char* kHelloMd5B64 = "XUFAKrxLKna5cZ2REBfFkg==";
constexpr const char* kHelloCrc32 = "NhCmhg==";
constexpr const char* kHelloSha256 = "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=";
constexpr const char* kNow = "Tue, 14 Nov 2023 22:13:20 GMT";

TEST_F(S3HandlersObjectTest, PutThenGet) {
  Reply put = Put("bkt", "dir/hello.txt", "hello",
                  {{"content-type", "text/plain"},
                   {"x-amz-meta-color", "blue"},
                   {"cache-control", "max-age=60"}});
  EXPECT_EQ(put.operation, "PutObject");
  EXPECT_EQ(put.status, 200);
  EXPECT_EQ(put.Header("ETag"), std::string("\"") + kHelloMd5 + "\"");
  EXPECT_EQ(put.body, "");

  Reply get = Get("bkt", "dir/hello.txt");
  EXPECT_EQ(get.operation, "GetObject");
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "hello");
  EXPECT_EQ(get.declared_length, 5u);
  EXPECT_EQ(get.writes, 2);  // Streamed in read_piece_bytes (4) pieces.
  std::vector<std::pair<std::string, std::string>> headers;
  for (const S3Header& h : get.headers) headers.emplace_back(h.name, h.value);
  EXPECT_EQ(headers, (std::vector<std::pair<std::string, std::string>>{
                         {"ETag", std::string("\"") + kHelloMd5 + "\""},
                         {"Last-Modified", kNow},
                         {"Accept-Ranges", "bytes"},
                         {"Content-Type", "text/plain"},
                         {"Cache-Control", "max-age=60"},
                         {"x-amz-meta-color", "blue"}}));
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, store_->Head("bkt", "dir/hello.txt"));
  EXPECT_EQ(info.owner_id, "alice-id");
  EXPECT_TRUE(info.checksums.empty());
}

TEST_F(S3HandlersObjectTest, EmptyAndBinaryObjects) {
  PutObject("bkt", "empty", "");
  Reply empty = Get("bkt", "empty");
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.declared_length, 0u);
  EXPECT_EQ(empty.body, "");
  EXPECT_EQ(empty.Header("Content-Type"), "binary/octet-stream");
  std::string binary;
  for (int i = 0; i < 1000; ++i) binary += static_cast<char>(i * 7 % 256);
  PutObject("bkt", "bin", binary);
  EXPECT_EQ(Get("bkt", "bin").body, binary);
}

TEST_F(S3HandlersObjectTest, PutErrors) {
  Reply missing_bucket = Put("nope", "k", "x");
  EXPECT_EQ(missing_bucket.status, 404);
  EXPECT_EQ(missing_bucket.body, ErrorXml(S3ErrorCode::kNoSuchBucket, "/nope/k"));
  Reply no_length = Call({.method = "PUT", .bucket = "bkt", .key = "k"});
  EXPECT_EQ(no_length.status, 411);
  EXPECT_EQ(no_length.body, ErrorXml(S3ErrorCode::kMissingContentLength, "/bkt/k"));
  Reply long_key = Put("bkt", std::string(1025, 'k'), "x");
  EXPECT_EQ(long_key.status, 400);
  EXPECT_NE(long_key.body.find("<Code>KeyTooLongError</Code>"), std::string::npos);
  Reply bad_utf8 = Put("bkt", "\xff", "x");
  EXPECT_EQ(bad_utf8.status, 400);
  Reply meta = Put("bkt", "k", "x", {{"x-amz-meta-big", std::string(2046, 'v')}});
  EXPECT_EQ(meta.status, 400);
  EXPECT_EQ(meta.body, ErrorXml(S3ErrorCode::kMetadataTooLarge, "/bkt/k"));
  EXPECT_EQ(Put("bkt", "k", "x", {{"x-amz-meta-big", std::string(2045, 'v')}}).status, 200);
  Reply tags = Put("bkt", "k2", "x", {{"x-amz-tagging", "aws:a=1"}});
  EXPECT_EQ(tags.status, 400);
  EXPECT_NE(tags.body.find("<Code>InvalidTag</Code>"), std::string::npos);
  EXPECT_FALSE(store_->Head("bkt", "k2").ok());
}

TEST_F(S3HandlersObjectTest, ContentMd5) {
  EXPECT_EQ(Put("bkt", "k", "hello", {{"content-md5", kHelloMd5B64}}).status, 200);
  Reply bad = Put("bkt", "k2", "hellO", {{"content-md5", kHelloMd5B64}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, ErrorXml(S3ErrorCode::kBadDigest, "/bkt/k2",
                               "The Content-MD5 you specified did not match what we received."));
  EXPECT_FALSE(store_->Head("bkt", "k2").ok());
  Reply invalid = Put("bkt", "k2", "hello", {{"content-md5", "abc"}});
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(invalid.body, ErrorXml(S3ErrorCode::kInvalidDigest, "/bkt/k2"));
}

TEST_F(S3HandlersObjectTest, ChecksumHeaderIsVerifiedStoredAndReturned) {
  Reply put =
      Put("bkt", "k", "hello",
          {{"x-amz-checksum-crc32", kHelloCrc32}, {"x-amz-sdk-checksum-algorithm", "CRC32"}});
  EXPECT_EQ(put.status, 200);
  EXPECT_EQ(put.Header("x-amz-checksum-crc32"), kHelloCrc32);
  // Only with checksum mode, and only for the whole object.
  EXPECT_EQ(Get("bkt", "k").Header("x-amz-checksum-crc32"), "<absent>");
  Reply get = Get("bkt", "k", "", {{"x-amz-checksum-mode", "ENABLED"}});
  EXPECT_EQ(get.Header("x-amz-checksum-crc32"), kHelloCrc32);
  Reply head = Call({.method = "HEAD",
                     .bucket = "bkt",
                     .key = "k",
                     .headers = {{"x-amz-checksum-mode", "ENABLED"}}});
  EXPECT_EQ(head.Header("x-amz-checksum-crc32"), kHelloCrc32);
  Reply ranged = Get("bkt", "k", "", {{"x-amz-checksum-mode", "ENABLED"}, {"range", "bytes=0-1"}});
  EXPECT_EQ(ranged.Header("x-amz-checksum-crc32"), "<absent>");

  Reply bad = Put("bkt", "k2", "hello",
                  {{"x-amz-checksum-sha256", std::string(kHelloSha256).replace(0, 1, "A")}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, ErrorXml(S3ErrorCode::kBadDigest, "/bkt/k2",
                               "The SHA256 you specified did not match the calculated checksum."));
  EXPECT_FALSE(store_->Head("bkt", "k2").ok());
  Reply two = Put("bkt", "k2", "hello",
                  {{"x-amz-checksum-crc32", kHelloCrc32}, {"x-amz-checksum-sha256", kHelloSha256}});
  EXPECT_EQ(two.status, 400);
  EXPECT_NE(two.body.find("<Code>InvalidRequest</Code>"), std::string::npos);
}

TEST_F(S3HandlersObjectTest, ChecksumTrailer) {
  RequestSpec spec{.method = "PUT",
                   .bucket = "bkt",
                   .key = "k",
                   .headers = {{"x-amz-trailer", "x-amz-checksum-crc32"},
                               {"x-amz-sdk-checksum-algorithm", "CRC32"}},
                   .body = "hello",
                   .trailers = {{"x-amz-checksum-crc32", kHelloCrc32}}};
  Reply ok = Call(spec);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.Header("x-amz-checksum-crc32"), kHelloCrc32);
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, store_->Head("bkt", "k"));
  ASSERT_EQ(info.checksums.size(), 1u);
  EXPECT_EQ(info.checksums[0].base64, kHelloCrc32);

  spec.key = "k2";
  spec.trailers = {{"x-amz-checksum-crc32", "AAAAAA=="}};
  Reply bad = Call(spec);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("<Code>BadDigest</Code>"), std::string::npos);
  spec.trailers = {};
  Reply missing = Call(spec);
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.body, ErrorXml(S3ErrorCode::kMalformedTrailerError, "/bkt/k2"));
  EXPECT_FALSE(store_->Head("bkt", "k2").ok());
}

TEST_F(S3HandlersObjectTest, ConditionalWrites) {
  Reply first = Put("bkt", "k", "one", {{"if-none-match", "*"}});
  EXPECT_EQ(first.status, 200);
  Reply again = Put("bkt", "k", "two", {{"if-none-match", "*"}});
  EXPECT_EQ(again.status, 412);
  EXPECT_EQ(again.body, ErrorXml(S3ErrorCode::kPreconditionFailed, "/bkt/k"));
  EXPECT_EQ(Get("bkt", "k").body, "one");
  std::string etag = first.Header("ETag");
  EXPECT_EQ(Put("bkt", "k", "two", {{"if-match", "\"0123\""}}).status, 412);
  EXPECT_EQ(Put("bkt", "k", "two", {{"if-match", etag}}).status, 200);
  EXPECT_EQ(Get("bkt", "k").body, "two");
  Reply absent = Put("bkt", "nope", "x", {{"if-match", etag}});
  EXPECT_EQ(absent.status, 404);
  EXPECT_EQ(absent.body, ErrorXml(S3ErrorCode::kNoSuchKey, "/bkt/nope"));
  EXPECT_EQ(Put("bkt", "k", "x", {{"if-none-match", "\"abc\""}}).status, 501);
}

TEST_F(S3HandlersObjectTest, GetErrors) {
  Reply missing = Get("bkt", "nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, ErrorXml(S3ErrorCode::kNoSuchKey, "/bkt/nope"));
  Reply no_bucket = Get("nobucket", "k");
  EXPECT_EQ(no_bucket.status, 404);
  EXPECT_EQ(no_bucket.body, ErrorXml(S3ErrorCode::kNoSuchBucket, "/nobucket/k"));
  PutObject("bkt", "k", "x");
  Reply bad_version = Get("bkt", "k", "versionId=zz");
  EXPECT_EQ(bad_version.status, 400);
  Reply other_version = Get("bkt", "k", "versionId=" + std::string(32, '0'));
  EXPECT_EQ(other_version.status, 404);
  EXPECT_EQ(other_version.body, ErrorXml(S3ErrorCode::kNoSuchVersion, "/bkt/k"));
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, store_->Head("bkt", "k"));
  EXPECT_EQ(Get("bkt", "k", "versionId=" + info.version.ToText()).body, "x");
}

TEST_F(S3HandlersObjectTest, Ranges) {
  PutObject("bkt", "k", "0123456789");
  struct Case {
    const char* range;
    int status;
    const char* body;
    const char* content_range;
  };
  const Case cases[] = {
      {"bytes=2-5", 206, "2345", "bytes 2-5/10"},
      {"bytes=7-", 206, "789", "bytes 7-9/10"},
      {"bytes=-3", 206, "789", "bytes 7-9/10"},
      {"bytes=0-100", 206, "0123456789", "bytes 0-9/10"},
      {"bytes=5-2", 200, "0123456789", "<absent>"},
      {"bytes=0-1,4-5", 200, "0123456789", "<absent>"},
      {"items=0-1", 200, "0123456789", "<absent>"},
  };
  for (const Case& c : cases) {
    Reply r = Get("bkt", "k", "", {{"range", c.range}});
    EXPECT_EQ(r.status, c.status) << c.range;
    EXPECT_EQ(r.body, c.body) << c.range;
    EXPECT_EQ(r.Header("Content-Range"), c.content_range) << c.range;
  }
  for (const char* range : {"bytes=10-", "bytes=-0", "bytes=10-20"}) {
    Reply r = Get("bkt", "k", "", {{"range", range}});
    EXPECT_EQ(r.status, 416) << range;
    EXPECT_EQ(r.Header("Content-Range"), "bytes */10") << range;
    EXPECT_EQ(r.body, ErrorXml(S3ErrorCode::kInvalidRange, "/bkt/k")) << range;
  }
  PutObject("bkt", "empty", "");
  EXPECT_EQ(Get("bkt", "empty", "", {{"range", "bytes=0-"}}).Header("Content-Range"), "bytes */0");
}

TEST_F(S3HandlersObjectTest, PartNumber) {
  PutObject("bkt", "k", "0123456789");
  Reply one = Get("bkt", "k", "partNumber=1");
  EXPECT_EQ(one.status, 206);
  EXPECT_EQ(one.body, "0123456789");
  EXPECT_EQ(one.Header("Content-Range"), "bytes 0-9/10");
  EXPECT_EQ(one.Header("x-amz-mp-parts-count"), "1");
  Reply two = Get("bkt", "k", "partNumber=2");
  EXPECT_EQ(two.status, 416);
  EXPECT_EQ(two.body, ErrorXml(S3ErrorCode::kInvalidPartNumber, "/bkt/k"));
  EXPECT_EQ(Get("bkt", "k", "partNumber=0").status, 400);
  EXPECT_EQ(Get("bkt", "k", "partNumber=x").status, 400);
  Reply both = Get("bkt", "k", "partNumber=1", {{"range", "bytes=0-1"}});
  EXPECT_EQ(both.status, 400);
  EXPECT_NE(both.body.find("<Code>InvalidRequest</Code>"), std::string::npos);
}

TEST_F(S3HandlersObjectTest, ConditionalReads) {
  PutObject("bkt", "k", "hello");
  const std::string etag = std::string("\"") + kHelloMd5 + "\"";
  const char* before = "Tue, 14 Nov 2023 22:13:19 GMT";
  const char* after = "Tue, 14 Nov 2023 22:13:21 GMT";
  Reply not_modified = Get("bkt", "k", "", {{"if-none-match", etag}});
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_EQ(not_modified.body, "");
  EXPECT_EQ(not_modified.Header("ETag"), etag);
  EXPECT_EQ(not_modified.Header("Last-Modified"), kNow);
  EXPECT_EQ(Get("bkt", "k", "", {{"if-modified-since", kNow}}).status, 304);
  EXPECT_EQ(Get("bkt", "k", "", {{"if-modified-since", before}}).status, 200);
  EXPECT_EQ(Get("bkt", "k", "", {{"if-match", etag}}).status, 200);
  Reply failed = Get("bkt", "k", "", {{"if-match", "\"other\""}});
  EXPECT_EQ(failed.status, 412);
  EXPECT_EQ(failed.body, ErrorXml(S3ErrorCode::kPreconditionFailed, "/bkt/k"));
  EXPECT_EQ(Get("bkt", "k", "", {{"if-unmodified-since", before}}).status, 412);
  EXPECT_EQ(Get("bkt", "k", "", {{"if-unmodified-since", after}}).status, 200);
  EXPECT_EQ(Get("bkt", "k", "", {{"if-match", etag}, {"if-unmodified-since", before}}).status, 200);
  EXPECT_EQ(Get("bkt", "k", "", {{"if-none-match", "\"x\""}, {"if-modified-since", after}}).status,
            200);
  Reply head =
      Call({.method = "HEAD", .bucket = "bkt", .key = "k", .headers = {{"if-none-match", etag}}});
  EXPECT_EQ(head.status, 304);
}

TEST_F(S3HandlersObjectTest, ResponseOverrides) {
  PutObject("bkt", "k", "hello");
  Reply r = Get("bkt", "k",
                "response-content-type=image%2Fpng&response-content-disposition=attachment%3B"
                "%20filename%3D%22a.png%22&response-cache-control=no-store");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "image/png");
  EXPECT_EQ(r.Header("Content-Disposition"), "attachment; filename=\"a.png\"");
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
  EXPECT_EQ(r.body, "hello");
}

TEST_F(S3HandlersObjectTest, HeadObject) {
  PutObject("bkt", "k", "hello");
  Reply r = Call({.method = "HEAD", .bucket = "bkt", .key = "k"});
  EXPECT_EQ(r.operation, "HeadObject");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.declared_length, 5u);
  EXPECT_EQ(r.writes, 0);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.Header("ETag"), std::string("\"") + kHelloMd5 + "\"");
  Reply ranged =
      Call({.method = "HEAD", .bucket = "bkt", .key = "k", .headers = {{"range", "bytes=1-2"}}});
  EXPECT_EQ(ranged.status, 206);
  EXPECT_EQ(ranged.declared_length, 2u);
  Reply missing = Call({.method = "HEAD", .bucket = "bkt", .key = "nope"});
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("<Code>NoSuchKey</Code>"), std::string::npos);
}

TEST_F(S3HandlersObjectTest, DeleteObject) {
  PutObject("bkt", "k", "hello");
  Reply r = Call({.method = "DELETE", .bucket = "bkt", .key = "k"});
  EXPECT_EQ(r.operation, "DeleteObject");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(Get("bkt", "k").status, 404);
  // Deleting a missing key succeeds, as in S3.
  EXPECT_EQ(Call({.method = "DELETE", .bucket = "bkt", .key = "k"}).status, 204);
  Reply no_bucket = Call({.method = "DELETE", .bucket = "nobucket", .key = "k"});
  EXPECT_EQ(no_bucket.status, 404);
  EXPECT_EQ(no_bucket.body, ErrorXml(S3ErrorCode::kNoSuchBucket, "/nobucket/k"));
}

TEST_F(S3HandlersObjectTest, TaggingHeaderOnPut) {
  Reply put = Put("bkt", "k", "x", {{"x-amz-tagging", "a=1&b=two%20words"}});
  EXPECT_EQ(put.status, 200);
  EXPECT_EQ(Get("bkt", "k").Header("x-amz-tagging-count"), "2");
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, store_->Head("bkt", "k"));
  EXPECT_EQ(info.attributes.tags,
            (std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "two words"}}));
}

}  // namespace
}  // namespace shale::gateway::testing
