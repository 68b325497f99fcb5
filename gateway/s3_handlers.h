#pragma once

// The S3 operations (issue 5 section 3) over an ObjectStore: routing by method, bucket/key
// presence and subresource to one function per operation (gateway/s3_ops.h), S3's rules
// (names, ownership, conditions, checksums, XML) and the mapping of data-path errors to S3
// errors (NotFound -> NoSuchBucket / NoSuchKey / NoSuchVersion, Unavailable -> 503
// ServiceUnavailable, everything else through S3ErrorFromStatus).
//
// Authorization: only a bucket's owner (BucketInfo::owner_id == User::id) may act on the
// bucket and its objects (AccessDenied otherwise); ListBuckets shows the caller's buckets only;
// a request without a user is denied, except the CORS preflight (OPTIONS), which is answered
// from the bucket's CORS configuration. Subresources Shale does not implement (?acl, ?policy,
// ?lifecycle, ...) answer NotImplemented (501).
//
// Thread-safety: Handle() may be called concurrently from any number of threads; the object is
// immutable after construction.

#include <cstddef>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "common/status.h"
#include "gateway/object_store.h"
#include "gateway/s3_exchange.h"

namespace shale::gateway {

struct S3HandlersOptions {
  std::string region = "us-east-1";   // GetBucketLocation, accepted LocationConstraint.
  std::vector<User> users;            // Owner display names in listings.
  const Clock* clock = nullptr;       // Bucket creation times; nullptr: the system clock.
  size_t read_piece_bytes = 1 << 20;  // GetObject streams the object in pieces of this size.
  // CompleteMultipartUpload: every part but the last must hold at least this many bytes
  // (EntityTooSmall); ClusterConfig::multipart_min_part_size.
  uint64_t multipart_min_part_size = 5ull * 1024 * 1024;
};

class S3Handlers {
 public:
  // `store` is borrowed and must outlive this object; `options.clock` likewise.
  S3Handlers(ObjectStore* store, S3HandlersOptions options);

  // An S3Handler: serves one authenticated (or preflight) request; sets request.operation.
  Status Handle(S3Request& request, S3ResponseWriter& response);

 private:
  ObjectStore* store_;
  S3HandlersOptions options_;
};

}  // namespace shale::gateway
