// CopyObject and DeleteObjects.

#include "common/encoding.h"
#include "common/hash.h"
#include "gateway/s3_checksum.h"
#include "tests/datapath/s3_handlers_fixture.h"

namespace shale::gateway::testing {
namespace {

class S3HandlersCopyTest : public S3HandlersTest {
 protected:
  void SetUp() override {
    CreateBucket("src");
    CreateBucket("dst");
    ASSERT_EQ(Put("src", "a b/k", "hello",
                  {{"content-type", "text/plain"},
                   {"x-amz-meta-m", "1"},
                   {"x-amz-tagging", "t=1"},
                   {"x-amz-checksum-crc32", "NhCmhg=="}})
                  .status,
              200);
  }

  Reply Copy(std::string bucket, std::string key, std::vector<S3Header> headers) {
    return Call({.method = "PUT",
                 .bucket = std::move(bucket),
                 .key = std::move(key),
                 .headers = std::move(headers)});
  }

  static std::string DeleteBody(const std::vector<std::string>& keys, bool quiet = false) {
    std::string xml = "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
    if (quiet) xml += "<Quiet>true</Quiet>";
    for (const std::string& k : keys) xml += "<Object><Key>" + k + "</Key></Object>";
    return xml + "</Delete>";
  }

  Reply DeleteObjects(const std::string& body, std::vector<S3Header> headers = {}) {
    if (headers.empty()) headers = {{"content-md5", Base64Encode(Md5(body))}};
    return Call(
        {.method = "POST", .bucket = "dst", .query = "delete", .headers = headers, .body = body});
  }
};

TEST_F(S3HandlersCopyTest, CopyToAnotherBucketKeepsMetadataAndTags) {
  clock_.Advance(2'000'000);
  Reply r = Copy("dst", "copy", {{"x-amz-copy-source", "/src/a%20b/k"}});
  EXPECT_EQ(r.operation, "CopyObject");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::string(kXmlDecl) + "<CopyObjectResult" + std::string(kNs) +
                        "><LastModified>2023-11-14T22:13:22.000Z</LastModified>"
                        "<ETag>&quot;5d41402abc4b2a76b9719d911017c592&quot;</ETag>"
                        "</CopyObjectResult>");
  Reply get = Get("dst", "copy", "", {{"x-amz-checksum-mode", "ENABLED"}});
  EXPECT_EQ(get.body, "hello");
  EXPECT_EQ(get.Header("Content-Type"), "text/plain");
  EXPECT_EQ(get.Header("x-amz-meta-m"), "1");
  EXPECT_EQ(get.Header("x-amz-tagging-count"), "1");
  EXPECT_EQ(get.Header("x-amz-checksum-crc32"), "NhCmhg==");
  // Without the leading slash, too.
  EXPECT_EQ(Copy("dst", "copy2", {{"x-amz-copy-source", "src/a%20b/k"}}).status, 200);
}

TEST_F(S3HandlersCopyTest, ReplaceDirectives) {
  Reply r = Copy("dst", "copy",
                 {{"x-amz-copy-source", "/src/a%20b/k"},
                  {"x-amz-metadata-directive", "REPLACE"},
                  {"content-type", "image/png"},
                  {"x-amz-tagging-directive", "REPLACE"},
                  {"x-amz-tagging", "n=2&o=3"}});
  EXPECT_EQ(r.status, 200);
  Reply get = Get("dst", "copy");
  EXPECT_EQ(get.Header("Content-Type"), "image/png");
  EXPECT_EQ(get.Header("x-amz-meta-m"), "<absent>");
  EXPECT_EQ(get.Header("x-amz-tagging-count"), "2");
  Reply bad = Copy("dst", "copy",
                   {{"x-amz-copy-source", "/src/a%20b/k"}, {"x-amz-metadata-directive", "MERGE"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body,
            ErrorXml(S3ErrorCode::kInvalidArgument, "/dst/copy", "Unknown metadata directive."));
}

TEST_F(S3HandlersCopyTest, SelfCopyNeedsReplace) {
  Reply refused = Copy("src", "a b/k", {{"x-amz-copy-source", "/src/a%20b/k"}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.body,
            ErrorXml(S3ErrorCode::kInvalidRequest, "/src/a b/k",
                     "This copy request is illegal because it is trying to copy an object to "
                     "itself without changing the object's metadata, storage class, website "
                     "redirect location or encryption attributes."));
  Reply replaced = Copy("src", "a b/k",
                        {{"x-amz-copy-source", "/src/a%20b/k"},
                         {"x-amz-metadata-directive", "REPLACE"},
                         {"x-amz-meta-new", "yes"}});
  EXPECT_EQ(replaced.status, 200);
  Reply get = Get("src", "a b/k");
  EXPECT_EQ(get.body, "hello");
  EXPECT_EQ(get.Header("x-amz-meta-new"), "yes");
}

TEST_F(S3HandlersCopyTest, CopySourceConditions) {
  const std::string etag = "\"5d41402abc4b2a76b9719d911017c592\"";
  const std::vector<std::vector<S3Header>> pass = {
      {{"x-amz-copy-source-if-match", etag}},
      {{"x-amz-copy-source-if-none-match", "\"x\""}},
      {{"x-amz-copy-source-if-modified-since", "Tue, 14 Nov 2023 22:13:19 GMT"}},
      {{"x-amz-copy-source-if-unmodified-since", "Tue, 14 Nov 2023 22:13:20 GMT"}},
  };
  const std::vector<std::vector<S3Header>> fail = {
      {{"x-amz-copy-source-if-match", "\"x\""}},
      {{"x-amz-copy-source-if-none-match", etag}},
      {{"x-amz-copy-source-if-modified-since", "Tue, 14 Nov 2023 22:13:20 GMT"}},
      {{"x-amz-copy-source-if-unmodified-since", "Tue, 14 Nov 2023 22:13:19 GMT"}},
  };
  for (std::vector<S3Header> h : pass) {
    h.push_back({"x-amz-copy-source", "/src/a%20b/k"});
    EXPECT_EQ(Copy("dst", "c", h).status, 200) << h[0].name;
  }
  for (std::vector<S3Header> h : fail) {
    h.push_back({"x-amz-copy-source", "/src/a%20b/k"});
    Reply r = Copy("dst", "c2", h);
    EXPECT_EQ(r.status, 412) << h[0].name;
    EXPECT_EQ(r.body, ErrorXml(S3ErrorCode::kPreconditionFailed, "/dst/c2"));
  }
  EXPECT_FALSE(store_->Head("dst", "c2").ok());
}

TEST_F(S3HandlersCopyTest, CopyErrors) {
  Reply missing = Copy("dst", "c", {{"x-amz-copy-source", "/src/nope"}});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, ErrorXml(S3ErrorCode::kNoSuchKey, "/dst/c"));
  Reply no_bucket = Copy("dst", "c", {{"x-amz-copy-source", "/nobucket/k"}});
  EXPECT_EQ(no_bucket.status, 404);
  EXPECT_EQ(no_bucket.body, ErrorXml(S3ErrorCode::kNoSuchBucket, "/dst/c"));
  for (const char* bad : {"/src", "/src/", "src", "/src/%zz", "/src/k?other=1"}) {
    Reply r = Copy("dst", "c", {{"x-amz-copy-source", bad}});
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_NE(r.body.find("<Code>InvalidArgument</Code>"), std::string::npos) << bad;
  }
  // The source bucket must belong to the caller too.
  ASSERT_EQ(Call({.method = "PUT", .bucket = "bobs", .user = &bob_}).status, 200);
  ASSERT_EQ(
      Call({.method = "PUT", .bucket = "bobs", .key = "k", .body = "b", .user = &bob_}).status,
      200);
  Reply denied = Copy("dst", "c", {{"x-amz-copy-source", "/bobs/k"}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.body, ErrorXml(S3ErrorCode::kAccessDenied, "/dst/c"));
  EXPECT_FALSE(store_->Head("dst", "c").ok());
}

TEST_F(S3HandlersCopyTest, DeleteObjects) {
  PutObject("dst", "a", "1");
  PutObject("dst", "b&c", "2");
  Reply r = DeleteObjects(DeleteBody({"a", "b&amp;c", "never-existed"}));
  EXPECT_EQ(r.operation, "DeleteObjects");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::string(kXmlDecl) + "<DeleteResult" + std::string(kNs) +
                        "><Deleted><Key>a</Key></Deleted><Deleted><Key>b&amp;c</Key></Deleted>"
                        "<Deleted><Key>never-existed</Key></Deleted></DeleteResult>");
  EXPECT_FALSE(store_->Head("dst", "a").ok());
  EXPECT_FALSE(store_->Head("dst", "b&c").ok());
}

TEST_F(S3HandlersCopyTest, DeleteObjectsQuietReportsOnlyErrors) {
  PutObject("dst", "a", "1");
  std::string body = DeleteBody({"a", std::string(1025, 'k')}, /*quiet=*/true);
  Reply r = DeleteObjects(
      body, {{"x-amz-checksum-crc32",
              ComputeDigests(body, {ChecksumAlgorithm::kCrc32}).checksums[0].base64}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::string(kXmlDecl) + "<DeleteResult" + std::string(kNs) + "><Error><Key>" +
                        std::string(1025, 'k') +
                        "</Key><Code>KeyTooLongError</Code><Message>Your key is too long"
                        "</Message></Error></DeleteResult>");
  EXPECT_FALSE(store_->Head("dst", "a").ok());
}

TEST_F(S3HandlersCopyTest, DeleteObjectsErrors) {
  const std::string body = DeleteBody({"a"});
  Reply no_digest = DeleteObjects(body, {{"x-other", "1"}});
  EXPECT_EQ(no_digest.status, 400);
  EXPECT_EQ(no_digest.body, ErrorXml(S3ErrorCode::kInvalidRequest, "/dst",
                                     "Missing required header for this request: Content-MD5"));
  Reply wrong_digest = DeleteObjects(body, {{"content-md5", Base64Encode(Md5("other"))}});
  EXPECT_EQ(wrong_digest.status, 400);
  EXPECT_NE(wrong_digest.body.find("<Code>BadDigest</Code>"), std::string::npos);
  for (const std::string& bad : {std::string("<Delete>"), std::string("<Delete></Delete>"),
                                 std::string("<Other><Object><Key>a</Key></Object></Other>"),
                                 std::string("<Delete><Object></Object></Delete>"),
                                 std::string("<Delete><Quiet>maybe</Quiet><Object><Key>a</Key>"
                                             "</Object></Delete>")}) {
    Reply r = DeleteObjects(bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.body, ErrorXml(S3ErrorCode::kMalformedXML, "/dst")) << bad;
  }
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.push_back("k" + std::to_string(i));
  EXPECT_EQ(DeleteObjects(DeleteBody(keys, true)).status, 200);
  keys.push_back("one-too-many");
  Reply too_many = DeleteObjects(DeleteBody(keys, true));
  EXPECT_EQ(too_many.status, 400);
  EXPECT_EQ(too_many.body, ErrorXml(S3ErrorCode::kMalformedXML, "/dst"));
}

}  // namespace
}  // namespace shale::gateway::testing
