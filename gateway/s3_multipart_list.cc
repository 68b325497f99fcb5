// ListParts and ListMultipartUploads.

#include "gateway/query.h"
#include "gateway/s3_checksum.h"
#include "gateway/s3_dates.h"
#include "gateway/s3_headers.h"
#include "gateway/s3_ops.h"
#include "gateway/s3_xml.h"
#include "gateway/xml_writer.h"

namespace shale::gateway {
namespace {

constexpr uint32_t kMaxListed = 1000;

void WriteChecksumKind(XmlWriter& w, const std::optional<ChecksumAlgorithm>& algorithm,
                       bool full_object) {
  if (!algorithm) return;
  w.Element("ChecksumAlgorithm", ChecksumAlgorithmName(*algorithm));
  w.Element("ChecksumType", full_object ? "FULL_OBJECT" : "COMPOSITE");
}

}  // namespace

Status ListParts(S3Call& c) {
  const S3Request& r = c.request;
  SHALE_ASSIGN_OR_RETURN(uint32_t max_parts, ParseMaxQuery(r, "max-parts", kMaxListed));
  uint32_t marker = 0;
  if (r.Query("part-number-marker")) {
    SHALE_ASSIGN_OR_RETURN(marker, ParseMaxQuery(r, "part-number-marker", INT32_MAX));
  }
  SHALE_ASSIGN_OR_RETURN(MultipartUpload upload, GetOpenUpload(c));
  PartsPage page;
  if (max_parts > 0) {
    Result<PartsPage> listed =
        c.store.ListParts(r.bucket, r.key, upload.upload_id, marker, max_parts);
    if (!listed.ok()) return MapStoreError(listed.status(), S3ErrorCode::kNoSuchUpload);
    page = std::move(*listed);
  }
  uint32_t next = page.truncated       ? page.next_part_number_marker
                  : page.parts.empty() ? 0
                                       : page.parts.back().part_number;

  XmlWriter w;
  w.Open("ListPartsResult", kS3Xmlns);
  w.Element("Bucket", r.bucket);
  w.Element("Key", r.key);
  w.Element("UploadId", upload.upload_id.ToText());
  WriteOwnerXml(w, c.options, upload.owner_id, "Initiator");
  WriteOwnerXml(w, c.options, upload.owner_id);
  w.Element("StorageClass", "STANDARD");
  w.Element("PartNumberMarker", std::to_string(marker));
  w.Element("NextPartNumberMarker", std::to_string(next));
  w.Element("MaxParts", std::to_string(max_parts));
  w.Element("IsTruncated", page.truncated ? "true" : "false");
  for (const PartInfo& part : page.parts) {
    w.Open("Part");
    w.Element("PartNumber", std::to_string(part.part_number));
    w.Element("LastModified", FormatIso8601(part.last_modified_ms));
    w.Element("ETag", QuoteEtag(part.etag));
    w.Element("Size", std::to_string(part.size));
    for (const ObjectChecksum& sum : part.checksums) {
      w.Element("Checksum" + std::string(ChecksumAlgorithmName(sum.algorithm)), sum.base64);
    }
    w.Close();
  }
  WriteChecksumKind(w, upload.checksum_algorithm, upload.checksum_full_object);
  return SendXml(c, 200, std::move(w).Finish());
}

Status ListMultipartUploads(S3Call& c) {
  const S3Request& r = c.request;
  ListUploadsQuery query;
  query.prefix = std::string(r.Query("prefix").value_or(""));
  query.delimiter = std::string(r.Query("delimiter").value_or(""));
  query.key_marker = std::string(r.Query("key-marker").value_or(""));
  std::string_view id_marker = r.Query("upload-id-marker").value_or("");
  // As S3: the upload-id marker counts only with a key marker.
  if (!query.key_marker.empty() && !id_marker.empty()) {
    Result<VersionId> id = VersionId::FromText(id_marker);
    if (!id.ok()) {
      return MakeS3Error(S3ErrorCode::kInvalidArgument, "Invalid uploadId marker");
    }
    query.upload_id_marker = *id;
  }
  SHALE_ASSIGN_OR_RETURN(query.max_uploads, ParseMaxQuery(r, "max-uploads", kMaxListed));
  SHALE_ASSIGN_OR_RETURN(bool url_encode, ParseEncodingType(r));
  ListUploadsResult result;
  if (query.max_uploads > 0) {
    Result<ListUploadsResult> listed = c.store.ListUploads(r.bucket, query);
    if (!listed.ok()) return MapStoreError(listed.status(), S3ErrorCode::kNoSuchBucket);
    result = std::move(*listed);
  }
  auto enc = [&](std::string_view s) { return ListingName(url_encode, s); };

  XmlWriter w;
  w.Open("ListMultipartUploadsResult", kS3Xmlns);
  w.Element("Bucket", r.bucket);
  w.Element("KeyMarker", enc(query.key_marker));
  w.Element("UploadIdMarker", query.upload_id_marker ? std::string(id_marker) : "");
  w.Element("NextKeyMarker", result.truncated ? enc(result.next_key_marker) : "");
  w.Element("NextUploadIdMarker", result.truncated ? result.next_upload_id_marker : "");
  if (!query.delimiter.empty()) w.Element("Delimiter", enc(query.delimiter));
  w.Element("Prefix", enc(query.prefix));
  w.Element("MaxUploads", std::to_string(query.max_uploads));
  if (url_encode) w.Element("EncodingType", "url");
  w.Element("IsTruncated", result.truncated ? "true" : "false");
  for (const MultipartUpload& upload : result.uploads) {
    w.Open("Upload");
    w.Element("Key", enc(upload.key));
    w.Element("UploadId", upload.upload_id.ToText());
    WriteOwnerXml(w, c.options, upload.owner_id, "Initiator");
    WriteOwnerXml(w, c.options, upload.owner_id);
    w.Element("StorageClass", "STANDARD");
    w.Element("Initiated", FormatIso8601(upload.initiated_ms));
    WriteChecksumKind(w, upload.checksum_algorithm, upload.checksum_full_object);
    w.Close();
  }
  return FinishListing(c, w, result.common_prefixes, url_encode);
}

}  // namespace shale::gateway
