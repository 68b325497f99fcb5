// GetBucketVersioning, PutBucketVersioning and ListObjectVersions.

#include "gateway/query.h"
#include "gateway/s3_dates.h"
#include "gateway/s3_headers.h"
#include "gateway/s3_multipart_xml.h"
#include "gateway/s3_ops.h"
#include "gateway/s3_xml.h"
#include "gateway/xml_writer.h"

namespace shale::gateway {
namespace {

constexpr size_t kMaxVersioningBody = 4096;
constexpr uint32_t kMaxListKeys = 1000;

}  // namespace

Status GetBucketVersioning(S3Call& c) {
  XmlWriter w;
  w.Open("VersioningConfiguration", kS3Xmlns);
  if (c.bucket.versioning == BucketVersioning::kEnabled) w.Element("Status", "Enabled");
  if (c.bucket.versioning == BucketVersioning::kSuspended) w.Element("Status", "Suspended");
  return SendXml(c, 200, std::move(w).Finish());
}

Status PutBucketVersioning(S3Call& c) {
  SHALE_ASSIGN_OR_RETURN(std::string body,
                         ReadCheckedBody(c.request, kMaxVersioningBody, BodyIntegrity::kOptional));
  SHALE_ASSIGN_OR_RETURN(VersioningConfiguration config, ParseVersioningConfiguration(body));
  if (config.mfa_delete.value_or(false) || c.request.Header("x-amz-mfa")) {
    return MakeS3Error(S3ErrorCode::kNotImplemented, "MFA Delete is not supported");
  }
  if (config.status && *config.status != c.bucket.versioning) {
    BucketInfo updated = c.bucket;
    updated.versioning = *config.status;
    SHALE_RETURN_IF_ERROR(MapStoreError(c.store.UpdateBucket(updated), S3ErrorCode::kNoSuchBucket));
  }
  return c.response.Send(200, {}, "");
}

Status ListObjectVersions(S3Call& c) {
  const S3Request& r = c.request;
  ListVersionsQuery query;
  query.prefix = std::string(r.Query("prefix").value_or(""));
  query.delimiter = std::string(r.Query("delimiter").value_or(""));
  query.key_marker = std::string(r.Query("key-marker").value_or(""));
  SHALE_ASSIGN_OR_RETURN(query.max_keys, ParseMaxQuery(r, "max-keys", kMaxListKeys));
  std::string_view version_marker = r.Query("version-id-marker").value_or("");
  if (!version_marker.empty()) {
    if (query.key_marker.empty()) {
      return MakeS3Error(S3ErrorCode::kInvalidArgument,
                         "A version-id marker cannot be specified without a key marker.");
    }
    Result<VersionSelector> parsed = VersionSelector::Parse(version_marker);
    if (!parsed.ok()) {
      return MakeS3Error(S3ErrorCode::kInvalidArgument, "Invalid version id specified");
    }
    query.version_id_marker = *parsed;
  }
  SHALE_ASSIGN_OR_RETURN(bool url_encode, ParseEncodingType(r));
  ListVersionsResult result;
  if (query.max_keys > 0) {
    Result<ListVersionsResult> listed = c.store.ListVersions(r.bucket, query);
    if (!listed.ok()) return MapStoreError(listed.status(), S3ErrorCode::kNoSuchBucket);
    result = std::move(*listed);
  }
  auto enc = [&](std::string_view s) { return ListingName(url_encode, s); };

  XmlWriter w;
  w.Open("ListVersionsResult", kS3Xmlns);
  w.Element("Name", r.bucket);
  w.Element("Prefix", enc(query.prefix));
  w.Element("KeyMarker", enc(query.key_marker));
  w.Element("VersionIdMarker", version_marker);
  if (result.truncated) {
    w.Element("NextKeyMarker", enc(result.next_key_marker));
    w.Element("NextVersionIdMarker", result.next_version_id_marker);
  }
  w.Element("MaxKeys", std::to_string(query.max_keys));
  if (!query.delimiter.empty()) w.Element("Delimiter", enc(query.delimiter));
  if (url_encode) w.Element("EncodingType", "url");
  w.Element("IsTruncated", result.truncated ? "true" : "false");
  for (const VersionListEntry& entry : result.versions) {
    const ObjectInfo& o = entry.info;
    w.Open(o.delete_marker ? "DeleteMarker" : "Version");
    w.Element("Key", enc(o.key));
    w.Element("VersionId", S3VersionId(o));
    w.Element("IsLatest", entry.is_latest ? "true" : "false");
    w.Element("LastModified", FormatIso8601(o.last_modified_ms));
    if (!o.delete_marker) {
      w.Element("ETag", QuoteEtag(o.etag));
      w.Element("Size", std::to_string(o.size));
      w.Element("StorageClass", "STANDARD");
    }
    // Delete markers carry no owner of their own: only the bucket's owner can write them.
    WriteOwnerXml(w, c.options, o.owner_id.empty() ? c.bucket.owner_id : o.owner_id);
    w.Close();
  }
  return FinishListing(c, w, result.common_prefixes, url_encode);
}

}  // namespace shale::gateway
