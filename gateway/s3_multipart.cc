// CreateMultipartUpload, UploadPart, UploadPartCopy and AbortMultipartUpload. The part list and
// Complete are in s3_multipart_list.cc and s3_multipart_complete.cc.

#include <charconv>

#include "gateway/ascii.h"
#include "gateway/object_key.h"
#include "gateway/s3_checksum.h"
#include "gateway/s3_dates.h"
#include "gateway/s3_headers.h"
#include "gateway/s3_multipart_checksum.h"
#include "gateway/s3_multipart_xml.h"
#include "gateway/s3_ops.h"
#include "gateway/s3_tags.h"
#include "gateway/s3_xml.h"
#include "gateway/xml_writer.h"

namespace shale::gateway {
namespace {

Status InvalidRequest(std::string detail) {
  return MakeS3Error(S3ErrorCode::kInvalidRequest, detail);
}

std::string Lower(std::string_view name) { return AsciiLower(name); }

struct UploadChecksum {
  std::optional<ChecksumAlgorithm> algorithm;
  bool full_object = false;
};

// x-amz-checksum-algorithm and x-amz-checksum-type of CreateMultipartUpload. Without a type,
// CRC64NVME is FULL_OBJECT (the only kind it supports) and the others COMPOSITE.
Result<UploadChecksum> ParseUploadChecksum(const S3Request& r) {
  UploadChecksum out;
  if (std::optional<std::string_view> name = r.Header("x-amz-checksum-algorithm")) {
    out.algorithm = ParseChecksumAlgorithm(TrimOws(*name));
    if (!out.algorithm) {
      return InvalidRequest(
          "Checksum algorithm provided is unsupported. Please try again with any of the valid "
          "types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
    }
    out.full_object = *out.algorithm == ChecksumAlgorithm::kCrc64Nvme;
  }
  std::optional<std::string_view> type = r.Header("x-amz-checksum-type");
  if (!type) return out;
  std::string_view value = TrimOws(*type);
  if (value != "COMPOSITE" && value != "FULL_OBJECT") {
    return InvalidRequest("Value for x-amz-checksum-type header is invalid.");
  }
  if (!out.algorithm) {
    return InvalidRequest(
        "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm "
        "header.");
  }
  out.full_object = value == "FULL_OBJECT";
  if (out.full_object ? !SupportsFullObject(*out.algorithm) : !SupportsComposite(*out.algorithm)) {
    return InvalidRequest("The " + std::string(value) + " checksum type cannot be used with the " +
                          Lower(ChecksumAlgorithmName(*out.algorithm)) + " checksum algorithm.");
  }
  return out;
}

Result<uint32_t> RequestedPartNumber(const S3Request& r) {
  std::string_view text = r.Query("partNumber").value_or("");
  uint32_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || number < 1 ||
      number > kMaxPartNumber) {
    return MakeS3Error(S3ErrorCode::kInvalidArgument,
                       "Part number must be an integer between 1 and 10000, inclusive");
  }
  return number;
}

// Stores one part of `upload` read from `body`. The upload's checksum algorithm is always
// computed and stored (Complete combines it); a request checksum must name the same one.
Result<PartInfo> StorePart(S3Call& c, const MultipartUpload& upload, uint32_t number,
                           std::optional<uint64_t> size, const ChecksumRequest& checksum,
                           const BodySource& body) {
  if (upload.checksum_algorithm && checksum.algorithm &&
      *checksum.algorithm != *upload.checksum_algorithm) {
    return InvalidRequest(
        "Checksum Type mismatch occurred, expected checksum Type: " +
        Lower(ChecksumAlgorithmName(*upload.checksum_algorithm)) +
        ", actual checksum Type: " + Lower(ChecksumAlgorithmName(*checksum.algorithm)));
  }
  UploadPartRequest part;
  part.bucket = upload.bucket;
  part.key = upload.key;
  part.upload_id = upload.upload_id;
  part.part_number = number;
  part.size = size;
  std::optional<ChecksumAlgorithm> algorithm =
      upload.checksum_algorithm ? upload.checksum_algorithm : checksum.algorithm;
  if (algorithm) {
    part.compute.push_back(*algorithm);
    part.store.push_back(*algorithm);
  }
  part.before_commit = [&c, &checksum](const PutDigests& digests) {
    return VerifyChecksums(checksum, digests, c.request.trailers);
  };
  Result<PartInfo> stored = c.store.UploadPart(part, body);
  if (!stored.ok()) return MapStoreError(stored.status(), S3ErrorCode::kNoSuchUpload);
  return stored;
}

// "bytes=first-last" within a source of `size` bytes.
Result<std::pair<uint64_t, uint64_t>> ParseCopySourceRange(std::string_view text, uint64_t size) {
  auto invalid = [size]() {
    return MakeS3Error(
        S3ErrorCode::kInvalidArgument,
        "Range specified is not valid for source object of size: " + std::to_string(size));
  };
  constexpr std::string_view kBytes = "bytes=";
  text = TrimOws(text);
  if (text.substr(0, kBytes.size()) != kBytes) return invalid();
  text.remove_prefix(kBytes.size());
  size_t dash = text.find('-');
  if (dash == std::string_view::npos) return invalid();
  uint64_t first = 0;
  uint64_t last = 0;
  std::string_view a = text.substr(0, dash);
  std::string_view b = text.substr(dash + 1);
  auto ra = std::from_chars(a.data(), a.data() + a.size(), first);
  auto rb = std::from_chars(b.data(), b.data() + b.size(), last);
  if (a.empty() || b.empty() || ra.ec != std::errc() || ra.ptr != a.data() + a.size() ||
      rb.ec != std::errc() || rb.ptr != b.data() + b.size() || first > last || last >= size) {
    return invalid();
  }
  return std::make_pair(first, last - first + 1);
}

}  // namespace

Result<VersionId> RequestedUploadId(const S3Request& request) {
  Result<VersionId> id = VersionId::FromText(request.Query("uploadId").value_or(""));
  if (!id.ok()) return MakeS3Error(S3ErrorCode::kNoSuchUpload);
  return id;
}

Result<MultipartUpload> GetOpenUpload(S3Call& c) {
  SHALE_RETURN_IF_ERROR(ValidateObjectKey(c.request.key));
  SHALE_ASSIGN_OR_RETURN(VersionId id, RequestedUploadId(c.request));
  Result<MultipartUpload> upload = c.store.GetUpload(c.request.bucket, c.request.key, id);
  if (!upload.ok()) return MapStoreError(upload.status(), S3ErrorCode::kNoSuchUpload);
  return upload;
}

Status CreateMultipartUpload(S3Call& c) {
  S3Request& r = c.request;
  SHALE_RETURN_IF_ERROR(ValidateObjectKey(r.key));
  CreateUploadRequest create;
  create.bucket = r.bucket;
  create.key = r.key;
  create.owner_id = r.user->id;
  SHALE_ASSIGN_OR_RETURN(create.attributes, AttributesFromHeaders(r.headers));
  if (std::optional<std::string_view> tagging = r.Header("x-amz-tagging")) {
    SHALE_ASSIGN_OR_RETURN(create.attributes.tags, ParseTaggingHeader(*tagging));
  }
  SHALE_ASSIGN_OR_RETURN(UploadChecksum checksum, ParseUploadChecksum(r));
  create.checksum_algorithm = checksum.algorithm;
  create.checksum_full_object = checksum.full_object;
  Result<MultipartUpload> upload = c.store.CreateUpload(create);
  if (!upload.ok()) return MapStoreError(upload.status(), S3ErrorCode::kNoSuchBucket);

  std::vector<S3Header> headers = {{"Content-Type", "application/xml"}};
  if (checksum.algorithm) {
    headers.push_back(
        {"x-amz-checksum-algorithm", std::string(ChecksumAlgorithmName(*checksum.algorithm))});
    headers.push_back({"x-amz-checksum-type", checksum.full_object ? "FULL_OBJECT" : "COMPOSITE"});
  }
  XmlWriter w;
  w.Open("InitiateMultipartUploadResult", kS3Xmlns);
  w.Element("Bucket", r.bucket);
  w.Element("Key", r.key);
  w.Element("UploadId", upload->upload_id.ToText());
  return c.response.Send(200, std::move(headers), std::move(w).Finish());
}

Status UploadPart(S3Call& c) {
  S3Request& r = c.request;
  SHALE_ASSIGN_OR_RETURN(uint32_t number, RequestedPartNumber(r));
  if (!r.content_length) return MakeS3Error(S3ErrorCode::kMissingContentLength);
  if (*r.content_length > kMaxPutObjectBytes) return MakeS3Error(S3ErrorCode::kEntityTooLarge);
  SHALE_ASSIGN_OR_RETURN(ChecksumRequest checksum, ParseChecksumRequest(r.headers));
  SHALE_ASSIGN_OR_RETURN(MultipartUpload upload, GetOpenUpload(c));
  BodySource empty = [](std::span<char>) -> Result<size_t> { return size_t{0}; };
  SHALE_ASSIGN_OR_RETURN(PartInfo part, StorePart(c, upload, number, r.content_length, checksum,
                                                  r.body ? r.body : empty));
  std::vector<S3Header> headers = {{"ETag", QuoteEtag(part.etag)}};
  for (const ObjectChecksum& sum : part.checksums) {
    headers.push_back({std::string(ChecksumHeaderName(sum.algorithm)), sum.base64});
  }
  return c.response.Send(200, std::move(headers), "");
}

Status UploadPartCopy(S3Call& c) {
  S3Request& r = c.request;
  SHALE_ASSIGN_OR_RETURN(uint32_t number, RequestedPartNumber(r));
  SHALE_ASSIGN_OR_RETURN(MultipartUpload upload, GetOpenUpload(c));
  SHALE_ASSIGN_OR_RETURN(CopySourceObject source, ResolveCopySource(c));
  const ObjectInfo& src = source.info;
  uint64_t offset = 0;
  uint64_t length = src.size;
  if (std::optional<std::string_view> range = r.Header("x-amz-copy-source-range")) {
    SHALE_ASSIGN_OR_RETURN(auto span, ParseCopySourceRange(*range, src.size));
    offset = span.first;
    length = span.second;
  }
  if (length > kMaxPutObjectBytes) {
    return InvalidRequest(
        "The specified copy source is larger than the maximum allowable size for a copy "
        "source: 5368709120");
  }
  SHALE_ASSIGN_OR_RETURN(std::unique_ptr<ObjectReader> reader,
                         c.store.OpenRead(src, offset, length));
  BodySource body = [&reader](std::span<char> buf) { return reader->Read(buf); };
  SHALE_ASSIGN_OR_RETURN(PartInfo part, StorePart(c, upload, number, length, {}, body));

  std::vector<S3Header> headers = {{"Content-Type", "application/xml"}};
  AppendCopySourceVersionHeader(source, &headers);
  XmlWriter w;
  w.Open("CopyPartResult", kS3Xmlns);
  w.Element("ETag", QuoteEtag(part.etag));
  w.Element("LastModified", FormatIso8601(part.last_modified_ms));
  for (const ObjectChecksum& sum : part.checksums) {
    w.Element("Checksum" + std::string(ChecksumAlgorithmName(sum.algorithm)), sum.base64);
  }
  return c.response.Send(200, std::move(headers), std::move(w).Finish());
}

Status AbortMultipartUpload(S3Call& c) {
  SHALE_RETURN_IF_ERROR(ValidateObjectKey(c.request.key));
  SHALE_ASSIGN_OR_RETURN(VersionId id, RequestedUploadId(c.request));
  SHALE_RETURN_IF_ERROR(MapStoreError(c.store.AbortUpload(c.request.bucket, c.request.key, id),
                                      S3ErrorCode::kNoSuchUpload));
  return c.response.Send(204, {}, "");
}

}  // namespace shale::gateway
