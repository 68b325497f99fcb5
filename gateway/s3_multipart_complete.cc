// CompleteMultipartUpload: the part list validated as S3 does (MalformedXML, InvalidPartOrder,
// InvalidPart, EntityTooSmall), the multipart ETag and the COMPOSITE / FULL_OBJECT checksum
// computed from the stored parts, the client's whole-object checksum verified, and a retried
// Complete of an already completed upload answered with the same result.

#include <map>

#include "gateway/object_key.h"
#include "gateway/query.h"
#include "gateway/s3_checksum.h"
#include "gateway/s3_headers.h"
#include "gateway/s3_multipart_checksum.h"
#include "gateway/s3_multipart_xml.h"
#include "gateway/s3_ops.h"
#include "gateway/s3_xml.h"
#include "gateway/xml_writer.h"

namespace shale::gateway {
namespace {

constexpr uint32_t kPartsPerPage = 1000;

// S3 names no part in the message; neither do we.
Status InvalidPart() { return MakeS3Error(S3ErrorCode::kInvalidPart); }

Status CheckOrder(const std::vector<CompletedPart>& parts) {
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].part_number <= parts[i - 1].part_number) {
      return MakeS3Error(S3ErrorCode::kInvalidPartOrder);
    }
  }
  return Status::OK();
}

Result<std::map<uint32_t, PartInfo>> StoredParts(S3Call& c, const MultipartUpload& upload) {
  std::map<uint32_t, PartInfo> out;
  uint32_t after = 0;
  while (true) {
    Result<PartsPage> page =
        c.store.ListParts(upload.bucket, upload.key, upload.upload_id, after, kPartsPerPage);
    if (!page.ok()) return MapStoreError(page.status(), S3ErrorCode::kNoSuchUpload);
    for (PartInfo& part : page->parts) out.emplace(part.part_number, std::move(part));
    if (!page->truncated || page->next_part_number_marker <= after) return out;
    after = page->next_part_number_marker;
  }
}

const ObjectChecksum* FindChecksum(const std::vector<ObjectChecksum>& sums,
                                   ChecksumAlgorithm algorithm) {
  for (const ObjectChecksum& sum : sums) {
    if (sum.algorithm == algorithm) return &sum;
  }
  return nullptr;
}

// The stored parts the request names, checked against it.
Result<std::vector<PartInfo>> MatchParts(S3Call& c, const MultipartUpload& upload,
                                         const std::vector<CompletedPart>& requested) {
  SHALE_ASSIGN_OR_RETURN(auto stored, StoredParts(c, upload));
  std::vector<PartInfo> out;
  out.reserve(requested.size());
  // As S3: every named part must exist (and match) before sizes are looked at.
  for (const CompletedPart& want : requested) {
    auto it = stored.find(want.part_number);
    if (it == stored.end() || it->second.etag != want.etag) return InvalidPart();
    for (const ObjectChecksum& sum : want.checksums) {
      const ObjectChecksum* have = FindChecksum(it->second.checksums, sum.algorithm);
      if (have == nullptr || have->base64 != sum.base64) return InvalidPart();
    }
    out.push_back(std::move(it->second));
  }
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i].size < c.options.multipart_min_part_size) {
      return MakeS3Error(S3ErrorCode::kEntityTooSmall);
    }
  }
  return out;
}

// The whole-object checksum of the upload's algorithm, and the client's value of it checked.
Result<std::vector<ObjectChecksum>> ObjectChecksums(const S3Request& r,
                                                    const MultipartUpload& upload,
                                                    const std::vector<PartInfo>& parts) {
  std::optional<ChecksumAlgorithm> given;
  std::string given_value;
  for (const S3Header& h : r.headers) {
    for (ChecksumAlgorithm a :
         {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
          ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256}) {
      if (h.name == ChecksumHeaderName(a)) {
        given = a;
        given_value = std::string(h.value);
      }
    }
  }
  if (!upload.checksum_algorithm) {
    if (!given) return std::vector<ObjectChecksum>();
    return MakeS3Error(S3ErrorCode::kInvalidRequest,
                       "The upload was created using the null or no checksum algorithm, but "
                       "the request specified a " +
                           std::string(ChecksumAlgorithmName(*given)) + " checksum.");
  }
  const ChecksumAlgorithm algorithm = *upload.checksum_algorithm;
  if (given && *given != algorithm) {
    return MakeS3Error(S3ErrorCode::kInvalidRequest,
                       "The upload was created using the " +
                           std::string(ChecksumAlgorithmName(algorithm)) +
                           " checksum algorithm, but the request specified a " +
                           std::string(ChecksumAlgorithmName(*given)) + " checksum.");
  }
  std::vector<PartChecksum> sums;
  for (const PartInfo& part : parts) {
    const ObjectChecksum* sum = FindChecksum(part.checksums, algorithm);
    if (sum == nullptr) return InvalidPart();
    sums.push_back({sum->base64, part.size});
  }
  Result<std::string> value = upload.checksum_full_object ? FullObjectChecksum(algorithm, sums)
                                                          : CompositeChecksum(algorithm, sums);
  if (!value.ok()) return Status::Internal(value.status().message());
  if (given) {
    // SDKs send a composite value with or without its "-N".
    std::string_view bare = std::string_view(*value).substr(0, value->find('-'));
    if (given_value != *value && given_value != bare) {
      return MakeS3Error(S3ErrorCode::kBadDigest,
                         "The " + std::string(ChecksumAlgorithmName(algorithm)) +
                             " you specified did not match the calculated checksum.");
    }
  }
  return std::vector<ObjectChecksum>{{algorithm, *value}};
}

Status SendResult(S3Call& c, const ObjectInfo& info) {
  const S3Request& r = c.request;
  std::vector<S3Header> headers = {{"Content-Type", "application/xml"}};
  AppendVersionIdHeader(c.bucket, info, &headers);
  XmlWriter w;
  w.Open("CompleteMultipartUploadResult", kS3Xmlns);
  std::optional<std::string_view> host = r.Header("host");
  w.Element("Location", (host ? "http://" + std::string(*host) : std::string()) + "/" + r.bucket +
                            "/" + UriEncode(r.key, UriEncodeMode::kPath));
  w.Element("Bucket", r.bucket);
  w.Element("Key", r.key);
  w.Element("ETag", QuoteEtag(info.etag));
  for (const ObjectChecksum& sum : info.checksums) {
    w.Element("Checksum" + std::string(ChecksumAlgorithmName(sum.algorithm)), sum.base64);
  }
  if (!info.checksums.empty()) {
    const bool composite = info.checksums.front().base64.find('-') != std::string::npos;
    w.Element("ChecksumType", composite ? "COMPOSITE" : "FULL_OBJECT");
  }
  return c.response.Send(200, std::move(headers), std::move(w).Finish());
}

}  // namespace

Status CompleteMultipartUpload(S3Call& c) {
  S3Request& r = c.request;
  SHALE_RETURN_IF_ERROR(ValidateObjectKey(r.key));
  SHALE_ASSIGN_OR_RETURN(VersionId upload_id, RequestedUploadId(r));
  SHALE_ASSIGN_OR_RETURN(std::string body,
                         ReadSmallBody(r, kMaxCompleteBodyBytes, S3ErrorCode::kMalformedXML));
  // Only Content-MD5 speaks of the body here: x-amz-checksum-* name the whole object's value.
  if (std::optional<std::string_view> md5 = r.Header("content-md5")) {
    SHALE_ASSIGN_OR_RETURN(ChecksumRequest integrity,
                           ParseChecksumRequest({{"content-md5", std::string(*md5)}}));
    SHALE_RETURN_IF_ERROR(VerifyChecksums(integrity, ComputeDigests(body, {}), nullptr));
  }
  SHALE_ASSIGN_OR_RETURN(std::vector<CompletedPart> requested, ParseCompleteMultipartUpload(body));
  SHALE_RETURN_IF_ERROR(CheckOrder(requested));

  CompleteRequest complete;
  complete.bucket = r.bucket;
  complete.key = r.key;
  complete.upload_id = upload_id;
  complete.versioning = c.bucket.versioning;
  complete.before_commit = [&c]() { return CheckWriteConditions(c); };
  std::vector<std::string> etags;
  for (const CompletedPart& part : requested) etags.push_back(part.etag);

  Result<MultipartUpload> upload = c.store.GetUpload(r.bucket, r.key, upload_id);
  if (upload.ok()) {
    SHALE_ASSIGN_OR_RETURN(complete.parts, MatchParts(c, *upload, requested));
    SHALE_ASSIGN_OR_RETURN(complete.checksums, ObjectChecksums(r, *upload, complete.parts));
  } else if (upload.status().code() == StatusCode::kNotFound) {
    // Perhaps completed already: the store answers a retry with the version it wrote.
    for (const CompletedPart& part : requested) {
      complete.parts.push_back({part.part_number, 0, part.etag, 0, part.checksums});
    }
  } else {
    return upload.status();
  }
  Result<std::string> etag = MultipartEtag(etags);
  if (!etag.ok()) return InvalidPart();
  complete.etag = *etag;
  Result<ObjectInfo> stored = c.store.CompleteUpload(complete);
  if (!stored.ok()) {
    // The store's own FailedPrecondition (a part missing or replaced meanwhile) is InvalidPart;
    // a refusal of before_commit carries its S3 tag.
    if (stored.status().code() == StatusCode::kFailedPrecondition &&
        stored.status().message().find("PreconditionFailed: ") == std::string::npos) {
      return InvalidPart();
    }
    return MapStoreError(stored.status(), S3ErrorCode::kNoSuchUpload);
  }
  return SendResult(c, *stored);
}

}  // namespace shale::gateway
