// GetObject and HeadObject: conditionals, Range / partNumber, response-* overrides, checksum
// mode, and the body streamed from the data path in pieces.

#include <charconv>
#include <vector>

#include "gateway/ascii.h"
#include "gateway/object_key.h"
#include "gateway/range.h"
#include "gateway/s3_checksum.h"
#include "gateway/s3_conditions.h"
#include "gateway/s3_dates.h"
#include "gateway/s3_headers.h"
#include "gateway/s3_ops.h"

namespace shale::gateway {
namespace {

std::string ContentRange(uint64_t first, uint64_t last, uint64_t size) {
  return "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(size);
}

Status StreamBody(S3Call& c, const ObjectInfo& info, uint64_t offset, uint64_t length) {
  SHALE_ASSIGN_OR_RETURN(std::unique_ptr<ObjectReader> reader,
                         c.store.OpenRead(info, offset, length));
  std::vector<char> buf(std::max<size_t>(c.options.read_piece_bytes, 1));
  uint64_t left = length;
  while (left > 0) {
    SHALE_ASSIGN_OR_RETURN(size_t n, reader->Read(std::span<char>(buf)));
    if (n == 0) return Status::Corruption("object ended " + std::to_string(left) + " bytes early");
    n = static_cast<size_t>(std::min<uint64_t>(n, left));
    SHALE_RETURN_IF_ERROR(c.response.Write(std::string_view(buf.data(), n)));
    left -= n;
  }
  return Status::OK();
}

// The headers GET, HEAD and a 304 share.
std::vector<S3Header> ObjectValidatorHeaders(const ObjectInfo& info) {
  return {{"ETag", QuoteEtag(info.etag)}, {"Last-Modified", FormatHttpDate(info.last_modified_ms)}};
}

// The answer for a delete marker: GET/HEAD of the marker version itself is 405, of a key whose
// latest version is a marker 404 NoSuchKey; both say which marker it was.
Status SendDeleteMarker(S3Call& c, const ObjectInfo& marker, bool version_given) {
  std::vector<S3Header> headers = {{"x-amz-delete-marker", "true"},
                                   {"x-amz-version-id", S3VersionId(marker)}};
  if (version_given) {
    headers.push_back({"Allow", "DELETE"});
    headers.push_back({"Last-Modified", FormatHttpDate(marker.last_modified_ms)});
    return SendError(c, S3ErrorCode::kMethodNotAllowed, std::move(headers));
  }
  return SendError(c, S3ErrorCode::kNoSuchKey, std::move(headers));
}

// ?partNumber=N: 1..10000, and no Range with it.
Result<uint32_t> ParsePartNumber(std::string_view text, bool has_range) {
  if (has_range) {
    return MakeS3Error(S3ErrorCode::kInvalidRequest,
                       "Cannot specify both Range header and partNumber query parameter");
  }
  uint32_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end != text.data() + text.size() || number < 1 || number > 10000) {
    return MakeS3Error(S3ErrorCode::kInvalidArgument,
                       "Part number must be an integer between 1 and 10000, inclusive");
  }
  return number;
}

}  // namespace

Status GetObject(S3Call& c, bool head) {
  S3Request& r = c.request;
  SHALE_RETURN_IF_ERROR(ValidateObjectKey(r.key));
  SHALE_ASSIGN_OR_RETURN(VersionSelector version, RequestedVersion(r));
  const bool version_given = version.kind != VersionSelector::Kind::kLatest;
  Result<ObjectInfo> found = c.store.Head(r.bucket, r.key, version, {.delete_markers = true});
  if (!found.ok()) {
    return MapStoreError(found.status(),
                         version_given ? S3ErrorCode::kNoSuchVersion : S3ErrorCode::kNoSuchKey);
  }
  const ObjectInfo& info = *found;
  if (info.delete_marker) {
    // An unversioned bucket's deletes leave markers S3 would not show.
    if (!version_given && c.bucket.versioning == BucketVersioning::kUnversioned) {
      return MakeS3Error(S3ErrorCode::kNoSuchKey);
    }
    return SendDeleteMarker(c, info, version_given);
  }

  ConditionHeaders conditions{r.Header("if-match"), r.Header("if-none-match"),
                              r.Header("if-modified-since"), r.Header("if-unmodified-since")};
  switch (EvaluateConditions(conditions, info.etag, info.last_modified_ms)) {
    case ConditionOutcome::kNotModified:
      return c.response.Send(304, ObjectValidatorHeaders(info), "");
    case ConditionOutcome::kPreconditionFailed:
      return MakeS3Error(S3ErrorCode::kPreconditionFailed);
    case ConditionOutcome::kProceed:
      break;
  }

  int status = 200;
  uint64_t first = 0;
  uint64_t length = info.size;
  std::vector<S3Header> headers = ObjectValidatorHeaders(info);
  headers.push_back({"Accept-Ranges", "bytes"});
  AppendVersionIdHeader(c.bucket, info, &headers);
  std::optional<std::string_view> range = r.Header("range");
  if (std::optional<std::string_view> part = r.Query("partNumber")) {
    SHALE_ASSIGN_OR_RETURN(uint32_t number, ParsePartNumber(*part, range.has_value()));
    Result<PartRange> part_range = ObjectPartRange(info, number);
    if (!part_range.ok()) {
      if (part_range.status().code() != StatusCode::kInvalidArgument) return part_range.status();
      return MakeS3Error(S3ErrorCode::kInvalidPartNumber);
    }
    headers.push_back({"x-amz-mp-parts-count", std::to_string(part_range->parts_count)});
    first = part_range->offset;
    length = part_range->length;
    if (info.size > 0) {
      status = 206;
      headers.push_back({"Content-Range", ContentRange(first, first + length - 1, info.size)});
    }
  } else if (range) {
    ResolvedRange resolved = ResolveRange(*range, info.size);
    if (resolved.outcome == RangeOutcome::kNotSatisfiable) {
      return SendError(c, S3ErrorCode::kInvalidRange,
                       {{"Content-Range", "bytes */" + std::to_string(info.size)}});
    }
    if (resolved.outcome == RangeOutcome::kPartial) {
      status = 206;
      first = resolved.first;
      length = resolved.length();
      headers.push_back({"Content-Range", ContentRange(resolved.first, resolved.last, info.size)});
    }
  }

  AppendAttributeHeaders(info.attributes, &headers);
  if (!info.attributes.tags.empty()) {
    headers.push_back({"x-amz-tagging-count", std::to_string(info.attributes.tags.size())});
  }
  std::optional<std::string_view> mode = r.Header("x-amz-checksum-mode");
  if (mode && EqualsIgnoreCase(TrimOws(*mode), "ENABLED") && length == info.size) {
    for (const ObjectChecksum& checksum : info.checksums) {
      headers.push_back({std::string(ChecksumHeaderName(checksum.algorithm)), checksum.base64});
    }
  }
  ApplyResponseOverrides(r.query, &headers);

  // HEAD: the headers (with the length a GET would send) and no body.
  SHALE_RETURN_IF_ERROR(c.response.Begin(status, std::move(headers), length));
  if (head || length == 0) return Status::OK();
  return StreamBody(c, info, first, length);
}

}  // namespace shale::gateway
