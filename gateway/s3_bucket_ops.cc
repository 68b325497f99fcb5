// ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation.

#include "common/clock.h"
#include "gateway/ascii.h"
#include "gateway/object_key.h"
#include "gateway/s3_dates.h"
#include "gateway/s3_ops.h"
#include "gateway/s3_xml.h"
#include "gateway/xml_writer.h"

namespace shale::gateway {
namespace {

constexpr size_t kMaxCreateBucketBody = 16 * 1024;

// The LocationConstraint of a CreateBucketConfiguration body ("" when there is no body).
Result<std::string> ParseLocationConstraint(std::string_view body) {
  if (TrimOws(body).empty()) return std::string();
  XmlLimits limits;
  limits.max_bytes = kMaxCreateBucketBody;
  limits.max_elements = 64;
  SHALE_ASSIGN_OR_RETURN(XmlElement root, ParseS3Xml(body, limits));
  if (root.LocalName() != "CreateBucketConfiguration") return MalformedXml();
  const XmlElement* location = root.FindChild("LocationConstraint");
  return location == nullptr ? std::string() : std::string(TrimOws(location->text));
}

}  // namespace

Status ListBuckets(S3Call& c) {
  SHALE_ASSIGN_OR_RETURN(std::vector<BucketInfo> buckets, c.store.ListBuckets());
  const User& user = *c.request.user;
  XmlWriter w;
  w.Open("ListAllMyBucketsResult", kS3Xmlns);
  WriteOwnerXml(w, c.options, user.id);
  w.Open("Buckets");
  for (const BucketInfo& b : buckets) {
    if (b.owner_id != user.id) continue;
    w.Open("Bucket");
    w.Element("Name", b.name);
    w.Element("CreationDate", FormatIso8601(b.created_ms));
    w.Close();
  }
  return SendXml(c, 200, std::move(w).Finish());
}

Status CreateBucket(S3Call& c) {
  SHALE_RETURN_IF_ERROR(ValidateBucketName(c.request.bucket));
  SHALE_ASSIGN_OR_RETURN(
      std::string body, ReadSmallBody(c.request, kMaxCreateBucketBody, S3ErrorCode::kMalformedXML));
  SHALE_ASSIGN_OR_RETURN(std::string location, ParseLocationConstraint(body));
  // Only this endpoint's own region may be asked for ("" and "us-east-1" both mean us-east-1).
  const bool default_region = c.options.region == "us-east-1";
  if (!(location.empty() && default_region) && location != c.options.region) {
    return MakeS3Error(S3ErrorCode::kIllegalLocationConstraintException,
                       "The " + (location.empty() ? std::string("unspecified") : location) +
                           " location constraint is incompatible for the region specific "
                           "endpoint this request was sent to.");
  }
  const Clock& clock = c.options.clock ? *c.options.clock : SystemClock::Default();
  BucketInfo bucket;
  bucket.name = c.request.bucket;
  bucket.owner_id = c.request.user->id;
  bucket.created_ms = static_cast<int64_t>(clock.NowMicros() / 1000);
  bucket.region = location == "us-east-1" ? "" : location;
  Status created = c.store.CreateBucket(bucket);
  if (created.code() == StatusCode::kAlreadyExists) {
    Result<BucketInfo> existing = c.store.GetBucket(bucket.name);
    if (existing.ok() && existing->owner_id == bucket.owner_id) {
      return MakeS3Error(S3ErrorCode::kBucketAlreadyOwnedByYou);
    }
    return MakeS3Error(S3ErrorCode::kBucketAlreadyExists);
  }
  SHALE_RETURN_IF_ERROR(created);
  return c.response.Send(200, {{"Location", "/" + bucket.name}}, "");
}

Status HeadBucket(S3Call& c) {
  std::string region = c.bucket.region.empty() ? "us-east-1" : c.bucket.region;
  return c.response.Send(200, {{"x-amz-bucket-region", region}}, "");
}

Status DeleteBucket(S3Call& c) {
  Status s = c.store.DeleteBucket(c.request.bucket);
  if (s.code() == StatusCode::kFailedPrecondition) {
    return MakeS3Error(S3ErrorCode::kBucketNotEmpty);
  }
  SHALE_RETURN_IF_ERROR(MapStoreError(s, S3ErrorCode::kNoSuchBucket));
  return c.response.Send(204, {}, "");
}

Status GetBucketLocation(S3Call& c) {
  // <LocationConstraint xmlns="...">region</LocationConstraint>, empty for us-east-1.
  std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"";
  body += kS3Xmlns;
  body += "\">";
  body += XmlEscape(c.bucket.region);
  body += "</LocationConstraint>";
  return SendXml(c, 200, std::move(body));
}

}  // namespace shale::gateway
