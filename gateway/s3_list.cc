// ListObjects (v1) and ListObjectsV2.

#include <charconv>

#include "common/encoding.h"
#include "gateway/query.h"
#include "gateway/s3_dates.h"
#include "gateway/s3_headers.h"
#include "gateway/s3_ops.h"
#include "gateway/s3_xml.h"
#include "gateway/xml_writer.h"

namespace shale::gateway {
namespace {

constexpr uint32_t kMaxListKeys = 1000;

struct ListParams {
  ListQuery query;
  uint32_t max_keys = kMaxListKeys;
  bool url_encode = false;
  bool fetch_owner = false;
  std::string marker;                // v1.
  std::optional<std::string> token;  // v2, as sent.
  std::string start_after;           // v2.
};

Result<ListParams> ParseListParams(const S3Request& r, bool v2) {
  ListParams p;
  p.query.prefix = std::string(r.Query("prefix").value_or(""));
  p.query.delimiter = std::string(r.Query("delimiter").value_or(""));
  SHALE_ASSIGN_OR_RETURN(p.max_keys, ParseMaxQuery(r, "max-keys", kMaxListKeys));
  SHALE_ASSIGN_OR_RETURN(p.url_encode, ParseEncodingType(r));
  if (v2) {
    p.fetch_owner = r.Query("fetch-owner") == "true";
    p.start_after = std::string(r.Query("start-after").value_or(""));
    p.query.start_after = p.start_after;
    if (std::optional<std::string_view> token = r.Query("continuation-token")) {
      p.token = std::string(*token);
      Result<std::string> start = Base64Decode(*token, 4096);
      if (!start.ok() || start->empty()) {
        return MakeS3Error(S3ErrorCode::kInvalidArgument,
                           "The continuation token provided is incorrect");
      }
      p.query.start_after = std::move(*start);
    }
  } else {
    p.fetch_owner = true;
    p.marker = std::string(r.Query("marker").value_or(""));
    p.query.start_after = p.marker;
  }
  p.query.max_keys = p.max_keys;
  return p;
}

}  // namespace

Status ListObjects(S3Call& c, bool v2) {
  SHALE_ASSIGN_OR_RETURN(ListParams p, ParseListParams(c.request, v2));
  ListResult result;
  if (p.max_keys > 0) {
    Result<ListResult> listed = c.store.List(c.request.bucket, p.query);
    if (!listed.ok()) return MapStoreError(listed.status(), S3ErrorCode::kNoSuchBucket);
    result = std::move(*listed);
  }
  auto enc = [&](std::string_view s) { return ListingName(p.url_encode, s); };

  XmlWriter w;
  w.Open("ListBucketResult", kS3Xmlns);
  w.Element("Name", c.request.bucket);
  w.Element("Prefix", enc(p.query.prefix));
  if (v2) {
    if (p.token) w.Element("ContinuationToken", *p.token);
    if (result.truncated) {
      w.Element("NextContinuationToken", Base64Encode(result.next_marker));
    }
    w.Element("KeyCount", std::to_string(result.objects.size() + result.common_prefixes.size()));
    if (!p.start_after.empty()) w.Element("StartAfter", enc(p.start_after));
  } else {
    w.Element("Marker", enc(p.marker));
    // As S3: NextMarker only when a delimiter was given (otherwise it is the last Key).
    if (result.truncated && !p.query.delimiter.empty()) {
      w.Element("NextMarker", enc(result.next_marker));
    }
  }
  w.Element("MaxKeys", std::to_string(p.max_keys));
  if (!p.query.delimiter.empty()) w.Element("Delimiter", enc(p.query.delimiter));
  if (p.url_encode) w.Element("EncodingType", "url");
  w.Element("IsTruncated", result.truncated ? "true" : "false");
  for (const ObjectInfo& o : result.objects) {
    w.Open("Contents");
    w.Element("Key", enc(o.key));
    w.Element("LastModified", FormatIso8601(o.last_modified_ms));
    w.Element("ETag", QuoteEtag(o.etag));
    w.Element("Size", std::to_string(o.size));
    if (p.fetch_owner) WriteOwnerXml(w, c.options, o.owner_id);
    w.Element("StorageClass", "STANDARD");
    w.Close();
  }
  return FinishListing(c, w, result.common_prefixes, p.url_encode);
}

}  // namespace shale::gateway
