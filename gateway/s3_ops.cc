#include "gateway/s3_ops.h"

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

std::string DisplayNameOf(const S3HandlersOptions& options, std::string_view id) {
  for (const User& u : options.users) {
    if (u.id == id) return u.display_name.empty() ? u.name : u.display_name;
  }
  return std::string(id);
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

}  // namespace shale::gateway
