#pragma once

// Internal to the S3 handlers: the per-request context the router hands to each operation, the
// operations themselves (one function each, grouped in files by family: s3_bucket_ops.cc,
// s3_object_get.cc, s3_object_put.cc, s3_copy.cc, s3_delete_objects.cc, s3_list.cc,
// s3_tagging.cc, s3_cors.cc, s3_versioning.cc, s3_multipart.cc, s3_multipart_complete.cc,
// s3_multipart_list.cc) and the helpers they share (s3_ops.cc).
// Thread-safety: an S3Call belongs to the one request it serves.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "gateway/object_store.h"
#include "gateway/s3_error.h"
#include "gateway/s3_exchange.h"
#include "gateway/s3_handlers.h"

namespace shale::gateway {

class XmlWriter;

struct S3Call {
  S3Request& request;
  S3ResponseWriter& response;
  ObjectStore& store;
  const S3HandlersOptions& options;
  // The addressed bucket, looked up and authorized by the router (all but the service-level
  // operations, CreateBucket and the preflight).
  BucketInfo bucket;
};

// The largest single PUT S3 accepts.
inline constexpr uint64_t kMaxPutObjectBytes = 5ull * 1024 * 1024 * 1024;

// --- Shared helpers (s3_ops.cc) ---
// A NotFound from the data path becomes `not_found`; anything else passes unchanged (the
// server maps it with S3ErrorFromStatus).
Status MapStoreError(const Status& status, S3ErrorCode not_found);
// The whole request body, at most `limit` bytes (more -> `too_large`).
Result<std::string> ReadSmallBody(S3Request& request, size_t limit, S3ErrorCode too_large);
// A small XML request body (limit -> MalformedXML) checked against its Content-MD5 or
// x-amz-checksum-* (BadDigest); kRequired: one of them must be present, as S3 demands for
// DeleteObjects ("Missing required header for this request: Content-MD5").
enum class BodyIntegrity : uint8_t { kOptional, kRequired };
Result<std::string> ReadCheckedBody(S3Request& request, size_t limit, BodyIntegrity integrity);
// The display name of the user with canonical id `id` (the id itself if unknown).
std::string DisplayNameOf(const S3HandlersOptions& options, std::string_view id);
// <element><ID>id</ID><DisplayName>name</DisplayName></element> (Owner, Initiator).
void WriteOwnerXml(XmlWriter& writer, const S3HandlersOptions& options, std::string_view id,
                   std::string_view element = "Owner");
Status SendXml(S3Call& call, int status, std::string body);
// An error document with extra headers (e.g. Content-Range on 416), sent directly.
Status SendError(S3Call& call, S3ErrorCode code, std::vector<S3Header> headers);
// AccessDenied unless the caller owns `bucket`.
Status CheckOwner(const S3Request& request, const BucketInfo& bucket);
// GetBucket + CheckOwner.
Result<BucketInfo> GetOwnedBucket(S3Call& call, std::string_view name);
// If-None-Match: * and If-Match: <etag> of a write (PUT, CompleteMultipartUpload), checked
// against the key's current object right before the new version becomes visible.
Status CheckWriteConditions(S3Call& call);
// ?versionId= ("null" or an id; absent: the latest); malformed -> InvalidArgument.
Result<VersionSelector> RequestedVersion(const S3Request& request);
// Appends x-amz-version-id: <id or "null"> when the bucket's versioning was ever configured.
void AppendVersionIdHeader(const BucketInfo& bucket, const ObjectInfo& info,
                           std::vector<S3Header>* headers);
// A decimal query parameter in [0, INT32_MAX] capped at `cap` (absent: `cap`); otherwise
// InvalidArgument "Provided <name> not an integer or within integer range".
Result<uint32_t> ParseMaxQuery(const S3Request& request, std::string_view name, uint32_t cap);

// ?uploadId= of a multipart request; absent or malformed -> NoSuchUpload (as S3).
Result<VersionId> RequestedUploadId(const S3Request& request);
// The open upload the request names (NoSuchUpload when there is none).
Result<MultipartUpload> GetOpenUpload(S3Call& call);

// encoding-type=url of the listings: true when given; any other value is InvalidArgument.
Result<bool> ParseEncodingType(const S3Request& request);
// Keys and prefixes of a listing as its encoding-type asks: URL-encoded, or as they are.
std::string ListingName(bool url_encode, std::string_view name);
// The <CommonPrefixes> of a listing, then the whole document sent with 200.
Status FinishListing(S3Call& call, XmlWriter& writer, const std::vector<std::string>& prefixes,
                     bool url_encode);

// The source object of CopyObject / UploadPartCopy: x-amz-copy-source parsed (bucket the
// caller must own, key, versionId), the version looked up (a delete marker is refused as S3
// does) and x-amz-copy-source-if-* evaluated (failure -> PreconditionFailed).
struct CopySourceObject {
  std::string bucket;
  std::string key;
  bool version_given = false;
  ObjectInfo info;
};
Result<CopySourceObject> ResolveCopySource(S3Call& call);
// x-amz-copy-source-version-id for a source in a versioned bucket.
void AppendCopySourceVersionHeader(const CopySourceObject& source, std::vector<S3Header>* headers);

// --- Operations ---
Status ListBuckets(S3Call& call);
Status CreateBucket(S3Call& call);
Status HeadBucket(S3Call& call);
Status DeleteBucket(S3Call& call);
Status GetBucketLocation(S3Call& call);
Status ListObjects(S3Call& call, bool v2);
Status PutObject(S3Call& call);
Status GetObject(S3Call& call, bool head);
Status DeleteObject(S3Call& call);
Status DeleteObjects(S3Call& call);
Status CopyObject(S3Call& call);
Status GetObjectTagging(S3Call& call);
Status PutObjectTagging(S3Call& call);
Status DeleteObjectTagging(S3Call& call);
Status GetBucketCors(S3Call& call);
Status PutBucketCors(S3Call& call);
Status DeleteBucketCors(S3Call& call);
Status GetBucketVersioning(S3Call& call);
Status PutBucketVersioning(S3Call& call);
Status ListObjectVersions(S3Call& call);
Status CreateMultipartUpload(S3Call& call);
Status UploadPart(S3Call& call);
Status UploadPartCopy(S3Call& call);
Status CompleteMultipartUpload(S3Call& call);
Status AbortMultipartUpload(S3Call& call);
Status ListParts(S3Call& call);
Status ListMultipartUploads(S3Call& call);
// OPTIONS: may run without a user.
Status CorsPreflight(S3Call& call);
// The Access-Control-* headers for an actual request with an Origin that one of the bucket's
// rules allows; empty otherwise.
std::vector<S3Header> CorsHeadersFor(const S3Request& request, const BucketInfo& bucket);

}  // namespace shale::gateway
