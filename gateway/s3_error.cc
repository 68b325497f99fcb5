#include "gateway/s3_error.h"

#include <array>
#include <cstddef>

#include "gateway/xml_writer.h"

namespace shale::gateway {
namespace {

using SC = StatusCode;

// Indexed by S3ErrorCode; the static_assert below keeps the two in step. Messages are AWS's
// ("Error Responses" in the S3 API reference).
constexpr S3ErrorInfo kTable[] = {
    {"AccessDenied", "AccessDenied", 403, "Access Denied", SC::kPermissionDenied},
    {"RequestExpired", "AccessDenied", 403, "Request has expired", SC::kPermissionDenied},
    {"AuthorizationHeaderMalformed", "AuthorizationHeaderMalformed", 400,
     "The authorization header you provided is invalid.", SC::kUnauthenticated},
    {"AuthorizationQueryParametersError", "AuthorizationQueryParametersError", 400,
     "Error parsing the X-Amz-Credential parameter.", SC::kUnauthenticated},
    {"BadDigest", "BadDigest", 400,
     "The Content-MD5 or checksum value that you specified did not match what the server "
     "received.",
     SC::kInvalidArgument},
    {"BucketAlreadyExists", "BucketAlreadyExists", 409,
     "The requested bucket name is not available. The bucket namespace is shared by all users "
     "of the system. Please select a different name and try again.",
     SC::kAlreadyExists},
    {"BucketAlreadyOwnedByYou", "BucketAlreadyOwnedByYou", 409,
     "Your previous request to create the named bucket succeeded and you already own it.",
     SC::kAlreadyExists},
    {"BucketNotEmpty", "BucketNotEmpty", 409, "The bucket you tried to delete is not empty",
     SC::kFailedPrecondition},
    {"EntityTooLarge", "EntityTooLarge", 400,
     "Your proposed upload exceeds the maximum allowed object size.", SC::kInvalidArgument},
    {"EntityTooSmall", "EntityTooSmall", 400,
     "Your proposed upload is smaller than the minimum allowed object size.", SC::kInvalidArgument},
    {"IncompleteBody", "IncompleteBody", 400,
     "You did not provide the number of bytes specified by the Content-Length HTTP header",
     SC::kInvalidArgument},
    {"InternalError", "InternalError", 500, "We encountered an internal error. Please try again.",
     SC::kInternal},
    {"InvalidAccessKeyId", "InvalidAccessKeyId", 403,
     "The AWS Access Key Id you provided does not exist in our records.", SC::kUnauthenticated},
    {"InvalidArgument", "InvalidArgument", 400, "Invalid Argument", SC::kInvalidArgument},
    {"InvalidBucketName", "InvalidBucketName", 400, "The specified bucket is not valid.",
     SC::kInvalidArgument},
    {"InvalidChunkSizeError", "InvalidChunkSizeError", 400,
     "Only the last chunk is allowed to have a size less than 8192 bytes", SC::kInvalidArgument},
    {"InvalidDigest", "InvalidDigest", 400, "The Content-MD5 you specified is not valid.",
     SC::kInvalidArgument},
    {"InvalidPart", "InvalidPart", 400,
     "One or more of the specified parts could not be found. The part may not have been "
     "uploaded, or the specified entity tag may not match the part's entity tag.",
     SC::kInvalidArgument},
    {"InvalidPartOrder", "InvalidPartOrder", 400,
     "The list of parts was not in ascending order. The parts list must be specified in order "
     "by part number.",
     SC::kInvalidArgument},
    {"InvalidRange", "InvalidRange", 416, "The requested range is not satisfiable",
     SC::kOutOfRange},
    {"InvalidRequest", "InvalidRequest", 400, "Invalid Request", SC::kInvalidArgument},
    {"InvalidURI", "InvalidURI", 400, "Couldn't parse the specified URI.", SC::kInvalidArgument},
    {"KeyTooLongError", "KeyTooLongError", 400, "Your key is too long", SC::kInvalidArgument},
    {"MalformedTrailerError", "MalformedTrailerError", 400,
     "The request contained trailing data that was not well-formed or did not conform to our "
     "published schema.",
     SC::kInvalidArgument},
    {"MalformedXML", "MalformedXML", 400,
     "The XML you provided was not well-formed or did not validate against our published "
     "schema.",
     SC::kInvalidArgument},
    {"MethodNotAllowed", "MethodNotAllowed", 405,
     "The specified method is not allowed against this resource.", SC::kNotSupported},
    {"MissingContentLength", "MissingContentLength", 411,
     "You must provide the Content-Length HTTP header.", SC::kInvalidArgument},
    {"NoSuchBucket", "NoSuchBucket", 404, "The specified bucket does not exist", SC::kNotFound},
    {"NoSuchKey", "NoSuchKey", 404, "The specified key does not exist.", SC::kNotFound},
    {"NoSuchUpload", "NoSuchUpload", 404,
     "The specified multipart upload does not exist. The upload ID might not be valid, or the "
     "multipart upload might have been aborted or completed.",
     SC::kNotFound},
    {"NoSuchVersion", "NoSuchVersion", 404,
     "The version ID specified in the request does not match an existing version.", SC::kNotFound},
    {"NotImplemented", "NotImplemented", 501,
     "A header you provided implies functionality that is not implemented.", SC::kNotSupported},
    {"PreconditionFailed", "PreconditionFailed", 412,
     "At least one of the preconditions you specified did not hold.", SC::kFailedPrecondition},
    {"RequestTimeout", "RequestTimeout", 400,
     "Your socket connection to the server was not read from or written to within the timeout "
     "period.",
     SC::kTimeout},
    {"RequestTimeTooSkewed", "RequestTimeTooSkewed", 403,
     "The difference between the request time and the server's time is too large.",
     SC::kUnauthenticated},
    {"ServiceUnavailable", "ServiceUnavailable", 503, "Please reduce your request rate.",
     SC::kUnavailable},
    {"SignatureDoesNotMatch", "SignatureDoesNotMatch", 403,
     "The request signature we calculated does not match the signature you provided. Check "
     "your key and signing method.",
     SC::kUnauthenticated},
    {"SlowDown", "SlowDown", 503, "Please reduce your request rate.", SC::kUnavailable},
    {"XAmzContentSHA256Mismatch", "XAmzContentSHA256Mismatch", 400,
     "The provided 'x-amz-content-sha256' header does not match what was computed.",
     SC::kInvalidArgument},
    {"AccessForbidden", "AccessForbidden", 403,
     "CORSResponse: This CORS request is not allowed. This is usually because the evalution of "
     "Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers "
     "are not whitelisted by the resource's CORS spec.",
     SC::kPermissionDenied},
    {"IllegalLocationConstraintException", "IllegalLocationConstraintException", 400,
     "The specified location-constraint is not valid for this endpoint.", SC::kInvalidArgument},
    {"InvalidPartNumber", "InvalidPartNumber", 416, "The requested partnumber is not satisfiable",
     SC::kOutOfRange},
    {"InvalidTag", "InvalidTag", 400, "The TagSet is not valid.", SC::kInvalidArgument},
    {"MetadataTooLarge", "MetadataTooLarge", 400,
     "Your metadata headers exceed the maximum allowed metadata size.", SC::kInvalidArgument},
    {"NoSuchCORSConfiguration", "NoSuchCORSConfiguration", 404,
     "The CORS configuration does not exist", SC::kNotFound},
    {"IllegalVersioningConfigurationException", "IllegalVersioningConfigurationException", 400,
     "The Versioning element must be specified", SC::kInvalidArgument},
};
static_assert(std::size(kTable) ==
                  static_cast<size_t>(S3ErrorCode::kIllegalVersioningConfigurationException) + 1,
              "kTable must have one row per S3ErrorCode, in enum order");

constexpr std::string_view kSeparator = ": ";

// Finds a tag at the start of the message or right after a ": " separator (WithContext()).
bool FindTag(std::string_view message, S3ErrorCode* code, std::string_view* detail) {
  size_t pos = 0;
  while (pos <= message.size()) {
    std::string_view rest = message.substr(pos);
    for (size_t i = 0; i < std::size(kTable); ++i) {
      std::string_view tag = kTable[i].tag;
      if (rest.size() >= tag.size() + kSeparator.size() && rest.substr(0, tag.size()) == tag &&
          rest.substr(tag.size(), kSeparator.size()) == kSeparator) {
        *code = static_cast<S3ErrorCode>(i);
        *detail = rest.substr(tag.size() + kSeparator.size());
        return true;
      }
    }
    size_t next = message.find(kSeparator, pos);
    if (next == std::string_view::npos) break;
    pos = next + kSeparator.size();
  }
  return false;
}

S3ErrorCode MapStatusCode(StatusCode code) {
  switch (code) {
    case SC::kInvalidArgument:
      return S3ErrorCode::kInvalidArgument;
    case SC::kNotFound:
      return S3ErrorCode::kNoSuchKey;
    case SC::kPermissionDenied:
    case SC::kUnauthenticated:
      return S3ErrorCode::kAccessDenied;
    case SC::kUnavailable:
    case SC::kNoSpace:
    case SC::kReadOnly:
      return S3ErrorCode::kServiceUnavailable;
    case SC::kTimeout:
      return S3ErrorCode::kRequestTimeout;
    case SC::kFailedPrecondition:
      return S3ErrorCode::kPreconditionFailed;
    case SC::kOutOfRange:
      return S3ErrorCode::kInvalidRange;
    case SC::kNotSupported:
      return S3ErrorCode::kNotImplemented;
    default:
      return S3ErrorCode::kInternalError;
  }
}

}  // namespace

const S3ErrorInfo& GetS3ErrorInfo(S3ErrorCode code) {
  size_t i = static_cast<size_t>(code);
  if (i >= std::size(kTable)) i = static_cast<size_t>(S3ErrorCode::kInternalError);
  return kTable[i];
}

Status MakeS3Error(S3ErrorCode code, std::string_view detail) {
  const S3ErrorInfo& info = GetS3ErrorInfo(code);
  std::string message(info.tag);
  message += kSeparator;
  message += detail.empty() ? info.message : detail;
  return Status(info.status_code, message);
}

S3Error S3ErrorFromStatus(const Status& status) {
  S3Error out;
  std::string_view detail;
  if (FindTag(status.message(), &out.code, &detail)) {
    out.message = std::string(detail);
    return out;
  }
  out.code = MapStatusCode(status.code());
  // Only client-caused codes keep their message; internal details stay in the logs.
  if (out.code == S3ErrorCode::kInvalidArgument) {
    out.message = status.message();
  } else {
    out.message = std::string(GetS3ErrorInfo(out.code).message);
  }
  return out;
}

std::string RenderS3ErrorXml(const S3Error& error, std::string_view resource,
                             std::string_view request_id) {
  const S3ErrorInfo& info = GetS3ErrorInfo(error.code);
  XmlWriter w;
  w.Open("Error");
  w.Element("Code", info.code);
  w.Element("Message", error.message.empty() ? info.message : std::string_view(error.message));
  w.Element("Resource", resource);
  w.Element("RequestId", request_id);
  w.Close();
  return std::move(w).Finish();
}

}  // namespace shale::gateway
