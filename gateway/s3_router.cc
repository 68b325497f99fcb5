// S3Handlers: routes a request to its operation (gateway/s3_ops.h).

#include <array>
#include <string_view>
#include <utility>

#include "gateway/s3_handlers.h"
#include "gateway/s3_ops.h"

namespace shale::gateway {
namespace {

// Subresources S3 has and Shale does not implement: any request naming one is NotImplemented,
// never served as if the parameter were absent. ("tagging" on a bucket is among them; on an
// object it is served.)
constexpr std::array<std::string_view, 25> kUnsupportedSubresources = {
    "accelerate",
    "acl",
    "analytics",
    "attributes",
    "encryption",
    "intelligent-tiering",
    "inventory",
    "legal-hold",
    "lifecycle",
    "logging",
    "metadataTable",
    "metrics",
    "notification",
    "object-lock",
    "ownershipControls",
    "policy",
    "policyStatus",
    "publicAccessBlock",
    "replication",
    "requestPayment",
    "restore",
    "retention",
    "select",
    "session",
    "torrent",
};

// Request headers asking for features Shale does not have (encryption, object lock, website
// redirects, grants): refused with NotImplemented rather than silently ignored. A canned ACL
// is accepted only when it is "private" (what every object already is).
constexpr std::array<std::string_view, 5> kUnsupportedHeaderPrefixes = {
    "x-amz-server-side-encryption", "x-amz-object-lock-", "x-amz-website-redirect-location",
    "x-amz-copy-source-server-side-encryption", "x-amz-grant-"};

bool HasUnsupportedHeader(const S3Request& r) {
  for (const S3Header& h : r.headers) {
    if (h.name == "x-amz-acl" && h.value != "private") return true;
    for (std::string_view prefix : kUnsupportedHeaderPrefixes) {
      if (h.name.compare(0, prefix.size(), prefix) == 0) return true;
    }
  }
  return false;
}

// Adds the bucket's CORS headers to whatever the operation sends.
class CorsResponseWriter final : public S3ResponseWriter {
 public:
  CorsResponseWriter(S3ResponseWriter& inner, std::vector<S3Header> extra)
      : inner_(inner), extra_(std::move(extra)) {}
  Status Send(int status, std::vector<S3Header> headers, std::string body) override {
    headers.insert(headers.end(), extra_.begin(), extra_.end());
    return inner_.Send(status, std::move(headers), std::move(body));
  }
  Status Begin(int status, std::vector<S3Header> headers, uint64_t content_length) override {
    headers.insert(headers.end(), extra_.begin(), extra_.end());
    return inner_.Begin(status, std::move(headers), content_length);
  }
  Status Write(std::string_view piece) override { return inner_.Write(piece); }
  bool started() const override { return inner_.started(); }

 private:
  S3ResponseWriter& inner_;  // Borrowed for the request.
  std::vector<S3Header> extra_;
};

using Operation = Status (*)(S3Call&);

struct Route {
  std::string_view name;
  Operation run = nullptr;
  bool needs_bucket = true;  // Look up and authorize request.bucket first.
};

Status NotImplemented(S3Call&) { return MakeS3Error(S3ErrorCode::kNotImplemented); }
Status MethodNotAllowed(S3Call&) { return MakeS3Error(S3ErrorCode::kMethodNotAllowed); }
Status ListObjectsV1(S3Call& c) { return ListObjects(c, false); }
Status ListObjectsV2(S3Call& c) { return ListObjects(c, true); }
Status GetObjectBody(S3Call& c) { return GetObject(c, false); }
Status HeadObject(S3Call& c) { return GetObject(c, true); }

Route Resolve(const S3Request& r) {
  const std::string_view m = r.method;
  if (m == "OPTIONS") return {"CorsPreflight", CorsPreflight, false};
  if (r.bucket.empty()) {
    if (m == "GET") return {"ListBuckets", ListBuckets, false};
    return {"MethodNotAllowed", MethodNotAllowed, false};
  }
  for (std::string_view sub : kUnsupportedSubresources) {
    if (r.Query(sub)) return {"NotImplemented", NotImplemented, false};
  }
  if (HasUnsupportedHeader(r)) return {"NotImplemented", NotImplemented, false};
  if (r.key.empty()) {
    if (r.Query("tagging")) return {"NotImplemented", NotImplemented, false};
    if (m == "GET") {
      if (r.Query("location")) return {"GetBucketLocation", GetBucketLocation};
      if (r.Query("cors")) return {"GetBucketCors", GetBucketCors};
      if (r.Query("versioning")) return {"GetBucketVersioning", GetBucketVersioning};
      if (r.Query("versions")) return {"ListObjectVersions", ListObjectVersions};
      if (r.Query("uploads")) return {"ListMultipartUploads", ListMultipartUploads};
      if (r.Query("list-type") == "2") return {"ListObjectsV2", ListObjectsV2};
      return {"ListObjects", ListObjectsV1};
    }
    if (m == "HEAD") return {"HeadBucket", HeadBucket};
    if (m == "PUT") {
      if (r.Query("cors")) return {"PutBucketCors", PutBucketCors};
      if (r.Query("versioning")) return {"PutBucketVersioning", PutBucketVersioning};
      return {"CreateBucket", CreateBucket, false};
    }
    if (m == "DELETE") {
      if (r.Query("cors")) return {"DeleteBucketCors", DeleteBucketCors};
      return {"DeleteBucket", DeleteBucket};
    }
    if (m == "POST" && r.Query("delete")) return {"DeleteObjects", DeleteObjects};
    return {"NotImplemented", NotImplemented, false};
  }
  const bool upload = r.Query("uploadId").has_value();
  if (m == "GET") {
    if (r.Query("tagging")) return {"GetObjectTagging", GetObjectTagging};
    if (upload) return {"ListParts", ListParts};
    return {"GetObject", GetObjectBody};
  }
  if (m == "HEAD") return {"HeadObject", HeadObject};
  if (m == "POST") {
    if (r.Query("uploads")) return {"CreateMultipartUpload", CreateMultipartUpload};
    if (upload) return {"CompleteMultipartUpload", CompleteMultipartUpload};
    return {"NotImplemented", NotImplemented, false};
  }
  if (m == "PUT") {
    if (r.Query("tagging")) return {"PutObjectTagging", PutObjectTagging};
    if (upload) {
      if (r.Header("x-amz-copy-source")) return {"UploadPartCopy", UploadPartCopy};
      return {"UploadPart", UploadPart};
    }
    if (r.Header("x-amz-copy-source")) return {"CopyObject", CopyObject};
    return {"PutObject", PutObject};
  }
  if (m == "DELETE") {
    if (r.Query("tagging")) return {"DeleteObjectTagging", DeleteObjectTagging};
    if (upload) return {"AbortMultipartUpload", AbortMultipartUpload};
    return {"DeleteObject", DeleteObject};
  }
  return {"NotImplemented", NotImplemented, false};
}

}  // namespace

S3Handlers::S3Handlers(ObjectStore* store, S3HandlersOptions options)
    : store_(store), options_(std::move(options)) {}

Status S3Handlers::Handle(S3Request& request, S3ResponseWriter& response) {
  Route route = Resolve(request);
  request.operation = std::string(route.name);
  S3Call call{request, response, *store_, options_, {}};
  if (route.run != CorsPreflight && request.user == nullptr) {
    return MakeS3Error(S3ErrorCode::kAccessDenied);
  }
  if (!route.needs_bucket) return route.run(call);
  SHALE_ASSIGN_OR_RETURN(call.bucket, GetOwnedBucket(call, request.bucket));
  std::vector<S3Header> cors = CorsHeadersFor(request, call.bucket);
  if (cors.empty()) return route.run(call);
  CorsResponseWriter with_cors(response, std::move(cors));
  S3Call cors_call{request, with_cors, *store_, options_, std::move(call.bucket)};
  return route.run(cors_call);
}

}  // namespace shale::gateway
