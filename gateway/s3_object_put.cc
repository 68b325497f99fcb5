// PutObject (checksums, conditional writes, tags, metadata) and DeleteObject.

#include "gateway/ascii.h"
#include "gateway/object_key.h"
#include "gateway/s3_checksum.h"
#include "gateway/s3_conditions.h"
#include "gateway/s3_headers.h"
#include "gateway/s3_ops.h"
#include "gateway/s3_tags.h"

namespace shale::gateway {
namespace {

// If-None-Match: * and If-Match: <etag> of a PUT, checked against the current object right
// before the new one becomes visible.
Status CheckWriteConditions(S3Call& c) {
  std::optional<std::string_view> none_match = c.request.Header("if-none-match");
  std::optional<std::string_view> match = c.request.Header("if-match");
  if (!none_match && !match) return Status::OK();
  Result<ObjectInfo> current = c.store.Head(c.request.bucket, c.request.key);
  if (!current.ok() && current.status().code() != StatusCode::kNotFound) return current.status();
  if (none_match && current.ok()) return MakeS3Error(S3ErrorCode::kPreconditionFailed);
  if (match) {
    if (!current.ok()) return MakeS3Error(S3ErrorCode::kNoSuchKey);
    if (!EtagListMatches(*match, current->etag)) {
      return MakeS3Error(S3ErrorCode::kPreconditionFailed);
    }
  }
  return Status::OK();
}

}  // namespace

Status PutObject(S3Call& c) {
  S3Request& r = c.request;
  SHALE_RETURN_IF_ERROR(ValidateObjectKey(r.key));
  if (!r.content_length) return MakeS3Error(S3ErrorCode::kMissingContentLength);
  if (*r.content_length > kMaxPutObjectBytes) return MakeS3Error(S3ErrorCode::kEntityTooLarge);
  if (std::optional<std::string_view> none_match = r.Header("if-none-match")) {
    if (TrimOws(*none_match) != "*") {
      return MakeS3Error(S3ErrorCode::kNotImplemented,
                         "If-None-Match on PUT supports only the value *");
    }
  }
  SHALE_ASSIGN_OR_RETURN(ObjectAttributes attributes, AttributesFromHeaders(r.headers));
  if (std::optional<std::string_view> tagging = r.Header("x-amz-tagging")) {
    SHALE_ASSIGN_OR_RETURN(attributes.tags, ParseTaggingHeader(*tagging));
  }
  SHALE_ASSIGN_OR_RETURN(ChecksumRequest checksum, ParseChecksumRequest(r.headers));

  PutRequest put;
  put.bucket = r.bucket;
  put.key = r.key;
  put.owner_id = r.user->id;
  put.attributes = std::move(attributes);
  put.size = r.content_length;
  if (checksum.algorithm) {
    put.compute.push_back(*checksum.algorithm);
    put.store.push_back(*checksum.algorithm);
  }
  put.before_commit = [&c, &checksum](const PutDigests& digests) -> Status {
    SHALE_RETURN_IF_ERROR(VerifyChecksums(checksum, digests, c.request.trailers));
    return CheckWriteConditions(c);
  };
  BodySource empty = [](std::span<char>) -> Result<size_t> { return size_t{0}; };
  Result<ObjectInfo> stored = c.store.Put(put, r.body ? r.body : empty);
  if (!stored.ok()) return MapStoreError(stored.status(), S3ErrorCode::kNoSuchBucket);

  std::vector<S3Header> headers = {{"ETag", QuoteEtag(stored->etag)}};
  for (const ObjectChecksum& sum : stored->checksums) {
    headers.push_back({std::string(ChecksumHeaderName(sum.algorithm)), sum.base64});
  }
  return c.response.Send(200, std::move(headers), "");
}

Status DeleteObject(S3Call& c) {
  SHALE_RETURN_IF_ERROR(ValidateObjectKey(c.request.key));
  SHALE_RETURN_IF_ERROR(
      MapStoreError(c.store.Delete(c.request.bucket, c.request.key), S3ErrorCode::kNoSuchBucket));
  return c.response.Send(204, {}, "");
}

}  // namespace shale::gateway
