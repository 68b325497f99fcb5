// Get/Put/DeleteObjectTagging.

#include "gateway/object_key.h"
#include "gateway/s3_ops.h"
#include "gateway/s3_tags.h"

namespace shale::gateway {
namespace {

constexpr size_t kMaxTaggingBody = 64 * 1024;

Result<ObjectInfo> HeadObject(S3Call& c) {
  SHALE_RETURN_IF_ERROR(ValidateObjectKey(c.request.key));
  Result<ObjectInfo> info = c.store.Head(c.request.bucket, c.request.key);
  if (!info.ok()) return MapStoreError(info.status(), S3ErrorCode::kNoSuchKey);
  return info;
}

Status ReplaceTags(S3Call& c, ObjectInfo info, TagSet tags, int status) {
  info.attributes.tags = std::move(tags);
  Result<ObjectInfo> updated =
      c.store.UpdateAttributes(c.request.bucket, c.request.key, info.attributes);
  if (!updated.ok()) return MapStoreError(updated.status(), S3ErrorCode::kNoSuchKey);
  return c.response.Send(status, {}, "");
}

}  // namespace

Status GetObjectTagging(S3Call& c) {
  SHALE_ASSIGN_OR_RETURN(ObjectInfo info, HeadObject(c));
  return SendXml(c, 200, RenderTaggingXml(info.attributes.tags));
}

Status PutObjectTagging(S3Call& c) {
  SHALE_ASSIGN_OR_RETURN(std::string body,
                         ReadSmallBody(c.request, kMaxTaggingBody, S3ErrorCode::kMalformedXML));
  SHALE_ASSIGN_OR_RETURN(TagSet tags, ParseTaggingXml(body));
  SHALE_ASSIGN_OR_RETURN(ObjectInfo info, HeadObject(c));
  return ReplaceTags(c, std::move(info), std::move(tags), 200);
}

Status DeleteObjectTagging(S3Call& c) {
  SHALE_ASSIGN_OR_RETURN(ObjectInfo info, HeadObject(c));
  return ReplaceTags(c, std::move(info), {}, 204);
}

}  // namespace shale::gateway
