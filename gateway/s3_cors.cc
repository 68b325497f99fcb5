// Get/Put/DeleteBucketCors, the OPTIONS preflight and CORS headers on actual requests.

#include "gateway/cors.h"
#include "gateway/s3_ops.h"

namespace shale::gateway {
namespace {

constexpr size_t kMaxCorsBody = 64 * 1024;

}  // namespace

Status GetBucketCors(S3Call& c) {
  if (c.bucket.cors_json.empty()) return MakeS3Error(S3ErrorCode::kNoSuchCORSConfiguration);
  return SendXml(c, 200, c.bucket.cors_json);
}

Status PutBucketCors(S3Call& c) {
  SHALE_ASSIGN_OR_RETURN(std::string body,
                         ReadSmallBody(c.request, kMaxCorsBody, S3ErrorCode::kMalformedXML));
  SHALE_ASSIGN_OR_RETURN(CorsConfiguration config, ParseCorsXml(body));
  BucketInfo updated = c.bucket;
  // The bucket keeps the canonical XML: GetBucketCors returns it, matching re-parses it.
  updated.cors_json = RenderCorsXml(config);
  SHALE_RETURN_IF_ERROR(MapStoreError(c.store.UpdateBucket(updated), S3ErrorCode::kNoSuchBucket));
  return c.response.Send(200, {}, "");
}

Status DeleteBucketCors(S3Call& c) {
  BucketInfo updated = c.bucket;
  updated.cors_json.clear();
  SHALE_RETURN_IF_ERROR(MapStoreError(c.store.UpdateBucket(updated), S3ErrorCode::kNoSuchBucket));
  return c.response.Send(204, {}, "");
}

Status CorsPreflight(S3Call& c) {
  const S3Request& r = c.request;
  if (r.bucket.empty()) return MakeS3Error(S3ErrorCode::kAccessForbidden);
  std::optional<std::string_view> origin = r.Header("origin");
  std::optional<std::string_view> method = r.Header("access-control-request-method");
  if (!origin) {
    return MakeS3Error(S3ErrorCode::kInvalidRequest,
                       "Insufficient information. Origin request header needed.");
  }
  if (!method) {
    return MakeS3Error(S3ErrorCode::kInvalidRequest, "Invalid Access-Control-Request-Method: null");
  }
  Result<BucketInfo> bucket = c.store.GetBucket(r.bucket);
  if (!bucket.ok()) return MapStoreError(bucket.status(), S3ErrorCode::kNoSuchBucket);
  if (bucket->cors_json.empty()) return MakeS3Error(S3ErrorCode::kAccessForbidden);
  SHALE_ASSIGN_OR_RETURN(CorsConfiguration config, ParseCorsXml(bucket->cors_json));
  std::string_view requested = r.Header("access-control-request-headers").value_or("");
  const CorsRule* rule = MatchCorsRule(config, *origin, *method, requested);
  if (rule == nullptr) return MakeS3Error(S3ErrorCode::kAccessForbidden);
  return c.response.Send(200, CorsResponseHeaders(*rule, *origin, true, requested), "");
}

std::vector<S3Header> CorsHeadersFor(const S3Request& request, const BucketInfo& bucket) {
  std::optional<std::string_view> origin = request.Header("origin");
  if (!origin || bucket.cors_json.empty()) return {};
  Result<CorsConfiguration> config = ParseCorsXml(bucket.cors_json);
  if (!config.ok()) return {};
  const CorsRule* rule = MatchCorsRule(*config, *origin, request.method, "");
  if (rule == nullptr) return {};
  return CorsResponseHeaders(*rule, *origin, false, "");
}

}  // namespace shale::gateway
