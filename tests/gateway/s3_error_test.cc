#include "gateway/s3_error.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "gateway/xml.h"
#include "tests/support/status_matchers.h"

namespace shale::gateway {
namespace {

TEST(S3ErrorTest, TableHasUniqueTagsAndAwsStatuses) {
  std::set<std::string_view> tags;
  for (int i = 0; i <= static_cast<int>(S3ErrorCode::kXAmzContentSHA256Mismatch); ++i) {
    const S3ErrorInfo& info = GetS3ErrorInfo(static_cast<S3ErrorCode>(i));
    EXPECT_TRUE(tags.insert(info.tag).second) << info.tag;
    EXPECT_FALSE(info.code.empty());
    EXPECT_FALSE(info.message.empty());
    EXPECT_GE(info.http_status, 400);
  }
  struct Expect {
    S3ErrorCode code;
    std::string_view name;
    uint16_t status;
  };
  const Expect expected[] = {
      {S3ErrorCode::kAccessDenied, "AccessDenied", 403},
      {S3ErrorCode::kRequestExpired, "AccessDenied", 403},
      {S3ErrorCode::kAuthorizationHeaderMalformed, "AuthorizationHeaderMalformed", 400},
      {S3ErrorCode::kBadDigest, "BadDigest", 400},
      {S3ErrorCode::kBucketAlreadyExists, "BucketAlreadyExists", 409},
      {S3ErrorCode::kBucketAlreadyOwnedByYou, "BucketAlreadyOwnedByYou", 409},
      {S3ErrorCode::kBucketNotEmpty, "BucketNotEmpty", 409},
      {S3ErrorCode::kEntityTooLarge, "EntityTooLarge", 400},
      {S3ErrorCode::kEntityTooSmall, "EntityTooSmall", 400},
      {S3ErrorCode::kIncompleteBody, "IncompleteBody", 400},
      {S3ErrorCode::kInternalError, "InternalError", 500},
      {S3ErrorCode::kInvalidAccessKeyId, "InvalidAccessKeyId", 403},
      {S3ErrorCode::kInvalidArgument, "InvalidArgument", 400},
      {S3ErrorCode::kInvalidBucketName, "InvalidBucketName", 400},
      {S3ErrorCode::kInvalidDigest, "InvalidDigest", 400},
      {S3ErrorCode::kInvalidPart, "InvalidPart", 400},
      {S3ErrorCode::kInvalidPartOrder, "InvalidPartOrder", 400},
      {S3ErrorCode::kInvalidRange, "InvalidRange", 416},
      {S3ErrorCode::kInvalidRequest, "InvalidRequest", 400},
      {S3ErrorCode::kKeyTooLongError, "KeyTooLongError", 400},
      {S3ErrorCode::kMalformedXML, "MalformedXML", 400},
      {S3ErrorCode::kMethodNotAllowed, "MethodNotAllowed", 405},
      {S3ErrorCode::kMissingContentLength, "MissingContentLength", 411},
      {S3ErrorCode::kNoSuchBucket, "NoSuchBucket", 404},
      {S3ErrorCode::kNoSuchKey, "NoSuchKey", 404},
      {S3ErrorCode::kNoSuchUpload, "NoSuchUpload", 404},
      {S3ErrorCode::kNoSuchVersion, "NoSuchVersion", 404},
      {S3ErrorCode::kNotImplemented, "NotImplemented", 501},
      {S3ErrorCode::kPreconditionFailed, "PreconditionFailed", 412},
      {S3ErrorCode::kRequestTimeTooSkewed, "RequestTimeTooSkewed", 403},
      {S3ErrorCode::kServiceUnavailable, "ServiceUnavailable", 503},
      {S3ErrorCode::kSignatureDoesNotMatch, "SignatureDoesNotMatch", 403},
      {S3ErrorCode::kSlowDown, "SlowDown", 503},
      {S3ErrorCode::kXAmzContentSHA256Mismatch, "XAmzContentSHA256Mismatch", 400},
      {S3ErrorCode::kInvalidChunkSizeError, "InvalidChunkSizeError", 400},
  };
  for (const auto& e : expected) {
    EXPECT_EQ(GetS3ErrorInfo(e.code).code, e.name);
    EXPECT_EQ(GetS3ErrorInfo(e.code).http_status, e.status) << e.name;
  }
}

TEST(S3ErrorTest, TaggedStatusRoundTrips) {
  for (int i = 0; i <= static_cast<int>(S3ErrorCode::kXAmzContentSHA256Mismatch); ++i) {
    auto code = static_cast<S3ErrorCode>(i);
    Status s = MakeS3Error(code, "detail");
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(s.code(), GetS3ErrorInfo(code).status_code);
    S3Error e = S3ErrorFromStatus(s.WithContext("PutObject"));
    EXPECT_EQ(e.code, code) << s.ToString();
    EXPECT_EQ(e.message, "detail");
  }
  S3Error defaulted = S3ErrorFromStatus(MakeS3Error(S3ErrorCode::kRequestExpired));
  EXPECT_EQ(defaulted.message, "Request has expired");
}

TEST(S3ErrorTest, UntaggedStatusesMapByCode) {
  EXPECT_EQ(S3ErrorFromStatus(Status::NotFound("x")).code, S3ErrorCode::kNoSuchKey);
  EXPECT_EQ(S3ErrorFromStatus(Status::InvalidArgument("bad")).code, S3ErrorCode::kInvalidArgument);
  EXPECT_EQ(S3ErrorFromStatus(Status::InvalidArgument("bad")).message, "bad");
  EXPECT_EQ(S3ErrorFromStatus(Status::PermissionDenied("x")).code, S3ErrorCode::kAccessDenied);
  EXPECT_EQ(S3ErrorFromStatus(Status::Unavailable("quorum")).code,
            S3ErrorCode::kServiceUnavailable);
  EXPECT_EQ(S3ErrorFromStatus(Status::Timeout("x")).code, S3ErrorCode::kRequestTimeout);
  EXPECT_EQ(S3ErrorFromStatus(Status::FailedPrecondition("x")).code,
            S3ErrorCode::kPreconditionFailed);
  EXPECT_EQ(S3ErrorFromStatus(Status::NotSupported("x")).code, S3ErrorCode::kNotImplemented);
  for (const Status& s :
       {Status::Corruption("crc /data/seg"), Status::IOError("EIO"), Status::Internal("bug"),
        Status::Aborted("x"), Status::AlreadyExists("x")}) {
    S3Error e = S3ErrorFromStatus(s);
    EXPECT_EQ(e.code, S3ErrorCode::kInternalError) << s.ToString();
    EXPECT_EQ(e.message, "We encountered an internal error. Please try again.");
  }
  // A message that merely contains a code name is not tagged.
  EXPECT_EQ(S3ErrorFromStatus(Status::Internal("NoSuchKeyX: y")).code, S3ErrorCode::kInternalError);
}

TEST(S3ErrorTest, RendersAwsErrorDocument) {
  std::string xml =
      RenderS3ErrorXml({S3ErrorCode::kNoSuchKey, ""}, "/bucket/a<b>&c", "4442587FB7D0A2F9");
  EXPECT_EQ(xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
            "<Message>The specified key does not exist.</Message>"
            "<Resource>/bucket/a&lt;b&gt;&amp;c</Resource>"
            "<RequestId>4442587FB7D0A2F9</RequestId></Error>");
  ASSERT_OK_AND_ASSIGN(XmlElement doc, ParseXml(xml));
  EXPECT_EQ(doc.FindChild("Resource")->text, "/bucket/a<b>&c");
  std::string expired =
      RenderS3ErrorXml(S3ErrorFromStatus(MakeS3Error(S3ErrorCode::kRequestExpired)), "/b/k", "1");
  EXPECT_NE(expired.find("<Code>AccessDenied</Code><Message>Request has expired</Message>"),
            std::string::npos);
}

}  // namespace
}  // namespace shale::gateway
