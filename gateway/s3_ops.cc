#include "gateway/s3_ops.h"

#include <charconv>

#include "gateway/query.h"
#include "gateway/s3_checksum.h"
#include "gateway/s3_conditions.h"
#include "gateway/xml_writer.h"

namespace shale::gateway {

Status MapStoreError(const Status& status, S3ErrorCode not_found) {
  if (status.code() != StatusCode::kNotFound) return status;
  // A NotFound that already names an S3 error (e.g. a before_commit's NoSuchKey) keeps it.
  std::string_view tag = GetS3ErrorInfo(S3ErrorFromStatus(status).code).tag;
  if (status.message().find(std::string(tag) + ": ") != std::string::npos) return status;
  return MakeS3Error(not_found);
}

Result<std::string> ReadSmallBody(S3Request& request, size_t limit, S3ErrorCode too_large) {
  std::string out;
  if (!request.body) return out;
  if (request.content_length && *request.content_length > limit) {
    return MakeS3Error(too_large);
  }
  char buf[16 * 1024];
  while (true) {
    SHALE_ASSIGN_OR_RETURN(size_t n, request.body(std::span<char>(buf, sizeof(buf))));
    if (n == 0) break;
    if (out.size() + n > limit) return MakeS3Error(too_large);
    out.append(buf, n);
  }
  return out;
}

Result<std::string> ReadCheckedBody(S3Request& request, size_t limit, BodyIntegrity integrity) {
  SHALE_ASSIGN_OR_RETURN(ChecksumRequest checksum, ParseChecksumRequest(request.headers));
  if (integrity == BodyIntegrity::kRequired && !checksum.content_md5 && !checksum.algorithm) {
    return MakeS3Error(S3ErrorCode::kInvalidRequest,
                       "Missing required header for this request: Content-MD5");
  }
  SHALE_ASSIGN_OR_RETURN(std::string body,
                         ReadSmallBody(request, limit, S3ErrorCode::kMalformedXML));
  std::vector<ChecksumAlgorithm> algorithms;
  if (checksum.algorithm) algorithms.push_back(*checksum.algorithm);
  SHALE_RETURN_IF_ERROR(
      VerifyChecksums(checksum, ComputeDigests(body, algorithms), request.trailers));
  return body;
}

std::string DisplayNameOf(const S3HandlersOptions& options, std::string_view id) {
  for (const User& u : options.users) {
    if (u.id == id) return u.display_name.empty() ? u.name : u.display_name;
  }
  return std::string(id);
}

void WriteOwnerXml(XmlWriter& writer, const S3HandlersOptions& options, std::string_view id,
                   std::string_view element) {
  writer.Open(element);
  writer.Element("ID", id);
  writer.Element("DisplayName", DisplayNameOf(options, id));
  writer.Close();
}

Status SendXml(S3Call& call, int status, std::string body) {
  return call.response.Send(status, {{"Content-Type", "application/xml"}}, std::move(body));
}

Status SendError(S3Call& call, S3ErrorCode code, std::vector<S3Header> headers) {
  S3Error error;
  error.code = code;
  headers.push_back({"Content-Type", "application/xml"});
  return call.response.Send(
      GetS3ErrorInfo(code).http_status, std::move(headers),
      RenderS3ErrorXml(error, call.request.resource, call.request.request_id));
}

Status CheckOwner(const S3Request& request, const BucketInfo& bucket) {
  if (request.user == nullptr || request.user->id != bucket.owner_id) {
    return MakeS3Error(S3ErrorCode::kAccessDenied);
  }
  return Status::OK();
}

Result<BucketInfo> GetOwnedBucket(S3Call& call, std::string_view name) {
  Result<BucketInfo> bucket = call.store.GetBucket(name);
  if (!bucket.ok()) return MapStoreError(bucket.status(), S3ErrorCode::kNoSuchBucket);
  SHALE_RETURN_IF_ERROR(CheckOwner(call.request, *bucket));
  return bucket;
}

Status CheckWriteConditions(S3Call& c) {
  std::optional<std::string_view> none_match = c.request.Header("if-none-match");
  std::optional<std::string_view> match = c.request.Header("if-match");
  if (!none_match && !match) return Status::OK();
  Result<ObjectInfo> current = c.store.Head(c.request.bucket, c.request.key);
  if (!current.ok() && current.status().code() != StatusCode::kNotFound) return current.status();
  if (none_match && current.ok()) return MakeS3Error(S3ErrorCode::kPreconditionFailed);
  if (match) {
    if (!current.ok()) return MakeS3Error(S3ErrorCode::kNoSuchKey);
    if (!EtagListMatches(*match, current->etag)) {
      return MakeS3Error(S3ErrorCode::kPreconditionFailed);
    }
  }
  return Status::OK();
}

Result<VersionSelector> RequestedVersion(const S3Request& request) {
  std::optional<std::string_view> text = request.Query("versionId");
  if (!text) return VersionSelector();
  Result<VersionSelector> selector = VersionSelector::Parse(*text);
  if (!selector.ok()) {
    return MakeS3Error(S3ErrorCode::kInvalidArgument, "Invalid version id specified");
  }
  return selector;
}

void AppendVersionIdHeader(const BucketInfo& bucket, const ObjectInfo& info,
                           std::vector<S3Header>* headers) {
  if (bucket.versioning == BucketVersioning::kUnversioned) return;
  headers->push_back({"x-amz-version-id", S3VersionId(info)});
}

Result<bool> ParseEncodingType(const S3Request& request) {
  std::optional<std::string_view> encoding = request.Query("encoding-type");
  if (!encoding) return false;
  if (*encoding != "url") {
    return MakeS3Error(S3ErrorCode::kInvalidArgument,
                       "Invalid Encoding Method specified in Request");
  }
  return true;
}

std::string ListingName(bool url_encode, std::string_view name) {
  return url_encode ? UriEncode(name, UriEncodeMode::kPath) : std::string(name);
}

Status FinishListing(S3Call& call, XmlWriter& writer, const std::vector<std::string>& prefixes,
                     bool url_encode) {
  for (const std::string& prefix : prefixes) {
    writer.Open("CommonPrefixes");
    writer.Element("Prefix", ListingName(url_encode, prefix));
    writer.Close();
  }
  return SendXml(call, 200, std::move(writer).Finish());
}

Result<uint32_t> ParseMaxQuery(const S3Request& request, std::string_view name, uint32_t cap) {
  std::optional<std::string_view> text = request.Query(name);
  if (!text) return cap;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size() || v < 0 ||
      v > INT32_MAX) {
    return MakeS3Error(S3ErrorCode::kInvalidArgument,
                       "Provided " + std::string(name) + " not an integer or within integer range");
  }
  return static_cast<uint32_t>(std::min<int64_t>(v, cap));
}

}  // namespace shale::gateway
