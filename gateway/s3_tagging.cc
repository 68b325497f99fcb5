// Get/Put/DeleteObjectTagging, with ?versionId: any version can be read; only the newest can be
// changed (ObjectStore::UpdateAttributes rewrites the newest version in place), so a change
// addressed to an older version is NotImplemented.

#include "gateway/object_key.h"
#include "gateway/s3_ops.h"
#include "gateway/s3_tags.h"

namespace shale::gateway {
namespace {

constexpr size_t kMaxTaggingBody = 64 * 1024;

Result<ObjectInfo> HeadObject(S3Call& c, const VersionSelector& version) {
  SHALE_RETURN_IF_ERROR(ValidateObjectKey(c.request.key));
  const bool given = version.kind != VersionSelector::Kind::kLatest;
  Result<ObjectInfo> info = c.store.Head(c.request.bucket, c.request.key, version);
  if (!info.ok()) {
    return MapStoreError(info.status(),
                         given ? S3ErrorCode::kNoSuchVersion : S3ErrorCode::kNoSuchKey);
  }
  if (info->delete_marker) return MakeS3Error(S3ErrorCode::kMethodNotAllowed);
  return info;
}

// The version a tag change may address: the newest one.
Result<ObjectInfo> HeadLatestForUpdate(S3Call& c) {
  SHALE_ASSIGN_OR_RETURN(VersionSelector version, RequestedVersion(c.request));
  SHALE_ASSIGN_OR_RETURN(ObjectInfo info, HeadObject(c, version));
  if (version.kind == VersionSelector::Kind::kLatest) return info;
  SHALE_ASSIGN_OR_RETURN(ObjectInfo latest, HeadObject(c, VersionSelector()));
  if (latest.version != info.version) {
    return MakeS3Error(S3ErrorCode::kNotImplemented,
                       "Changing the tags of a noncurrent version is not implemented");
  }
  return info;
}

Status ReplaceTags(S3Call& c, ObjectInfo info, TagSet tags, int status) {
  info.attributes.tags = std::move(tags);
  Result<ObjectInfo> updated =
      c.store.UpdateAttributes(c.request.bucket, c.request.key, info.attributes);
  if (!updated.ok()) return MapStoreError(updated.status(), S3ErrorCode::kNoSuchKey);
  std::vector<S3Header> headers;
  AppendVersionIdHeader(c.bucket, *updated, &headers);
  return c.response.Send(status, std::move(headers), "");
}

}  // namespace

Status GetObjectTagging(S3Call& c) {
  SHALE_ASSIGN_OR_RETURN(VersionSelector version, RequestedVersion(c.request));
  SHALE_ASSIGN_OR_RETURN(ObjectInfo info, HeadObject(c, version));
  std::vector<S3Header> headers = {{"Content-Type", "application/xml"}};
  AppendVersionIdHeader(c.bucket, info, &headers);
  return c.response.Send(200, std::move(headers), RenderTaggingXml(info.attributes.tags));
}

Status PutObjectTagging(S3Call& c) {
  SHALE_ASSIGN_OR_RETURN(std::string body,
                         ReadSmallBody(c.request, kMaxTaggingBody, S3ErrorCode::kMalformedXML));
  SHALE_ASSIGN_OR_RETURN(TagSet tags, ParseTaggingXml(body));
  SHALE_ASSIGN_OR_RETURN(ObjectInfo info, HeadLatestForUpdate(c));
  return ReplaceTags(c, std::move(info), std::move(tags), 200);
}

Status DeleteObjectTagging(S3Call& c) {
  SHALE_ASSIGN_OR_RETURN(ObjectInfo info, HeadLatestForUpdate(c));
  return ReplaceTags(c, std::move(info), {}, 204);
}

}  // namespace shale::gateway
