// Service and bucket operations, authorization, routing of unimplemented subresources, and
// the mapping of data-path errors.

#include "tests/datapath/s3_handlers_fixture.h"

namespace shale::gateway::testing {
namespace {

using S3HandlersBucketTest = S3HandlersTest;

TEST_F(S3HandlersBucketTest, ListBucketsShowsOnlyTheCallersBuckets) {
  CreateBucket("alpha");
  clock_.Advance(1'500'000);
  CreateBucket("beta");
  ASSERT_EQ(Call({.method = "PUT", .bucket = "bobs", .user = &bob_}).status, 200);
  Reply r = Get("");
  EXPECT_EQ(r.operation, "ListBuckets");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "application/xml");
  EXPECT_EQ(r.body, std::string(kXmlDecl) + "<ListAllMyBucketsResult" + std::string(kNs) +
                        "><Owner><ID>alice-id</ID><DisplayName>Alice</DisplayName></Owner>"
                        "<Buckets><Bucket><Name>alpha</Name>"
                        "<CreationDate>2023-11-14T22:13:20.000Z</CreationDate></Bucket>"
                        "<Bucket><Name>beta</Name>"
                        "<CreationDate>2023-11-14T22:13:21.500Z</CreationDate></Bucket>"
                        "</Buckets></ListAllMyBucketsResult>");
  Reply empty = Call({.method = "GET", .user = &bob_});
  EXPECT_NE(empty.body.find("<Buckets><Bucket><Name>bobs</Name>"), std::string::npos);
  EXPECT_EQ(empty.body.find("alpha"), std::string::npos);
}

TEST_F(S3HandlersBucketTest, AnonymousIsDenied) {
  CreateBucket("bkt");
  for (const char* method : {"GET", "PUT", "DELETE", "HEAD"}) {
    Reply r = Call({.method = method, .bucket = "bkt", .anonymous = true});
    EXPECT_EQ(r.status, 403) << method;
    EXPECT_EQ(r.body, ErrorXml(S3ErrorCode::kAccessDenied, "/bkt")) << method;
  }
  EXPECT_EQ(Call({.method = "GET", .anonymous = true}).status, 403);
}

TEST_F(S3HandlersBucketTest, CreateBucket) {
  Reply r = Call({.method = "PUT", .bucket = "my-bucket"});
  EXPECT_EQ(r.operation, "CreateBucket");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Location"), "/my-bucket");
  EXPECT_EQ(r.body, "");
  ASSERT_OK_AND_ASSIGN(BucketInfo info, store_->GetBucket("my-bucket"));
  EXPECT_EQ(info.owner_id, "alice-id");
  EXPECT_EQ(info.created_ms, 1'700'000'000'000);
  EXPECT_EQ(info.region, "");

  Reply again = Call({.method = "PUT", .bucket = "my-bucket"});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.body, ErrorXml(S3ErrorCode::kBucketAlreadyOwnedByYou, "/my-bucket"));
  Reply taken = Call({.method = "PUT", .bucket = "my-bucket", .user = &bob_});
  EXPECT_EQ(taken.status, 409);
  EXPECT_EQ(taken.body, ErrorXml(S3ErrorCode::kBucketAlreadyExists, "/my-bucket"));
}

TEST_F(S3HandlersBucketTest, CreateBucketNameRules) {
  for (const char* name : {"ab", "Upper", "a..b", "192.168.1.1", "-ab", "xn--ab"}) {
    Reply r = Call({.method = "PUT", .bucket = name});
    EXPECT_EQ(r.status, 400) << name;
    EXPECT_NE(r.body.find("<Code>InvalidBucketName</Code>"), std::string::npos) << name;
    EXPECT_NE(r.body.find("<Resource>/" + std::string(name) + "</Resource>"), std::string::npos);
  }
}

TEST_F(S3HandlersBucketTest, CreateBucketLocationConstraint) {
  const std::string us_east =
      "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>";
  EXPECT_EQ(Call({.method = "PUT", .bucket = "bk1", .body = us_east}).status, 200);
  EXPECT_EQ(Call({.method = "PUT", .bucket = "bk2", .body = "<CreateBucketConfiguration/>"}).status,
            200);
  Reply other = Call({.method = "PUT",
                      .bucket = "bk3",
                      .body = "<CreateBucketConfiguration><LocationConstraint>eu-west-1"
                              "</LocationConstraint></CreateBucketConfiguration>"});
  EXPECT_EQ(other.status, 400);
  EXPECT_EQ(other.body, ErrorXml(S3ErrorCode::kIllegalLocationConstraintException, "/bk3",
                                 "The eu-west-1 location constraint is incompatible for the "
                                 "region specific endpoint this request was sent to."));
  Reply bad = Call({.method = "PUT", .bucket = "bk4", .body = "<CreateBucketConfiguration>"});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, ErrorXml(S3ErrorCode::kMalformedXML, "/bk4"));
  EXPECT_FALSE(store_->GetBucket("bk3").ok());
  EXPECT_FALSE(store_->GetBucket("bk4").ok());
}

TEST_F(S3HandlersBucketTest, OtherRegionEndpoint) {
  S3HandlersOptions options;
  options.region = "eu-west-1";
  options.users = {alice_};
  handlers_ = std::make_unique<S3Handlers>(store_.get(), options);
  EXPECT_EQ(Call({.method = "PUT", .bucket = "bk1"}).status, 400);
  const std::string eu =
      "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint>"
      "</CreateBucketConfiguration>";
  EXPECT_EQ(Call({.method = "PUT", .bucket = "bk2", .body = eu}).status, 200);
  Reply loc = Get("bk2", "", "location");
  EXPECT_EQ(loc.body, std::string(kXmlDecl) + "<LocationConstraint" + std::string(kNs) +
                          ">eu-west-1</LocationConstraint>");
  Reply head = Call({.method = "HEAD", .bucket = "bk2"});
  EXPECT_EQ(head.Header("x-amz-bucket-region"), "eu-west-1");
}

TEST_F(S3HandlersBucketTest, HeadBucket) {
  CreateBucket("bkt");
  Reply r = Call({.method = "HEAD", .bucket = "bkt"});
  EXPECT_EQ(r.operation, "HeadBucket");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("x-amz-bucket-region"), "us-east-1");
  EXPECT_EQ(Call({.method = "HEAD", .bucket = "nope"}).status, 404);
  Reply other = Call({.method = "HEAD", .bucket = "bkt", .user = &bob_});
  EXPECT_EQ(other.status, 403);
}

TEST_F(S3HandlersBucketTest, GetBucketLocation) {
  CreateBucket("bkt");
  Reply r = Get("bkt", "", "location");
  EXPECT_EQ(r.operation, "GetBucketLocation");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::string(kXmlDecl) + "<LocationConstraint" + std::string(kNs) +
                        "></LocationConstraint>");
  Reply missing = Get("nope", "", "location");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, ErrorXml(S3ErrorCode::kNoSuchBucket, "/nope"));
}

TEST_F(S3HandlersBucketTest, DeleteBucket) {
  CreateBucket("bkt");
  PutObject("bkt", "k", "x");
  Reply full = Call({.method = "DELETE", .bucket = "bkt"});
  EXPECT_EQ(full.operation, "DeleteBucket");
  EXPECT_EQ(full.status, 409);
  EXPECT_EQ(full.body, ErrorXml(S3ErrorCode::kBucketNotEmpty, "/bkt"));
  EXPECT_EQ(Call({.method = "DELETE", .bucket = "bkt", .user = &bob_}).status, 403);
  ASSERT_EQ(Call({.method = "DELETE", .bucket = "bkt", .key = "k"}).status, 204);
  Reply ok = Call({.method = "DELETE", .bucket = "bkt"});
  EXPECT_EQ(ok.status, 204);
  EXPECT_EQ(ok.body, "");
  Reply gone = Call({.method = "DELETE", .bucket = "bkt"});
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body, ErrorXml(S3ErrorCode::kNoSuchBucket, "/bkt"));
}

TEST_F(S3HandlersBucketTest, OnlyTheOwnerMayActOnABucketAndItsObjects) {
  CreateBucket("bkt");
  PutObject("bkt", "k", "secret");
  const RequestSpec requests[] = {
      {.method = "GET", .bucket = "bkt"},
      {.method = "GET", .bucket = "bkt", .key = "k"},
      {.method = "HEAD", .bucket = "bkt", .key = "k"},
      {.method = "PUT", .bucket = "bkt", .key = "k2", .body = "x"},
      {.method = "DELETE", .bucket = "bkt", .key = "k"},
      {.method = "GET", .bucket = "bkt", .query = "location"},
      {.method = "GET", .bucket = "bkt", .key = "k", .query = "tagging"},
      {.method = "PUT", .bucket = "bkt", .query = "cors", .body = "<x/>"},
  };
  for (RequestSpec spec : requests) {
    spec.user = &bob_;
    Reply r = Call(spec);
    EXPECT_EQ(r.status, 403) << spec.method << " " << spec.key << "?" << spec.query;
    EXPECT_EQ(r.body, ErrorXml(S3ErrorCode::kAccessDenied,
                               "/bkt" + (spec.key.empty() ? std::string() : "/" + spec.key)));
  }
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, store_->Head("bkt", "k"));
  EXPECT_EQ(info.size, 6u);
  EXPECT_FALSE(store_->Head("bkt", "k2").ok());
}

TEST_F(S3HandlersBucketTest, UnimplementedSubresourcesAnswer501) {
  CreateBucket("bkt");
  PutObject("bkt", "k", "x");
  const RequestSpec requests[] = {
      {.method = "GET", .bucket = "bkt", .query = "acl"},
      {.method = "GET", .bucket = "bkt", .key = "k", .query = "acl"},
      {.method = "GET", .bucket = "bkt", .query = "policy"},
      {.method = "GET", .bucket = "bkt", .query = "lifecycle"},
      {.method = "GET", .bucket = "bkt", .query = "tagging"},
      {.method = "GET", .bucket = "bkt", .query = "analytics"},
      {.method = "POST", .bucket = "bkt", .key = "k", .query = "restore"},
      {.method = "POST", .bucket = "bkt"},
      {.method = "PUT",
       .bucket = "bkt",
       .key = "k",
       .headers = {{"x-amz-acl", "public-read"}},
       .body = "y"},
      {.method = "PUT",
       .bucket = "bkt",
       .key = "k",
       .headers = {{"x-amz-grant-read", "id=x"}},
       .body = "y"},
      {.method = "PUT",
       .bucket = "bkt",
       .key = "k",
       .headers = {{"x-amz-server-side-encryption", "AES256"}},
       .body = "y"},
      {.method = "GET",
       .bucket = "bkt",
       .key = "k",
       .headers = {{"x-amz-server-side-encryption-customer-algorithm", "AES256"}}},
      {.method = "PUT",
       .bucket = "bkt",
       .key = "k",
       .headers = {{"x-amz-object-lock-mode", "GOVERNANCE"}},
       .body = "y"},
      {.method = "POST", .bucket = "bkt", .key = "k"},
  };
  for (const RequestSpec& spec : requests) {
    Reply r = Call(spec);
    EXPECT_EQ(r.status, 501) << spec.method << " " << spec.key << "?" << spec.query;
    EXPECT_EQ(r.operation, "NotImplemented");
    EXPECT_NE(r.body.find("<Code>NotImplemented</Code>"), std::string::npos);
  }
  // Nothing was written by them.
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, store_->Head("bkt", "k"));
  EXPECT_EQ(info.size, 1u);
  // A private canned ACL is what every object has anyway.
  EXPECT_EQ(Put("bkt", "k2", "z", {{"x-amz-acl", "private"}}).status, 200);
  Reply service = Call({.method = "PUT"});
  EXPECT_EQ(service.status, 405);
}

TEST_F(S3HandlersBucketTest, StoreErrorsMapToS3Errors) {
  CreateBucket("bkt");
  store_->FailNext(Status::Unavailable("quorum lost: 2 of 6 nodes answered"));
  Reply r = Get("bkt");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, ErrorXml(S3ErrorCode::kServiceUnavailable, "/bkt"));
  store_->FailNext(Status::Corruption("shard crc mismatch on node 3"));
  Reply internal = Get("bkt");
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(internal.body, ErrorXml(S3ErrorCode::kInternalError, "/bkt"));
  EXPECT_EQ(internal.body.find("node 3"), std::string::npos);
}

}  // namespace
}  // namespace shale::gateway::testing
