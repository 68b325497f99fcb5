// CopyObject: x-amz-copy-source (same or another bucket of the caller), COPY / REPLACE of
// metadata and tags, x-amz-copy-source-if-*, the source streamed into the new put.

#include "gateway/ascii.h"
#include "gateway/object_key.h"
#include "gateway/query.h"
#include "gateway/s3_conditions.h"
#include "gateway/s3_dates.h"
#include "gateway/s3_headers.h"
#include "gateway/s3_ops.h"
#include "gateway/s3_tags.h"
#include "gateway/s3_xml.h"
#include "gateway/xml_writer.h"

namespace shale::gateway {
namespace {

struct CopySource {
  std::string bucket;
  std::string key;
  VersionSelector version;
};

Status BadCopySource() {
  return MakeS3Error(S3ErrorCode::kInvalidArgument,
                     "Copy Source must mention the source bucket and key: "
                     "sourcebucket/sourcekey");
}

// "[/]bucket/key[?versionId=id]", percent-encoded.
Result<CopySource> ParseCopySource(std::string_view header) {
  CopySource out;
  std::string_view path = TrimOws(header);
  size_t question = path.find('?');
  if (question != std::string_view::npos) {
    std::string_view query = path.substr(question + 1);
    path = path.substr(0, question);
    constexpr std::string_view kVersion = "versionId=";
    if (query.substr(0, kVersion.size()) != kVersion) return BadCopySource();
    Result<VersionSelector> version = VersionSelector::Parse(query.substr(kVersion.size()));
    if (!version.ok()) {
      return MakeS3Error(S3ErrorCode::kInvalidArgument, "Invalid version id specified");
    }
    out.version = *version;
  }
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  Result<std::string> decoded = PercentDecode(path, PercentDecodeMode::kPath);
  if (!decoded.ok()) return BadCopySource();
  size_t slash = decoded->find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == decoded->size()) {
    return BadCopySource();
  }
  out.bucket = decoded->substr(0, slash);
  out.key = decoded->substr(slash + 1);
  SHALE_RETURN_IF_ERROR(ValidateObjectKey(out.key));
  return out;
}

// COPY (the default) or REPLACE.
Result<bool> ParseDirective(const S3Request& r, std::string_view header, std::string_view what) {
  std::optional<std::string_view> value = r.Header(header);
  if (!value || *value == "COPY") return false;
  if (*value == "REPLACE") return true;
  return MakeS3Error(S3ErrorCode::kInvalidArgument, "Unknown " + std::string(what) + " directive.");
}

}  // namespace

Result<CopySourceObject> ResolveCopySource(S3Call& c) {
  const S3Request& r = c.request;
  SHALE_ASSIGN_OR_RETURN(CopySource source, ParseCopySource(*r.Header("x-amz-copy-source")));
  if (source.bucket != r.bucket) {
    SHALE_RETURN_IF_ERROR(GetOwnedBucket(c, source.bucket).status());
  }
  CopySourceObject out;
  out.bucket = source.bucket;
  out.key = source.key;
  out.version_given = source.version.kind != VersionSelector::Kind::kLatest;
  Result<ObjectInfo> found = c.store.Head(source.bucket, source.key, source.version);
  if (!found.ok()) {
    return MapStoreError(found.status(),
                         out.version_given ? S3ErrorCode::kNoSuchVersion : S3ErrorCode::kNoSuchKey);
  }
  out.info = std::move(*found);
  if (out.info.delete_marker) {
    return MakeS3Error(S3ErrorCode::kInvalidRequest,
                       "The source of a copy request may not specifically refer to a delete "
                       "marker by version id.");
  }
  ConditionHeaders conditions{r.Header("x-amz-copy-source-if-match"),
                              r.Header("x-amz-copy-source-if-none-match"),
                              r.Header("x-amz-copy-source-if-modified-since"),
                              r.Header("x-amz-copy-source-if-unmodified-since")};
  if (EvaluateConditions(conditions, out.info.etag, out.info.last_modified_ms) !=
      ConditionOutcome::kProceed) {
    return MakeS3Error(S3ErrorCode::kPreconditionFailed);
  }
  return out;
}

void AppendCopySourceVersionHeader(const CopySourceObject& source, std::vector<S3Header>* headers) {
  if (source.version_given || !source.info.null_version) {
    headers->push_back({"x-amz-copy-source-version-id", S3VersionId(source.info)});
  }
}

Status CopyObject(S3Call& c) {
  S3Request& r = c.request;
  SHALE_RETURN_IF_ERROR(ValidateObjectKey(r.key));
  SHALE_ASSIGN_OR_RETURN(bool replace_metadata,
                         ParseDirective(r, "x-amz-metadata-directive", "metadata"));
  SHALE_ASSIGN_OR_RETURN(bool replace_tags,
                         ParseDirective(r, "x-amz-tagging-directive", "tagging"));
  SHALE_ASSIGN_OR_RETURN(CopySourceObject source, ResolveCopySource(c));
  if (source.bucket == r.bucket && source.key == r.key && !replace_metadata &&
      !source.version_given) {
    return MakeS3Error(S3ErrorCode::kInvalidRequest,
                       "This copy request is illegal because it is trying to copy an object to "
                       "itself without changing the object's metadata, storage class, website "
                       "redirect location or encryption attributes.");
  }
  const ObjectInfo& src = source.info;
  if (src.size > kMaxPutObjectBytes) {
    return MakeS3Error(S3ErrorCode::kInvalidRequest,
                       "The specified copy source is larger than the maximum allowable size for "
                       "a copy source: 5368709120");
  }

  PutRequest put;
  put.bucket = r.bucket;
  put.key = r.key;
  put.owner_id = r.user->id;
  put.versioning = c.bucket.versioning;
  if (replace_metadata) {
    SHALE_ASSIGN_OR_RETURN(put.attributes, AttributesFromHeaders(r.headers));
  } else {
    put.attributes = src.attributes;
  }
  put.attributes.tags.clear();
  if (replace_tags) {
    if (std::optional<std::string_view> tagging = r.Header("x-amz-tagging")) {
      SHALE_ASSIGN_OR_RETURN(put.attributes.tags, ParseTaggingHeader(*tagging));
    }
  } else {
    put.attributes.tags = src.attributes.tags;
  }
  put.size = src.size;
  for (const ObjectChecksum& sum : src.checksums) {
    put.compute.push_back(sum.algorithm);
    put.store.push_back(sum.algorithm);
  }
  // The copy must be the source's bytes: a single-part source's ETag is their MD5.
  put.before_commit = [&src](const PutDigests& digests) -> Status {
    if (src.etag.find('-') == std::string::npos && digests.md5_hex != src.etag) {
      return Status::Corruption("copy of " + src.key + " read other bytes than the source's");
    }
    return Status::OK();
  };
  SHALE_ASSIGN_OR_RETURN(std::unique_ptr<ObjectReader> reader, c.store.OpenRead(src, 0, src.size));
  BodySource body = [&reader](std::span<char> buf) { return reader->Read(buf); };
  Result<ObjectInfo> stored = c.store.Put(put, body);
  if (!stored.ok()) return MapStoreError(stored.status(), S3ErrorCode::kNoSuchBucket);

  XmlWriter w;
  w.Open("CopyObjectResult", kS3Xmlns);
  w.Element("LastModified", FormatIso8601(stored->last_modified_ms));
  w.Element("ETag", QuoteEtag(stored->etag));
  std::vector<S3Header> headers = {{"Content-Type", "application/xml"}};
  AppendCopySourceVersionHeader(source, &headers);
  AppendVersionIdHeader(c.bucket, *stored, &headers);
  return c.response.Send(200, std::move(headers), std::move(w).Finish());
}

}  // namespace shale::gateway
