#pragma once

// The closed table of S3 errors the gateway can answer with (code string, HTTP status, default
// message), the bridge between shale::Status and those errors, and the AWS XML error body.
//
// Parsers and handlers report an S3 error as a Status built by MakeS3Error(): its StatusCode is
// the table's nearest generic code and its message is "<Tag>: <detail>", where Tag is the
// entry's unique tag (usually the S3 code itself). S3ErrorFromStatus() recovers the entry from
// such a Status (also after WithContext() prefixes) and maps any other Status by its code;
// whatever has no mapping becomes InternalError, and the caller logs it.
//
// Thread-safety: pure functions over an immutable table.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace shale::gateway {

enum class S3ErrorCode : uint8_t {
  kAccessDenied,
  kRequestExpired,  // AccessDenied "Request has expired" (presigned URL past X-Amz-Expires).
  kAuthorizationHeaderMalformed,
  kAuthorizationQueryParametersError,
  kBadDigest,
  kBucketAlreadyExists,
  kBucketAlreadyOwnedByYou,
  kBucketNotEmpty,
  kEntityTooLarge,
  kEntityTooSmall,
  kIncompleteBody,
  kInternalError,
  kInvalidAccessKeyId,
  kInvalidArgument,
  kInvalidBucketName,
  kInvalidChunkSizeError,
  kInvalidDigest,
  kInvalidPart,
  kInvalidPartOrder,
  kInvalidRange,
  kInvalidRequest,
  kInvalidURI,
  kKeyTooLongError,
  kMalformedTrailerError,
  kMalformedXML,
  kMethodNotAllowed,
  kMissingContentLength,
  kNoSuchBucket,
  kNoSuchKey,
  kNoSuchUpload,
  kNoSuchVersion,
  kNotImplemented,
  kPreconditionFailed,
  kRequestTimeout,
  kRequestTimeTooSkewed,
  kServiceUnavailable,
  kSignatureDoesNotMatch,
  kSlowDown,
  kXAmzContentSHA256Mismatch,
  // Added for the S3 operations (gateway/s3_handlers.h).
  kAccessForbidden,  // A CORS request no rule allows.
  kIllegalLocationConstraintException,
  kInvalidPartNumber,
  kInvalidTag,
  kMetadataTooLarge,
  kNoSuchCORSConfiguration,
  // Added for multipart uploads and versioning.
  kIllegalVersioningConfigurationException,
};

struct S3ErrorInfo {
  std::string_view tag;      // Unique per entry; the prefix of MakeS3Error() messages.
  std::string_view code;     // The <Code> clients see (several entries may share one).
  uint16_t http_status;      // 400, 403, 404, ...
  std::string_view message;  // AWS's default <Message>.
  StatusCode status_code;    // The generic code of the Status that carries this error.
};

const S3ErrorInfo& GetS3ErrorInfo(S3ErrorCode code);

// A non-OK Status carrying `code`; `detail` (may be empty) says what exactly was wrong.
Status MakeS3Error(S3ErrorCode code, std::string_view detail = {});

struct S3Error {
  S3ErrorCode code = S3ErrorCode::kInternalError;
  std::string message;  // The detail if one was given, else the table's default message.
};

// OK must not be passed (it yields InternalError). Untagged statuses map by code:
// InvalidArgument->InvalidArgument, NotFound->NoSuchKey, PermissionDenied and Unauthenticated->
// AccessDenied, Unavailable/NoSpace/ReadOnly->ServiceUnavailable, Timeout->RequestTimeout,
// FailedPrecondition->PreconditionFailed, OutOfRange->InvalidRange, NotSupported->NotImplemented,
// everything else (Corruption, IOError, Internal, Aborted, AlreadyExists)->InternalError with
// the table's generic message (internal details never leave the process).
S3Error S3ErrorFromStatus(const Status& status);

// AWS's error document:
// <?xml ...?><Error><Code/><Message/><Resource/><RequestId/></Error>
std::string RenderS3ErrorXml(const S3Error& error, std::string_view resource,
                             std::string_view request_id);

}  // namespace shale::gateway
