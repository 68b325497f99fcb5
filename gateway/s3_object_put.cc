// PutObject (checksums, conditional writes, tags, metadata) and DeleteObject.

#include "gateway/ascii.h"
#include "gateway/object_key.h"
#include "gateway/s3_checksum.h"
#include "gateway/s3_conditions.h"
#include "gateway/s3_headers.h"
#include "gateway/s3_ops.h"
#include "gateway/s3_tags.h"

namespace shale::gateway {

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
  put.versioning = c.bucket.versioning;
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
  AppendVersionIdHeader(c.bucket, *stored, &headers);
  return c.response.Send(200, std::move(headers), "");
}

Status DeleteObject(S3Call& c) {
  SHALE_RETURN_IF_ERROR(ValidateObjectKey(c.request.key));
  SHALE_ASSIGN_OR_RETURN(VersionSelector version, RequestedVersion(c.request));
  DeleteRequest request{c.request.bucket, c.request.key, version, c.bucket.versioning};
  Result<DeleteOutcome> outcome = c.store.DeleteObject(request);
  if (!outcome.ok()) return MapStoreError(outcome.status(), S3ErrorCode::kNoSuchBucket);
  std::vector<S3Header> headers;
  const bool given = version.kind != VersionSelector::Kind::kLatest;
  // An unversioned bucket's delete leaves no marker S3 would show.
  if (outcome->delete_marker && (given || c.bucket.versioning != BucketVersioning::kUnversioned)) {
    headers.push_back({"x-amz-delete-marker", "true"});
  }
  if (given) {
    // As S3: the version the request named, whether or not it existed.
    headers.push_back({"x-amz-version-id", std::string(*c.request.Query("versionId"))});
  } else if (outcome->version) {
    AppendVersionIdHeader(c.bucket, *outcome->version, &headers);
  }
  return c.response.Send(204, std::move(headers), "");
}

}  // namespace shale::gateway
